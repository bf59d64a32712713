"""The library's one error: a refused document, naming its file."""

from __future__ import annotations

from pathlib import Path


class LibraryError(ValueError):
    """A document refused (nothing was saved), or a search that cannot run."""

    def __init__(self, message: str, file: str | Path | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.reason = message  # without the file: what a web page shows (no server paths)
        super().__init__(f"{self.file}: {message}" if self.file else message)
