"""Accounts: registering applicants by phone (a one-time SMS code, then name and password), and
creating logins for staff, supervisors, departments and administrators (`users_create`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County, Department, PhoneCode, Role, User
from bandian.accounts.phones import normalise_phone, valid_mobile
from bandian.core.counters import attempt_count
from bandian.core.errors import ServiceError
from bandian.core.identity import applicant_ref
from bandian.notify.models import Message
from bandian.notify.services import notify

CODE_TTL = dt.timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
RESEND_AFTER = dt.timedelta(seconds=60)
# Codes one client address may ask for per hour, whatever the numbers (no SMS bombing).
CODES_PER_CLIENT_HOUR = 10


class RegistrationError(Exception):
    """A registration step the rules refuse; the message is for the person registering."""


def _code_hash(phone: str, code: str) -> str:
    # Keyed: six digits alone would be found by trying all of them against a leaked hash.
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def code_hash(scope: str, code: str) -> str:
    """The keyed hash a one-time SMS code is stored as, bound to its scope (the phone for
    registration; other uses, such as signing a contract, name their own). Never the code itself."""
    return _code_hash(scope, code)


def new_code() -> str:
    """A fresh six-digit one-time code."""
    return f"{secrets.randbelow(10**6):06d}"


def phone_registered(phone: str) -> bool:
    return User.objects.filter(username=phone).exists()


def phone_code_send(*, phone: str, client: str = "") -> None:
    """Send a six-digit code to the phone through the notification outbox."""
    phone = normalise_phone(phone)
    if not valid_mobile(phone):
        raise RegistrationError(_("请输入 11 位手机号码"))
    if phone_registered(phone):
        raise RegistrationError(_("该手机号已注册，请直接登录"))
    now = timezone.now()
    with transaction.atomic():
        if PhoneCode.objects.filter(phone=phone, created_at__gt=now - RESEND_AFTER).exists():
            raise RegistrationError(_("验证码已发送，请 60 秒后再重新获取"))
        # Counted before the code goes out, atomically in the shared cache: however many
        # processes serve the requests, no more than the limit are sent.
        if client and attempt_count(f"sms-code:client:{client}", window=3600) > CODES_PER_CLIENT_HOUR:
            raise RegistrationError(_("获取验证码过于频繁，请一小时后再试"))
        code = new_code()
        PhoneCode.objects.create(phone=phone, code_hash=_code_hash(phone, code), expires_at=now + CODE_TTL)
        notify(
            subject=_("注册验证码"),
            body=_("您的注册验证码是 %(code)s，10 分钟内有效，请勿告诉他人。") % {"code": code},
            phone=phone,
        )


def applicant_register(*, phone: str, code: str, display_name: str, password: str, id_number: str = "") -> User:
    """Check the code and create the applicant; earlier SMS to the phone join their inbox."""
    phone = normalise_phone(phone)
    now = timezone.now()
    error = ""
    with transaction.atomic():
        pending = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if pending is None or pending.expires_at <= now:
            error = _("验证码已失效，请重新获取")
        elif pending.attempts >= CODE_MAX_ATTEMPTS:
            error = _("验证码错误次数过多，请重新获取")
        elif not hmac.compare_digest(pending.code_hash, _code_hash(phone, code.strip())):
            # The failed attempt is counted (and committed) before the refusal.
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
            left = CODE_MAX_ATTEMPTS - pending.attempts
            error = (
                _("验证码不正确（还可尝试 %(n)d 次）") % {"n": left} if left else _("验证码错误次数过多，请重新获取")
            )
        elif phone_registered(phone):
            error = _("该手机号已注册，请直接登录")
        else:
            pending.used_at = now
            pending.save(update_fields=["used_at"])
            user = User.objects.create_user(
                username=phone,
                password=password,
                phone=phone,
                display_name=display_name.strip(),
                role=Role.APPLICANT,
                applicant_ref=applicant_ref(id_number),
            )
            Message.objects.filter(phone=phone, recipient__isnull=True).update(recipient=user)
            return user
    raise RegistrationError(error)


# Logins made by an administrator or a command (the demo), not by registration.

# Roles whose work is one county's (their county is required) and the department's own role.
COUNTY_REQUIRED = frozenset({Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER, Role.GRID_OPERATOR})


@dataclass(frozen=True)
class NewUser:
    """One login to create: who it is and where they work. An administrator (role admin) may
    also enter the Django admin."""

    username: str
    role: str
    display_name: str
    county: County | None = None
    department: Department | None = None
    email: str = ""
    phone: str = ""
    applicant_ref: str = ""


def _checked(person: NewUser) -> NewUser:
    username = person.username.strip()
    if not username or len(username) > 150:
        raise ServiceError(_("用户名不能为空，且不超过 150 个字符"))
    if person.role not in Role.values:
        raise ServiceError(_("未知的角色：%(r)s") % {"r": person.role})
    if person.role in COUNTY_REQUIRED and person.county is None:
        raise ServiceError(_("该角色须指定所属县市：%(u)s") % {"u": username})
    if person.role == Role.DEPARTMENT and person.department is None:
        raise ServiceError(_("审批部门人员须指定所属部门：%(u)s") % {"u": username})
    if person.role != Role.DEPARTMENT and person.department is not None:
        raise ServiceError(_("只有审批部门人员属于审批部门：%(u)s") % {"u": username})
    return dataclasses.replace(person, username=username, display_name=person.display_name.strip())


def users_create(people: Sequence[NewUser], *, password: str, at: dt.datetime | None = None) -> list[User]:
    """Create these logins, all with the same password, joined at `at` (default now), in one
    transaction: all of them or, when one is refused (a username taken, a role without its
    county or department), none. The password is hashed once for all of them (hashing takes a
    noticeable fraction of a second each). Returns the users in the order given."""
    checked = [_checked(person) for person in people]
    names = [p.username for p in checked]
    if len(set(names)) != len(names):
        raise ServiceError(_("用户名重复"))
    joined = at or timezone.now()
    hashed = make_password(password)
    with transaction.atomic():
        taken = sorted(User.objects.filter(username__in=names).values_list("username", flat=True))
        if taken:
            raise ServiceError(_("用户名已被占用：%(u)s") % {"u": "、".join(taken)})
        users = [
            User(
                username=p.username,
                role=p.role,
                display_name=p.display_name,
                county=p.county,
                department=p.department,
                email=p.email,
                phone=p.phone,
                applicant_ref=p.applicant_ref,
                password=hashed,
                is_staff=p.role == Role.ADMIN,
                is_superuser=p.role == Role.ADMIN,
                date_joined=joined,
            )
            for p in checked
        ]
        User.objects.bulk_create(users)
    created = {u.username: u for u in User.objects.filter(username__in=names).select_related("county", "department")}
    return [created[name] for name in names]


def user_create(
    *,
    username: str,
    role: str,
    display_name: str,
    password: str,
    county: County | None = None,
    department: Department | None = None,
    email: str = "",
    phone: str = "",
    at: dt.datetime | None = None,
) -> User:
    """Create one login (see `users_create`)."""
    person = NewUser(
        username=username,
        role=role,
        display_name=display_name,
        county=county,
        department=department,
        email=email,
        phone=phone,
    )
    return users_create([person], password=password, at=at)[0]


def department_ensure(*, code: str, name: str, county: County | None = None) -> tuple[Department, bool]:
    """The department of this code, created with this name (and county) when missing; an
    existing one keeps its name. Returns (department, created)."""
    code = code.strip()
    if not code or len(code) > 40 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise ServiceError(_("部门代码应为字母、数字、- 或 _（不超过 40 个字符）"))
    name = name.strip()
    if not name or len(name) > 100:
        raise ServiceError(_("部门名称不能为空，且不超过 100 个字符"))
    return Department.objects.get_or_create(code=code, defaults={"name": name, "county": county})
