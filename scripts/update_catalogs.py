"""Bring the French and Spanish catalogs in line with ``target87.presentation.messages.MESSAGES``.

    .venv/bin/python scripts/update_catalogs.py

New English texts are added with an empty translation (the catalog test then fails until a
translator fills them in); texts no longer used are removed. Translations are kept.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from target87.presentation.messages import MESSAGES

LOCALE = Path(__file__).resolve().parents[1] / "src" / "target87" / "locale"


def update(lang: str) -> tuple[int, int]:
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        catalog = read_po(f, locale=lang)
    wanted = {text: key for key, text in MESSAGES.items()}
    removed = [m.id for m in catalog if m.id and m.id not in wanted]
    for msgid in removed:
        del catalog[msgid]
    added = 0
    for text, key in wanted.items():
        if text not in catalog:
            catalog.add(text, "", auto_comments=[f"key: {key}"])
            added += 1
    with open(path, "wb") as f:
        write_po(f, catalog, width=96)
    return added, len(removed)


if __name__ == "__main__":
    for language in ("fr", "es"):
        new, old = update(language)
        print(f"{language}: {new} new text(s) to translate, {old} removed")
