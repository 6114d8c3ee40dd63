"""The API's error answer, the same for every endpoint: `{"detail": "<message>"}`."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str
