"""The service rating of an application (服务线上评价, 一事一评) and the follow-up of a 差评.

Only `services.py` writes these rows. One rating per application, enforced by the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County
from bandian.applications.models import Application


class Level(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    VERY_DISSATISFIED = "very_dissatisfied", _("非常不满意")


# 差评: each opens a follow-up.
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})


class Rating(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", _("网上评价")
        SMS_LINK = "sms_link", _("短信链接评价")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="rating")
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="ratings")
    level = models.CharField(max_length=24, choices=Level.choices)
    comment = models.TextField(blank=True)
    customer_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer_manager_level = models.CharField(max_length=24, choices=Level.choices, blank=True)
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project_manager_level = models.CharField(max_length=24, choices=Level.choices, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    rated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["county", "rated_at"])]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.level}"

    @property
    def bad(self) -> bool:
        return self.level in BAD_LEVELS


class Invitation(models.Model):
    """The one invitation to rate, and the one reminder (an SMS each, with the signed link)."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="rating_invitation")
    invited_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation {self.application_id}"


class FollowUp(models.Model):
    """A 差评's follow-up by the county's customer service: the call-back, then the rectification,
    due within the policy's working days of the rating."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="follow_up")
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="rating_follow_ups")
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    callback_at = models.DateTimeField(null=True, blank=True)
    callback_note = models.TextField(blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rectification = models.TextField(blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["county", "due_at"])]

    def __str__(self) -> str:
        return f"follow-up of {self.rating_id}"

    @property
    def in_time(self) -> bool | None:
        """True/False once handled; None while open."""
        return None if self.handled_at is None else self.handled_at <= self.due_at
