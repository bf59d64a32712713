"""Sorting names the way a reader of English, French or Spanish expects."""

from __future__ import annotations

import unicodedata


def collation_key(text: str) -> tuple[str, str]:
    """Sort key for names in any of our languages: letters compared without their accents, then
    with them as a tie-break ("Émirats" files under E, not after "Zimbabwe"; ñ follows n)."""
    plain = unicodedata.normalize("NFKD", text)
    base = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return base, text.casefold()
