"""Numbers the way each language writes them (Babel), rounded the same way everywhere.

Rounding is half up on the decimal value as stored (19.25 -> 19.3), to ``digits`` decimals.
``format_number`` drops trailing zeros unless ``fixed`` (21.70 -> "21.7", 20.0 -> "20"), as
the web pages' tables always have; values with a unit (``format_value``, ``format_percent``)
keep their decimal ("19.0 %"), so a column of them lines up. French groups
thousands with a narrow no-break space and both French and Spanish use a decimal comma,
as Babel's CLDR data gives them.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_decimal

from target87.presentation.codes import unit_label
from target87.presentation.messages import LANGUAGES

#: What stands for a missing value.
MISSING = "—"

#: English percent as the terminal has always printed it ("5.4 %"); Babel's English has no
#: space ("5.4%"). French and Spanish take their spacing from Babel ("5,4\u00a0%").
_PERCENT_OVERRIDE = {"en": ("", " %")}


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def rounded(value: float, digits: int = 1) -> Decimal:
    """``value`` rounded half up to ``digits`` decimals (no negative zero)."""
    exact = Decimal(str(float(value))) if not isinstance(value, int | Decimal) else Decimal(value)
    out = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return out.copy_abs() if out == 0 else out


def format_number(
    value: float | None, lang: str = "en", digits: int = 1, *, fixed: bool = False
) -> str:
    """``value`` with ``lang``'s decimal and grouping signs, rounded to ``digits`` decimals:
    ``format_number(1054.25, "fr")`` -> "1\u202f054,3"; "—" for a missing value."""
    if _missing(value):
        return MISSING
    decimals = "0" * digits if fixed else "#" * digits
    pattern = "#,##0" + (f".{decimals}" if digits > 0 else "")
    return format_decimal(rounded(value, max(digits, 0)), format=pattern, locale=_lang(lang))


@cache
def percent_affixes(lang: str) -> tuple[str, str]:
    if lang in _PERCENT_OVERRIDE:
        return _PERCENT_OVERRIDE[lang]
    pattern = Locale.parse(lang).percent_formats[None].pattern.split(";")[0]
    first = min(pattern.find(c) for c in "#0" if c in pattern)
    last = max(pattern.rfind(c) for c in "#0")
    return pattern[:first], pattern[last + 1 :]


def format_percent(
    value: float | None, lang: str = "en", digits: int = 1, *, fixed: bool = True
) -> str:
    """A value already in percent (5.4, not 0.054) with ``lang``'s percent sign and spacing:
    "5.4 %" / "5,4\u00a0%" / "5,4\u00a0%"."""
    if _missing(value):
        return MISSING
    prefix, suffix = percent_affixes(_lang(lang))
    return f"{prefix}{format_number(value, lang, digits, fixed=fixed)}{suffix}"


def format_value(
    value: float | None,
    unit: str,
    unit_mult: int = 0,
    lang: str = "en",
    digits: int | None = None,
) -> str:
    """An observation's value with its unit, in ``lang``: ``PT`` -> "21,7 %" (one decimal);
    ``NUMBER`` in millions -> "27,6 millions"; a count -> "1\u202f054" (no decimal); a rate
    per 1,000 -> "3,5 pour 1 000 personnes"; other units -> "12,3 (UNIT, ×10^3)"."""
    if _missing(value):
        return MISSING
    unit_mult = int(unit_mult or 0)
    if unit == "PT":
        return format_percent(value, lang, 1 if digits is None else digits)
    if unit == "PER_1000_POP" or (unit == "NUMBER" and unit_mult == 6):
        number = format_number(value, lang, 1 if digits is None else digits, fixed=True)
        return f"{number} {unit_label(unit, lang, unit_mult)}"
    if unit == "NUMBER" and unit_mult == 0:
        return format_number(value, lang, 0 if digits is None else digits)
    number = format_number(value, lang, 1 if digits is None else digits)
    return f"{number} ({unit}, ×10^{unit_mult})"
