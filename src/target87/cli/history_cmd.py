"""``target87 history``: the loads made, what each added, changed and removed, and undo."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pandas as pd
import typer

from target87.cli.common import console, err, ready_engine
from target87.interop.history import (
    HistoryError,
    UndoRefused,
    load_record,
    load_rows,
    loads,
    undo_load,
)

history_app = typer.Typer(
    help="The load log: every load with who, when, the file, its sha256 and what it added, "
    "changed and removed; the rows of one load; undo a load.",
    no_args_is_help=False,
)


class Action(StrEnum):
    added = "added"
    changed = "changed"
    removed = "removed"


def _print(text: str, **kwargs) -> None:
    console.print(text, soft_wrap=True, highlight=False, markup=False, **kwargs)


def plain_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell: readable, and whole however narrow the terminal."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def _n(value) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _what(row) -> str:
    if row["kind"] == "snapshot":
        return "snapshot (init)"
    if row["kind"] == "undo":
        return f"undo of {_n(row['undoes'])}"
    if row["kind"] == "file":
        return _text(row["mode"]) or "file (no log)"
    return f"{row['kind']} {_text(row['mode']) or '(no log)'}"


@history_app.callback(invoke_without_command=True)
def history(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many of the newest loads to list.")] = 30,
) -> None:
    """List the loads, newest first (``history show ID``, ``history undo ID`` for one)."""
    if ctx.invoked_subcommand is not None:
        return
    frame = loads(ready_engine(), limit)
    if frame.empty:
        _print("No load yet.")
        return
    rows = []
    for r in frame.to_dict("records"):
        note = f"undone by {_n(r['undone_by'])}" if _n(r["undone_by"]) else ""
        rows.append(
            [
                str(r["id"]),
                pd.Timestamp(r["loaded_at"]).strftime("%Y-%m-%d %H:%M:%S"),
                _text(r["actor"]),
                _what(r),
                _n(r["rows"]),
                _n(r["added"]),
                _n(r["changed"]),
                _n(r["removed"]),
                _text(r["sha256"])[:12],
                _text(r["name"]),
                note,
            ]
        )
    header = [
        "id",
        "when (UTC)",
        "who",
        "what",
        "rows",
        "added",
        "changed",
        "removed",
        "sha256",
        "file",
        "note",
    ]
    for line in plain_table(header, rows):
        _print(line)


@history_app.command("show")
def show(
    load_id: Annotated[int, typer.Argument(help="The load's id (see `target87 history`).")],
    page: Annotated[int, typer.Option(min=1, help="Which page of rows.")] = 1,
    page_size: Annotated[int, typer.Option(min=1, help="Rows per page.")] = 50,
    action: Annotated[
        Action | None, typer.Option(help="Only the rows added, changed or removed.")
    ] = None,
) -> None:
    """The rows one load added, changed and removed, with values before and after, paged."""
    eng = ready_engine()
    try:
        record = load_record(eng, load_id)
        frame = load_rows(eng, load_id)
    except HistoryError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None
    counts = ", ".join(
        f"{a} {int((frame['action'] == a).sum())}" for a in ("added", "changed", "removed")
    )
    when = record.loaded_at.strftime("%Y-%m-%d %H:%M:%S")
    what = record.name if record.kind == "undo" else f"{record.mode} load of {record.name}"
    _print(f"Load {record.id}: {what}, by {record.actor} at {when} UTC; {counts}.")
    if record.undone_by is not None:
        _print(f"Undone by load {record.undone_by}.")
    if action is not None:
        frame = frame[frame["action"] == action.value]
    total = len(frame)
    pages = max(1, -(-total // page_size))
    part = frame.iloc[(page - 1) * page_size : page * page_size]
    header = [
        "action",
        "series",
        "area",
        "period",
        "sex",
        "age",
        "urb",
        "source",
        "before",
        "after",
        "state",
        "changes",
    ]
    rows = [
        [
            r["action"],
            r["series"],
            r["ref_area"],
            r["time_period"],
            r["sex"],
            r["age"],
            r["urbanisation"],
            r["source"],
            _value(r["value_before"]),
            _value(r["value_after"]),
            r["state"],
            r["what"],
        ]
        for r in part.to_dict("records")
    ]
    for line in plain_table(header, rows):
        _print(line)
    if not total:
        _print("No row.")
        return
    first, last = (page - 1) * page_size + 1, min(page * page_size, total)
    more = f"; next: target87 history show {load_id} --page {page + 1}" if page < pages else ""
    if first > total:
        _print(f"Page {page} is past the end: {total} row(s), {pages} page(s).")
        return
    _print(f"Rows {first}-{last} of {total} (page {page} of {pages}){more}.")


def _value(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:g}"


@history_app.command("undo")
def undo(
    load_id: Annotated[int, typer.Argument(help="The load to undo (see `target87 history`).")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Undo even where a later load touched the same rows (their later values "
            "are replaced by those from before this load; the undo is logged and can be "
            "undone in turn).",
        ),
    ] = False,
) -> None:
    """Undo a load: put back what it changed or removed, remove what it added.

    One transaction, itself a logged load. Refused, naming the rows, where a later load
    touched them, unless --force.
    """
    eng = ready_engine()
    try:
        summary = undo_load(eng, load_id, force=force)
    except UndoRefused as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except HistoryError as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _print(
        f"Load {summary.load_id} undid load {load_id}: {summary.changes.text()}, "
        f"unchanged {summary.unchanged}."
    )
    _print(f"To put load {load_id} back: target87 history undo {summary.load_id}")
