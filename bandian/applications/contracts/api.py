"""/api/v1/applications/{no}/contract… (bearer tokens or the session) and
/api/v1/public/contracts/verify (no login).

Endpoints are thin: the application through the selector (404 when the caller may not see it),
the rule (403), one service. Errors become JSON in bandian/api.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.errors import AuthorizationError
from ninja.files import UploadedFile
from pydantic import Field

from bandian.accounts.auth import api_auth
from bandian.accounts.rules import AnyUser
from bandian.applications.api import api_application, api_user
from bandian.applications.contracts import rules, services
from bandian.applications.contracts.models import Contract
from bandian.applications.contracts.selectors import contract_status
from bandian.applications.contracts.verify import verify_contract
from bandian.applications.models import Application
from bandian.core.errors import ServiceError
from bandian.core.schemas import ERRORS, READ_ERRORS, errors, file_answer
from bandian.core.time import SHANGHAI

router = Router(auth=api_auth)
public_router = Router()


class ContractOut(Schema):
    application_no: str
    state: str = Field(description="none (not drawn yet), drawn, signed (by the applicant), sealed (by the utility)")
    signing_stage: str
    drawn_at: dt.datetime | None
    sha256: str | None = Field(description="SHA-256 of the contract as drawn (the one the applicant signs)")
    signed_at: dt.datetime | None
    channel: str | None = Field(description="sms or paper")
    sealed_at: dt.datetime | None
    sealed_sha256: str | None
    signer: str | None


class SignIn(Schema):
    code: str = Field(min_length=1, max_length=12)


class VerificationOut(Schema):
    signed: bool
    intact: bool
    trusted: bool
    signer: str | None
    signed_at: dt.datetime | None
    application_no: str | None
    matches_record: bool


def _get(request: HttpRequest, no: str, allowed: Callable[[AnyUser, Application], bool], refusal: str) -> Application:
    """The application if the caller may see it (404) and `allowed` lets them act on it (403)."""
    app = api_application(request, no)
    if not allowed(api_user(request), app):
        raise AuthorizationError(message=refusal)
    return app


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


def _out(app: Application, contract: Contract | None, stage: str) -> dict[str, Any]:
    return {
        "application_no": app.no,
        "state": contract.state if contract else "none",
        "signing_stage": stage,
        "drawn_at": _local(contract.drawn_at) if contract else None,
        "sha256": contract.pdf_sha256 if contract else None,
        "signed_at": _local(contract.signed_at) if contract else None,
        "channel": (contract.signed_channel or None) if contract else None,
        "sealed_at": _local(contract.sealed_at) if contract else None,
        "sealed_sha256": (contract.sealed_sha256 or None) if contract else None,
        "signer": (contract.signer or None) if contract else None,
    }


@router.get(
    "/{no}/contract",
    response={200: None, **READ_ERRORS},
    openapi_extra=file_answer("application/pdf", description="the contract, sealed once sealed"),
    summary="The supply contract as a PDF (sealed once sealed): the applicant and the county's staff",
)
def contract_pdf(request: HttpRequest, no: str) -> HttpResponse:
    app = _get(request, no, rules.can_download, _("只有申请人和本县（市）的工作人员可以下载合同"))
    contract = contract_status(app).contract
    if contract is None:
        raise Http404(_("供用电合同尚未生成"))
    with contract.file.open("rb") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{app.no}-contract.pdf"'
    return response


@router.get("/{no}/contract/status", response={200: ContractOut, **READ_ERRORS}, summary="The contract's state")
def contract_state(request: HttpRequest, no: str) -> dict[str, Any]:
    app = _get(request, no, rules.can_download, _("只有申请人和本县（市）的工作人员可以查看合同"))
    status = contract_status(app)
    return _out(app, status.contract, status.stage)


@router.post(
    "/{no}/contract/code",
    response={200: ContractOut, **ERRORS},
    summary="The applicant: send the one-time signing code by SMS",
)
def contract_code(request: HttpRequest, no: str) -> dict[str, Any]:
    app = _get(request, no, rules.can_sign_online, _("只有申请人本人可以在线签订合同"))
    status = contract_status(app)
    services.contract_code_send(application=app, actor=api_user(request))
    return _out(app, status.contract, status.stage)


@router.post(
    "/{no}/contract/sign",
    response={200: ContractOut, **ERRORS},
    summary="The applicant: sign the contract with the SMS code (JSON `code`)",
)
def contract_sign(request: HttpRequest, no: str, payload: SignIn) -> dict[str, Any]:
    app = _get(request, no, rules.can_sign_online, _("只有申请人本人可以在线签订合同"))
    contract_status(app)  # drawn now if the step's drawing failed
    services.contract_sign(application=app, code=payload.code, actor=api_user(request))
    status = contract_status(app)
    if status.contract is not None:
        status.contract.refresh_from_db()
    return _out(app, status.contract, status.stage)


@public_router.post(
    "/contracts/verify",
    response={200: VerificationOut, **errors(400, 422)},
    summary="Anyone: verify a contract PDF (multipart `file`)",
    auth=None,
)
def contract_verify(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    if file.size is not None and file.size > settings.DOCUMENT_MAX_BYTES:
        raise ServiceError(_("文件不能超过 10 MB"))
    data = file.read(settings.DOCUMENT_MAX_BYTES + 1)
    if len(data) > settings.DOCUMENT_MAX_BYTES:
        raise ServiceError(_("文件不能超过 10 MB"))
    return verify_contract(data).as_dict()
