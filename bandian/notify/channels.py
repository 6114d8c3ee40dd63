"""The ways out: the SMS gateway (HTTP), instant messaging (Apprise webhooks), the console.

Each sender returns an `Outcome` and raises nothing: the caller records it on the message.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, NamedTuple

from django.conf import settings

logger = logging.getLogger("bandian.notify")

SMS_SIGNATURE = "【办电】"


class Outcome(NamedTuple):
    ok: bool
    provider_id: str = ""
    answer: str = ""
    error: str = ""


def console(channel: str, to: str, text: str) -> Outcome:
    """No gateway or webhook configured: the console is the channel (development, demo, tests)."""
    print(f"[{channel} to {to}] {text}", flush=True)  # noqa: T201
    return Outcome(True, answer="console")


class SmsGateway:
    """The configured HTTP gateway (`SMS_GATEWAY_URL`, `SMS_GATEWAY_SECRET`).

    Each SMS is one POST of JSON `{"id", "phone", "text", "callback"}` with the secret as a
    bearer token, over one kept-alive connection; a 2xx answer is a send (its JSON `id`, if
    any, is the provider's message id the receipts name; else ours), anything else a failure.
    `SMS_GATEWAY_RATE` (messages a second, 0 for none) paces the sends.
    """

    def __init__(self) -> None:
        self.url: str = settings.SMS_GATEWAY_URL
        self._session: Any = None
        self._interval = 1 / settings.SMS_GATEWAY_RATE if settings.SMS_GATEWAY_RATE > 0 else 0.0
        self._last = 0.0

    def _pace(self) -> None:
        if self._interval:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()

    def send(self, message_id: int, phone: str, text: str) -> Outcome:
        text = f"{SMS_SIGNATURE}{text}"
        if not self.url:
            outcome = console("SMS", phone, text)
            return outcome._replace(provider_id=f"console-{message_id}")
        import requests

        if self._session is None:
            self._session = requests.Session()
            # The environment's proxies are read once, not at every request.
            self._session.proxies = requests.utils.get_environ_proxies(self.url)
            self._session.trust_env = False
            if settings.SMS_GATEWAY_SECRET:
                self._session.headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_SECRET}"
        payload = {"id": str(message_id), "phone": phone, "text": text, "callback": settings.SMS_RECEIPT_URL}
        self._pace()
        try:
            response = self._session.post(self.url, json=payload, timeout=settings.SMS_GATEWAY_TIMEOUT)
        except requests.RequestException as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}")
        answer = f"{response.status_code} {response.text[:500]}".strip()
        if not 200 <= response.status_code < 300:
            return Outcome(False, answer=answer, error=f"SMS gateway answered {response.status_code}")
        provider_id = str(message_id)
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("id"):
            provider_id = str(data["id"])[:100]
        return Outcome(True, provider_id=provider_id, answer=answer)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def send_im(address: str, subject: str, body: str) -> Outcome:
    """One message to a group or bot webhook through Apprise (`wecombot://`, `dingtalk://`,
    `feishu://`, or any Apprise URL such as `json://host/path`); its log is the answer."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(address):
        return Outcome(False, error="not a usable Apprise URL")
    with apprise.LogCapture(level=logging.INFO, fmt="%(levelname)s %(message)s") as captured:
        ok = notifier.notify(title=subject, body=body)
        answer = captured.getvalue()[-2000:].strip()
    return Outcome(bool(ok), answer=answer, error="" if ok else "the webhook refused the message")


def receipt_signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of `timestamp + "." + body` under the gateway's secret, in hex."""
    import hashlib
    import hmac

    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def json_body(raw: bytes) -> Any:
    return json.loads(raw.decode("utf-8"))


# The instant-messaging services a customer may enter their own group bot of (Apprise plugins).
CUSTOMER_IM_PLUGINS = {"NotifyWeComBot": "WeCom", "NotifyDingTalk": "DingTalk", "NotifyFeishu": "Feishu"}


def im_address_error(address: str) -> str:
    """Why a customer's IM address cannot be used ("" when it can): it must be a WeCom, DingTalk
    or Feishu group bot, as an Apprise URL (`wecombot://KEY`) or the webhook address the
    service shows (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`). Nothing else:
    the server must not be made to post to an address of the customer's choosing."""
    import apprise
    from django.utils.translation import gettext as _

    plugin = apprise.Apprise.instantiate(address)
    if plugin is None or type(plugin).__name__ not in CUSTOMER_IM_PLUGINS:
        return _("不是企业微信、钉钉或飞书群机器人的地址。")
    return ""
