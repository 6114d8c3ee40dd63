"""A provider's callback: its signature: HMAC-SHA256 over the timestamp, the nonce and the raw body.

    X-Payment-Timestamp: <unix seconds>
    X-Payment-Nonce:     <16 to 64 of A-Z a-z 0-9 _ ->
    X-Payment-Signature: hex(HMAC-SHA256(PAYMENT_CALLBACK_SECRET, "<timestamp>\\n<nonce>\\n" + body))

A callback is refused when a header is missing or malformed, the signature does not match, or
the timestamp is further than PAYMENT_CALLBACK_TOLERANCE_SECONDS from the server's clock; the
nonce is spent when the callback is applied (services.notice_receive), so a replay is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _

from bandian.applications.payments.models import PaymentOrder
from bandian.applications.payments.providers import get_provider
from bandian.applications.payments.services import CallbackRefused, callback_tolerance, notice_receive

TIMESTAMP_HEADER = "X-Payment-Timestamp"
NONCE_HEADER = "X-Payment-Nonce"
SIGNATURE_HEADER = "X-Payment-Signature"
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SIGNATURE = re.compile(r"^[0-9a-f]{64}$")


def signature(body: bytes, *, timestamp: int, nonce: str, secret: str | None = None) -> str:
    key = (secret if secret is not None else settings.PAYMENT_CALLBACK_SECRET).encode()
    return hmac.new(key, f"{timestamp}\n{nonce}\n".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes, *, at: dt.datetime, nonce: str | None = None, secret: str | None = None
) -> dict[str, str]:
    """The headers of a callback signed at `at` (the sandbox, the tests and a provider's bridge)."""
    timestamp = int(at.timestamp())
    nonce = nonce or secrets.token_urlsafe(18)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(body, timestamp=timestamp, nonce=nonce, secret=secret),
    }


def verify(body: bytes, headers: Mapping[str, str], *, now: dt.datetime) -> str:
    """The callback's nonce if its signature and time are good; CallbackRefused otherwise."""
    raw_ts = headers.get(TIMESTAMP_HEADER, "")
    nonce = headers.get(NONCE_HEADER, "")
    sig = headers.get(SIGNATURE_HEADER, "").lower()
    if not (raw_ts.isascii() and raw_ts.isdigit() and len(raw_ts) <= 12):
        raise CallbackRefused(_("回调缺少有效的时间戳"))
    if not NONCE.match(nonce):
        raise CallbackRefused(_("回调缺少有效的随机数"))
    if not SIGNATURE.match(sig):
        raise CallbackRefused(_("回调缺少有效的签名"))
    timestamp = int(raw_ts)
    if not settings.PAYMENT_CALLBACK_SECRET:
        raise CallbackRefused(_("未配置回调密钥，拒绝所有回调"))
    if not hmac.compare_digest(sig, signature(body, timestamp=timestamp, nonce=nonce)):
        raise CallbackRefused(_("回调签名不正确"))
    drift = abs(now.timestamp() - timestamp)
    if drift > callback_tolerance().total_seconds():
        raise CallbackRefused(_("回调时间戳超出允许范围（可能是重放）"))
    return nonce


def receive(provider: str, body: bytes, headers: Mapping[str, str], *, now: dt.datetime) -> PaymentOrder:
    """Verify a callback to `provider` and apply its notice (the endpoint and the sandbox page
    both come here). CallbackRefused (nothing written) or StateConflict when it is not taken."""
    if provider != settings.PAYMENT_PROVIDER:
        raise CallbackRefused(_("本系统不接受该支付机构的回调"))
    nonce = verify(body, headers, now=now)
    notice = get_provider(provider).parse_callback(body, headers)
    return notice_receive(provider=provider, notice=notice, nonce=nonce, at=now)
