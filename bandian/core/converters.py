"""The path converter for the references people type or follow in a URL (an application's
number, a case's, an outage's): `<ref:no>`.

Like Django's `str` it takes anything but a slash, but it refuses control characters (NUL
above all: PostgreSQL cannot compare text with one, which made a DataError and a 500) and more
than `REF_MAX` characters, so such a path is a plain 404. Importing this module registers it;
every urls.py that uses `<ref:...>` imports it first.
"""

from __future__ import annotations

from django.urls import register_converter

REF_MAX = 100


class RefConverter:
    regex = rf"[^/\x00-\x1f\x7f]{{1,{REF_MAX}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RefConverter, "ref")
