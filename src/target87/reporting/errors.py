"""What national reporting raises, each with a message a person can act on.

``FieldProblem`` is one finding located for the web page: the form field it belongs to, or the
sheet, row and column of an uploaded workbook, with the rule and the severity (the same shape
the validation engine reports, plus ``field``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    message: str
    rule: str = "format"
    severity: str = "error"  # error blocks the save; a warning is shown and does not
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = [f"field {self.field!r}"] if self.field else []
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column and not self.field:
            where.append(f"column {self.column!r}")
        tag = "" if self.severity == "error" else f" ({self.severity})"
        return f"{', '.join(where) or 'input'}: {self.message} [{self.rule}]{tag}"


class ReportingError(Exception):
    """Base of every refusal of the reporting layer; nothing was written."""


class NotFound(ReportingError):
    pass


class Forbidden(ReportingError):
    """The user's role or country does not allow this action."""


class StateError(ReportingError):
    """The report's state does not allow this (e.g. editing a submitted report)."""


class ValidationFailed(ReportingError):
    """Input refused: ``problems`` locate each error by field (or sheet/row/column)."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"] or problems
        shown = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s); nothing was saved:\n{shown}{more}")

    @property
    def errors(self) -> list[FieldProblem]:
        return [p for p in self.problems if p.severity == "error"]


class ConflictError(ReportingError):
    """Someone saved the same thing since it was loaded (optimistic locking)."""

    def __init__(
        self,
        what: str,
        changed_by: str,
        changed_at: datetime | None,
        expected: int,
        current: int,
    ):
        self.what, self.changed_by, self.changed_at = what, changed_by, changed_at
        self.expected, self.current = expected, current
        when = f"{changed_at:%Y-%m-%d %H:%M:%S} UTC" if changed_at else "an unknown time"
        super().__init__(
            f"{what} was changed by {changed_by} at {when} after you opened it (you had "
            f"version {expected}, it is now at version {current}). Nothing of yours was "
            "saved: reload it to see their changes, then make yours again."
        )


class LoginFailed(ReportingError):
    """Wrong email or password, or a disabled account (the message never says which)."""

    def __init__(self) -> None:
        super().__init__("the email or the password is wrong")


class RateLimited(ReportingError):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        minutes = max(1, round(retry_after / 60))
        super().__init__(f"too many failed sign-ins: try again in about {minutes} minute(s)")


class AuditImmutable(ReportingError):
    """An attempt to change or delete an audit event."""


class AttachmentRefused(ValidationFailed):
    pass
