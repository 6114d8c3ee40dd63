"""The provider interface and the registry of adapters."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

if TYPE_CHECKING:
    from bandian.applications.payments.models import PaymentOrder

# The providers the utility takes money through in production, each with its label. Their
# adapters are not part of bandian: each wraps the provider's own SDK and merchant certificates.
PRODUCTION_PROVIDERS: dict[str, str] = {
    "wechat": "微信支付",
    "alipay": "支付宝",
    "unionpay": "银联云闪付",
}


class ProviderUnavailable(ImproperlyConfigured):
    """No adapter is installed for the provider named."""


@dataclass(frozen=True)
class Notice:
    """What a provider's verified callback says about an order."""

    order_no: str
    outcome: Literal["paid", "failed"]
    amount: Decimal
    transaction: str
    at: dt.datetime


@dataclass(frozen=True)
class RefundResult:
    reference: str


class PaymentProvider(abc.ABC):
    """One provider. `name` is the registry key and the value stored on an order."""

    name: str
    label: str
    # True only for the sandbox: its pages say that no money moves.
    sandbox: bool = False

    @abc.abstractmethod
    def checkout_url(self, order: PaymentOrder, *, request: HttpRequest) -> str:
        """Where the applicant is sent to pay the order."""

    @abc.abstractmethod
    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> Notice:
        """The notice in a callback's body, whose signature, time and nonce `callbacks.receive`
        has verified (`services.CallbackRefused` when it cannot be read). Nothing is written."""

    @abc.abstractmethod
    def refund(self, order: PaymentOrder) -> RefundResult:
        """Ask the provider to return the whole amount of a paid order."""


_REGISTRY: dict[str, Callable[[], PaymentProvider]] = {}


def register(name: str, factory: Callable[[], PaymentProvider]) -> None:
    _REGISTRY[name] = factory


def registered() -> list[str]:
    return sorted(_REGISTRY)


def get_provider(name: str) -> PaymentProvider:
    """The adapter registered as `name`; ProviderUnavailable when there is none."""
    # The sandbox registers itself on import; a production adapter package does the same.
    from bandian.applications.payments.providers import sandbox  # noqa: F401

    factory = _REGISTRY.get(name)
    if factory is None:
        if name in PRODUCTION_PROVIDERS:
            raise ProviderUnavailable(
                f"PAYMENT_PROVIDER={name}: no adapter for {PRODUCTION_PROVIDERS[name]} is installed "
                "(see docs/operations.md, Payments)"
            )
        raise ProviderUnavailable(
            f"PAYMENT_PROVIDER={name!r} is not a provider (registered: {', '.join(registered())})"
        )
    return factory()


def active_provider() -> PaymentProvider:
    return get_provider(settings.PAYMENT_PROVIDER)
