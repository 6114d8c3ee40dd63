from __future__ import annotations

import pytest
from django.test import Client

from bandian.accounts.auth import issue_token
from bandian.accounts.models import Department, Role, User
from tests.conftest import make_user


@pytest.fixture
def supervisor2(db) -> User:
    return make_user("supervisor-2", Role.SUPERVISOR)


@pytest.fixture
def housing(db) -> User:
    user = make_user("dept-housing", Role.DEPARTMENT)
    user.department = Department.objects.get_or_create(code="housing", defaults={"name": "州住房城乡建设局"})[0]
    user.save()
    return user


@pytest.fixture
def transport(db) -> User:
    user = make_user("dept-transport", Role.DEPARTMENT)
    user.department = Department.objects.get_or_create(code="transport", defaults={"name": "州交通运输局"})[0]
    user.save()
    return user


def bearer(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, label='test')}")
