"""A source's citation line in the reader's language.

The line itself is bibliographic and stays as published (authors, title, edition, address);
the words target87 adds around it, "(accessed DATE)" and "Licence: ...", are the reader's.
"""

from __future__ import annotations

import re

from target87.presentation.content import content_text
from target87.presentation.messages import label

_ACCESSED = re.compile(r"\(accessed (\d{4}-\d{2}-\d{2})\)")


def citation_text(citation: str, licence: str | None, lang: str = "en") -> str:
    """``citation`` with its access date and closing licence in ``lang``."""
    if lang == "en" or not citation:
        return citation
    text = _ACCESSED.sub(
        lambda m: "(" + label("accessed_on", lang).format(date=m.group(1)) + ")", citation
    )
    tail = f"Licence: {licence}."
    if licence and text.endswith(tail):
        text = f"{text[: -len(tail)]}{label('licence', lang)}: {content_text(licence, lang)}."
    return text
