"""Contract pages: the download, the applicant's SMS signing, the counter's paper signature,
the managers' manual seal, and the public verification page (no login)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bandian.accounts.rules import signed_in_user
from bandian.applications.contracts import rules, services
from bandian.applications.contracts.forms import CodeForm, PaperForm, VerifyForm
from bandian.applications.contracts.models import Contract
from bandian.applications.contracts.selectors import contract_status
from bandian.applications.contracts.verify import NotAContract, verify_contract
from bandian.applications.views import application_for_action
from bandian.core.errors import REFUSALS, refusal_text


def _detail(no: str) -> HttpResponse:
    return redirect(f"/applications/{no}/#contract")


@login_required
def contract_file(request: HttpRequest, no: str) -> FileResponse:
    """The contract as it stands (sealed once sealed), shown inline as a PDF."""
    app = application_for_action(request, no, rules.can_download)
    contract = contract_status(app).contract
    if contract is None:
        raise Http404("no contract")
    sealed = bool(contract.sealed_pdf)
    name = f"{app.no}-contract{'-signed' if sealed else ''}.pdf"
    return FileResponse(contract.file.open("rb"), content_type="application/pdf", filename=name)


@login_required
@require_POST
def send_code(request: HttpRequest, no: str) -> HttpResponse:
    app = application_for_action(request, no, rules.can_sign_online)
    try:
        services.contract_code_send(application=app, actor=signed_in_user(request))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("验证码已发送到您登记的手机，10 分钟内有效。"))
    return _detail(app.no)


@login_required
@require_POST
def sign(request: HttpRequest, no: str) -> HttpResponse:
    app = application_for_action(request, no, rules.can_sign_online)
    form = CodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请输入 6 位短信验证码"))
        return _detail(app.no)
    try:
        services.contract_sign(application=app, code=form.cleaned_data["code"], actor=signed_in_user(request))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("您已签订供用电合同。"))
    return _detail(app.no)


@login_required
def paper(request: HttpRequest, no: str) -> HttpResponse:
    """The counter clerk's form: the scan of the contract the applicant signed on paper."""
    app = application_for_action(request, no, rules.can_record_paper)
    form = PaperForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contract_sign_paper(
                    application=app, scan=form.cleaned_data["scan"], actor=signed_in_user(request)
                )
            except REFUSALS as exc:
                form.add_error(None, refusal_text(exc))
            else:
                messages.success(request, _("纸质签字已录入。"))
                return _detail(app.no)
        status = 400
    return render(
        request,
        "contracts/paper.html",
        {"app": app, "form": form, "status": contract_status(app)},
        status=status,
    )


@login_required
@require_POST
def seal(request: HttpRequest, no: str) -> HttpResponse:
    app = application_for_action(request, no, rules.can_seal)
    try:
        services.contract_seal(application=app)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("供用电合同已签章。"))
    return _detail(app.no)


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone uploads a contract and sees whether it is signed, intact, trusted and recorded."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.DOCUMENT_MAX_BYTES:
                form.add_error("file", _("文件不能超过 10 MB"))
            else:
                try:
                    result = verify_contract(upload.read())
                    status = 200
                except NotAContract as exc:
                    form.add_error("file", str(exc))
    return render(
        request,
        "contracts/verify.html",
        {"form": form, "result": result, "no": request.GET.get("no", "")[:32]},
        status=status,
    )


__all__ = ["Contract", "contract_file", "paper", "seal", "send_code", "sign", "verify"]
