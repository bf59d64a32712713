"""What the upload page does with a national file, step by step, as the command line does it
(``target87 map``, then ``target87 check``/``load --mapping``): propose a mapping from the
file's distinct labels, read the file with a mapping and check it without writing, then load
it. The reading, checking and loading are ``interop``'s own functions; this module only puts
their answers in the shape the pages show.

Who may load is ``upload_rights``' answer, asked again for the countries of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from target87.ingest import LoadError, Problem
from target87.interop import check_table, file_sha256, load_table, read_any
from target87.interop.file_sources import incomplete_sources, sources_to_create
from target87.interop.formats import detect_format, format_named
from target87.interop.load import LoadSummary
from target87.interop.mapping import Mapping
from target87.interop.proposal import propose_for_file
from target87.interop.subnational import areas_to_create, parent_of
from target87.reporting.models import User
from target87.web.reporting.upload_rights import require_load

ACCEPTED = ("opensdg", "sdmx-ml", "sdmx-csv")  # one indicator CSV, or an SDMX file
SAMPLE_ROWS = 50
MAX_PROBLEMS = 1000
SAMPLE_COLUMNS = (
    "series",
    "ref_area",
    "time_period",
    "sex",
    "age",
    "urbanisation",
    "breakdown",
    "value",
    "unit",
    "source",
    "source_detail",
)
EVERY_ROW = ("area", "series", "unit", "source")
MAX_MAPPING_CHARS = 200_000  # a real mapping is a few kilobytes


def countries_of(raw: pd.DataFrame) -> set[str]:
    """The countries (or aggregates) the rows belong to: a subnational area's parent."""
    if "ref_area" not in raw:
        return set()
    return {parent_of(code) or code for code in raw["ref_area"].unique().tolist() if code}


def file_format(path: Path) -> str | None:
    """The format of an uploaded file when this page takes it, else None
    (``LoadError`` when it is in no format we recognise)."""
    fmt = detect_format(path)
    spec = format_named(fmt)
    return fmt if fmt in ACCEPTED and spec is not None and spec.mapped else None


def propose_mapping(
    session: Session,
    path: Path,
    fmt: str,
    area: str | None,
    series: str | None,
    source: str | None,
) -> Mapping:
    """The mapping ``target87 map`` would propose for this file (``LoadError`` if unread)."""
    return propose_for_file(session, path, fmt, area, series, source)


def mapping_lines(mapping: Mapping) -> list[dict[str, str]]:
    """What maps to what, one line per column and per label (as ``target87 map`` prints it);
    ``every`` names a value the mapping gives every row (area, series, unit, source)."""
    lines: list[dict[str, str]] = []

    def line(column="", target="", label="", code="", every="") -> None:
        lines.append(
            {"column": column, "field": target, "label": label, "code": code, "every": every}
        )

    for header, target in mapping.columns.items():
        line(header, target)
        for label, code in mapping.codes.get(target.split(":", 1)[-1], {}).items():
            line(label=label, code=code)
    mapped = {t.split(":", 1)[-1] for t in mapping.columns.values()}
    for what, table in mapping.codes.items():
        if what not in mapped:  # codes of a component the file names by its id (SDMX)
            line(target=what)
            for label, code in table.items():
                line(label=label, code=code)
    for what in EVERY_ROW:
        value = getattr(mapping, what)
        if isinstance(value, dict):
            value = ", ".join(f"{unit}: {code}" for unit, code in value.items())
        if value:
            line(target=what, code=str(value), every=what)
    for what in ("skip", "keep"):
        for name, codes in getattr(mapping, what).items():
            line(target=f"{what}: {name}", code=", ".join(codes))
    return lines


def read_mapping(text: str) -> Mapping:
    """A mapping typed on the page, read as ``Mapping.from_yaml`` reads a mapping file, after
    refusing what only a hostile text holds: YAML aliases (a few lines of them expand into
    gigabytes once written out) and a text longer than any real mapping. ``ValueError``
    names what is wrong."""
    if len(text) > MAX_MAPPING_CHARS:
        raise ValueError(
            f"the mapping is {len(text):,} characters long, over the limit of {MAX_MAPPING_CHARS:,}"
        )
    try:
        aliases = any(isinstance(t, yaml.AliasToken) for t in yaml.scan(text, yaml.SafeLoader))
    except yaml.YAMLError:
        aliases = False  # malformed: from_yaml says where
    if aliases:
        raise ValueError("YAML aliases (*name) are not taken in a mapping: write each value out")
    return Mapping.from_yaml(text)


@dataclass
class Preview:
    """What a load of the file with a mapping would do; nothing written."""

    rows: int = 0
    skipped: int = 0
    no_value: int = 0
    sample: list[dict[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    new_sources: list[dict] = field(default_factory=list)
    not_created: list[str] = field(default_factory=list)
    new_areas: list[dict] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error") + self.more_problems

    @property
    def ok(self) -> bool:
        return self.rows > 0 and self.errors == 0


def read_mapped(path: Path, fmt: str, mapping: Mapping) -> pd.DataFrame:
    """The file as ``target87 load --mapping`` reads it (``LoadError`` when refused)."""
    return read_any(path, fmt, mapping=mapping)


def preview(engine: Engine, path: Path, fmt: str, mapping: Mapping) -> Preview:
    """Read and check the file with ``mapping``, as ``target87 check --mapping`` does."""
    try:
        raw = read_mapped(path, fmt, mapping)
    except LoadError as exc:
        return _with_problems(Preview(), exc.problems)
    found = Preview(
        rows=len(raw),
        skipped=int(raw.attrs.get("skipped") or 0),
        no_value=int(raw.attrs.get("no_value") or 0),
        countries=countries_of(raw),
    )
    if raw.empty:
        reason = "the file holds no observations (no data rows) once mapped: nothing to load"
        return _with_problems(found, [Problem(path.name, None, None, reason, rule="file")])
    found.sample = [
        {c: _cell(row.get(c)) for c in SAMPLE_COLUMNS}
        for row in raw.head(SAMPLE_ROWS).to_dict("records")
    ]
    found.new_sources = sources_to_create(engine, raw)
    found.not_created = incomplete_sources(raw)
    with Session(engine) as session:
        found.new_areas = areas_to_create(session, raw)
    report = check_table(engine, raw, new_sources=found.new_sources)
    return _with_problems(found, report.findings)


def _with_problems(found: Preview, problems: list[Problem]) -> Preview:
    ordered = sorted(problems, key=lambda p: p.severity != "error")  # errors first
    found.problems = ordered[:MAX_PROBLEMS]
    found.more_problems = sum(1 for p in ordered[MAX_PROBLEMS:] if p.severity == "error")
    return found


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


@dataclass
class Loaded:
    summary: LoadSummary
    new_sources: list[dict]
    new_areas: list[dict]
    skipped: int
    no_value: int


def load(engine: Engine, path: Path, fmt: str, mapping: Mapping, user: User) -> Loaded:
    """Load the file with ``mapping`` as ``target87 load --mapping`` does: all rows or none,
    added and updated, nothing removed; logged under the account's email. Refused
    (``reporting.Forbidden``) for a row of a country the account may not load."""
    raw = read_mapped(path, fmt, mapping)
    require_load(user, countries_of(raw))
    new_sources = sources_to_create(engine, raw)
    with Session(engine) as session:
        new_areas = areas_to_create(session, raw)
    summary = load_table(
        engine,
        raw,
        new_sources=new_sources,
        actor=user.email,
        file_sha256=file_sha256(path),
    )
    return Loaded(
        summary,
        new_sources,
        new_areas,
        int(raw.attrs.get("skipped") or 0),
        int(raw.attrs.get("no_value") or 0),
    )
