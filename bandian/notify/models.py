from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Batch(models.Model):
    """One notice sent to many (`services.notify_many`): what it is about and to how many.

    `ref` names the subject of the notice (an outage's reference, for instance); every message
    of the notice carries it too, so the messages of a ref are one indexed query.
    """

    ref = models.CharField(max_length=60, db_index=True)
    kind = models.CharField(max_length=40, blank=True)
    subject = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ref} {self.subject}"


class Message(models.Model):
    """The outbox: one row per recipient and channel, with its delivery record.

    In-app messages are read from here (the inbox) and are delivered when written; SMS and
    instant messages are `queued`, then `sent` by a task (to the gateway or webhook, or to the
    console when none is configured), `delivered` when the gateway's receipt says so, or
    `failed` once the retries are used up. `attempts`, `last_error` and `answer` (what the
    provider said last) are the record of each try.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        IM = "im", _("即时通讯")
        INAPP = "inapp", _("站内消息")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SENT = "sent", _("已发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    # The instant-messaging target (an Apprise URL: a WeCom / DingTalk / Feishu bot webhook).
    address = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # A notice to many: its batch, its subject (`ref`, `kind`) and the customer it is for.
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    ref = models.CharField(max_length=60, blank=True, db_index=True)
    kind = models.CharField(max_length=40, blank=True)
    customer = models.CharField(max_length=40, blank=True)
    customer_name = models.CharField(max_length=100, blank=True)
    county = models.ForeignKey(
        "accounts.County", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    provider_id = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_due"),
            models.Index(fields=["county", "status"], name="notify_county_status"),
        ]

    def __str__(self) -> str:
        return self.subject


class Preference(models.Model):
    """The channels a customer with an account chose for notices (outages and the like).

    Without a row: SMS and the inbox (and instant messaging when an IM address is known).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference")
    sms = models.BooleanField(_("短信"), default=True)
    im = models.BooleanField(_("即时通讯"), default=False)
    inapp = models.BooleanField(_("站内消息"), default=True)
    # The customer's own group or bot webhook (an Apprise URL), for the IM channel.
    im_address = models.CharField(_("即时通讯地址"), max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"preference of {self.user_id}"

    def channels(self) -> frozenset[str]:
        chosen = {Message.Channel.SMS: self.sms, Message.Channel.IM: self.im, Message.Channel.INAPP: self.inapp}
        return frozenset(str(c) for c, on in chosen.items() if on)
