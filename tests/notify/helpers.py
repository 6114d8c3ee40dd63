"""What the notify tests share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import TestCase

from bandian.notify.models import Batch
from bandian.notify.services import notify_many

AT = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def committed() -> Any:
    """Run the callbacks queued for after commit (the deliveries) when the block ends, as a real
    commit would (the test's own transaction never commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def send(recipients: list[Any], **kw: Any) -> Batch:
    with committed():
        return notify_many(
            recipients=recipients,
            subject=kw.pop("subject", "计划停电通知"),
            body=kw.pop("body", "12月1日 8:00–18:00 停电检修"),
            kind=kw.pop("kind", "outage.planned"),
            ref=kw.pop("ref", "PO-2026-0001"),
            **kw,
        )


class FakeGateway:
    """A local HTTP server standing in for the SMS gateway or a webhook: it records each request
    and answers with `status` (and `body`)."""

    def __init__(self, status: int = 200, body: bytes = b"") -> None:
        import http.server
        import threading

        self.status, self.body = status, body
        self.requests: list[dict[str, Any]] = []
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(gateway.body)))
                self.end_headers()
                self.wfile.write(gateway.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> FakeGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def json(self, i: int = -1) -> Any:
        import json

        return json.loads(self.requests[i]["body"])
