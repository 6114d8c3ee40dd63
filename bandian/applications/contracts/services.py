"""The write paths of supply contracts: draw, send the signing code, sign (SMS code or paper),
seal. Each is keyword-only and time-aware (`at=`, default now), locks the application, checks,
records and notifies; the applicant's signature and the utility's seal are events on the
application's hash chain, recorded through `record_event`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import User
from bandian.accounts.services import CODE_MAX_ATTEMPTS, CODE_TTL, RESEND_AFTER, code_hash, new_code
from bandian.applications.contracts import rules
from bandian.applications.contracts.models import Contract, ContractState, SigningChannel, SigningCode
from bandian.applications.contracts.pdf import contract_text, draw_contract
from bandian.applications.contracts.signing import Signer, Stamp, get_signer
from bandian.applications.enums import EventType, Status
from bandian.applications.models import Application
from bandian.applications.services import record_event
from bandian.core.counters import attempt_count
from bandian.core.errors import ServiceError, StateConflict
from bandian.notify.services import notify
from bandian.policy.contracts import ContractTemplate, contract_templates
from bandian.policy.loader import active_policy

logger = logging.getLogger("bandian.contracts")

# Codes one application may be sent per hour (no SMS bombing through a contract).
CODES_PER_HOUR = 5


def template_for(app: Application) -> ContractTemplate:
    return contract_templates().for_class(app.customer_class)


def signing_stage(app: Application) -> str:
    """The step at which the applicant signs: `apply` for low voltage, `plan` for high voltage."""
    return template_for(app).stage


def contract_due(app: Application) -> bool:
    """Whether the application has reached the step at which its contract is signed."""
    if app.status == Status.ENERGISED:
        return True
    if app.status not in Status.open_states() or not app.current_stage:
        return False
    steps = list(active_policy().classes[app.customer_class].steps)
    stage = signing_stage(app)
    return app.current_stage in steps and steps.index(app.current_stage) >= steps.index(stage)


def verify_url(app_no: str) -> str:
    from django.conf import settings

    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse('contracts:verify')}?no={app_no}"


def stamp_for(app: Application) -> Stamp:
    return Stamp(utility=template_for(app).supplier.name, verify_url=verify_url(app.no))


def _lock(app: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("county", "applicant").get(pk=app.pk)


def _tell_applicant(app: Application, subject: str, body: str) -> None:
    notify(subject=subject, body=f"{app.no}：{body}", recipient=app.applicant, phone=app.phone, application_id=app.pk)


def contract_draw(
    *,
    application: Application,
    at: dt.datetime | None = None,
    notify_people: bool = True,
    drawn: bytes | None = None,
) -> Contract:
    """Draw the application's contract from its class's template, once it has reached its
    signing step. StateConflict when it has not, or when it has a contract already.
    `drawn`: the PDF `draw_contract` made for it beforehand (the demo draws in worker processes)."""
    when = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        if Contract.objects.filter(application=app).exists():
            raise StateConflict(_("该申请已生成供用电合同"))
        if not contract_due(app):
            raise StateConflict(_("申请尚未到签订供用电合同的环节"))
        template = template_for(app)
        policy = active_policy()
        pdf = drawn or draw_contract(
            contract_text(app, template, class_name=policy.classes[app.customer_class].zh, at=when)
        )
        contract = Contract(
            application=app, template=template.key, drawn_at=when, pdf_sha256=hashlib.sha256(pdf).hexdigest()
        )
        contract.pdf.save(f"{app.no}-contract.pdf", ContentFile(pdf), save=False)
        contract.save()
        if notify_people:
            _tell_applicant(
                app,
                _("供用电合同待签订"),
                _("您的供用电合同已生成，请登录查看，并以短信验证码确认签订（或到营业厅签字）。"),
            )
    return contract


def contract_draw_if_due(application_id: int, *, quiet: bool = False) -> Contract | None:
    """Draw the contract of an application that has reached its signing step and has none yet
    (after each submission and step, and when its page is opened). `quiet`: log a failure."""
    app = Application.objects.filter(pk=application_id).first()
    if app is None or Contract.objects.filter(application_id=application_id).exists() or not contract_due(app):
        return Contract.objects.filter(application_id=application_id).first()
    try:
        return contract_draw(application=app)
    except StateConflict:
        return Contract.objects.filter(application_id=application_id).first()
    except Exception:
        if not quiet:
            raise
        logger.exception("the contract of %s could not be drawn", app.no)
        return None


def _signable(app: Application) -> Contract:
    if app.status not in (*Status.open_states(), Status.ENERGISED):
        raise StateConflict(_("该申请已结束，不能签订合同"))
    contract = Contract.objects.select_for_update().filter(application=app).first()
    if contract is None:
        raise StateConflict(_("供用电合同尚未生成"))
    if contract.state != ContractState.DRAWN:
        raise StateConflict(_("供用电合同已经签订"))
    return contract


def _signing_phone(app: Application) -> str:
    return app.phone or (app.applicant.phone if app.applicant else "")


def contract_code_send(*, application: Application, actor: User, at: dt.datetime | None = None) -> None:
    """Send a six-digit signing code to the applicant's phone through the outbox; only its
    keyed hash is kept. At most one a minute and CODES_PER_HOUR an hour per application."""
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        if not rules.can_sign_online(actor, app):
            raise ServiceError(_("只有申请人本人可以在线签订合同"))
        contract = _signable(app)
        phone = _signing_phone(app)
        if not phone:
            raise ServiceError(_("申请没有登记手机号码，请到营业厅签字"))
        if SigningCode.objects.filter(contract=contract, created_at__gt=now - RESEND_AFTER).exists():
            raise ServiceError(_("验证码已发送，请 60 秒后再重新获取"))
        if attempt_count(f"contract-code:{app.pk}", window=3600) > CODES_PER_HOUR:
            raise ServiceError(_("获取验证码过于频繁，请一小时后再试"))
        code = new_code()
        SigningCode.objects.create(
            contract=contract,
            phone=phone,
            code_hash=code_hash(f"contract:{contract.pk}:{phone}", code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        # An SMS only (no in-app copy): the code goes to the phone and nowhere else.
        notify(
            subject=_("合同签订验证码"),
            body=_("您正在签订用电申请 %(no)s 的供用电合同，验证码 %(code)s，10 分钟内有效，请勿告诉他人。")
            % {"no": app.no, "code": code},
            phone=phone,
        )


def _after_signature(app: Application) -> None:
    from bandian.applications.contracts.tasks import seal_contract

    transaction.on_commit(lambda: seal_contract.enqueue(app.pk))


def contract_sign(*, application: Application, code: str, actor: User, at: dt.datetime | None = None) -> Contract:
    """The applicant accepts the contract by confirming the SMS code: `contract_signed` on the
    chain with the contract's SHA-256 and the channel; then the utility's seal is queued.
    A wrong code counts against the attempts (committed before the refusal)."""
    now = at or timezone.now()
    error = ""
    with transaction.atomic():
        app = _lock(application)
        if not rules.can_sign_online(actor, app):
            raise ServiceError(_("只有申请人本人可以在线签订合同"))
        contract = _signable(app)
        pending = (
            SigningCode.objects.select_for_update()
            .filter(contract=contract, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        code = (code or "").strip()
        if pending is None or pending.expires_at <= now:
            error = _("验证码已失效，请重新获取")
        elif pending.attempts >= CODE_MAX_ATTEMPTS:
            error = _("验证码错误次数过多，请重新获取")
        elif not (code.isascii() and code.isdigit() and len(code) == 6) or not hmac.compare_digest(
            pending.code_hash, code_hash(f"contract:{contract.pk}:{pending.phone}", code)
        ):
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
            left = CODE_MAX_ATTEMPTS - pending.attempts
            error = (
                _("验证码不正确（还可尝试 %(n)d 次）") % {"n": left} if left else _("验证码错误次数过多，请重新获取")
            )
        else:
            pending.used_at = now
            pending.save(update_fields=["used_at"])
            _record_signature(app, contract, channel=SigningChannel.SMS, actor=actor, at=at, when=now)
            _after_signature(app)
            return contract
    raise ServiceError(error)


def contract_accept(
    *,
    application: Application,
    channel: str,
    actor: User | None,
    at: dt.datetime | None = None,
    notify_people: bool = True,
    queue_seal: bool = True,
) -> Contract:
    """Record an acceptance made and checked elsewhere (the demo's history, a migration from
    another system): `contract_signed` as `contract_sign` records it, without the code. Pages
    and the API never call this; they call `contract_sign` or `contract_sign_paper`."""
    if channel not in SigningChannel.values:
        raise ServiceError(_("未知的签订渠道"))
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        contract = _signable(app)
        _record_signature(app, contract, channel=channel, actor=actor, at=at, when=now, notify_people=notify_people)
        if queue_seal:
            _after_signature(app)
    return contract


def _record_signature(
    app: Application,
    contract: Contract,
    *,
    channel: str,
    actor: User | None,
    at: dt.datetime | None,
    when: dt.datetime,
    scan: UploadedFile | None = None,
    notify_people: bool = True,
) -> None:
    record_event(
        app,
        EventType.CONTRACT_SIGNED,
        actor=actor,
        at=at,
        evidence=scan,
        data={"sha256": contract.pdf_sha256, "channel": channel, "template": contract.template},
        notify_people=False,
    )
    contract.state = ContractState.SIGNED
    contract.signed_at = when
    contract.signed_channel = channel
    contract.signed_by = actor
    contract.save(update_fields=["state", "signed_at", "signed_channel", "signed_by"])
    if notify_people:
        _tell_applicant(app, _("供用电合同已签订"), _("您已签订供用电合同，供电企业签章后即生效。"))


def contract_sign_paper(
    *,
    application: Application,
    scan: UploadedFile,
    actor: User,
    at: dt.datetime | None = None,
    notify_people: bool = True,
    queue_seal: bool = True,
) -> Contract:
    """A counter clerk records the applicant's signature on paper with its scan (PDF, JPEG or
    PNG, checked by its content): `contract_signed` with the channel `paper`, the scan as the
    event's evidence."""
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        if not rules.can_record_paper(actor, app):
            raise ServiceError(_("只有本县市营业厅人员可以录入纸质签字"))
        contract = _signable(app)
        _record_signature(
            app,
            contract,
            channel=SigningChannel.PAPER,
            actor=actor,
            at=at,
            when=now,
            scan=scan,
            notify_people=notify_people,
        )
        if queue_seal:
            _after_signature(app)
    return contract


def contract_seal(
    *,
    application: Application,
    at: dt.datetime | None = None,
    signer: Signer | None = None,
    notify_people: bool = True,
    sealed: bytes | None = None,
) -> Contract:
    """The utility signs the signed contract digitally (PAdES, visible stamp), stores the sealed
    PDF and records `contract_sealed` with its SHA-256. SigningUnavailable without a key.
    `sealed`: the PDF `signer` signed for it beforehand (the demo signs in worker processes)."""
    when = at or timezone.now()
    signer = signer or get_signer()
    with transaction.atomic():
        app = _lock(application)
        contract = Contract.objects.select_for_update().filter(application=app).first()
        if contract is None or contract.state == ContractState.DRAWN:
            raise StateConflict(_("申请人尚未签订供用电合同"))
        if contract.state == ContractState.SEALED:
            raise StateConflict(_("供用电合同已经签章"))
        if sealed is None:
            with contract.pdf.open("rb") as handle:
                sealed = signer.sign(handle.read(), at=when, stamp=stamp_for(app))
        _store_seal(app, contract, sealed, signer=signer.subject, at=at, when=when)
        if notify_people:
            _tell_applicant(app, _("供用电合同已生效"), _("供电企业已对您的供用电合同加盖电子签章，可在申请页面下载。"))
    return contract


def _store_seal(
    app: Application, contract: Contract, sealed: bytes, *, signer: str, at: dt.datetime | None, when: dt.datetime
) -> None:
    digest = hashlib.sha256(sealed).hexdigest()
    record_event(
        app,
        EventType.CONTRACT_SEALED,
        actor=None,
        at=at,
        data={"sha256": digest, "signed_sha256": contract.pdf_sha256, "signer": signer},
        notify_people=False,
    )
    contract.sealed_pdf.save(f"{app.no}-contract-signed.pdf", ContentFile(sealed), save=False)
    contract.sealed_sha256 = digest
    contract.sealed_at = when
    contract.signer = signer
    contract.state = ContractState.SEALED
    contract.save(update_fields=["sealed_pdf", "sealed_sha256", "sealed_at", "signer", "state"])
