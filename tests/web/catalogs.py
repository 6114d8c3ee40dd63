"""The English catalogs as Django merges them, and the messages two of them translate differently.

Django looks a message up in one merged catalog: the directories of LOCALE_PATHS first (in their
order), then each installed app's `locale` in INSTALLED_APPS order; the first catalog holding the
(context, msgid) gives its translation on every page. So when two catalogs translate the same
Chinese message differently, every page of all but one of those apps shows another app's English.

Run it to list those collisions and which translation wins:

    .venv/bin/python -m tests.web.catalogs
"""

from __future__ import annotations

import gettext
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = "en"

# A message's key in a compiled catalog: "msgid", "msgctxt\x04msgid", or (msgid, n) for the
# plural forms of one.
Key = str | tuple[str, int]


@dataclass(frozen=True)
class Catalog:
    name: str  # "locale" for the project's, else the app's label path ("supervision", "applications/visits")
    mo: Path

    @property
    def po(self) -> Path:
        return self.mo.with_suffix(".po")


def catalogs_by_precedence() -> list[Catalog]:
    """The project's English catalogs in the order Django consults them (the first one wins)."""
    from django.apps import apps
    from django.conf import settings

    dirs = [("locale", Path(p)) for p in settings.LOCALE_PATHS] + [
        (config.name.removeprefix("bandian.").replace(".", "/"), Path(config.path) / "locale")
        for config in apps.get_app_configs()
    ]
    found = []
    for name, directory in dirs:
        mo = directory / LANGUAGE / "LC_MESSAGES" / "django.mo"
        if mo.exists() and mo.resolve().is_relative_to(ROOT / "bandian"):
            found.append(Catalog(name, mo))
    return found


def messages(catalog: Catalog) -> dict[Key, str]:
    """The translated messages of a compiled catalog (the header, keyed "", left out)."""
    with catalog.mo.open("rb") as f:
        translated: dict[Key, str] = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    return {key: text for key, text in translated.items() if key != ""}


def describe(key: Key) -> str:
    msgid, plural = (key, None) if isinstance(key, str) else key
    context, _, msgid = msgid.rpartition("\x04")
    return (f"[{context}] " if context else "") + msgid + (f" (plural form {plural})" if plural is not None else "")


@dataclass(frozen=True)
class Collision:
    key: Key
    translations: dict[str, str]  # catalog name -> English, in precedence order
    winner: str  # the catalog whose English every page shows


def collisions() -> list[Collision]:
    """Every (context, msgid) that two or more catalogs translate differently."""
    found: dict[Key, dict[str, str]] = {}
    for catalog in catalogs_by_precedence():
        for key, text in messages(catalog).items():
            found.setdefault(key, {})[catalog.name] = text
    return [
        Collision(key, texts, next(iter(texts)))
        for key, texts in sorted(found.items(), key=lambda item: describe(item[0]))
        if len(set(texts.values())) > 1
    ]


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bandian.settings")
    django.setup()
    print("Catalogs, first wins:", ", ".join(c.name for c in catalogs_by_precedence()))
    found = collisions()
    for collision in found:
        print(f"\n{describe(collision.key)}")
        for name, text in collision.translations.items():
            print(f"  {'*' if name == collision.winner else ' '} {name:24} {text}")
    print(f"\n{len(found)} message(s) translated differently; * marks the English every page shows.")


if __name__ == "__main__":
    main()
