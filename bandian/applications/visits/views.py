"""Pages of visit booking: the applicant's booking page, the customer manager's visit queue (slots,
bookings, confirm, cancel, the calendar feed's address) and the feed itself (.ics)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from bandian.accounts.rules import signed_in_user
from bandian.applications.models import Application
from bandian.applications.selectors import get_application_for_user
from bandian.applications.visits import ics, rules, selectors, services
from bandian.applications.visits.models import Booking, VisitSlot
from bandian.core.errors import REFUSALS, ServiceError, refusal_text
from bandian.policy.loader import active_policy


def _application(request: HttpRequest, no: str) -> Application:
    return get_application_for_user(request.user, no)


# The applicant's side.


@login_required
def booking_page(request: HttpRequest, no: str) -> HttpResponse:
    """GET: the booking and the slots on offer. POST `slot`: book or move; POST `cancel`: cancel."""
    app = _application(request, no)
    if not rules.can_see_slots(request.user, app):
        raise PermissionDenied
    if request.method == "POST":
        if not rules.can_book(request.user, app):
            raise PermissionDenied
        user = signed_in_user(request)
        try:
            if "cancel" in request.POST:
                services.visit_cancel(application=app, actor=user)
                messages.success(request, _("上门预约已取消"))
            else:
                raw = request.POST.get("slot", "")
                slot = (
                    VisitSlot.objects.filter(pk=int(raw)).first()
                    if raw.isascii() and raw.isdigit() and len(raw) < 19
                    else None
                )
                if slot is None:
                    raise ServiceError(_("请选择一个时段"))
                services.visit_book(application=app, slot=slot, actor=user)
                messages.success(request, _("已预约上门时间，待客户经理确认"))
        except REFUSALS as exc:
            messages.error(request, refusal_text(exc))
            return _render_booking(request, app, status=400)
        return redirect("visits:booking", no=app.no)
    return _render_booking(request, app)


def _render_booking(request: HttpRequest, app: Application, *, status: int = 200) -> HttpResponse:
    booking = services.live_booking(app)
    hours = active_policy().visits.change_hours
    bookable = rules.books_visits(app)
    slots = list(selectors.open_slots(app)[:200]) if bookable else []
    return render(
        request,
        "visits/booking.html",
        {
            "app": app,
            "booking": booking,
            "bookable": bookable,
            "slots": slots,
            "can_book": rules.can_book(request.user, app),
            "hours": hours,
            "changeable": booking is not None and booking.slot.starts_at - dt.timedelta(hours=hours) > timezone.now(),
        },
        status=status,
    )


# The customer manager's side.


class PublishForm(forms.Form):
    first = forms.DateField(label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(
        label=gettext_lazy("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    times = forms.MultipleChoiceField(label=gettext_lazy("时段"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in active_policy().visits.times]
        field = self.fields["times"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices
        field.initial = [c[0] for c in choices]


def _manager(request: HttpRequest):  # type: ignore[no-untyped-def]
    if not rules.can_publish_slots(request.user):
        raise PermissionDenied
    return signed_in_user(request)


def _queue_context(request: HttpRequest, form: PublishForm | None = None) -> dict[str, object]:
    manager = signed_in_user(request)
    feed = selectors.feed_for(manager)
    return {
        "bookings": list(selectors.manager_bookings(manager)),
        "slots": list(selectors.manager_slots(manager)[:300]),
        "form": form or PublishForm(),
        "feed_url": request.build_absolute_uri(reverse("visits:feed", args=[feed.token])),
        "policy_visits": active_policy().visits,
    }


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return render(request, "visits/queue.html", _queue_context(request))


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            made = services.slots_publish(
                manager=manager,
                first=form.cleaned_data["first"],
                last=form.cleaned_data["last"],
                times=[dt.time.fromisoformat(t) for t in form.cleaned_data["times"]],
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("已发布 %(n)s 个上门时段") % {"n": len(made)})
            return redirect("visits:queue")
    return render(request, "visits/queue.html", _queue_context(request, form), status=400)


def _own_booking(request: HttpRequest, pk: int) -> Booking:
    booking = get_object_or_404(Booking.objects.select_related("slot", "application"), pk=pk)
    if not rules.can_confirm(request.user, booking):
        raise PermissionDenied
    return booking


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    booking = _own_booking(request, pk)
    try:
        services.visit_confirm(booking=booking, actor=manager)
        messages.success(request, _("已确认上门预约"))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    return redirect("visits:queue")


@login_required
@require_POST
def manager_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    booking = _own_booking(request, pk)
    try:
        services.visit_cancel(application=booking.application, actor=manager, note=request.POST.get("note", "")[:200])
        messages.success(request, _("上门预约已取消"))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    return redirect("visits:queue")


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    slot = get_object_or_404(VisitSlot, pk=pk)
    if not rules.owns_slot(request.user, slot):
        raise PermissionDenied
    try:
        services.slot_withdraw(slot=slot, actor=manager)
        messages.success(request, _("时段已撤回"))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    return redirect("visits:queue")


@login_required
@require_POST
def feed_reset(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    services.feed_token_reset(manager=manager)
    messages.success(request, _("日历订阅地址已更换，旧地址已失效"))
    return redirect("visits:queue")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The manager's bookings as iCalendar; the URL's secret token is the credential."""
    manager = selectors.manager_for_feed(token)
    if manager is None or not rules.can_publish_slots(manager):
        raise Http404("no such feed")
    body = ics.manager_calendar(manager, selectors.feed_bookings(manager))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
