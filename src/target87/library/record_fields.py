"""Field checks of the records entered through a form or a file (good practices, directory
entries): pure functions apart from ``check_country``, which reads the store's area table.
Each collects its problems in ``Problems``, naming the field, so that a form or a file's row
is refused with all of them at once (``ValidationFailed``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from target87.library.models import LANGUAGES, THEMES
from target87.reporting.errors import FieldProblem, ValidationFailed
from target87.store.models import Area

MAX_TITLE = 500
MAX_TEXT = 20_000
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+$")
URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{1,38}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
LIST_SPLIT = re.compile(r"[;,]")


class Problems:
    """The problems of one form, by field; ``raise_if_any`` refuses the whole form."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field: str | None, message: str, rule: str = "format") -> None:
        self.items.append(FieldProblem(field, message, rule))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def raw_text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return str(value).strip()


def text_value(
    data: Mapping[str, Any],
    name: str,
    problems: Problems,
    *,
    required: bool = False,
    limit: int = MAX_TEXT,
) -> str | None:
    """A text field: trimmed; None when empty (refused when required); at most ``limit``."""
    value = raw_text(data, name)
    if not value:
        if required:
            problems.add(name, f"{name.replace('_', ' ')} is required", "required")
        return None
    if len(value) > limit:
        problems.add(name, f"{name.replace('_', ' ')} is over {limit:,} characters", "length")
    if "\x00" in value:
        problems.add(name, f"{name.replace('_', ' ')} holds a NUL character")
    return value


def url_value(data: Mapping[str, Any], name: str, problems: Problems) -> str | None:
    value = text_value(data, name, problems, limit=2000)
    if value and not URL.match(value):
        problems.add(name, f"{value!r} is not a web address such as https://www.ilo.org/...")
    return value


def email_value(data: Mapping[str, Any], name: str, problems: Problems) -> str | None:
    value = text_value(data, name, problems, limit=254)
    if value and not EMAIL.match(value):
        problems.add(name, f"{value!r} is not an email address such as info@example.org")
    return value


def phone_value(data: Mapping[str, Any], name: str, problems: Problems) -> str | None:
    value = text_value(data, name, problems, limit=40)
    if value and not PHONE.match(value):
        problems.add(name, f"{value!r} is not a phone number (digits, spaces, + ( ) - . /)")
    return value


def code_list(
    data: Mapping[str, Any],
    name: str,
    problems: Problems,
    allowed: Iterable[str] | None = None,
    pattern: re.Pattern[str] | None = None,
) -> tuple[str, ...]:
    """A list of codes given as a list or ``a;b`` (or ``a,b``): each checked, order kept."""
    value = data.get(name)
    items = value if isinstance(value, (list, tuple)) else LIST_SPLIT.split(raw_text(data, name))
    codes = tuple(dict.fromkeys(str(v).strip().lower() for v in items if str(v).strip()))
    known = tuple(allowed) if allowed is not None else None
    for code in codes:
        if (known is not None and code not in known) or (pattern and not pattern.match(code)):
            hint = f" (one of {', '.join(known)})" if known is not None else ""
            problems.add(name, f"{code!r} is not a known {name.rstrip('s')} code{hint}", "codes")
    return codes


def choice(
    data: Mapping[str, Any],
    name: str,
    problems: Problems,
    allowed: Iterable[str],
    *,
    required: bool = True,
) -> str | None:
    value = raw_text(data, name).lower() or None
    known = tuple(allowed)
    if value is None:
        if required:
            problems.add(name, f"{name.replace('_', ' ')} is required", "required")
    elif value not in known:
        problems.add(name, f"{value!r} is not one of {', '.join(known)}", "codes")
        return None
    return value


def date_value(
    data: Mapping[str, Any], name: str, problems: Problems, today: date | None = None
) -> date | None:
    """A required date as YYYY-MM-DD (a date or datetime passes as is), not in the future."""
    value = data.get(name)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = raw_text(data, name)
        if not text:
            problems.add(name, f"{name.replace('_', ' ')} is required", "required")
            return None
        try:
            value = date.fromisoformat(text[:10]) if len(text) in (10, 19) else None
        except ValueError:
            value = None
        if value is None:
            problems.add(name, f"{text!r} is not a date as YYYY-MM-DD")
            return None
    if value > (today or date.today()):
        problems.add(name, f"{value.isoformat()} is in the future: say when it was checked")
    return value


def common_fields(data: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    """The fields every reviewed record has: country (its code; ``check_country`` checks it
    is known), the language it is written in, and a link to its source."""
    country = raw_text(data, "country").upper()
    if not country:
        problems.add("country", "country is required (a code such as NPL)", "required")
    return {
        "country": country or None,
        "language": choice(data, "language", problems, LANGUAGES),
        "source_url": url_value(data, "source_url", problems),
    }


def check_country(session: Session, code: str | None, problems: Problems) -> None:
    """A country of the store's area table (not a region or a subnational area)."""
    if not code:
        return
    area = session.get(Area, code)
    if area is None or area.kind != "country":
        problems.add("country", f"{code!r} is not a country code the store knows (e.g. NPL)")


def themes_value(data: Mapping[str, Any], problems: Problems) -> str:
    return ";".join(code_list(data, "themes", problems, THEMES))
