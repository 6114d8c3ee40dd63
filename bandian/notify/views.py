"""The in-app inbox, the channels a customer chose, the notices not delivered, the SMS receipts."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bandian.accounts.models import County
from bandian.accounts.rules import signed_in_user
from bandian.core.errors import ServiceError
from bandian.core.limits import ascii_int
from bandian.notify import rules
from bandian.notify.channels import receipt_signature
from bandian.notify.forms import PreferenceForm
from bandian.notify.models import Message, Preference
from bandian.notify.selectors import failed_messages
from bandian.notify.services import preference_set, receipt_record

logger = logging.getLogger("bandian.notify")


def inbox_messages(user_id: int | None) -> QuerySet[Message]:
    """A user's messages: every in-app one, and the SMS that no in-app message repeats
    (such as the registration code, sent before the account existed)."""
    twin = Message.objects.filter(
        recipient_id=user_id,
        channel=Message.Channel.INAPP,
        subject=OuterRef("subject"),
        body=OuterRef("body"),
    )
    return Message.objects.filter(
        recipient_id=user_id, channel__in=[Message.Channel.INAPP, Message.Channel.SMS]
    ).exclude(Exists(twin), channel=Message.Channel.SMS)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    messages = inbox_messages(request.user.pk).select_related("application")
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one message (`id`) or all of them read."""
    unread = Message.objects.filter(recipient_id=request.user.pk, read_at__isnull=True)
    # Marking one message read marks its SMS copy too.
    if request.POST.get("id"):
        pk = ascii_int(request.POST["id"])
        one = unread.filter(pk=pk).first() if pk is not None else None
        if one is None:
            return redirect("notify:inbox")
        unread = unread.filter(subject=one.subject, body=one.body)
    unread.update(read_at=timezone.now())
    return redirect("notify:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """An applicant chooses the channels notices (outages) reach them by."""
    user = signed_in_user(request)
    if not rules.can_choose_channels(user):
        raise PermissionDenied
    current = Preference.objects.filter(user=user).first() or Preference(user=user)
    form = PreferenceForm(request.POST or None, instance=current)
    saved = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            preference_set(user, sms=data["sms"], im=data["im"], inapp=data["inapp"], im_address=data["im_address"])
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            saved = True
    status = 400 if request.method == "POST" and not saved else 200
    return render(request, "notify/preferences.html", {"form": form, "saved": saved}, status=status)


@login_required
def failed(request: HttpRequest) -> HttpResponse:
    """The notices that did not reach a customer after every retry: the county's grid operators
    call them (supervisors and admins see every county)."""
    user = signed_in_user(request)
    if not rules.can_view_failed(user):
        raise PermissionDenied
    scope = rules.failed_scope(user)
    messages = failed_messages(scope)
    ref = request.GET.get("ref", "").strip()[:60]
    if ref:
        messages = messages.filter(ref=ref)
    page = Paginator(messages, 100).get_page(request.GET.get("page"))
    county = County.objects.filter(pk=scope).first() if scope else None
    context: dict[str, Any] = {"page": page, "county": county, "ref": ref}
    return render(request, "notify/failed.html", context)


def _refused(reason: str) -> JsonResponse:
    return JsonResponse({"detail": reason}, status=403)


@csrf_exempt
@require_POST
def sms_receipts(request: HttpRequest) -> JsonResponse:
    """The SMS gateway's delivery receipts, signed with `SMS_GATEWAY_SECRET` (docs/operations.md).

    Headers `X-Bandian-Timestamp` (Unix seconds, at most `SMS_RECEIPT_MAX_AGE_SECONDS` old) and
    `X-Bandian-Signature` (hex HMAC-SHA256 of `timestamp + "." + body`); the body is one receipt
    or a list of them: `{"id": provider id, "status": "delivered" | "failed", "error": "...",
    "at": ISO 8601}`. A bad signature or an old timestamp is refused (403) and changes nothing.
    """
    secret = settings.SMS_GATEWAY_SECRET
    if not secret:
        return _refused("receipts are not accepted: no SMS_GATEWAY_SECRET is configured")
    stamp = request.headers.get("X-Bandian-Timestamp", "")
    signature = request.headers.get("X-Bandian-Signature", "")
    if (
        not stamp.isascii()
        or not stamp.isdigit()
        or abs(time.time() - int(stamp)) > settings.SMS_RECEIPT_MAX_AGE_SECONDS
    ):
        return _refused("missing or stale timestamp")
    if not hmac.compare_digest(receipt_signature(secret, stamp, request.body), signature.strip().lower()):
        logger.warning("SMS receipt with a bad signature from %s", request.META.get("REMOTE_ADDR"))
        return _refused("bad signature")
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"detail": "the body is not JSON"}, status=400)
    receipts = data if isinstance(data, list) else [data]
    parsed: list[tuple[str, bool, str, dt.datetime | None]] = []
    for receipt in receipts:
        if not isinstance(receipt, dict) or not isinstance(receipt.get("id"), str | int):
            return JsonResponse({"detail": "each receipt needs an id"}, status=400)
        status = receipt.get("status")
        if status not in ("delivered", "failed"):
            return JsonResponse({"detail": "status must be delivered or failed"}, status=400)
        at = parse_datetime(receipt["at"]) if isinstance(receipt.get("at"), str) else None
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at, dt.UTC)
        error = receipt.get("error")
        parsed.append((str(receipt["id"])[:100], status == "delivered", str(error or "")[:500], at))
    recorded, unknown = 0, []
    for provider_id, delivered, error, at in parsed:
        answer = f"receipt: {'delivered' if delivered else 'failed'}" + (f" ({error})" if error else "")
        if receipt_record(provider_id=provider_id, delivered=delivered, answer=answer, at=at) is None:
            unknown.append(provider_id)
        else:
            recorded += 1
    return JsonResponse({"recorded": recorded, "unknown": unknown})
