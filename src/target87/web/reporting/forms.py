"""Reporting forms read into what the reporting functions take: the values form into
``save_values`` entries, the action form into ``clean_action`` fields with its target rows.
"""

from __future__ import annotations

from starlette.datastructures import FormData

from target87.reporting.action_fields import ACTION_FIELDS
from target87.web.reporting.render import text

VALUE, FOOTNOTE = "value:", "footnote:"
TARGET_ROWS = 3  # blank target rows offered below the action's own
MAX_TARGET_ROWS = 50


def value_entries(form: FormData) -> dict[str, dict[str, str]]:
    """``{Cell.field: {"value": ..., "footnote": ...}}`` from the form's inputs."""
    entries = {}
    for name in form:
        if name.startswith(VALUE):
            field = name[len(VALUE) :]
            entries[field] = {"value": text(form, name), "footnote": text(form, FOOTNOTE + field)}
    return entries


def action_form(form: FormData) -> tuple[dict, dict[str, str]]:
    """An action's fields from the form, and the form name of each target problem
    (``targets.<k>.<field>`` of the k-th filled row -> that row's field names)."""
    data = {name: text(form, name) for name in ACTION_FIELDS}
    targets, names = [], {}
    for i in range(MAX_TARGET_ROWS):
        row = {k: text(form, f"target_{k}_{i}") for k in ("series", "value", "year")}
        if f"target_series_{i}" not in form:
            break
        if not any(row.values()):
            continue
        k = len(targets)
        targets.append(
            {"series": row["series"], "target_value": row["value"], "target_year": row["year"]}
        )
        names.update(
            {
                f"targets.{k}.series": f"target_series_{i}",
                f"targets.{k}.target_value": f"target_value_{i}",
                f"targets.{k}.target_year": f"target_year_{i}",
            }
        )
    data["targets"] = targets
    return data, names


def form_values(data: dict) -> dict:
    """Action data as the form shows it: text fields, and target rows plus blank ones."""
    shown = {k: ("" if data.get(k) is None else data[k]) for k in ACTION_FIELDS}
    rows = [
        {"series": t["series"], "value": t["target_value"], "year": t["target_year"]}
        for t in data.get("targets", [])
    ]
    shown["targets"] = rows + [{"series": "", "value": "", "year": ""}] * TARGET_ROWS
    return shown
