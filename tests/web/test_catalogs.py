"""The English catalogs: every message translated, and the compiled .mo files match their .po.

Each app keeps its own catalog (bandian/<app>/locale); the project's own is bandian/locale.
A string added to the UI without an English translation, or a .po edited without
`compilemessages`, fails here rather than showing Chinese on the English pages.
"""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "bandian"
CATALOGS = sorted(ROOT.glob("**/locale/en/LC_MESSAGES/django.po"))

pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")


def test_there_is_a_catalog_for_the_project_and_the_new_apps():
    names = {p.relative_to(ROOT).parts[0] for p in CATALOGS}
    assert "locale" in names


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
