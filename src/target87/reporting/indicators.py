"""Agreed indicators: the series each country reports on, and the national series the
secretariat defines.

A national series is a row of the warehouse's ``series`` table (``topic = "national"``), so a
published value of it is an ordinary observation that every query, page and export knows. Its
unit must be one the validation rules accept, so a report on it passes the same rules.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from target87.reporting.audit import record
from target87.reporting.errors import FieldProblem, ValidationFailed
from target87.reporting.locking import writing
from target87.reporting.models import AgreedIndicator, utcnow
from target87.reporting.permissions import Actor, require
from target87.store.models import Area, Observation, Series
from target87.validation import RuleSet
from target87.validation.rules import Codes

NATIONAL_TOPIC = "national"
DIRECTIONS = ("higher_is_better", "lower_is_better")
SEXES = ("_T", "F", "M")
SERIES_CODE = re.compile(r"^[A-Z][A-Z0-9_]{2,31}$")
AGE_CODE = re.compile(r"^(_T|Y\d{1,2}T\d{1,2}|Y_GE\d{1,2}|Y_LT\d{1,2})$")
COMMON_SHARE = 0.25  # a breakdown is offered when it is this common for the series


def allowed_units() -> list[str]:
    """The units the default validation rules accept (read from the rules themselves)."""
    for rule in RuleSet.default():
        if isinstance(rule, Codes) and rule.column == "unit":
            return list(rule.codes)
    raise LookupError("the default rules hold no unit code list")


def default_breakdowns(counts: Mapping[tuple[str, str], int]) -> list[tuple[str, str]]:
    """The (sex, age) cells a country reports for a series by default: those at least
    ``COMMON_SHARE`` as frequent in the warehouse as the series' most frequent cell
    (SL_TLF_CHLDEC: total, girls and boys aged 5-17); the total alone for a new series."""
    if not counts:
        return [("_T", "_T")]
    floor = COMMON_SHARE * max(counts.values())
    chosen = [cell for cell, n in counts.items() if n >= floor]
    return sorted(chosen, key=lambda c: (c[1] != "_T", c[1], SEXES.index(c[0])))


def _observed_cells(session: Session, series: str) -> Counter:
    stmt = (
        select(Observation.sex, Observation.age, func.count())
        .where(
            Observation.series == series,
            Observation.urbanisation == "_T",
            Observation.breakdown == "_T",
        )
        .group_by(Observation.sex, Observation.age)
    )
    return Counter({(sex, age): n for sex, age, n in session.execute(stmt)})


def define_national_series(
    session: Session,
    actor: Actor,
    code: str,
    names: Mapping[str, str],
    unit: str,
    direction: str,
    *,
    unit_mult: int = 0,
    definition: str | None = None,
) -> Series:
    """A national series (``names`` in ``en``, ``fr`` and ``es``)."""
    require(actor, "configure_indicators")
    code = (code or "").strip().upper()
    problems = []
    if not SERIES_CODE.match(code):
        problems.append(FieldProblem("code", f"{code!r}: 3-32 capitals, digits or _"))
    elif session.get(Series, code) is not None:
        problems.append(FieldProblem("code", f"a series {code} exists already"))
    for lang in ("en", "fr", "es"):
        if not (names.get(lang) or "").strip():
            problems.append(FieldProblem(f"name_{lang}", "a name is required", "required"))
    if unit not in (units := allowed_units()):
        problems.append(FieldProblem("unit", f"{unit!r} is not one of {', '.join(units)}"))
    if direction not in DIRECTIONS:
        problems.append(FieldProblem("direction", f"{direction!r} is not one of {DIRECTIONS}"))
    if not isinstance(unit_mult, int) or not 0 <= unit_mult <= 12:
        problems.append(FieldProblem("unit_mult", "a whole number from 0 to 12"))
    if problems:
        raise ValidationFailed(problems)
    series = Series(
        code=code,
        sdg_indicator=None,
        name_en=names["en"].strip(),
        name_fr=names["fr"].strip(),
        name_es=names["es"].strip(),
        unit=unit,
        unit_mult=unit_mult,
        direction=direction,
        definition_en=definition,
        standard="national definition",
        topic=NATIONAL_TOPIC,
    )
    with writing(session):
        session.add(series)
        after = {"code": code, "names": dict(names), "unit": unit, "direction": direction}
        record(session, actor, "series.define", "series", code, after=after)
    return series


def expand_series(session: Session, patterns: Sequence[str]) -> tuple[list[str], list[str]]:
    """Codes for ``patterns`` (``VC_HTF_DETV*`` = every series starting so), and the patterns
    that match nothing."""
    known = sorted(session.execute(select(Series.code)).scalars())
    found: list[str] = []
    unknown = []
    for pattern in patterns:
        pattern = pattern.strip().upper()
        hits = (
            [c for c in known if c.startswith(pattern[:-1])]
            if pattern.endswith("*")
            else [c for c in known if c == pattern]
        )
        if not hits:
            unknown.append(pattern)
        found += [h for h in hits if h not in found]
    return found, unknown


def agreed_indicators(session: Session, country: str) -> list[AgreedIndicator]:
    stmt = select(AgreedIndicator).where(AgreedIndicator.country == country)
    return list(session.execute(stmt.order_by(AgreedIndicator.series)).scalars())


def _summary(rows: Sequence[AgreedIndicator]) -> dict[str, list[str]]:
    return {r.series: json.loads(r.breakdowns) for r in rows}


def set_agreed_indicators(
    session: Session,
    actor: Actor,
    country: str,
    series: Sequence[str],
    breakdowns: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> list[AgreedIndicator]:
    """Make ``series`` (codes or ``PREFIX*``) the set ``country`` reports on.

    Each series reports the (sex, age) cells of ``breakdowns[code]``, else
    ``default_breakdowns`` of what the warehouse holds for it. Series left out of the set
    leave it; values already reported for them stay in their reports.
    """
    require(actor, "configure_indicators", country)
    area = session.get(Area, country)
    if area is None or area.kind != "country":
        raise ValidationFailed([FieldProblem("country", f"{country!r} is not a country code")])
    codes, unknown = expand_series(session, series)
    problems = [FieldProblem("series", f"no series matches {p!r}", "codes") for p in unknown]
    wanted: dict[str, list[str]] = {}
    for code in codes:
        cells = (breakdowns or {}).get(code) or default_breakdowns(_observed_cells(session, code))
        for sex, age in cells:
            if sex not in SEXES or not AGE_CODE.match(age):
                problems.append(FieldProblem(f"breakdowns.{code}", f"bad cell {sex}/{age}"))
        wanted[code] = [f"{sex}/{age}" for sex, age in cells]
    if problems:
        raise ValidationFailed(problems)
    current = {row.series: row for row in agreed_indicators(session, country)}
    before = _summary(list(current.values()))
    with writing(session):
        for code, row in current.items():
            if code not in wanted:
                session.delete(row)
        for code, cells in wanted.items():
            text = json.dumps(cells)
            if code in current:
                current[code].breakdowns = text
            else:
                session.add(
                    AgreedIndicator(
                        country=country,
                        series=code,
                        breakdowns=text,
                        added_at=utcnow(),
                        added_by=actor.label,
                    )
                )
        session.flush()
        after = _summary(agreed_indicators(session, country))
        record(
            session,
            actor,
            "indicators.set",
            "country",
            country,
            country=country,
            before=before,
            after=after,
        )
    return agreed_indicators(session, country)
