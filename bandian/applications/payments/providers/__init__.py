"""Payment providers: one adapter per provider, chosen by settings.PAYMENT_PROVIDER.

An adapter turns an order into the provider's payment page and the provider's callback into a
`Notice` the one callback handler (bandian.applications.payments.callbacks) applies. The
production providers (WeChat Pay, Alipay, UnionPay) each need the provider's merchant account,
certificates and SDK: their adapters are registered by name but not built here, and choosing one
fails loudly at start-up (system check payments.E001) until its adapter is installed.
"""

from __future__ import annotations

from bandian.applications.payments.providers.base import (
    PRODUCTION_PROVIDERS,
    Notice,
    PaymentProvider,
    ProviderUnavailable,
    RefundResult,
    active_provider,
    get_provider,
    register,
    registered,
)

__all__ = [
    "PRODUCTION_PROVIDERS",
    "Notice",
    "PaymentProvider",
    "ProviderUnavailable",
    "RefundResult",
    "active_provider",
    "get_provider",
    "register",
    "registered",
]
