"""Creating logins through accounts.services (the demo's and an administrator's path)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate

from bandian.accounts.models import County, Department, Role, User
from bandian.accounts.services import NewUser, user_create, users_create
from bandian.core.errors import ServiceError

pytestmark = pytest.mark.django_db

JOINED = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def kaili() -> County:
    return County.objects.get(adcode="522601")


def test_staff_are_created_in_their_county_and_sign_in_with_the_password(kaili):
    users = users_create(
        [
            NewUser(username="kaili-cm9", role=Role.CUSTOMER_MANAGER, county=kaili, display_name=" 王伟 "),
            NewUser(username="boss", role=Role.ADMIN, display_name="系统管理员"),
        ],
        password="a long demo password",
        at=JOINED,
    )
    assert [u.username for u in users] == ["kaili-cm9", "boss"]
    cm, admin = users
    assert cm.role == Role.CUSTOMER_MANAGER and cm.county == kaili and cm.display_name == "王伟"
    assert cm.date_joined == JOINED
    assert not cm.is_staff and admin.is_staff and admin.is_superuser
    assert authenticate(username="kaili-cm9", password="a long demo password") == cm
    assert authenticate(username="kaili-cm9", password="wrong") is None


def test_a_department_user_belongs_to_a_department():
    department = Department.objects.create(code="test-roads", name="测试交通局")
    user = user_create(
        username="dept-x", role=Role.DEPARTMENT, department=department, display_name="审批员", password="pw-123456"
    )
    assert user.department == department and user.county is None


@pytest.mark.parametrize(
    ("person", "message"),
    [
        (NewUser(username="kaili-pm9", role=Role.PROJECT_MANAGER, display_name="x"), "县市"),
        (NewUser(username="x", role="janitor", display_name="x"), "未知的角色"),
        (NewUser(username="  ", role=Role.SUPERVISOR, display_name="x"), "用户名"),
        (NewUser(username="dept-y", role=Role.DEPARTMENT, display_name="x"), "部门"),
    ],
)
def test_a_refused_login_refuses_the_whole_batch(kaili, person, message):
    before = User.objects.count()
    fine = NewUser(username="kaili-counter9", role=Role.COUNTER, county=kaili, display_name="柜员")
    with pytest.raises(ServiceError, match=message):
        users_create([fine, person], password="pw-123456")
    assert User.objects.count() == before


def test_a_taken_username_is_named_and_nothing_is_created(kaili):
    user_create(username="taken", role=Role.SUPERVISOR, display_name="监管员", password="pw-123456")
    before = User.objects.count()
    with pytest.raises(ServiceError, match="taken"):
        users_create(
            [
                NewUser(username="fresh", role=Role.SUPERVISOR, display_name="x"),
                NewUser(username="taken", role=Role.SUPERVISOR, display_name="y"),
            ],
            password="pw-123456",
        )
    assert User.objects.count() == before
    assert User.objects.get(username="taken").display_name == "监管员"
