"""Problems found in input, each located in its file, sheet, row or line, and column."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Problem:
    """One finding. ``line`` is the CSV line, the sheet row or the SDMX observation number."""

    file: str
    line: int | None
    column: str | None
    reason: str
    sheet: str | None = None
    rule: str = "format"
    severity: str = "error"  # error: blocks the load; warning: reported, does not block
    row_label: str | None = None  # what ``line`` counts when not a line: "observation"
    part: str = "sheet"  # what ``sheet`` names: a workbook's "sheet", or a folder's "file"

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"{self.part} {self.sheet!r}")
        if self.line is not None:
            in_sheet = self.sheet and self.part == "sheet"
            label = self.row_label or ("row" if in_sheet else "line")
            where.append(f"{label} {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        tag = "" if self.severity == "error" else f" ({self.severity})"
        return f"{', '.join(where)}: {self.reason} [{self.rule}]{tag}"

    def to_dict(self) -> dict:
        return asdict(self)


class LoadError(Exception):
    """Input was refused; nothing was written. ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"] or problems
        shown = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s); nothing was loaded:\n{shown}{more}")
