"""The CJK font every PDF the project draws embeds (permit documents, supply contracts).

ReportLab draws the PDFs; the font is a TrueType file with Chinese glyphs named by
`settings.CJK_FONT_FILE` (Debian fonts-wqy-zenhei by default), registered once per process and
embedded (subset) in each document, so the text shows in any viewer.
"""

from __future__ import annotations

import os
from functools import cache

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONT = "WenQuanYiZenHei"
DEFAULT_FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_PACKAGE = "fonts-wqy-zenhei"  # the Debian package that installs DEFAULT_FONT_FILE (`make run` does)


class FontMissing(RuntimeError):
    """The CJK font the PDFs embed cannot be read; the message says how to install it."""


def font_file() -> str:
    return str(getattr(settings, "CJK_FONT_FILE", DEFAULT_FONT_FILE))


def _missing(path: str, why: str) -> str:
    return (
        f"the CJK font for the PDFs {path} {why}: install the Debian package {FONT_PACKAGE} "
        f"(apt-get install {FONT_PACKAGE}) or point the setting CJK_FONT_FILE at a TrueType font with Chinese glyphs"
    )


def font_problem() -> str | None:
    """What is wrong with the configured CJK font file (None when it can be read)."""
    path = font_file()
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        return _missing(path, "is missing")
    return None


def check_font() -> None:
    """Raise FontMissing, naming the package and the setting, when the font cannot be read."""
    problem = font_problem()
    if problem is not None:
        raise FontMissing(problem)


def cjk_font() -> str:
    """The ReportLab name of the registered CJK font (FontMissing when it cannot be read)."""
    check_font()
    return _register(font_file())


@cache
def _register(path: str) -> str:
    try:
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    except TTFError as exc:
        raise FontMissing(_missing(path, f"cannot be read ({exc})")) from exc
    return FONT
