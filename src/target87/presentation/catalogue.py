"""The content catalogue: French and Spanish for the data's own English texts.

``locale/<lang>/LC_MESSAGES/content.po`` holds, by their English text (the msgid), the
translations of what the data says rather than what the interface says: series definitions
and standards, US DOL goods and sectors, source licences and notes, observation footnotes,
and the words the presentation floor uses for SDMX codes and periods. The interface's own
texts stay in ``messages.po`` (``target87.presentation.messages``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

#: Languages with a content catalogue; English is the msgids themselves.
TRANSLATED = ("fr", "es")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation of one language's content catalogue (empty for other languages).

    Entries without a translation, or marked fuzzy, are left out, so their English shows.
    """
    if lang not in TRANSLATED:
        return {}
    path = resources.files("target87") / "locale" / lang / "LC_MESSAGES" / "content.po"
    with path.open("rb") as f:
        po = read_po(f, locale=lang)
    return {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang`` when the catalogue has it, else ``text`` unchanged."""
    return catalogue(lang).get(text, text)


def has_translation(text: str, lang: str) -> bool:
    """Whether ``text`` is a msgid of ``lang``'s catalogue (always true for English)."""
    return lang not in TRANSLATED or text in catalogue(lang)
