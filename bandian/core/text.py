"""Policy labels in the language of the request."""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import get_language


class Labelled(Protocol):
    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...


def label(item: Labelled) -> str:
    """A label given in Chinese and English (the policy's), in the language of the request."""
    return item.en if (get_language() or "").startswith("en") else item.zh
