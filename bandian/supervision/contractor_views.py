"""Contractor pages: the register (supervisors edit and import it), the flags (builders without a
valid licence, 三指定 concentrations) for supervisors and customer managers, and the declaration
of a high-voltage application's designer, builder and supplier."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bandian.accounts.models import Role
from bandian.accounts.rules import acting_as, has_role, is_admin, signed_in_user
from bandian.applications.models import Application
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.supervision import contractors
from bandian.supervision.models import ContractorRole

CSV_MAX_BYTES = 5 * 1024 * 1024


class ContractorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("单位名称"), max_length=200)
    licence_no = forms.CharField(label=gettext_lazy("许可证编号"), max_length=60)
    licence_class = forms.CharField(label=gettext_lazy("许可类别（承装、承修、承试）"), max_length=40)
    level = forms.CharField(label=gettext_lazy("许可等级"), max_length=20)
    valid_from = forms.DateField(label=gettext_lazy("有效期起"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=gettext_lazy("有效期至"), widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV 文件"))


def _can_view(user: Any) -> bool:
    return has_role(user, Role.SUPERVISOR, Role.CUSTOMER_MANAGER) or is_admin(user)


@login_required
def contractor_register(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_view(user):
        raise PermissionDenied(_("只有监管人员和客户经理可以查看承装（修、试）单位名录"))
    supervisor = has_role(user, Role.SUPERVISOR) or is_admin(user)
    form = ContractorForm() if supervisor else None
    import_form = ImportForm() if supervisor else None
    report, status = None, 200
    if request.method == "POST":
        if not supervisor:
            raise PermissionDenied(_("只有监管人员可以维护承装（修、试）单位名录"))
        if request.POST.get("kind") == "import":
            import_form = ImportForm(request.POST, request.FILES)
            status = 400
            if import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                try:
                    if upload.size > CSV_MAX_BYTES:
                        raise ServiceError(_("文件不能超过 5 MB"))
                    report = contractors.import_csv(upload.read(), actor=user)
                    status = 400 if report.errors else 200
                except ServiceError as exc:
                    import_form.add_error("file", str(exc))
                except UnicodeDecodeError:
                    import_form.add_error("file", _("文件应为 UTF-8 编码的 CSV"))
        else:
            form = ContractorForm(request.POST)
            if form.is_valid():
                try:
                    contractors.contractor_save(actor=user, **form.cleaned_data)
                except ServiceError as exc:
                    form.add_error(None, str(exc))
                    status = 400
                else:
                    return redirect("supervision:contractors")
            else:
                status = 400
    county = None if supervisor else user.county_id
    today = timezone.now().astimezone(SHANGHAI).date()
    context = {
        "register": contractors.register(today=today) if supervisor else [],
        "unlicensed": contractors.unlicensed_builders(county=county),
        "concentrations": [c for c in contractors.concentrations(county=county) if c.flagged or c.share >= 0.3][:100],
        "form": form,
        "import_form": import_form,
        "report": report,
        "columns": ",".join(contractors.CSV_COLUMNS),
        "supervisor": supervisor,
    }
    return render(request, "supervision/contractors.html", context, status=status)


class DeclarationForm(forms.Form):
    designer_name = forms.CharField(label=gettext_lazy("设计单位"), max_length=200, required=False)
    designer_licence = forms.CharField(label=gettext_lazy("设计单位资质证书编号"), max_length=60, required=False)
    builder_name = forms.CharField(label=gettext_lazy("施工单位"), max_length=200, required=False)
    builder_licence = forms.CharField(
        label=gettext_lazy("施工单位承装（修、试）许可证编号"), max_length=60, required=False
    )
    supplier_name = forms.CharField(label=gettext_lazy("设备供货单位"), max_length=200, required=False)
    supplier_licence = forms.CharField(label=gettext_lazy("供货单位编号（可不填）"), max_length=60, required=False)


@login_required
def declare(request: HttpRequest, no: str) -> HttpResponse:
    user = signed_in_user(request)
    application = Application.objects.filter(no=no).first()
    if application is None:
        raise Http404
    staff_view = has_role(user, Role.SUPERVISOR) or is_admin(user)
    if not (contractors.can_declare(user, application) or staff_view):
        raise Http404
    can_edit = contractors.can_declare(user, application)
    current = {d.role: d for d in contractors.declarations_of(application)}
    initial: dict[str, str] = {}
    for role, decl in current.items():
        initial[f"{role}_name"] = decl.name
        initial[f"{role}_licence"] = decl.licence_no
    form = DeclarationForm(initial=initial) if can_edit else None
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = DeclarationForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            declarations = {
                role: (data[f"{role}_name"], data[f"{role}_licence"])
                for role in ContractorRole.values
                if data[f"{role}_name"].strip()
            }
            try:
                contractors.declare_contractors(application=application, declarations=declarations, actor=user)
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("supervision:declare", no=application.no)
    rows = [{"d": d, "problem": contractors.licence_problem(d)} for d in contractors.declarations_of(application)]
    show_flags = staff_view or acting_as(user, Role.CUSTOMER_MANAGER) is not None
    context = {"application": application, "rows": rows, "form": form, "show_flags": show_flags}
    return render(request, "supervision/declare.html", context, status=status)
