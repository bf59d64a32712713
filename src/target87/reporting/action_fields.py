"""An action's fields checked one by one (pure functions: the web form and the CLI go
through ``clean_action``), and the roadmap read as plain data (``overdue``, ``action_dict``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from babel.numbers import list_currencies

from target87.reporting.errors import FieldProblem
from target87.reporting.models import ACTION_STATUSES, Action

ACTION_FIELDS = (
    "title",
    "owner_institution",
    "start_date",
    "due_date",
    "budget_amount",
    "budget_currency",
    "funded_share",
    "status",
    "progress_notes",
    "intervention",
)
REQUIRED = ("title", "owner_institution", "status")
CLOSED = ("done", "dropped")
CURRENCIES = frozenset(list_currencies())  # ISO 4217, from Babel's CLDR data
# An intervention type's code (the evidence room's taxonomy names them: ``cct``,
# ``school_feeding``); reporting keeps the code and checks its form, the caller its meaning.
INTERVENTION_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


def _number(value: Any) -> float:
    number = float(str(value).strip()) if isinstance(value, str) else float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError
    return number


def clean_action(
    data: Mapping[str, Any],
    known_series: Iterable[str],
    known_interventions: Collection[str] | None = None,
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Typed action fields from form text (or Python values), and a problem per bad field.

    ``targets`` is a list of {series, target_value, target_year}; its problems are named
    ``targets.<i>.<field>``. ``intervention`` is a code of the evidence base's taxonomy:
    checked against ``known_interventions`` when the caller gives them (the web door does),
    else for its form only (reporting does not read the evidence room).
    """
    out: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    unknown = sorted(set(data) - set(ACTION_FIELDS) - {"targets"})
    problems += [FieldProblem(k, "not a field of an action", "field") for k in unknown]
    for name in ACTION_FIELDS:
        value = data.get(name)
        if blank(value):
            out[name] = None
            if name in REQUIRED:
                problems.append(FieldProblem(name, "a value is required", "required"))
            continue
        try:
            out[name] = _typed(name, value)
        except ValueError as exc:
            problems.append(FieldProblem(name, str(exc) or f"{value!r} is not valid", "format"))
    code = out.get("intervention")
    if code and known_interventions is not None and code not in known_interventions:
        known = ", ".join(sorted(known_interventions))
        problems.append(
            FieldProblem("intervention", f"{code!r} is not an intervention type ({known})", "codes")
        )
    if out.get("start_date") and out.get("due_date") and out["due_date"] < out["start_date"]:
        problems.append(FieldProblem("due_date", "the due date is before the start date", "range"))
    if out.get("budget_amount") is not None and blank(data.get("budget_currency")):
        problems.append(FieldProblem("budget_currency", "a budget needs its currency", "required"))
    targets, target_problems = _clean_targets(data.get("targets") or [], set(known_series))
    out["targets"] = targets
    return out, problems + target_problems


def _typed(name: str, value: Any) -> Any:
    if name in ("start_date", "due_date"):
        try:
            return _date(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if name in ("budget_amount", "funded_share"):
        try:
            number = _number(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if number < 0 or (name == "funded_share" and number > 1):
            limits = "from 0 to 1 (the share funded)" if name == "funded_share" else "0 or more"
            raise ValueError(f"{number:g} is not {limits}")
        return number
    if name == "budget_currency":
        code = str(value).strip().upper()
        if code not in CURRENCIES:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (NPR, USD, EUR...)")
        return code
    if name == "intervention":
        code = str(value).strip().lower()
        if not INTERVENTION_CODE.fullmatch(code):
            raise ValueError(f"{value!r} is not an intervention type code (cct, school_feeding...)")
        return code
    if name == "status" and value not in ACTION_STATUSES:
        raise ValueError(f"{value!r} is not one of {', '.join(ACTION_STATUSES)}")
    return str(value).strip()


def _clean_targets(
    items: Iterable[Mapping[str, Any]], known: set[str]
) -> tuple[list[dict], list[FieldProblem]]:
    out, problems, seen = [], [], set()
    for i, item in enumerate(items):
        where = f"targets.{i}"
        series = str(item.get("series") or "").strip().upper()
        if series not in known:
            problems.append(FieldProblem(f"{where}.series", f"unknown series {series!r}", "codes"))
        elif series in seen:
            problems.append(FieldProblem(f"{where}.series", f"{series} is listed twice"))
        seen.add(series)
        try:
            value = _number(item.get("target_value"))
            if value < 0:
                raise ValueError
        except (TypeError, ValueError):
            bad = item.get("target_value")
            problems.append(FieldProblem(f"{where}.target_value", f"{bad!r}: a number >= 0"))
            value = None
        try:
            year = int(str(item.get("target_year")).strip())
            if not 2000 <= year <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            bad = item.get("target_year")
            problems.append(FieldProblem(f"{where}.target_year", f"{bad!r}: a year 2000-2100"))
            year = None
        out.append({"series": series, "target_value": value, "target_year": year})
    return out, problems


def overdue(actions: Iterable[Any], today: date) -> list[Any]:
    """Actions past their due date and neither done nor dropped."""
    return [
        a
        for a in actions
        if a.due_date is not None and a.due_date < today and a.status not in CLOSED
    ]


def action_dict(action: Action) -> dict[str, Any]:
    """An action as plain data (the audit trail and the published snapshot use it)."""
    data = {name: getattr(action, name) for name in ACTION_FIELDS}
    for name in ("start_date", "due_date"):
        data[name] = data[name].isoformat() if data[name] else None
    data["targets"] = [
        {"series": t.series, "target_value": t.target_value, "target_year": t.target_year}
        for t in action.targets
    ]
    return data
