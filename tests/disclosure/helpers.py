"""What the disclosure tests share: a page's visible text, a policy file with edits."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

POLICY = Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml"
HOTLINES = ("95598", "12398")


def text(response) -> str:
    """The words of the page's <main> and <footer>, tags removed, spaces collapsed."""
    html = response.content.decode()
    body = html[html.index("<main>") :] if "<main>" in html else html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def edited_policy(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    source = POLICY.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    path = tmp_path / "policy.toml"
    path.write_text(source, encoding="utf-8")
    return path
