"""An observation's breakdowns beyond sex, age and urbanisation, as one key column.

The SDG data structure has more dimensions than our first three (``INCOME_WEALTH_QUANTILE``,
``EDUCATION_LEV``, ``DISABILITY_STATUS``, ``COMPOSITE_BREAKDOWN``...) and national platforms
add their own (type of exploitation, region of origin). A row holds them all in
``observation.breakdown``, written canonically: ``DIM=CODE`` pairs sorted by dimension and
joined by ``;``, totals left out, ``_T`` when nothing is left. So the same breakdown is always
the same text, two rows that differ only there stay two rows, and the rows of the first round
(all ``_T``) need no change. The words of each dimension and code live in
``breakdown_dimension`` and ``breakdown_code``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

TOTAL = "_T"
TOTAL_CODES = frozenset({"", "_T", "_Z"})
# Dimension ids and codes: what SDMX allows in an id (letters, digits, _ - . @ $), no ; or =.
_ID = re.compile(r"^[A-Za-z0-9_@$\-.]{1,64}$")


class BreakdownError(ValueError):
    """A breakdown text that is not ``DIM=CODE;DIM=CODE`` (or ``_T``)."""


def is_total(code: str) -> bool:
    """``_T``, ``_Z``, empty, or an ILO-style ``..._TOTAL``: no breakdown at all."""
    return code in TOTAL_CODES or code.endswith("_TOTAL")


def compose(parts: Mapping[str, str]) -> str:
    """``{"INCOME_WEALTH_QUANTILE": "Q1", "DISABILITY_STATUS": "_T"}`` ->
    ``INCOME_WEALTH_QUANTILE=Q1``; nothing but totals -> ``_T``."""
    kept = []
    for dimension, code in sorted(parts.items()):
        if is_total(code):
            continue
        for text, what in ((dimension, "dimension"), (code, "code")):
            if not _ID.match(text):
                raise BreakdownError(f"{what} {text!r}: letters, digits, _ - . @ $ only")
        kept.append(f"{dimension}={code}")
    return ";".join(kept) or TOTAL


def parse(text: str | None) -> dict[str, str]:
    """``A=1;B=2`` -> ``{"A": "1", "B": "2"}``; ``_T``, empty or None -> ``{}``."""
    if text is None or text in TOTAL_CODES:
        return {}
    out: dict[str, str] = {}
    for part in text.split(";"):
        dimension, sep, code = part.partition("=")
        if not sep or not _ID.match(dimension) or not _ID.match(code) or dimension in out:
            raise BreakdownError(f"{text!r}: a breakdown is DIM=CODE pairs joined by ';', or _T")
        out[dimension] = code
    return out


def canonical(text: str | None) -> str:
    """The canonical form of a breakdown text (sorted, totals dropped); refuses bad text."""
    return compose(parse(text))


def slug(label: str, *, limit: int = 48) -> str:
    """An id for a national header or label: ``Type d'exploitation`` -> ``TYPE_D_EXPLOITATION``.

    Accents are dropped and anything but letters and digits becomes ``_``; text with no Latin
    letter at all (``Тип``) keeps a short hash so that distinct labels stay distinct."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_").upper()[:limit].strip("_")
    if not text or len(text) * 2 < len(label.strip()):
        import hashlib

        digest = hashlib.sha1(label.strip().encode("utf-8")).hexdigest()[:8].upper()
        text = f"{text}_{digest}" if text else f"X_{digest}"
    return text
