"""System checks: the payment provider chosen must have an adapter (payments.E001); a
production provider needs the callback secret (payments.W001, with --deploy)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from bandian.applications.payments.providers import ProviderUnavailable, get_provider


@checks.register()
def payment_provider(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        get_provider(settings.PAYMENT_PROVIDER)
    except ProviderUnavailable as exc:
        return [checks.Error(str(exc), id="payments.E001")]
    return []


@checks.register(deploy=True)
def callback_secret(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.PAYMENT_PROVIDER != "sandbox" and not settings.PAYMENT_CALLBACK_SECRET:
        return [
            checks.Warning("PAYMENT_CALLBACK_SECRET is not set: every payment callback is refused", id="payments.W001")
        ]
    return []
