"""Formatting values and sources for the terminal."""

from __future__ import annotations

from target87.i18n import label


def format_value(value: float | None, unit: str, unit_mult: int, lang: str = "en") -> str:
    if value is None or value != value:
        return "—"
    if unit == "PT":
        return f"{value:g} %"
    if unit == "PER_1000_POP":
        return f"{value:g} {label('per_1000', lang)}"
    if unit == "NUMBER" and unit_mult == 6:
        return f"{value:g} {label('millions', lang)}"
    if unit == "NUMBER" and unit_mult == 0:
        return f"{value:,.0f}"
    return f"{value:g} ({unit}, ×10^{unit_mult})"


def period_text(time_period: str) -> str:
    if "/" in time_period:
        start, end = time_period.split("/")
        return f"latest in {start}-{end} (year not given)"
    if time_period == "unknown":
        return "year not given (outside the source's window)"
    return time_period


def age_text(age: str) -> str:
    if age == "_T":
        return "all ages"
    if age.startswith("Y_GE"):
        return f"{age[4:]}+"
    if age.startswith("Y") and "T" in age[1:]:
        low, high = age[1:].split("T")
        return f"{low}-{high}"
    return age


class SourceNumbers:
    """Numbers sources [1], [2] ... in order of first mention."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def ref(self, source_id: str) -> str:
        if source_id not in self.order:
            self.order.append(source_id)
        return f"[{self.order.index(source_id) + 1}]"
