"""Open SDG data folders, in and out.

Open SDG (open-sdg.org, built by sdg-build) keeps one CSV per indicator,
``data/indicator_8-7-1.csv``, with ``Year`` first and ``Value`` last; the columns between are
disaggregations, where a blank cell means "all" (our ``_T``). ``Units``, ``Series`` and
``GeoCode`` are special columns, and ``Observation status``, ``Unit multiplier`` and
``COMMENT_OBS`` (an "observation attribute") are the SDMX-mapped attributes it knows.
Metadata sits in ``meta/8-7-1.md`` (YAML front matter) or ``meta/8-7-1.yml``.

What we write, so that reading it back gives the same observations:

- one CSV per SDG indicator of the series (``Series.sdg_indicator``). Series attached only to
  target 8.7 (the global estimates, ``GE_*``) go to ``indicator_8-7-x.csv``: Open SDG splits an
  id on ``-`` into goal, target and indicator, so ``8-7-x`` files under target 8.7.
- columns ``Year, Series, Units, Sex, Age, URBANISATION, Source``, the attributes
  ``Observation status, Unit multiplier, Nature, Reporting type, LOWER_BOUND, UPPER_BOUND,
  COMMENT_OBS``, then ``GeoCode`` second from last and ``Value`` last, as Open SDG's data format
  asks. Totals (``_T``) are blank. Codes are ours (SDMX): units ``PT``, sex ``F``/``M``.
  ``Source`` is our source id: Open SDG shows it as a disaggregation, which keeps apart two
  publishers' values for the same cell. A site should list ``COMMENT_OBS``, ``Nature``,
  ``Reporting type``, ``LOWER_BOUND`` and ``UPPER_BOUND`` under ``observation_attributes``.
- ``Year`` holds our period as is: a year, or a window ``2013/2021`` or ``unknown`` where the
  source gives no year (never invented). Open SDG shows those as labels.
- ``GeoCode`` is the M49 code where it maps back to the same area, otherwise our code
  (``ILO_AFRICA``).
- Text a spreadsheet would run as a formula is quoted (``excel_write.protect``) and unquoted
  on reading.

Reading also takes what Open SDG sites write in practice: sex as ``F``/``M`` or
``Female``/``Male``, age as ``Y5T17`` or ``5-17``, ``GeoCode`` or ``REF_AREA`` in M49 or ISO3, a
blank ``GeoCode`` meaning the reporting country named in the metadata. A disaggregation we do
not hold must be blank everywhere: otherwise the file is refused, never silently cut.

Only regular files inside the folder are read: a data or metadata file that is a link leading
out of the folder, or a device or pipe, is refused by name and never opened.

``OPENSDG`` (at the end) declares the format to the registry (``interop.formats``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy.orm import Session

from target87 import store
from target87.ingest.errors import LoadError, Problem
from target87.ingest.snapshot import bundled_snapshot_dir
from target87.interop.breakdowns import (
    compose_columns,
    dimension_of_target,
    is_sdg_dimension,
    merged,
    national_column,
    sdg_column,
)
from target87.interop.codes import SEX, URBANISATION, CodeMap, UnknownCodes, age, map_column
from target87.interop.file_sources import SOURCE_ID, publisher_source, settle_sources
from target87.interop.format_spec import Format, Head
from target87.interop.limits import decode, protect, read_limited, refuse, unprotect
from target87.interop.mapping import Mapping as FileMapping
from target87.interop.mapping import (
    apply_rows,
    header_field,
    sdg_dimension_of_header,
    suggest_codes,
)
from target87.interop.subnational import parent_of
from target87.interop.table import (
    DEFAULTS,
    ExportError,
    drop_empty_values,
    fill_period_bounds,
    raw_table,
    records,
)
from target87.store.breakdown import parse

# Header as written -> our field. Headers are compared lower-cased, "_" read as a space.
ALIASES = {
    "year": "time_period",
    "time period": "time_period",
    "value": "value",
    "obs value": "value",
    "observation value": "value",
    "units": "unit",
    "unit measure": "unit",
    "unit of measure": "unit",
    "series": "series",
    "geocode": "ref_area",
    "ref area": "ref_area",
    "reference area": "ref_area",
    "sex": "sex",
    "age": "age",
    "urbanisation": "urbanisation",
    "urbanization": "urbanisation",
    "location": "urbanisation",
    "unit mult": "unit_mult",
    "unit multiplier": "unit_mult",
    "obs status": "obs_status",
    "observation status": "obs_status",
    "nature": "nature",
    "reporting type": "reporting_type",
    "comment obs": "footnote",
    "footnote": "footnote",
    "lower bound": "lower_bound",
    "upper bound": "upper_bound",
    "source": "source",
    "source detail": "source_detail",
    "area name": "area_name",
}
# Our field -> the header we write, in the order we write them.
HEADERS = {
    "time_period": "Year",
    "series": "Series",
    "unit": "Units",
    "sex": "Sex",
    "age": "Age",
    "urbanisation": "URBANISATION",
    "source": "Source",
    "obs_status": "Observation status",
    "unit_mult": "Unit multiplier",
    "nature": "Nature",
    "reporting_type": "Reporting type",
    "lower_bound": "LOWER_BOUND",
    "upper_bound": "UPPER_BOUND",
    "footnote": "COMMENT_OBS",
    "source_detail": "SOURCE_DETAIL",
    "ref_area": "GeoCode",
    "value": "Value",
}
TOTAL_BLANK = ("sex", "age", "urbanisation")
SEX_LABELS = {
    "female": "F",
    "male": "M",
    "total": "_T",
    "both sexes": "_T",
    "bothsex": "_T",
    "all": "_T",
    "femmes": "F",
    "hommes": "M",
    "mujeres": "F",
    "hombres": "M",
}
URBANISATION_LABELS = {"urban": "U", "rural": "R", "total": "_T", "allarea": "_T"}
REPORTING_LABELS = {"g": "G", "n": "N", "r": "R", "global": "G", "national": "N", "regional": "R"}
AGE_RANGE = re.compile(r"^(\d{1,2})\s*(?:-|–|to|à|a)\s*(\d{1,2})(?:\s*(?:years?|ans|años))?$")
AGE_OVER = re.compile(r"^(\d{1,2})\s*(?:\+|(?:years?\s+)?(?:and|or)\s+(?:over|older|above))$")
AGE_UNDER = re.compile(r"^(?:under|less than|<)\s*(\d{1,2})(?:\s*years?)?$")
AGE_TOTAL = {"total", "all ages", "all"}
YEAR_FLOAT = re.compile(r"^(\d{4})\.0+$")
TARGET_FALLBACK = "8.7"


def _normal(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.strip().lower())


def _sex(code: str) -> str | None:
    return SEX.get(code) or SEX_LABELS.get(code.lower())


def _urbanisation(code: str) -> str | None:
    return URBANISATION.get(code) or URBANISATION_LABELS.get(code.lower())


def _age(code: str) -> str | None:
    known = age(code)
    if known:
        return known
    text = code.strip().lower()
    if text in AGE_TOTAL:
        return "_T"
    if match := AGE_RANGE.match(text):
        return f"Y{int(match[1])}T{int(match[2])}"
    if match := AGE_OVER.match(text):
        return f"Y_GE{int(match[1])}"
    if match := AGE_UNDER.match(text):
        return f"Y0T{int(match[1]) - 1}"
    return None


def data_files(folder: Path) -> list[Path]:
    """``data/indicator_*.csv`` when the folder has them, else every ``*.csv`` in it."""
    found = sorted((folder / "data").glob("indicator_*.csv"))
    return found or sorted(folder.glob("*.csv"))


def _check_inside(folder: Path, path: Path) -> None:
    """Refuse, by name, a file that is not a regular file inside ``folder`` once links are
    followed: a link out of the folder would show another file's content in our errors."""
    try:
        real, root = path.resolve(strict=True), folder.resolve(strict=True)
    except (OSError, RuntimeError):
        raise refuse(path, "a broken link or unreadable path: refused") from None
    if not real.is_relative_to(root):
        raise refuse(path, "a link leading out of the Open SDG folder: refused, not read")
    if not real.is_file():
        raise refuse(path, "not a regular file (a device, pipe or folder): refused, not read")


def indicator_id(path: Path) -> str:
    """``indicator_8-7-1.csv`` -> ``8-7-1`` (sdg-build's file naming)."""
    return path.stem.removeprefix("indicator_")


def read_opensdg(
    folder: Path,
    *,
    codes: CodeMap | None = None,
    source: str | None = None,
    mapping: FileMapping | None = None,
) -> pd.DataFrame:
    """Read an Open SDG data folder (or one of its CSVs) into one raw table.

    ``mapping`` (``interop.mapping``, from ``target87 map``) first turns each file's headers
    and labels into ours and supplies what the file leaves implicit (area, series, unit);
    ``attrs["skipped"]`` then counts the rows its ``skip`` left out.

    ``_sheet`` names each row's CSV file (``indicator_8-7-1.csv``) and ``_row`` its line.

    ``source`` is the source id for rows whose file has no ``Source`` column. Raises
    ``LoadError`` listing every problem found (unknown codes, extra disaggregations, blank
    ``GeoCode`` with no reporting country, malformed files).
    """
    folder = Path(folder)
    name = folder.name or str(folder)
    codes = codes or CodeMap()
    files, folder = _files(folder)
    frames, problems, metadata = [], [], {}
    spelled: dict[str, str] = {}
    skipped = [0]
    found: list[dict] = []  # per file: the breakdowns found
    area_names: dict[str, str] = {}
    publishers: dict[str, dict] = {}
    for path in files:
        meta = _read_metadata(folder, indicator_id(path), name, problems)
        metadata[indicator_id(path)] = meta
        frame = _read_file(path, name, meta, codes, source, problems, spelled, mapping, skipped)
        if frame is not None:
            found.append(frame.attrs.get("breakdowns", {}))
            area_names.update(frame.attrs.get("area_names", {}))
            publisher = frame.attrs.get("publisher")
            if publisher:
                publishers[publisher["id"]] = publisher
            frames.append(frame)
    if problems:
        raise LoadError(problems)
    frame = pd.concat(frames, ignore_index=True)
    raw = raw_table(frame, file=name, rows=frame["_row"], source_columns=spelled)
    raw.attrs["metadata"] = metadata
    raw.attrs["breakdowns"] = merged(*found)
    raw.attrs["sources"] = list(publishers.values())
    raw.attrs["area_names"] = area_names
    raw = drop_empty_values(raw)
    raw = fill_period_bounds(raw)
    raw.attrs["part"] = "file"  # `_sheet` names the data file within the folder
    raw.attrs["skipped"] = skipped[0]
    return raw


def _files(folder: Path) -> tuple[list[Path], Path]:
    """The data files of a folder (or the one CSV named) and the folder holding metadata."""
    files = data_files(folder) if folder.is_dir() else []
    if folder.is_file():  # one indicator CSV: its metadata sits beside it or in ../meta
        files = [folder]
        folder = folder.parent.parent if folder.parent.name == "data" else folder.parent
    else:  # files found by looking in the folder, not named by the caller: must stay in it
        outside = []
        for path in files:
            try:
                _check_inside(folder, path)
            except LoadError as exc:
                outside.extend(exc.problems)
        if outside:
            raise LoadError(outside)
    if not files:
        reason = "no Open SDG data files (data/indicator_*.csv or *.csv) in this folder"
        raise LoadError([Problem(str(folder), None, None, reason, rule="file")])
    return files, folder


def raw_columns(folder: Path) -> tuple[dict[str, list[str]], dict]:
    """What ``target87 map`` looks at: each header's distinct labels, as the files spell
    them (all data files of a folder together), and the first file's metadata."""
    folder = Path(folder)
    name = folder.name or str(folder)
    files, folder = _files(folder)
    problems: list[Problem] = []
    columns: dict[str, set[str]] = {}
    metadata: dict = {}
    for path in files:
        meta = _read_metadata(folder, indicator_id(path), name, problems)
        metadata = metadata or meta
        header, _lines, rows = _csv_rows(path, name, problems)
        for index, column in enumerate(header or []):
            values = columns.setdefault(column, set())
            values.update(unprotect(r[index].strip()) for r in rows)
    if problems:
        raise LoadError(problems)
    return {h: sorted(v) for h, v in columns.items()}, metadata


def _read_file(
    path, name, meta, codes, source, problems, spelled, mapping=None, skipped=None
) -> pd.DataFrame | None:
    sheet = path.name
    header, lines, rows = _csv_rows(path, name, problems)
    if header is None:
        return None
    if mapping is not None:
        header, lines, rows, left_out = apply_rows(mapping, header, lines, rows)
        if skipped is not None:
            skipped[0] += left_out
    fields: dict[str, int] = {}
    extra: dict[str, int] = {}
    for index, column in enumerate(header):
        field = ALIASES.get(_normal(column))
        if field is None:
            extra[column] = index
        elif field in fields:
            reason = f"columns {header[fields[field]]!r} and {column!r} both give {field}"
            problems.append(Problem(name, 1, column, reason, sheet=sheet, part="file"))
        else:
            fields[field] = index
            spelled.setdefault(field, column)
    missing = [h for h, f in (("Year", "time_period"), ("Value", "value")) if f not in fields]
    if missing:
        reason = f"missing column(s) {', '.join(missing)} (header: {', '.join(header)})"
        problems.append(Problem(name, 1, None, reason, sheet=sheet, part="file"))
        return None
    labels = {f: header[i] for f, i in fields.items()}
    frame = pd.DataFrame(
        {f: [unprotect(r[i].strip()) for r in rows] for f, i in fields.items()}, dtype=object
    )
    frame["_row"], frame["_sheet"] = lines, sheet
    where = (name, sheet, labels, problems)
    _take_breakdowns(frame, extra, rows, mapping, where)
    _fill_from_metadata(frame, meta, codes, source, where)
    _map_codes(frame, codes, where)
    if "area_name" in frame:  # the file's words for its regions: names of new areas
        local = frame[frame["ref_area"].map(lambda c: parent_of(c) is not None)]
        frame.attrs["area_names"] = dict(zip(local["ref_area"], local["area_name"], strict=True))
    return frame


def _take_breakdowns(frame, extra, rows, mapping, where) -> None:
    """Columns that are none of our fields are breakdowns (a blank cell is the total): an
    SDG DSD dimension by its id (``INCOME_WEALTH_QUANTILE``, or a mapping's
    ``breakdown:...``) with its codes checked, any other a national breakdown with the
    file's words kept. Nothing is dropped unless the mapping says ``drop``."""
    name, sheet, _labels, problems = where
    if not extra:
        return
    named = {}  # a mapping's national dimension id -> the header the file gave it
    if mapping is not None:
        for header, target in mapping.columns.items():
            dimension = dimension_of_target(target)
            if dimension:
                named[dimension] = header
    unknown = UnknownCodes(name, hint=suggest_codes)
    parts, found = {}, {}
    for column, index in extra.items():
        labels = pd.Series([unprotect(r[index].strip()) for r in rows], index=frame.index)
        field = header_field(column)
        if field is not None and (labels != "").any():  # "Sexo": ours, in other words
            reason = (
                f"column {column!r} looks like our field {field!r} in other words: "
                "run `target87 map` and load with the mapping it writes"
            )
            problems.append(
                Problem(name, 1, column, reason, sheet=sheet, part="file", rule="columns")
            )
            continue
        header = named.get(column, column)  # as the file spells it, for messages
        sdg = column if is_sdg_dimension(column) else sdg_dimension_of_header(column)
        if sdg:
            named.setdefault(sdg, header)
            column = sdg
        if is_sdg_dimension(column):
            lines = frame["_row"].tolist()

            def missed(label, column=column, labels=labels, lines=lines):
                for line in [ln for ln, v in zip(lines, labels, strict=True) if v == label]:
                    unknown.add(named.get(column, column), label, line)

            codes, item = sdg_column(column, labels, missed)
            parts[column] = codes
        else:
            dimension, codes, item = national_column(named.get(column, column), labels)
            if dimension in parts:
                reason = f"columns {column!r} and another both make the breakdown {dimension}"
                problems.append(Problem(name, 1, column, reason, sheet=sheet, part="file"))
                continue
            parts[dimension] = codes
        found[dimension if not is_sdg_dimension(column) else column] = item
    try:
        unknown.raise_if_any()
    except LoadError as exc:
        problems.extend(
            dataclasses.replace(p, file=name, sheet=sheet, part="file") for p in exc.problems
        )
    frame["breakdown"] = compose_columns(parts, frame.index)
    frame.attrs["breakdowns"] = found


def _csv_rows(path: Path, name: str, problems: list[Problem]):
    """Header and the non-empty rows of a CSV, with the line each row starts on."""
    text = decode(read_limited(path), f"{name}/{path.name}")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            problems.append(
                Problem(name, 1, None, "the file is empty", sheet=path.name, part="file")
            )
            return None, [], []
        lines, rows, last = [], [], reader.line_num
        for cells in reader:
            start, last = last + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                reason = f"{len(cells)} cells where the header has {len(header)}"
                problems.append(Problem(name, start, None, reason, sheet=path.name, part="file"))
                continue
            lines.append(start)
            rows.append(cells)
    except csv.Error as exc:
        line = reader.line_num
        problems.append(
            Problem(name, line, None, f"malformed CSV: {exc}", sheet=path.name, part="file")
        )
        return None, [], []
    return header, lines, rows


def _fill_from_metadata(frame, meta, codes, source, where) -> None:
    """Blank series, units, area and source take what the indicator's metadata says."""
    given = {
        "series": _meta_series(meta),
        "unit": _meta_units(meta),
        "unit_mult": _meta_first(meta, UNIT_MULT_KEYS),
    }
    for field, value in given.items():
        column = frame[field] if field in frame else pd.Series("", index=frame.index)
        frame[field] = column.where(column != "", value or "")
    name, sheet, labels, problems = where
    _settle_file_sources(frame, meta, source, f"{name}/{sheet}")
    area = frame["ref_area"] if "ref_area" in frame else pd.Series("", index=frame.index)
    blank = area == ""
    if blank.any():
        country, problem = _meta_country(meta, codes)
        if country:
            area = area.where(~blank, country)
        else:
            first = int(frame.loc[blank, "_row"].iloc[0])
            reason = f"{int(blank.sum())} row(s) have no GeoCode and {problem}"
            column = labels.get("ref_area", "GeoCode")
            problems.append(
                Problem(name, first, column, reason, sheet=sheet, part="file", rule="codes")
            )
    frame["ref_area"] = area


def _settle_file_sources(frame, meta, source, file: str) -> None:
    """A file's sources: a ``Source`` cell that is a source id stays; other text there is the
    producer's words (``source_detail``); rows left without a source take ``--source``, the
    metadata's ``source_id``, else a source described from its source organisation
    (``source_organisation_1``, created on import)."""
    given = frame["source"] if "source" in frame else pd.Series("", index=frame.index)
    detail = frame["source_detail"] if "source_detail" in frame else given.map(lambda _: "")
    words = (given != "") & ~given.str.fullmatch(SOURCE_ID).fillna(False).astype(bool)
    frame["source_detail"] = detail.where(~words | (detail != ""), given)
    frame["source"] = given.where(~words, "")
    organisation = _meta_first(meta, ("source_organisation_1",))
    publisher = None
    if organisation and not organisation.startswith("sources."):  # a translation key
        publisher = publisher_source(
            organisation,
            file,
            title=_meta_first(meta, ("source_title_1",)),
            url=_meta_first(meta, ("source_url_1",)),
            how="the indicator's Open SDG metadata",
        )
    view = pd.DataFrame({"source": frame["source"], "source_detail": frame["source_detail"]})
    view.attrs["sources"] = []
    settle_sources(view, source or _meta_first(meta, ("source_id",)), publisher)
    frame["source"], frame["source_detail"] = view["source"], view["source_detail"]
    if view.attrs["sources"]:
        frame.attrs["publisher"] = view.attrs["sources"][0]


def _map_codes(frame, codes: CodeMap, where) -> None:
    name, sheet, labels, problems = where
    for field in TOTAL_BLANK:
        column = frame[field] if field in frame else pd.Series("", index=frame.index)
        frame[field] = column.where(column != "", "_T")  # a blank disaggregation is the total
    for field in ("obs_status", "reporting_type", "unit_mult"):
        column = frame[field] if field in frame else pd.Series("", index=frame.index)
        frame[field] = column.where(column != "", DEFAULTS[field])
    frame["time_period"] = frame["time_period"].str.replace(YEAR_FLOAT, r"\1", regex=True)
    frame["unit"] = frame["unit"].map(_unit_code)
    frame["reporting_type"] = frame["reporting_type"].map(
        lambda v: REPORTING_LABELS.get(v.lower(), v)
    )
    unknown = UnknownCodes(name, hint=suggest_codes)
    for field, mapper in (
        ("sex", _sex),
        ("age", _age),
        ("urbanisation", _urbanisation),
        ("ref_area", codes.area),
    ):
        map_column(frame, field, mapper, unknown, labels.get(field, HEADERS[field]))
    try:
        unknown.raise_if_any()
    except LoadError as exc:
        problems.extend(
            dataclasses.replace(p, file=name, sheet=sheet, part="file") for p in exc.problems
        )


def write_opensdg(
    frame: pd.DataFrame,
    folder: Path,
    session_or_series_meta,
    *,
    sources=None,
    codes: CodeMap | None = None,
) -> list[Path]:
    """Write a typed table as an Open SDG folder; returns the files written (data, then meta).

    ``session_or_series_meta``: a Session, or a mapping of series code -> an object or dict
    with ``sdg_indicator``, ``name_en`` and ``unit`` (then ``sources``, objects or dicts with
    ``id``, ``publisher``, ``title``, ``url``, ``citation``, feeds the metadata's sources).
    Raises ``ExportError`` (nothing written) for a series without metadata or a period whose
    ``year_from``/``year_to`` differ from what its text says. Files of the same names are
    replaced; other files in the folder are left alone (so export into an empty folder).
    """
    folder = Path(folder)
    series_meta, sources, codes = _resolve(session_or_series_meta, sources, codes)
    rows = records(frame)
    by_indicator: dict[str, list[dict]] = {}
    for row in rows:
        info = series_meta.get(row["series"])
        if info is None:
            raise ExportError(f"no metadata for series {row['series']!r}")
        _check_period(row)
        number = _get(info, "sdg_indicator") or TARGET_FALLBACK
        by_indicator.setdefault(_indicator_key(number), []).append(row)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "meta").mkdir(parents=True, exist_ok=True)
    written, metas = [], []
    for key in sorted(by_indicator):
        path = folder / "data" / f"indicator_{key}.csv"
        # Other breakdowns as one column each, headed by the dimension's id, its codes in
        # the cells (blank for none): what the reader reads back as the same breakdown.
        parts = [parse(row.get("breakdown")) for row in by_indicator[key]]
        dimensions = sorted({d for p in parts for d in p})
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow([*HEADERS.values(), *dimensions])
            for row, held in zip(by_indicator[key], parts, strict=True):
                writer.writerow(
                    [
                        *(_cell(field, row[field], codes) for field in HEADERS),
                        *(protect(held.get(d, "")) for d in dimensions),
                    ]
                )
        written.append(path)
        metas.append(_write_metadata(folder, key, by_indicator[key], series_meta, sources))
    return written + metas


def _check_period(row: dict) -> None:
    period = str(row["time_period"])
    window = re.fullmatch(r"(\d{4})/(\d{4})", period)
    if re.fullmatch(r"\d{4}", period):
        expected = (int(period), int(period))
    elif window:
        expected = (int(window[1]), int(window[2]))
    else:
        expected = (None, None)
    if (row["year_from"], row["year_to"]) != expected:
        raise ExportError(
            f"{row['series']} {row['ref_area']} {period}: year_from/year_to "
            f"{row['year_from']}/{row['year_to']} are not what the period says; Open SDG "
            "files carry the period only"
        )


def _cell(field: str, value: object, codes: CodeMap) -> str:
    if value is None:
        return ""
    if field in TOTAL_BLANK and value == "_T":
        return ""  # Open SDG: blank means total
    if field == "ref_area":
        m49 = codes.m49(str(value))
        return m49 if m49 and codes.area(m49) == value else str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return protect(str(value))


# --- Metadata: meta/{id}.md (YAML front matter) or meta/{id}.yml, Open SDG's keys -------------

SERIES_KEYS = ("series", "series_code")
UNITS_KEYS = ("units", "unit_measure", "computation_units", "unit_of_measure")
UNIT_MULT_KEYS = ("unit_mult", "unit_multiplier")
# Our own key first; an organisation's name is kept so an unknown source is named in the error.
COUNTRY_KEYS = (
    "ref_area",
    "reporting_country",
    "country",
    "national_geographical_coverage",
    "geographical_coverage",
)
UNIT_LABELS = {
    "pt": "PT",
    "percent": "PT",
    "per cent": "PT",
    "percentage": "PT",
    "percentage (%)": "PT",
    "%": "PT",
    "number": "NUMBER",
    "count": "NUMBER",
    "per_1000_pop": "PER_1000_POP",
    "per 1,000 population": "PER_1000_POP",
    "per 1000 population": "PER_1000_POP",
    "per 1,000 people": "PER_1000_POP",
}
META_SUFFIXES = (".md", ".yml", ".yaml")


def _read_metadata(folder: Path, key: str, name: str, problems: list[Problem]) -> dict:
    """The indicator's metadata, or ``{}`` when the folder has none for it."""
    for directory in (folder / "meta", folder):
        for stem in (key, f"indicator_{key}"):
            for suffix in META_SUFFIXES:
                path = directory / f"{stem}{suffix}"
                if path.is_symlink() or (path.exists() and not path.is_dir()):
                    _check_inside(folder, path)
                    return _parse_metadata(path, name, problems)
    return {}


def _parse_metadata(path: Path, name: str, problems: list[Problem]) -> dict:
    text = decode(read_limited(path), f"{name}/{path.name}")
    if path.suffix == ".md":
        # Front matter: the YAML between the first two "---" lines; the rest is page text.
        parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
        text = parts[1] if len(parts) == 3 and not parts[0].strip() else ""
    try:
        meta = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = f"malformed metadata YAML: {getattr(exc, 'problem', exc)}"
        problems.append(
            Problem(name, line, None, reason, sheet=path.name, part="file", rule="metadata")
        )
        return {}
    if not isinstance(meta, dict):
        problems.append(
            Problem(name, None, None, "metadata is not a mapping", sheet=path.name, part="file")
        )
        return {}
    return meta


def _meta_first(meta: Mapping, keys: tuple[str, ...]) -> str | None:
    """The first key present (any case) with one scalar value; a list of one counts."""
    lower = {str(k).lower(): v for k, v in meta.items()}
    for key in keys:
        value = lower.get(key)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                return text
    return None


def _meta_series(meta: Mapping) -> str | None:
    return _meta_first(meta, SERIES_KEYS)


def _meta_units(meta: Mapping) -> str | None:
    value = _meta_first(meta, UNITS_KEYS)
    return _unit_code(value) if value else None


def _unit_code(text: str) -> str:
    """Unit labels Open SDG sites use -> our codes; others stay for the rules to report."""
    return UNIT_LABELS.get(text.strip().lower(), text) if text else text


@lru_cache(maxsize=1)
def _area_names() -> dict[str, str]:
    with open(bundled_snapshot_dir() / "areas.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        r[column].strip().lower(): r["code"]
        for r in rows
        for column in ("name_en", "name_fr", "name_es")
        if r[column]
    }


def _meta_country(meta: Mapping, codes: CodeMap) -> tuple[str | None, str]:
    """The reporting country named in the metadata (code or name), or why there is none."""
    given = _meta_first(meta, COUNTRY_KEYS)
    if not given:
        return None, "the metadata names no reporting country (REF_AREA or geographical coverage)"
    found = codes.area(given) or _area_names().get(given.lower())
    if not found:
        return None, f"the metadata's reporting country {given!r} is not a known area"
    return found, ""


def _get(item: object, name: str) -> object:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _resolve(session_or_series_meta, sources, codes: CodeMap | None):
    """Series metadata, sources and area codes from a Session or from what was passed."""
    if isinstance(session_or_series_meta, Session):
        session = session_or_series_meta
        series_meta = {s.code: s for s in session.query(store.Series)}
        if sources is None:
            sources = store.sources(session)
        if codes is None:
            areas = session.query(store.Area)
            codes = CodeMap([(a.code, a.iso3, a.iso2, a.m49) for a in areas])
    else:
        series_meta = dict(session_or_series_meta)
    return series_meta, {str(_get(s, "id")): s for s in sources or []}, codes or CodeMap()


def _indicator_key(number: str) -> str:
    """``8.7.1`` -> ``8-7-1``; a target (``8.7``) -> ``8-7-x`` for its series with no indicator."""
    parts = str(number).strip().split(".")
    return "-".join(parts + ["x"] if len(parts) == 2 else parts)


def _write_metadata(folder: Path, key: str, rows: list[dict], series_meta, sources) -> Path:
    """``meta/{key}.yml`` in Open SDG's metadata keys, with each source's citation line."""
    parts = key.split("-")
    goal, target = parts[0], ".".join(parts[:2])
    series = sorted({r["series"] for r in rows})
    names = {code: str(_get(series_meta[code], "name_en")) for code in series}
    if all(p.isdigit() for p in parts):
        title = f"global_indicators.{key}-title"  # Open SDG's translations hold the UN title
    else:
        title = f"Target {target}: " + "; ".join(names.values())
    meta: dict[str, object] = {
        "indicator_number": key.replace("-", "."),
        "indicator_name": title,
        "graph_title": title,
        "graph_type": "line",
        "sdg_goal": goal,
        "target_id": target,
        "target_name": f"global_targets.{target.replace('.', '-')}-title",
        "reporting_status": "complete",
        "published": True,
        "data_non_statistical": False,
        "computation_units": ", ".join(sorted({str(r["unit"]) for r in rows})),
        "SDG_SERIES_DESCR": "\n".join(f"{code}: {name}" for code, name in names.items()),
        "series": series,
    }
    used = sorted({r["source"] for r in rows})
    for n, source_id in enumerate(used, start=1):
        src = sources.get(source_id)
        meta[f"source_active_{n}"] = True
        meta[f"source_organisation_{n}"] = _get(src, "publisher") if src else source_id
        if src is not None:
            meta[f"source_url_{n}"] = _get(src, "url")
            meta[f"source_url_text_{n}"] = _get(src, "title")
            meta[f"source_other_info_{n}"] = _get(src, "citation")
    path = folder / "meta" / f"{key}.yml"
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")
    return path


# The registry's declaration (``interop.formats.FORMATS``) ----------------------------------


def _write(frame: pd.DataFrame, path: Path, *, sources=(), session=None) -> None:
    write_opensdg(frame, path, session)


def _is_opensdg(head: Head) -> bool:
    """Any folder, or a CSV with Open SDG's ``Year`` and ``Value`` columns."""
    return head.is_folder or ("YEAR" in head.header and "VALUE" in head.header)


OPENSDG = Format(
    "opensdg",
    "Open SDG",
    read=read_opensdg,
    write=_write,
    mapped=True,
    recognise=_is_opensdg,
    folder=True,
)
