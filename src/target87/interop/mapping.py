"""The mapping step: how a national file's columns and labels map to our fields and SDG codes.

``propose`` looks at a file's headers and the *distinct* values of each column (never row by
row: a 100,000-row file has a handful of labels) and proposes, from a synonyms table kept as
data (``interop/data/synonyms.yaml``, English, French, Spanish and Russian), which of our fields
each column is and which SDG code each label is: ``Sexo`` is ``sex``, ``Hombres`` and ``boy``
are ``M``, ``De 5 a 14 años`` and ``aged 5-11 years`` are ``Y5T14`` and ``Y5T11``, ``%`` and
``Pour cent`` are ``PT``. What it cannot tell stays in ``unknown``.

A ``Mapping`` is written as a small YAML file (``to_yaml``/``from_yaml``) that a user edits,
keeps beside the data and passes again next year. It records what a national file leaves
implicit: its ``area`` (ISO3), its ``series`` (one code, or one per unit:
``{PT: SL_TLF_CHLDEC}``), its ``unit`` and ``source``. ``columns`` maps each of the file's
headers to our field or ``drop`` (leave the column out: only for a column whose breakdown the
store does not hold, and whose rows are then no longer told apart); ``codes`` maps labels to
codes per field; ``skip`` leaves out rows by our code (``{unit: [NUMBER]}``: the counts of a
file that mixes counts and percentages, when no count series exists).

``apply_rows`` turns a reader's header and rows (the file's own headers and labels) into ours,
so that the rows then go through the reader's usual code mapping and the validation rules.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from target87.ingest.snapshot import bundled_snapshot_dir
from target87.interop.breakdowns import PREFIX, SDG_DIMENSIONS, dimension_of_target, sdg_code
from target87.interop.codes import CodeMap, age
from target87.interop.subnational import local_area
from target87.store.breakdown import slug
from target87.store.lookup import folded, nearest

DROP = "drop"
# Our field -> the header the readers know it by (Open SDG's spelling).
CANONICAL = {
    "time_period": "Year",
    "value": "Value",
    "unit": "Units",
    "series": "Series",
    "ref_area": "GeoCode",
    "sex": "Sex",
    "age": "Age",
    "urbanisation": "URBANISATION",
    "obs_status": "Observation status",
    "unit_mult": "Unit multiplier",
    "nature": "Nature",
    "reporting_type": "Reporting type",
    "footnote": "COMMENT_OBS",
    "lower_bound": "LOWER_BOUND",
    "upper_bound": "UPPER_BOUND",
    "source": "Source",
    "source_detail": "SOURCE_DETAIL",
    "area_name": "Area name",
}
CODED = ("sex", "age", "urbanisation", "unit")  # fields whose labels map to SDG codes
ATTRIBUTES = ("obs_status", "unit_mult", "nature")  # attributes whose labels map to codes
BREAKDOWN_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
YEAR = re.compile(r"^\d{4}$")
YEAR_FLOAT = re.compile(r"^(\d{4})\.0+$")
# Survey rounds: "2013-14", "2013/14", "2013-2014" -> our window "2013/2014".
ROUND = re.compile(r"^(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$")
SERIES_KEYS = ("series", "series_code", "sdg_series")
UNITS_KEYS = ("units", "unit_measure", "computation_units", "unit_of_measure", "measurement_units")
COUNTRY_KEYS = (
    "ref_area",
    "reporting_country",
    "country",
    "national_geographical_coverage",
    "geographical_coverage",
)


def _key(text: str) -> str:
    """How headers and labels are compared: folded, "_" and blank runs as one space."""
    return re.sub(r"[\s_]+", " ", folded(str(text))).strip()


@lru_cache(maxsize=1)
def synonyms() -> dict:
    """The synonyms table (``interop/data/synonyms.yaml``), read once."""
    text = resources.files("target87.interop").joinpath("data/synonyms.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def _tables():
    data = synonyms()
    headers = {_key(w): f for f, words in data["columns"].items() for w in words}
    labels = {
        dim: {_key(w): code for code, words in table.items() for w in words}
        for dim, table in {**data["values"], **data.get("attributes", {})}.items()
    }
    age_words = {_key(w) for w in data["age_words"]}
    over_words = {_key(w) for w in data["age_over_words"]}
    return headers, labels, age_words, over_words


@lru_cache(maxsize=1)
def bundled_area_names() -> dict[str, str]:
    """ISO2 codes and English, French and Spanish names of the bundled areas -> our code."""
    with open(bundled_snapshot_dir() / "areas.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names: dict[str, str] = {}
    for r in rows:
        for column in ("iso2", "name_en", "name_fr", "name_es"):
            if r.get(column):
                names.setdefault(_key(r[column]), r["code"])
    return names


def iso2_of(area: str | None) -> str | None:
    """The ISO2 code of a bundled country (``KGZ`` -> ``KG``), or None."""
    if not area:
        return None
    return {v: k.upper() for k, v in bundled_area_names().items() if len(k) == 2}.get(area)


def sdg_dimension_of_header(header: str) -> str | None:
    """The SDG DSD dimension (beyond ours) a header names: its id or a synonym, or None."""
    if header.strip() in SDG_DIMENSIONS:
        return header.strip()
    words = {_key(w): d for d, ws in synonyms().get("breakdowns", {}).items() for w in ws}
    return words.get(_key(header))


def header_field(header: str) -> str | None:
    """Our field for a header (``Sexo`` -> ``sex``), or None."""
    return _tables()[0].get(_key(header))


def age_code(label: str) -> str | None:
    """``aged 5-11 years``, ``De 5 a 14 años``, ``от 5 до 11 лет``, ``5-17`` -> ``Y5T11``...;
    ``15 and over`` -> ``Y_GE15``; None when other words than an age band's surround it."""
    _, labels, words, over = _tables()
    text = _key(label)
    if text in labels["age"]:
        return labels["age"][text]
    known = age(label.strip())
    if known:
        return known
    numbers = re.findall(r"\d{1,2}", text)
    rest = re.sub(r"\d{1,3}|[-–/+,.()]", " ", text)
    is_over = "+" in text or any(f" {w} " in f" {rest} " for w in over)
    for w in sorted(over, key=len, reverse=True):
        rest = f" {rest} ".replace(f" {w} ", " ")
    tokens = rest.split()
    if any(t not in words for t in tokens):
        return None
    if len(numbers) == 2 and not is_over and int(numbers[0]) <= int(numbers[1]):
        return f"Y{int(numbers[0])}T{int(numbers[1])}"
    if len(numbers) == 1 and is_over:
        return f"Y_GE{int(numbers[0])}"
    return None


def label_code(dimension: str, label: str) -> str | None:
    """The SDG code of a label of ``sex``, ``age``, ``urbanisation``, ``unit`` or an attribute
    (``obs_status``, ``unit_mult``, ``nature``), or None."""
    if dimension == "age":
        return age_code(label)
    return _tables()[1].get(dimension, {}).get(_key(label))


COMMON_AGES = ("_T", "Y5T17", "Y5T14", "Y5T11", "Y12T14", "Y15T17", "Y0T17", "Y_GE18")


def suggest_codes(field_name: str, label: str) -> list[str]:
    """Our likeliest codes for a label a reader did not know, best first: what the synonyms
    table says it is (``Boy`` -> ``M``), else the nearest codes of the field by their words."""
    said = label_code(field_name, label) if field_name in CODED + ATTRIBUTES else None
    if said:
        return [said]
    if field_name == "ref_area":
        names = bundled_area_names()
        return nearest(label, [(code, name) for name, code in names.items()], 3, fallback=False)
    words = _tables()[1].get(field_name, {})
    candidates = [(code, word) for word, code in words.items()]
    if field_name == "age":
        candidates += [(code, code) for code in COMMON_AGES]
    return nearest(label, candidates, 3, fallback=False)


def period_code(label: str) -> str | None:
    """A year stays; ``2013-14`` is the window ``2013/2014``; None for what is neither."""
    text = label.strip()
    if YEAR.match(text) or text == "unknown":
        return text
    if match := YEAR_FLOAT.match(text):
        return match[1]
    if match := ROUND.match(text):
        start, end = match[1], match[2]
        end = start[:2] + end if len(end) == 2 else end
        return f"{start}/{end}" if int(end) > int(start) else None
    return None


@dataclass
class Mapping:
    """How one file (or folder) maps to our table; see the module text."""

    area: str | None = None
    series: str | dict[str, str] | None = None
    unit: str | None = None
    source: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    skip: dict[str, list[str]] = field(default_factory=dict)
    # Rows kept by our code, the others left out (``{series: [SL_TLF_CHLDEC]}``: one series
    # of an all-goals SDMX file).
    keep: dict[str, list[str]] = field(default_factory=dict)
    unknown: dict[str, list[str]] = field(default_factory=dict)

    def to_yaml(self) -> str:
        head = (
            "# target87 mapping: edit it, keep it beside the data, pass it again with\n"
            "#   target87 load PATH --mapping THIS_FILE\n"
            "# columns: the file's header -> our field, or 'drop'; codes: label -> SDG code;\n"
            "# skip: rows left out by our code (e.g. unit: [NUMBER]); keep: only rows with these "
            "codes;\n# unknown: what stayed unmapped.\n"
        )
        data = {
            "area": self.area,
            "series": self.series,
            "unit": self.unit,
            "source": self.source,
            "columns": self.columns,
            "codes": self.codes,
            "skip": self.skip,
            "keep": self.keep,
            "unknown": self.unknown,
        }
        return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

    @classmethod
    def from_yaml(cls, text: str) -> Mapping:
        """Read a mapping file's text; ``ValueError`` names what is malformed."""
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"malformed mapping YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError("a mapping file is a YAML mapping (area, series, columns, codes...)")
        extra = set(data) - {f for f in cls.__dataclass_fields__}
        if extra:
            raise ValueError(f"unknown key(s) in the mapping: {', '.join(sorted(map(str, extra)))}")
        scalars = {k: _text_or_none(data.get(k), k) for k in ("area", "unit", "source")}
        series = data.get("series")
        if isinstance(series, dict):
            series = {str(k): str(v) for k, v in series.items()}
        else:
            series = _text_or_none(series, "series")
        columns = _str_dict(data.get("columns"), "columns")
        for header, target in columns.items():
            dimension = dimension_of_target(target)
            if dimension is not None:
                if not BREAKDOWN_ID.match(dimension):
                    raise ValueError(
                        f"column {header!r} maps to {target!r}: a breakdown's id is letters, "
                        "digits and _ (e.g. breakdown:INCOME_WEALTH_QUANTILE)"
                    )
            elif target != DROP and target not in CANONICAL:
                known = ", ".join([*CANONICAL, DROP, "breakdown:<DIMENSION>"])
                raise ValueError(f"column {header!r} maps to {target!r}, not a field ({known})")
        codes = {
            str(dim): _str_dict(table, f"codes.{dim}")
            for dim, table in _dict(data.get("codes"), "codes").items()
        }
        skip = {
            str(k): [str(v) for v in (vs or [])]
            for k, vs in _dict(data.get("skip"), "skip").items()
        }
        keep = {
            str(k): [str(v) for v in (vs or [])]
            for k, vs in _dict(data.get("keep"), "keep").items()
        }
        unknown = {
            str(k): [str(v) for v in (vs or [])]
            for k, vs in _dict(data.get("unknown"), "unknown").items()
        }
        return cls(
            series=series,
            columns=columns,
            codes=codes,
            skip=skip,
            keep=keep,
            unknown=unknown,
            **scalars,
        )

    def series_for(self, unit: str) -> str:
        """The series of a row in this unit ("" when the mapping gives none)."""
        if isinstance(self.series, dict):
            return self.series.get(unit, "")
        return self.series or ""


def _dict(value, name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a mapping")
    return value


def _str_dict(value, name: str) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in _dict(value, name).items()}


def _text_or_none(value, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict | list):
        raise ValueError(f"{name} must be one value")
    return str(value)


def _meta_first(meta: MappingABC, keys: Iterable[str]) -> str | None:
    lower = {str(k).lower(): v for k, v in (meta or {}).items()}
    for k in keys:
        value = lower.get(k)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if (
            isinstance(value, str | int | float)
            and not isinstance(value, bool)
            and str(value).strip()
        ):
            return str(value).strip()
    return None


def propose(
    columns: MappingABC[str, Iterable[str]],
    metadata: MappingABC | None = None,
    area: str | None = None,
    series: str | None = None,
    *,
    unit: str | None = None,
    source: str | None = None,
    codes: CodeMap | None = None,
    area_names: MappingABC[str, str] | None = None,
    known_series: Iterable[str] | None = None,
    known_sources: Iterable[str] | None = None,
) -> Mapping:
    """Propose a mapping from each header's distinct values (``{header: values}``).

    ``metadata`` is the indicator's Open SDG metadata (series, units, reporting country);
    ``area``, ``series`` (and ``unit``, ``source``) are what the user supplies for what the
    file leaves implicit, and win over the metadata. ``codes`` knows areas by ISO3 and M49,
    ``area_names`` by ISO2 and by name (default: the bundled area table's). Blank labels are
    totals and need no mapping. ``known_series`` and ``known_sources`` (the store's codes):
    a series or source column's labels that are none of them are named unknown (a national
    file's series titles, to map in ``codes``).
    """
    known = {"series": set(known_series or ()), "source": set(known_sources or ())}
    codes = codes or CodeMap()
    if area_names is None:
        names = bundled_area_names()
    else:
        names = {_key(k): v for k, v in area_names.items()}
    meta = metadata or {}
    found = Mapping(area=area, series=series, unit=unit, source=source)
    taken: dict[str, str] = {}
    # Codes before names: a GeoCode column is the area; a second area column of names
    # ("Reference area": Batken, Osh...) then names the regions (``area_name``).
    ordered = sorted(columns.items(), key=lambda item: _key(item[0]) != "geocode")
    for header, values in ordered:
        target = header_field(header)
        distinct = sorted({str(v).strip() for v in values} - {""})
        if target == "ref_area" and "ref_area" in taken and "area_name" not in taken and distinct:
            target = "area_name"
        if target is not None and target in taken and not distinct:
            found.columns[header] = DROP  # an empty second column of a field carries nothing
            continue
        if target is None and header not in taken.values():
            _propose_breakdown(found, header, distinct)
            continue
        if target is None or target in taken:
            found.unknown.setdefault("columns", []).append(header)
            if distinct:
                found.unknown[header] = distinct[:20]
            continue
        taken[target] = header
        found.columns[header] = target
        if target in CODED + ATTRIBUTES:
            table = {}
            for label in distinct:
                code = label_code(target, label)
                if code is None:
                    found.unknown.setdefault(header, []).append(label)
                else:
                    table[label] = code
            if table:
                found.codes[target] = table
        elif target == "time_period":
            table = {}
            for label in distinct:
                code = period_code(label)
                if code is None:
                    found.unknown.setdefault(header, []).append(label)
                elif code != label:
                    table[label] = code
            if table:
                found.codes[target] = table
        elif target in known and known[target]:
            missing = [label for label in distinct if label not in known[target]]
            if missing:
                found.unknown[header] = missing
        elif target == "ref_area":
            table = {}
            for label in distinct:
                code = _area_code(label, codes, names)
                if code is None:
                    found.unknown.setdefault(header, []).append(label)
                elif code != label:
                    table[label] = code
            if table:
                found.codes[target] = table
    if found.unit is None and "unit" not in taken:
        said = _meta_first(meta, UNITS_KEYS)
        found.unit = label_code("unit", said) if said else None
        if found.unit is None:
            found.unknown["unit"] = [said or "(no unit column, none in the metadata)"]
    if found.series is None and "series" not in taken:
        found.series = _meta_first(meta, SERIES_KEYS)
        if found.series is None:
            found.unknown["series"] = ["(no series column, none in the metadata: use --series)"]
    if found.area is None:
        said = _meta_first(meta, COUNTRY_KEYS)
        if said:
            found.area = _area_code(said, codes, names)
        if found.area is None:
            found.unknown["area"] = [said or "(no reporting country in the metadata: use --area)"]
    if found.area and "ref_area" in taken:
        _propose_local_areas(found, taken["ref_area"])
    return found


def propose_sdmx(
    values: MappingABC[str, Iterable[str]],
    area: str | None = None,
    series: str | None = None,
    *,
    source: str | None = None,
    codes: CodeMap | None = None,
    known_series: Iterable[str] | None = None,
) -> Mapping:
    """Propose a mapping for an SDMX file from each component's distinct codes.

    SDMX files name their components by id, so only codes need mapping: the file's own
    REF_AREA codes (``KG02``, ``1``..``5``) as areas of ``area``, and, when ``series`` is
    given, only that series kept (``keep``: one indicator of an all-goals file). Series
    codes the store lacks stay unknown."""
    codes = codes or CodeMap()
    found = Mapping(area=area, source=source)
    in_file = [str(v) for v in values.get("SERIES", [])]
    if series:
        found.keep["series"] = [series]
        if "_T" in in_file:  # sdg-build writes _T where the national CSV had no series
            found.codes["series"] = {"_T": series}
    held = set(known_series or ())
    missing = [c for c in in_file if held and c not in held and c != "_T"]
    if missing and not series:
        found.unknown["SERIES"] = missing
    labels = [str(v) for v in values.get("REF_AREA", [])]
    if area:  # a national file: its own codes are its regions
        found.unknown["REF_AREA"] = labels
        _propose_local_areas(found, "REF_AREA")
        left = found.unknown.pop("REF_AREA", [])
    else:
        left = labels
    still = [v for v in left if codes.area(v) is None]
    if still:
        found.unknown["REF_AREA"] = still
    return found


def _propose_local_areas(found: Mapping, header: str) -> None:
    """The file's own codes for its regions (``00``..``32``, ``KG02``) as areas of its
    country (``MEX``, ``MEX-07``, ``KGZ-02``): see ``interop.subnational``."""
    iso2 = iso2_of(found.area)
    left = []
    for label in found.unknown.get(header, []):
        code = local_area(label, found.area, iso2)
        if code is None:
            left.append(label)
        else:
            found.codes.setdefault("ref_area", {})[label] = code
    if left:
        found.unknown[header] = left
    else:
        found.unknown.pop(header, None)


def _propose_breakdown(found: Mapping, header: str, distinct: list[str]) -> None:
    """A column that is none of our fields: an SDG DSD dimension when its header names one
    (its id or its words, e.g. ``Wealth quintile``), else a national breakdown kept under
    the header's own words. Labels of an SDG dimension map to its codes, or to a national
    code of that dimension made from the label (``School attendance: Attends`` ->
    ``SCHOOL_ATTENDANCE_ATTENDS``) for the user to check in the file."""
    dimension = sdg_dimension_of_header(header)
    if dimension is None:
        found.columns[header] = PREFIX + slug(header)
        return
    found.columns[header] = PREFIX + dimension
    table = {}
    for label in distinct:
        code = sdg_code(dimension, label) or label_code(dimension.lower(), label)
        # No SDG code says it: a national code of the dimension, named by the label.
        code = code or slug(label)
        if code != label:
            table[label] = code
    if table:
        found.codes[dimension] = table


def _area_code(label: str, codes: CodeMap, names: MappingABC[str, str]) -> str | None:
    """ISO3, ISO2, a name, or M49 written with its three digits: national files number their
    regions ``1``..``57`` (Rwanda) or ``00``..``32`` (Mexico), which are not M49 countries."""
    text = label.strip()
    if text.isdigit() and len(text) != 3:
        return None
    return codes.area(text) or codes.area(text.upper()) or names.get(_key(text))


def apply_rows(
    mapping: Mapping, header: list[str], lines: list[int], rows: list[list[str]]
) -> tuple[list[str], list[int], list[list[str]], int]:
    """A reader's header and rows in the file's own terms -> ours, by ``mapping``.

    Columns become our headers (``CANONICAL``) or are dropped; labels become codes; the
    mapping's area, unit, series and source fill the rows that have none (a column is added
    where the file has none). Rows whose code is in ``skip`` are left out; returns the new
    header, lines, rows and how many rows were skipped.
    """
    keep = [i for i, h in enumerate(header) if mapping.columns.get(h) != DROP]
    fields = [mapping.columns.get(header[i]) for i in keep]
    # A breakdown column is renamed to its dimension; its codes are keyed by the dimension.
    dimensions = [dimension_of_target(f) if f else None for f in fields]
    new_header = [
        d or (CANONICAL[f] if f else header[i])
        for f, d, i in zip(fields, dimensions, keep, strict=True)
    ]
    tables = [
        mapping.codes.get(d or f, {}) if f else {} for f, d in zip(fields, dimensions, strict=True)
    ]
    fields = [None if d else f for f, d in zip(fields, dimensions, strict=True)]
    pairs = list(zip(keep, tables, strict=True))
    out = [[t.get(r[i].strip(), r[i]) if t else r[i] for i, t in pairs] for r in rows]
    position = {f: k for k, f in enumerate(fields) if f}

    def column(target: str) -> int:  # the readers find columns by name: append what is missing
        if target not in position:
            position[target] = len(new_header)
            new_header.append(CANONICAL[target])
            for r in out:
                r.append("")
        return position[target]

    fills = {"ref_area": mapping.area, "unit": mapping.unit, "source": mapping.source}
    for target, value in fills.items():
        if value:
            k = column(target)
            for r in out:
                if not r[k].strip():
                    r[k] = value
    if mapping.series:
        k, u = column("series"), position.get("unit")
        for r in out:
            if not r[k].strip():
                r[k] = mapping.series_for(r[u].strip() if u is not None else "")
    skipped = 0
    if mapping.skip or mapping.keep:
        tests = [(position[f], set(v)) for f, v in mapping.skip.items() if f in position]
        keeps = [(position[f], set(v)) for f, v in mapping.keep.items() if f in position]
        kept_lines, kept_rows = [], []
        for line, r in zip(lines, out, strict=True):
            if any(r[k].strip() in v for k, v in tests) or any(
                r[k].strip() not in v for k, v in keeps
            ):
                skipped += 1
            else:
                kept_lines.append(line)
                kept_rows.append(r)
        lines, out = kept_lines, kept_rows
    return new_header, list(lines), out, skipped
