"""What a file format declares to the registry (``interop.formats.FORMATS``): ``Format``.

A format family is one module that declares its ``Format`` (or several: ``csv_io`` declares
CSV and JSON, ``sdmx_formats`` the three SDMX formats): its name, how to recognise its files,
and the functions that read and write it. Everything that lists, detects, reads or writes
formats (``read_any``, ``export``, ``detect_format``, the ``load``, ``check`` and ``export``
commands, the API's downloads) goes through the registry, so a new format is one new module
and one line there.

- ``read(path, *, source, codes)`` returns a raw observation table (``interop.table``):
  ``source`` is the source id for rows whose file names none, ``codes`` the ``CodeMap`` to map
  areas with (None: the bundled one). A reader may ignore either.
- ``write(frame, path, *, sources, session)`` writes a typed observation table:
  ``sources`` the cited sources (dicts of id, publisher, title, licence, url, citation),
  ``session`` the open store session (for what a format takes from the store, e.g. series
  metadata). A writer may ignore either.
- ``recognise(head)`` tells from the first bytes of a file (a ``Head``) whether it is one of
  this format's; formats are asked in registry order, ``fallback`` formats last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from target87.interop.limits import text_encoding

# Bytes of a file that detection reads: enough for an XML prolog or a long CSV header.
SNIFF_BYTES = 4096

Reader = Callable[..., pd.DataFrame]  # (path, *, source, codes) -> raw table
Writer = Callable[..., Any]  # (frame, path, *, sources, session) -> anything (ignored)
Recogniser = Callable[["Head"], bool]
# (typed table) -> (the rows the format can carry, {why others were left out: how many})
Selector = Callable[[pd.DataFrame], tuple[pd.DataFrame, dict[str, int]]]


@dataclass(frozen=True)
class Head:
    """What detection sees of a path: its first bytes (none for a folder) and their text."""

    path: Path
    data: bytes = b""

    @property
    def is_folder(self) -> bool:
        return self.path.is_dir()

    @cached_property
    def text(self) -> str:
        """The bytes as text (UTF-16 and UTF-32 too), without BOM and leading white space."""
        announced = text_encoding(self.data)
        codec = announced[1] if announced else "utf-8"
        return self.data.decode(codec, errors="replace").lstrip("\ufeff").lstrip()

    @cached_property
    def header(self) -> list[str]:
        """The first line's comma-separated cells, unquoted and upper-cased."""
        first = self.text.splitlines()[0] if self.text else ""
        return [c.strip().strip('"').upper() for c in first.split(",")]


@dataclass(frozen=True)
class Format:
    """One file format: its name, how its files are recognised, how it is read and written."""

    name: str  # what --format takes, e.g. "sdmx-ml"
    label: str  # what people call it, for help texts, e.g. "SDMX-ML"
    read: Reader | None = None  # None: not read (an output-only format)
    write: Writer | None = None  # None: not written (an input-only format)
    recognise: Recogniser | None = None  # None: never detected, only named with --format
    folder: bool = False  # its "file" may be a folder (detection offers folders only to these)
    fallback: bool = False  # asked last by detection: takes what no other format recognised
    # Rows the format cannot carry are left out on export, and counted (None: it carries all).
    select: Selector | None = None
    media_type: str | None = None  # the HTTP Content-Type of a file of this format
    # Its reader takes ``mapping=`` (an ``interop.mapping.Mapping`` from ``target87 map``).
    mapped: bool = False

    @property
    def bare_media_type(self) -> str:
        """The media type without its parameters (``text/csv``), lower-cased; "" if none."""
        return (self.media_type or "").split(";")[0].strip().lower()
