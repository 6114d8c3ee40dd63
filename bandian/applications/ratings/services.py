"""The write paths of the service rating (好差评): invite and remind, rate, call back, rectify.

Each is keyword-only and time-aware (`at=`, default now). A rating is recorded once per
application (一事一评: the database refuses a second) and goes on the timeline as `RATED` through
`record_event`, which allows it only once the application has ended (energised, withdrawn or
cancelled) and changes no clock. A 差评 opens a follow-up for the county's customer service,
due within the policy's working days.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import Role, User
from bandian.applications.enums import EventType, Status
from bandian.applications.models import Application
from bandian.applications.ratings.models import BAD_LEVELS, FollowUp, Invitation, Level, Rating
from bandian.applications.ratings.rules import FOLLOW_UP_ROLES
from bandian.applications.services import record_event
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.notify.services import notify
from bandian.policy.loader import active_policy
from bandian.workdays.selectors import get_calendar

LINK_SALT = "bandian.ratings.link"
COMMENT_MAX = 1000


# The signed link of the SMS (no login).


def link_token(app: Application) -> str:
    return signing.dumps({"a": app.pk, "n": app.no}, salt=LINK_SALT, compress=True)


def application_for_token(token: str) -> Application:
    """The application a link names; ServiceError for a tampered, foreign or expired link."""
    days = active_policy().ratings.link_days
    try:
        value = signing.loads(token, salt=LINK_SALT, max_age=dt.timedelta(days=days))
    except signing.SignatureExpired as exc:
        raise ServiceError(_("评价链接已过期")) from exc
    except signing.BadSignature as exc:
        raise ServiceError(_("评价链接无效")) from exc
    pk, no = (value.get("a"), value.get("n")) if isinstance(value, dict) else (None, None)
    app = Application.objects.filter(pk=pk, no=no).first() if isinstance(pk, int) and isinstance(no, str) else None
    if app is None:
        raise ServiceError(_("评价链接无效"))
    return app


def link_url(app: Application) -> str:
    base = getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("ratings:link", args=[link_token(app)])


# Invitations.


def _closed_recently(now: dt.datetime) -> list[Application]:
    days = active_policy().ratings.link_days
    return list(
        Application.objects.filter(
            status__in=Status.closed_states(),
            submitted_at__isnull=False,
            closed_at__gt=now - dt.timedelta(days=days),
            closed_at__lte=now,
            rating__isnull=True,
        )
        .exclude(phone="")
        .order_by("closed_at", "pk")
    )


def rating_invitations_send(*, at: dt.datetime | None = None) -> tuple[int, int]:
    """Invite (once) every application that ended within the policy's `link_days` and is not
    rated, and remind (once) those invited `reminder_days` ago and still not rated. Each is an SMS
    with the signed link. Idempotent; run hourly or daily (`manage.py ratings invite`).
    Returns (invitations, reminders) sent."""
    now = at or timezone.now()
    policy = active_policy().ratings
    invited = reminded = 0
    for app in _closed_recently(now):
        with transaction.atomic():
            _invitation, created = Invitation.objects.get_or_create(application=app, defaults={"invited_at": now})
            if created:
                _invite(app, reminder=False)
                invited += 1
    due = Invitation.objects.filter(
        reminded_at__isnull=True,
        invited_at__lte=now - dt.timedelta(days=policy.reminder_days),
        invited_at__gt=now - dt.timedelta(days=policy.link_days),
        application__rating__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            pending = (
                Invitation.objects.select_for_update()
                .select_related("application")
                .filter(pk=pk, reminded_at__isnull=True)
                .first()
            )
            if pending is None or Rating.objects.filter(application_id=pending.application_id).exists():
                continue
            pending.reminded_at = now
            pending.save(update_fields=["reminded_at"])
            _invite(pending.application, reminder=True)
            reminded += 1
    return invited, reminded


def _invite(app: Application, *, reminder: bool) -> None:
    body = (
        _("您的申请已办结，还未评价。请用此链接对本次服务评价（一事一评）：%(url)s")
        if reminder
        else _("您的申请已办结，请对本次服务评价（一事一评）：%(url)s")
    ) % {"url": link_url(app)}
    notify(
        subject=_("提醒：请评价本次服务") if reminder else _("请评价本次服务"),
        body=f"{app.no}：{body}",
        recipient=app.applicant,
        phone=app.phone,
        application_id=app.pk,
    )


# Rating.


def _level(value: str | None, what: str) -> str:
    if value in (None, ""):
        return ""
    if value not in Level.values:
        raise ServiceError(_("%(what)s的评价等级无效") % {"what": what})
    return str(value)


def rating_submit(
    *,
    application: Application,
    level: str,
    comment: str = "",
    customer_manager_level: str | None = None,
    project_manager_level: str | None = None,
    actor: User | None,
    via_link: bool = False,
    at: dt.datetime | None = None,
) -> Rating:
    """The applicant rates the ended application once (一事一评), with an optional comment and a
    level for each manager. `actor` is the signed-in applicant, or None for a counter customer
    who follows the signed link (`via_link`). Staff never rate. A 差评 opens its follow-up."""
    now = at or timezone.now()
    comment = (comment or "").strip()
    if actor is not None and actor.role != Role.APPLICANT:
        raise ServiceError(_("工作人员不能评价或修改评价"))
    if actor is None and not via_link:
        raise ServiceError(_("请登录或使用短信中的评价链接"))
    if actor is not None and application.applicant_id != actor.pk:
        raise ServiceError(_("只能评价自己的申请"))
    if not level:
        raise ServiceError(_("请选择满意度"))
    overall = _level(level, _("总体"))
    cm_level = _level(customer_manager_level, _("客户经理"))
    pm_level = _level(project_manager_level, _("项目经理"))
    if len(comment) > COMMENT_MAX:
        raise ServiceError(_("评价内容不能超过 %(n)s 个字") % {"n": COMMENT_MAX})
    try:
        with transaction.atomic():
            app = Application.objects.select_for_update().get(pk=application.pk)
            if Rating.objects.filter(application=app).exists():
                raise StateConflict(_("该申请已评价，一事一评，不能再评或修改"))
            if cm_level and app.customer_manager_id is None:
                raise ServiceError(_("该申请没有客户经理"))
            if pm_level and app.project_manager_id is None:
                raise ServiceError(_("该申请没有项目经理"))
            rating = Rating(
                application=app,
                county_id=app.county_id,
                level=overall,
                comment=comment,
                customer_manager_id=app.customer_manager_id if cm_level else None,
                customer_manager_level=cm_level,
                project_manager_id=app.project_manager_id if pm_level else None,
                project_manager_level=pm_level,
                channel=Rating.Channel.SMS_LINK if via_link else Rating.Channel.ONLINE,
                rated_at=now,
            )
            # The timeline first: it refuses an application that has not ended.
            record_event(
                app,
                EventType.RATED,
                actor=actor,
                at=at,
                data={
                    "level": overall,
                    "customer_manager_level": cm_level,
                    "project_manager_level": pm_level,
                    "channel": rating.channel,
                },
            )
            rating.save()
            if overall in BAD_LEVELS:
                _open_follow_up(rating, now)
    except IntegrityError as exc:
        raise StateConflict(_("该申请已评价，一事一评，不能再评或修改")) from exc
    return rating


def follow_up_due(rated_at: dt.datetime) -> dt.datetime:
    """The end (midnight, Shanghai) of the policy's Nth working day after the day of the rating."""
    days = active_policy().ratings.follow_up_workdays
    last = get_calendar().add_workdays(rated_at.astimezone(SHANGHAI).date(), days)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def _open_follow_up(rating: Rating, now: dt.datetime) -> FollowUp:
    follow_up = FollowUp.objects.create(
        rating=rating, county_id=rating.county_id, opened_at=now, due_at=follow_up_due(rating.rated_at)
    )
    staff = User.objects.filter(role__in=FOLLOW_UP_ROLES, county_id=rating.county_id, is_active=True)
    for person in staff:
        notify(
            subject=_("差评待回访"),
            body=_("%(no)s：%(level)s，请在 %(due)s 前回访并整改。")
            % {
                "no": rating.application.no,
                "level": Level(rating.level).label,
                "due": follow_up.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            },
            recipient=person,
            application_id=rating.application_id,
            sms=False,
        )
    return follow_up


# The follow-up of a 差评.


def _lock_follow_up(follow_up: FollowUp, actor: User) -> FollowUp:
    locked = FollowUp.objects.select_for_update().select_related("rating__application").get(pk=follow_up.pk)
    if actor.role not in FOLLOW_UP_ROLES or actor.county_id != locked.county_id:
        raise ServiceError(_("只有本县（市）营业厅（客户服务）人员可以回访和整改"))
    return locked


def follow_up_callback(*, follow_up: FollowUp, actor: User, note: str, at: dt.datetime | None = None) -> FollowUp:
    """Record the call-back to the applicant (回访): what they said. Once."""
    now = at or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("请填写回访记录"))
    if len(note) > COMMENT_MAX:
        raise ServiceError(_("回访记录不能超过 %(n)s 个字") % {"n": COMMENT_MAX})
    with transaction.atomic():
        locked = _lock_follow_up(follow_up, actor)
        if locked.callback_at is not None:
            raise StateConflict(_("已记录回访"))
        if now < locked.opened_at:
            raise ServiceError(_("回访时间早于评价时间"))
        locked.callback_at, locked.callback_note, locked.callback_by = now, note, actor
        locked.save()
    return locked


def follow_up_rectify(
    *, follow_up: FollowUp, actor: User, rectification: str, at: dt.datetime | None = None
) -> FollowUp:
    """Record the rectification (整改) after the call-back: the 差评 is then handled, in time or
    not. The applicant is told, and sees it on the application's page."""
    now = at or timezone.now()
    rectification = (rectification or "").strip()
    if not rectification:
        raise ServiceError(_("请填写整改情况"))
    if len(rectification) > COMMENT_MAX:
        raise ServiceError(_("整改情况不能超过 %(n)s 个字") % {"n": COMMENT_MAX})
    with transaction.atomic():
        locked = _lock_follow_up(follow_up, actor)
        if locked.handled_at is not None:
            raise StateConflict(_("已整改完毕"))
        if locked.callback_at is None:
            raise StateConflict(_("请先回访申请人"))
        if now < locked.callback_at:
            raise ServiceError(_("整改时间早于回访时间"))
        locked.rectification, locked.handled_at, locked.handled_by = rectification, now, actor
        locked.save()
        app = locked.rating.application
        notify(
            subject=_("您的评价已整改"),
            body=f"{app.no}：" + _("针对您的评价，整改情况：%(r)s") % {"r": rectification[:200]},
            recipient=app.applicant,
            phone=app.phone,
            application_id=app.pk,
        )
    return locked
