"""Reading what the public may see."""

from __future__ import annotations

from django.db.models import QuerySet

from bandian.applications.models import ChainAnchor


def public_anchors() -> QuerySet[ChainAnchor]:
    """Every recorded daily anchor, newest first. Reading never records one."""
    return ChainAnchor.objects.order_by("-day")
