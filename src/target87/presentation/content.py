"""The data's own English texts in French and Spanish: definitions, standards, goods, sectors,
licences, source notes and observation footnotes.

A text is looked up whole in the content catalogue (``content.po``). A footnote that is not
there is taken apart on "; " and each part looked up; a part of the form "confidence: CODE
(figure transcribed by hand from REPORT)" gets words for the confidence code, in every
language, while the report's title stays as published. What the catalogue does not hold (a
user's own loaded data) passes through unchanged.
"""

from __future__ import annotations

import re

from target87.presentation.catalogue import TRANSLATED, catalogue
from target87.presentation.messages import LANGUAGES

SEPARATOR = "; "
#: How parts are joined again: French puts a space before the semicolon.
_JOIN = {"fr": " ; "}

#: The confidence codes of hand-transcribed figures (scripts/build_snapshot.py), in words.
CONFIDENCE = {
    "confirmed_by_secondary_sources": "confirmed by secondary sources",
    "consistent_with_sum_of_gsi_2023_country_estimates": (
        "consistent with the sum of the Global Slavery Index 2023 country estimates"
    ),
    "millions_confirmed_pct_approx": "millions confirmed, percentage approximate",
    "millions_confirmed_pct_verify": "millions confirmed, percentage to be verified",
    "millions_confirmed_rate_verify": "millions confirmed, rate to be verified",
    "pct_confirmed_by_secondary_sources": "percentage confirmed by secondary sources",
    "transcribed_from_report_verify": "transcribed from the report, to be verified",
}
CONFIDENCE_NOTE = "confidence: {confidence} (figure transcribed by hand from {report})"
_CONFIDENCE = re.compile(
    r"confidence: (?P<code>[A-Za-z0-9_]+) \(figure transcribed by hand from (?P<report>.+)\)"
)


def _known(text: str, lang: str) -> str | None:
    """``text`` in ``lang`` when the catalogue (or the confidence pattern) covers it."""
    if m := _CONFIDENCE.fullmatch(text):
        words = CONFIDENCE.get(m["code"])
        if words is None:
            return None
        if lang not in TRANSLATED:
            return CONFIDENCE_NOTE.format(confidence=words, report=m["report"])
        note, said = catalogue(lang).get(CONFIDENCE_NOTE), catalogue(lang).get(words)
        return note.format(confidence=said, report=m["report"]) if note and said else None
    if lang not in TRANSLATED:
        return None
    return catalogue(lang).get(text)


def content_text(text: str | None, lang: str = "en") -> str | None:
    """A text of the data in ``lang``: whole from the catalogue, else part by part ("; "),
    else unchanged. None and "" are returned as given."""
    if not text:
        return text
    lang = lang if lang in LANGUAGES else "en"
    whole = _known(text, lang)
    if whole is not None:
        return whole
    if SEPARATOR not in text:
        return text
    return _JOIN.get(lang, SEPARATOR).join(
        said if (said := _known(part, lang)) is not None else part for part in text.split(SEPARATOR)
    )


def untranslated_parts(text: str | None, lang: str) -> list[str]:
    """The parts of ``text`` that ``content_text`` would leave in English for ``lang``
    (none for English itself): to find texts that still need a translation."""
    if not text or lang not in TRANSLATED or _known(text, lang) is not None:
        return []
    parts = text.split(SEPARATOR) if SEPARATOR in text else [text]
    return [part for part in parts if _known(part, lang) is None]


def english_labels() -> set[str]:
    """The English texts this module adds to the catalogue beyond the data's own texts."""
    return {CONFIDENCE_NOTE, *CONFIDENCE.values()}
