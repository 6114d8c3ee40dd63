"""Log lines that say which request failed, without personal data.

Django logs an unhandled exception (and every 5xx answer) on the `django.request` logger with
the request attached. The formatter below adds the method, the path (never the query string,
whose values may be a phone number or an identity number), and the user's id (never a name);
the request body is never logged.
"""

from __future__ import annotations

import logging
from typing import Any


def request_context(request: Any) -> str:
    method = str(getattr(request, "method", "") or "-")
    path = str(getattr(request, "path", "") or "-")
    user_id: Any = "-"
    try:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id = user.pk
    except Exception:  # the session or the database may be what failed
        user_id = "?"
    return f"method={method} path={path} user={user_id}"


class RequestFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request = getattr(record, "request", None)
        if request is None or not hasattr(request, "method"):
            return line
        head, sep, rest = line.partition("\n")
        return f"{head} [{request_context(request)}]{sep}{rest}"
