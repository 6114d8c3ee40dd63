"""Complaint pages: the list (enter one, import a CSV), a complaint with its decision, extension
and answer. Personal data only for those handling it; applicants see the complaints they made."""

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

from bandian.accounts.rules import signed_in_user
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.limits import parse_year
from bandian.core.text import label
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.supervision import complaints, rules
from bandian.supervision.models import Complaint

CSV_MAX_BYTES = 5 * 1024 * 1024


class ComplaintForm(forms.Form):
    hotline = forms.ChoiceField(label=gettext_lazy("热线"), choices=Complaint.Hotline.choices)
    ticket = forms.CharField(label=gettext_lazy("工单号"), max_length=40)
    received_at = forms.DateTimeField(
        label=gettext_lazy("接收时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    category = forms.ChoiceField(label=gettext_lazy("类别"))
    text = forms.CharField(label=gettext_lazy("投诉内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    phone = forms.CharField(label=gettext_lazy("电话"), max_length=20, required=False)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    application_no = forms.CharField(label=gettext_lazy("申请编号（如知道）"), max_length=32, required=False)
    outage_reference = forms.CharField(label=gettext_lazy("停电事件编号（如知道）"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["category"]
        field.choices = [(code, label(c)) for code, c in active_policy().supervision.complaints.categories.items()]


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV 文件"))


def _category(code: str) -> str:
    c = active_policy().supervision.complaints.categories.get(code)
    return label(c) if c else code


def _row(c: Complaint, user: Any, now: Any) -> dict[str, Any]:
    personal = rules.can_handle_complaint(user, c) or c.complainant_id == getattr(user, "pk", None)
    return {
        "c": c,
        "category": _category(c.category),
        "overdue": complaints.is_overdue(c, now=now),
        "in_time": complaints.answered_in_time(c),
        "phone": c.phone if personal else complaints.masked_phone(c.phone),
        "personal": personal,
    }


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not rules.can_view_complaints(user):
        raise PermissionDenied(_("只有监管人员、供电企业和投诉人可以查看投诉"))
    now = timezone.now()
    this_year = now.astimezone(SHANGHAI).year
    year, error = parse_year(request.GET.get("year"), default=this_year, years=range(2000, this_year + 1))
    can_enter = rules.can_enter_complaints(user)
    form = ComplaintForm() if can_enter else None
    import_form = ImportForm() if can_enter else None
    report = None
    status = 400 if error else 200
    if request.method == "POST":
        if not can_enter:
            raise PermissionDenied(_("只有监管人员和供电企业可以登记投诉"))
        if request.POST.get("kind") == "import":
            import_form = ImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                if upload.size > CSV_MAX_BYTES:
                    import_form.add_error("file", _("文件不能超过 5 MB"))
                    status = 400
                else:
                    try:
                        report = complaints.import_csv(upload.read(), actor=user)
                    except (ServiceError, UnicodeDecodeError) as exc:
                        import_form.add_error(
                            "file", str(exc) if isinstance(exc, ServiceError) else _("文件应为 UTF-8 编码的 CSV")
                        )
                        status = 400
                    else:
                        status = 200 if not report.errors else 400
            else:
                status = 400
        else:
            form = ComplaintForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    c = complaints.complaint_receive(actor=user, **d)
                except StateConflict as exc:
                    form.add_error("ticket", str(exc))
                    status = 409
                except ServiceError as exc:
                    form.add_error(None, str(exc))
                    status = 400
                else:
                    return redirect("supervision:complaint", ticket=c.ticket)
            else:
                status = 400
    items = complaints.complaints_for(user, year=year) if not error else Complaint.objects.none()
    context = {
        "year": year,
        "years": range(this_year, this_year - 5, -1),
        "error": error,
        "rows": [_row(c, user, now) for c in items[:500]],
        "form": form,
        "import_form": import_form,
        "report": report,
        "columns": ",".join(complaints.CSV_COLUMNS),
    }
    return render(request, "supervision/complaints.html", context, status=status)


class DecideForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("accept", "accept"), ("reject", "reject"), ("extend", "extend"), ("answer", "answer")]
    )
    note = forms.CharField(required=False, max_length=4000)
    upheld = forms.BooleanField(required=False)


@login_required
def complaint_detail(request: HttpRequest, ticket: str) -> HttpResponse:
    user = signed_in_user(request)
    c = rules.visible_complaints(user).filter(ticket=ticket).select_related("application", "outage", "county").first()
    if c is None:
        raise Http404(_("没有这件投诉"))
    handler = rules.can_handle_complaint(user, c)
    error, status = "", 200
    if request.method == "POST":
        if not handler:
            raise PermissionDenied(_("只有投诉的办理人员可以处理"))
        form = DecideForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["kind"] in ("accept", "reject"):
                    complaints.complaint_decide(c, accept=d["kind"] == "accept", note=d["note"], actor=user)
                elif d["kind"] == "extend":
                    complaints.complaint_extend(c, reason=d["note"], actor=user)
                else:
                    complaints.complaint_answer(c, answer=d["note"], upheld=d["upheld"], actor=user)
            except StateConflict as exc:
                error, status = str(exc), 409
            except ServiceError as exc:
                error, status = str(exc), 400
            else:
                return redirect("supervision:complaint", ticket=c.ticket)
        else:
            error, status = _("请检查填写的内容"), 400
    context = {"row": _row(c, user, timezone.now()), "c": c, "handler": handler, "error": error}
    return render(request, "supervision/complaint.html", context, status=status)
