"""The English catalogs: every message translated, the compiled .mo files match their .po, and
no two catalogs translate the same message differently.

Each app keeps its own catalog (bandian/<app>/locale); the project's own is bandian/locale.
A string added to the UI without an English translation, or a .po edited without
`compilemessages`, fails here rather than showing Chinese on the English pages. Django merges
all catalogs into one namespace, so a Chinese message two catalogs translate differently shows
one app's English on the other's pages: `python -m tests.web.catalogs` lists such messages.
"""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from tests.web import catalogs

ROOT = Path(__file__).resolve().parents[2] / "bandian"
CATALOGS = sorted(ROOT.glob("**/locale/en/LC_MESSAGES/django.po"))

needs_msgfmt = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")


def test_there_is_a_catalog_for_the_project_and_the_new_apps():
    names = {p.relative_to(ROOT).parts[0] for p in CATALOGS}
    assert "locale" in names


@needs_msgfmt
@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated(po: Path):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@needs_msgfmt
@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalog_matches_its_source(po: Path, tmp_path: Path):
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True)
    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run compilemessages"
    with fresh.open("rb") as a, committed.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (  # type: ignore[attr-defined]
            f"{committed} is stale: run compilemessages"
        )


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_translation_is_its_own_text_twice(po: Path):
    """A merge of two catalogs once doubled translations ("…first.…first.")."""
    with po.with_suffix(".mo").open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    doubled = [
        msgid
        for msgid, text in catalog.items()
        if isinstance(text, str) and len(text) >= 8 and text[: len(text) // 2] * 2 == text
    ]
    assert doubled == []


def test_every_catalog_is_one_django_loads():
    """A catalog outside LOCALE_PATHS and the installed apps would never be read."""
    assert sorted(c.po for c in catalogs.catalogs_by_precedence()) == CATALOGS


def test_no_two_catalogs_translate_a_message_differently():
    """Same Chinese, same meaning: the same English. Where the meaning differs by app, the
    app's code gives the message a context (pgettext, {% translate "…" context "…" %})."""
    found = [
        catalogs.describe(c.key) + " — " + "; ".join(f"{name}: {text!r}" for name, text in c.translations.items())
        for c in catalogs.collisions()
    ]
    assert found == [], "\n".join(found)


def _shown(key: catalogs.Key) -> str:
    msgid, n = (key, None) if isinstance(key, str) else (key[0], 1 if key[1] == 0 else 2)
    context, _, msgid = msgid.rpartition("\x04")
    if n is None:
        return translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    if context:
        return translation.npgettext(context, msgid, msgid, n)
    return translation.ngettext(msgid, msgid, n)


def test_the_first_catalog_holding_a_message_is_the_english_the_pages_show():
    """No catalog outside the project's (Django's own, a third-party app's) overrides one of its
    messages ("status", "action" are English msgids), and the order catalogs.py reports is
    the one Django reads the catalogs in."""
    first: dict[catalogs.Key, tuple[str, str]] = {}
    for catalog in catalogs.catalogs_by_precedence():
        for key, text in catalogs.messages(catalog).items():
            first.setdefault(key, (catalog.name, text))
    with translation.override("en"):
        wrong = {
            catalogs.describe(k): (name, text, _shown(k)) for k, (name, text) in first.items() if _shown(k) != text
        }
    assert wrong == {}
