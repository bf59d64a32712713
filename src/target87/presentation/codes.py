"""Readable words for the SDMX codes of an observation, in English, French or Spanish.

The English words are defined here; their French and Spanish are in the content catalogue
(``content.po``). A code this module does not know is shown as itself.
"""

from __future__ import annotations

import re

from target87.presentation.catalogue import translate
from target87.presentation.messages import label
from target87.presentation.periods import period_label

AGE_ALL = "all ages"
AGE_RANGE = "{low}-{high} years"
AGE_AND_OVER = "{age} years and over"
AGE_UNDER = "under {age} years"

SEX = {"_T": "total", "F": "female", "M": "male"}
#: Sex of children: girls and boys rather than female and male.
SEX_CHILDREN = {"_T": "total", "F": "girls", "M": "boys"}

URBANISATION = {"_T": "urban and rural", "U": "urban", "R": "rural"}

#: SDMX CL_OBS_STATUS (2.1), the observation status of the SDG global DSD.
OBS_STATUS = {
    "A": "normal value",
    "B": "time series break",
    "D": "definition differs",
    "E": "estimated value",
    "F": "forecast value",
    "G": "experimental value",
    "H": "missing value; holiday or weekend",
    "I": "imputed value",
    "J": "derogation",
    "K": "data included in another category",
    "L": "missing value; data exist but were not collected",
    "M": "missing value; data cannot exist",
    "N": "not significant",
    "O": "missing value",
    "P": "provisional value",
    "Q": "missing value; suppressed",
    "S": "strike and other special events",
    "U": "low reliability",
    "V": "unvalidated value",
    "W": "includes data from another category",
}

#: IAEG-SDGs CL_NATURE: how the custodian obtained the value.
NATURE = {
    "C": "country data",
    "CA": "country data adjusted",
    "E": "estimated",
    "G": "global monitoring data",
    "M": "modelled",
    "N": "non-relevant",
    "_X": "not available",
}

#: Unit words from the content catalogue; PT, millions and rates per 1,000 are handled apart.
UNIT = {"NUMBER": "number"}

_RANGE = re.compile(r"^Y(\d{1,3})T(\d{1,3})$")
_AND_OVER = re.compile(r"^Y_GE(\d{1,3})$")
_UNDER = re.compile(r"^Y_LT(\d{1,3})$")


def age_label(code: str | None, lang: str = "en", *, short: bool = False) -> str:
    """``Y5T17`` -> "5-17 years" / "5-17 ans" / "5-17 años"; ``Y_GE18`` -> "18 years and
    over"; ``Y_LT18`` -> "under 18 years"; ``_T`` -> "all ages"; other codes unchanged.

    ``short`` gives the bare numbers where space is tight: "5-17", "18+", "<18" (and the
    words for "all ages")."""
    if not code:
        return ""
    if code == "_T":
        return translate(AGE_ALL, lang)
    if m := _RANGE.match(code):
        low, high = (str(int(g)) for g in m.groups())
        return f"{low}-{high}" if short else translate(AGE_RANGE, lang).format(low=low, high=high)
    if m := _AND_OVER.match(code):
        age = int(m.group(1))
        return f"{age}+" if short else translate(AGE_AND_OVER, lang).format(age=age)
    if m := _UNDER.match(code):
        age = int(m.group(1))
        return f"<{age}" if short else translate(AGE_UNDER, lang).format(age=age)
    return code


def children_only(age: str | None) -> bool:
    """Whether an age code covers children only (an upper bound under 18: ``Y5T17``,
    ``Y_LT18``), so that its sexes read as girls and boys."""
    if not age:
        return False
    if m := _RANGE.match(age):
        return int(m.group(2)) < 18
    if m := _UNDER.match(age):
        return int(m.group(1)) <= 18
    return False


def sex_label(code: str | None, lang: str = "en", *, children: bool = False) -> str:
    """``_T``/``F``/``M`` -> total/female/male, or total/girls/boys with ``children``."""
    if not code:
        return ""
    words = (SEX_CHILDREN if children else SEX).get(code)
    return translate(words, lang) if words else code


def urbanisation_label(code: str | None, lang: str = "en") -> str:
    """``_T``/``U``/``R`` -> urban and rural/urban/rural."""
    return _lookup(URBANISATION, code, lang)


def obs_status_label(code: str | None, lang: str = "en") -> str:
    """An OBS_STATUS code (``A`` -> "normal value", ``E`` -> "estimated value", ...)."""
    return _lookup(OBS_STATUS, code, lang)


def nature_label(code: str | None, lang: str = "en") -> str:
    """A NATURE code (``C`` -> "country data", ``CA`` -> "country data adjusted", ...)."""
    return _lookup(NATURE, code, lang)


def unit_label(unit: str | None, lang: str = "en", unit_mult: int = 0) -> str:
    """What follows a number of ``unit``: ``PT`` -> "%", ``NUMBER`` -> "number" (or "million"
    with ``unit_mult`` 6), ``PER_1000_POP`` -> "per 1,000 people"; other units unchanged."""
    if not unit:
        return ""
    if unit == "PT":
        return "%"
    if unit == "PER_1000_POP":
        return label("per_1000", lang)
    if unit == "NUMBER" and int(unit_mult) == 6:
        return label("millions", lang)
    return _lookup(UNIT, unit, lang)


def code_label(dimension: str, code: str | None, lang: str = "en") -> str:
    """The words for ``code`` of an SDMX ``dimension`` (age, sex, urbanisation, obs_status,
    nature, unit, time_period); the code itself for a dimension or code without words."""
    if code is None:
        return ""
    by_dimension = {
        "age": age_label,
        "sex": sex_label,
        "urbanisation": urbanisation_label,
        "obs_status": obs_status_label,
        "nature": nature_label,
        "unit": unit_label,
        "time_period": period_label,
    }
    fn = by_dimension.get(dimension.lower())
    return fn(code, lang) if fn else code


def english_labels() -> set[str]:
    """Every English text this module looks up in the content catalogue."""
    tables = (SEX, SEX_CHILDREN, URBANISATION, OBS_STATUS, NATURE, UNIT)
    return {AGE_ALL, AGE_RANGE, AGE_AND_OVER, AGE_UNDER} | {w for t in tables for w in t.values()}


def _lookup(table: dict[str, str], code: str | None, lang: str) -> str:
    if not code:
        return ""
    words = table.get(code)
    return translate(words, lang) if words else code
