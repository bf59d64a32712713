"""The one error the supply room raises: :class:`SupplyError`."""

from __future__ import annotations


class SupplyError(ValueError):
    """A problem with an input-output system or a supplier list, saying what and where.

    ``file``, ``row`` and ``column`` name the place when the problem is in a file (row counted
    as the user sees it: the first data row is 2 in a CSV with a header); any of them may be
    ``None`` when the problem is in the system as a whole (a singular ``I - A``, say).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column {column!r}" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
