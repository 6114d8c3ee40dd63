"""Payment pages: the payments section of the application page (in templatetags), the staff
actions posted from it (htmx like the other actions: a refusal swaps the section, a success
redirects), paying, the sandbox's payment page, and the provider's callback endpoint."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from bandian.accounts.rules import AnyUser, signed_in_user
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.applications.payments import callbacks, rules, selectors, services
from bandian.applications.payments.forms import IssueForm, ReasonForm
from bandian.applications.payments.models import OrderStatus, PaymentOrder
from bandian.applications.payments.providers import active_provider
from bandian.applications.payments.providers.sandbox import NAME as SANDBOX
from bandian.applications.payments.providers.sandbox import new_transaction, notice_body
from bandian.applications.views import Rule, application_for_action
from bandian.core.errors import REFUSALS, StateConflict, refusal_text
from bandian.core.views import is_htmx
from bandian.policy.fees import FeeItem


def applicable_items(app: Application) -> list[FeeItem]:
    """The catalogue items in force that could be charged to this application (the page's list)."""
    return [
        item
        for item in selectors.catalogue_in_force()
        if app.customer_class in item.classes and not (item.within_investment_boundary and app.zero_investment)
    ]


def section_context(user: AnyUser, app: Application, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the payments section of the application page shows to this user."""
    bound = bound or {}
    staff = rules.can_issue(user, app)
    items = applicable_items(app) if staff else []
    orders = list(selectors.orders_of(app)) if rules.can_view_orders(user, app) else []
    return {
        "app": app,
        "orders": orders,
        "staff": staff,
        "can_pay": rules.can_pay(user, app),
        "can_issue": staff and app.status in Status.open_states() and bool(items),
        "issue_form": bound.get("issue") or IssueForm(catalogue=items),
        "bound_order": bound.get("order_no", ""),
        "reason_form": bound.get("reason") or ReasonForm(),
        "bound_action": bound.get("action", ""),
        "items": items,
    }


def _back(request: HttpRequest, app: Application) -> HttpResponse:
    url = reverse("applications:detail", args=[app.no])
    # With htmx the page reloads (a URL differing only by its fragment would not).
    return HttpResponseClientRedirect(url) if is_htmx(request) else redirect(url + "#payments")


def _refused(request: HttpRequest, app: Application, bound: dict[str, Any]) -> HttpResponse:
    """The section again with the refused form (htmx), or the whole application page."""
    app.refresh_from_db()
    if is_htmx(request):
        return render(request, "payments/_section.html", section_context(request.user, app, bound), status=400)
    from bandian.applications.views import detail_context

    context = detail_context(request, app)
    context["payments_bound"] = bound
    return render(request, "applications/detail.html", context, status=400)


@login_required
@require_POST
def issue(request: HttpRequest, no: str) -> HttpResponse:
    app = application_for_action(request, no, rules.can_issue)
    form = IssueForm(request.POST, catalogue=applicable_items(app))
    if form.is_valid():
        data = form.cleaned_data
        try:
            order = services.payment_order_issue(
                application=app,
                lines=[services.OrderLine(code=data["code"], quantity=data["quantity"])],
                actor=signed_in_user(request),
                note=data["note"],
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("已开具缴费通知单 %(o)s，金额 %(a)s 元。") % {"o": order.no, "a": order.amount})
            return _back(request, app)
    return _refused(request, app, {"issue": form})


def _order_for(request: HttpRequest, order_no: str, allowed: Rule) -> tuple[PaymentOrder, Application]:
    """The order if this user may act on it: 404 if they may not see its application, else 403."""
    order = PaymentOrder.objects.filter(no=order_no[:40]).select_related("application").first()
    if order is None:
        raise Http404("no such order")
    app = application_for_action(request, order.application.no, allowed)
    return order, app


def _staff_change(request: HttpRequest, order_no: str, action: str) -> HttpResponse:
    order, app = _order_for(request, order_no, rules.can_issue)
    form = ReasonForm(request.POST)
    if form.is_valid():
        change = services.payment_order_cancel if action == "cancel" else services.payment_order_refund
        try:
            change(order=order, actor=signed_in_user(request), reason=form.cleaned_data["reason"])
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            done = _("缴费通知单 %(o)s 已撤销。") if action == "cancel" else _("缴费通知单 %(o)s 已退费。")
            messages.success(request, done % {"o": order.no})
            return _back(request, app)
    return _refused(request, app, {"reason": form, "order_no": order.no, "action": action})


@login_required
@require_POST
def cancel(request: HttpRequest, order_no: str) -> HttpResponse:
    return _staff_change(request, order_no, "cancel")


@login_required
@require_POST
def refund(request: HttpRequest, order_no: str) -> HttpResponse:
    return _staff_change(request, order_no, "refund")


# Paying.


@login_required
def pay(request: HttpRequest, order_no: str) -> HttpResponse:
    """Send the applicant to the provider's payment page for an order waiting for payment."""
    order, app = _order_for(request, order_no, rules.can_pay)
    if order.status != OrderStatus.ISSUED:
        messages.error(request, _("缴费通知单 %(o)s 不是待缴费状态。") % {"o": order.no})
        return redirect(reverse("applications:detail", args=[app.no]) + "#payments")
    return redirect(active_provider().checkout_url(order, request=request))


@login_required
def sandbox(request: HttpRequest, order_no: str) -> HttpResponse:
    """The sandbox's payment page: the applicant completes or fails the payment; no money moves.
    The outcome goes through the same signed callback a provider sends (callbacks.receive)."""
    if active_provider().name != SANDBOX:
        raise Http404("the sandbox is not the payment provider")
    order, app = _order_for(request, order_no, rules.can_pay)
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome not in ("paid", "failed"):
            return render(request, "payments/sandbox.html", {"order": order, "app": app, "error": True}, status=400)
        now = timezone.now()
        body = notice_body(
            order_no=order.no, outcome=outcome, amount=order.amount, transaction=new_transaction(), at=now
        )
        try:
            callbacks.receive(SANDBOX, body, callbacks.signed_headers(body, at=now), now=now)
        except REFUSALS as exc:
            messages.error(request, refusal_text(exc))
        else:
            if outcome == "paid":
                messages.success(request, _("支付成功（沙箱）：%(a)s 元。") % {"a": order.amount})
            else:
                messages.error(request, _("支付未完成（沙箱模拟失败），可以重新支付。"))
        return redirect(reverse("applications:detail", args=[app.no]) + "#payments")
    return render(request, "payments/sandbox.html", {"order": order, "app": app, "items": list(order.items.all())})


@csrf_exempt
@require_POST
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """POST /payments/callback/<provider>/: the provider's signed notice (docs/operations.md).
    200 {"status": "ok"} when taken (again: nothing changes), 400 when refused, 409 when the
    order's state does not allow it; nothing is written unless it is taken."""
    try:
        order = callbacks.receive(provider[:20], request.body, request.headers, now=timezone.now())
    except StateConflict as exc:
        return JsonResponse({"detail": str(exc)}, status=409)
    except REFUSALS as exc:
        return JsonResponse({"detail": refusal_text(exc)}, status=400)
    return JsonResponse({"status": "ok", "order": order.no, "order_status": order.status})
