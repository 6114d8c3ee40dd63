"""The in-app inbox: a user's messages, in-app and SMS, from the outbox."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bandian.core.limits import ascii_int
from bandian.notify.models import Message


def inbox_messages(user_id: int | None) -> QuerySet[Message]:
    """A user's messages: every in-app one, and the SMS that no in-app message repeats
    (such as the registration code, sent before the account existed)."""
    twin = Message.objects.filter(
        recipient_id=user_id,
        channel=Message.Channel.INAPP,
        subject=OuterRef("subject"),
        body=OuterRef("body"),
    )
    return Message.objects.filter(recipient_id=user_id).exclude(Exists(twin), channel=Message.Channel.SMS)


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
