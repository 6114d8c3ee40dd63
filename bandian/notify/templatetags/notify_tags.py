from __future__ import annotations

from typing import Any

from django import template

from bandian.notify.views import inbox_messages

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: dict[str, Any]) -> int:
    """Unread messages of the signed-in user (0 for anyone else)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return inbox_messages(user.pk).filter(read_at__isnull=True).count()
