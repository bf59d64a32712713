"""SDMX components (by id, as text) -> our raw observation table, with our codes.

Every reader (SDMX-ML through sdmx1, SDMX-JSON, SDMX-CSV) first flattens its file into one
text column per SDMX component (``REF_AREA``, ``OBS_VALUE``, ``OBS_STATUS``...). This module
turns that into a raw table, vectorised over the unique values of each column so that a
million-row SDMX-CSV maps in about a second. Breakdowns beyond sex, age and urbanisation are kept
(``interop.breakdowns``): the SDG DSD's other dimensions with their codes checked, any other
coded component as a national breakdown. Unknown codes are collected and refused together;
nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from target87.ingest.errors import LoadError, Problem
from target87.interop import codes as codes_mod
from target87.interop.breakdowns import Found, compose_columns, is_sdg_dimension, sdg_code
from target87.interop.codes import CodeMap, UnknownCodes, rows_of_codes
from target87.interop.file_sources import settle_sources
from target87.interop.mapping import Mapping as FileMapping
from target87.interop.mapping import iso2_of, suggest_codes
from target87.interop.sdmx_dsd import sdg_dsd
from target87.interop.subnational import local_area
from target87.interop.table import DEFAULTS, OBS_COLUMNS, drop_empty_values, fill_period_bounds
from target87.store.breakdown import is_total

# Agency indicator ids -> our series. ILO names a dataflow per indicator
# (DF_SDG_ALL_SDG_B871_SEX_AGE_RT; its MEASURE dimension drops the breakdown part), UNICEF
# puts the indicator in the INDICATOR dimension of GLOBAL_DATAFLOW.
INDICATORS = {
    "SDG_B871_SEX_AGE_RT": "SL_TLF_CHLDEC",  # economic activity and household chores
    "SDG_B871_RT": "SL_TLF_CHLDEC",
    "SDG_A871_SEX_AGE_RT": "SL_TLF_CHLDEA",  # economic activity only
    "SDG_A871_RT": "SL_TLF_CHLDEA",
    "PT_CHLD_5-17_LBR_ECON-HC": "SL_TLF_CHLDEC",
    "PT_CHLD_5-17_LBR_ECON": "SL_TLF_CHLDEA",
}
# Units other agencies spell differently from the SDG code list.
UNITS = {"PCNT": "PT", "PC": "PT", "PERCENT": "PT", "PS": "NUMBER", "NB": "NUMBER"}
# Area codes of other agencies that are not ISO3 or M49 (ILO's world aggregate).
AREA_ALIASES = {"X01": "WLD"}
TARGET = {
    "REF_AREA": "ref_area",
    "SEX": "sex",
    "AGE": "age",
    "URBANISATION": "urbanisation",
    "RESIDENCE": "urbanisation",  # UNICEF
    "REPORTING_TYPE": "reporting_type",
    "TIME_PERIOD": "time_period",
    "OBS_VALUE": "value",
    "OBS_STATUS": "obs_status",
    "NATURE": "nature",
    "UNIT_MEASURE": "unit",
    "UNIT_MULT": "unit_mult",
    "UNIT_MULTIPLIER": "unit_mult",  # UNICEF
    "LOWER_BOUND": "lower_bound",
    "UPPER_BOUND": "upper_bound",
    "COMMENT_OBS": "footnote",
    "OBS_FOOTNOTE": "footnote",  # UNICEF
    "SOURCE_DETAIL": "source_detail",
}
# Attributes whose text we keep in the footnote (with a label) rather than lose.
FOOTNOTE_EXTRAS = {
    "SERIES_FOOTNOTE": "series note",
    "DATA_SOURCE": "data source",
    "SOURCE": "data source",
    "NOTE_SOURCE": "ILO source note",
    "NOTE_INDICATOR": "ILO indicator note",
    "NOTE_CLASSIF": "ILO classification note",
}
# Columns the readers consume themselves, and attributes that carry nothing we store.
HANDLED = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION", "SERIES", "INDICATOR"}
HANDLED |= {"MEASURE", "FREQ", "TIME_DETAIL"}
IGNORED_ATTRIBUTES = {
    # SDG DSD
    "BASE_PER",
    "TIME_COVERAGE",
    "COMMENT_TS",
    "GEO_INFO_URL",
    "GEO_INFO_TYPE",
    "CUST_BREAKDOWN_LB",
    "DATA_LAST_UPDATE",
    # ILO
    "UNIT_MEASURE_TYPE",
    "DECIMALS",
    # UNICEF DSD_AGGREGATE
    "OBS_CONF",
    "WGTD_SAMPL_SIZE",
    "STD_ERR",
    "SOURCE_LINK",
    "CUSTODIAN",
    "TIME_PERIOD_METHOD",
    "REF_PERIOD",
    "COVERAGE_TIME",
    "FREQ_COLL",
    "REPORTING_LVL",
    "INDICATOR_METADATA",
    "PUBLICATION_DATE",
}
ID = re.compile(r"^[A-Za-z0-9_@$\-.]{1,64}$")  # an SDMX code: what a breakdown may hold
WINDOW = re.compile(r"^(\d{4}/\d{4}|unknown)$")


def indicator_of_flow(flow: str) -> str:
    """``ILO:DF_SDG_ALL_SDG_B871_SEX_AGE_RT(1.0)`` -> ``SDG_B871_SEX_AGE_RT``."""
    bare = re.sub(r"\(.*\)$", "", flow.split(":")[-1])
    bare = bare.removeprefix("DF_")
    return bare.removeprefix("SDG_ALL_")


def map_codes(
    values: pd.Series,
    lookup: Callable[[str], str | None],
    unknown: UnknownCodes,
    label: str,
    rows: np.ndarray,
) -> pd.Series:
    """Map a text column through ``lookup`` once per unique value; record the misses (their
    rows found in one pass over the column, however many distinct misses there are)."""
    positions, uniques = pd.factorize(values)
    uniques = uniques.tolist()  # indexing a pandas Index per code would cost 10 µs each
    mapped, missed = [], []
    for k, code in enumerate(uniques):
        result = "" if code == "" else lookup(code)
        if result is None:
            missed.append(k)
            result = code
        mapped.append(result)
    for k, hits in rows_of_codes(positions, rows, missed):
        unknown.found.setdefault((label, uniques[k]), []).extend(hits.tolist())
    # Take from the small array of mapped uniques: one pyarrow take, no object per cell.
    table = pd.array([*mapped, ""], dtype="str")
    taken = table.take(np.where(positions < 0, len(mapped), positions))
    return pd.Series(taken, index=values.index)


def _joined(parts: list[tuple[str, pd.Series]], n: int) -> np.ndarray:
    """Join labelled text columns with '; ', skipping empty cells, vectorised."""
    out = np.full(n, "", dtype=object)
    for label, col in parts:
        cells = col.to_numpy(dtype=object)
        text = cells if not label else np.where(cells == "", "", label + ": " + cells)
        both = (out != "") & (text != "")
        out = np.where(both, out + "; " + text, np.where(out == "", text, out))
    return out


def _series(comp, flow, unknown: UnknownCodes, rows: np.ndarray, spelled: Mapping[str, str]):
    """Our series: the SDG DSD's SERIES, UNICEF's INDICATOR, or ILO's dataflow / MEASURE."""
    if "SERIES" in comp:
        return comp["SERIES"], "SERIES"
    for component in ("INDICATOR", "MEASURE"):
        if component == "MEASURE" and indicator_of_flow(flow) in INDICATORS:
            break  # ILO: one dataflow per indicator says it all
        if component in comp:
            label = spelled.get(component, component)
            return map_codes(comp[component], INDICATORS.get, unknown, label, rows), component
    if indicator_of_flow(flow) in INDICATORS:
        return np.full(len(comp), INDICATORS[indicator_of_flow(flow)], dtype=object), "DATAFLOW"
    return None, ""


def _bounds(period: pd.Series) -> tuple[pd.Series, pd.Series]:
    """year_from / year_to: plain years vectorised, anything else by fill_period_bounds."""
    plain = period.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    year_from = period.where(plain, "")
    year_to = year_from.copy()
    if not plain.all():
        other = pd.DataFrame({"time_period": period[~plain], "year_from": "", "year_to": ""})
        other = fill_period_bounds(other.astype(object))
        year_from[~plain] = other["year_from"]
        year_to[~plain] = other["year_to"]
    return year_from, year_to


def to_raw(
    comp: pd.DataFrame,
    rows: np.ndarray,
    *,
    file: str,
    flow: str = "",
    spelled: Mapping[str, str] | None = None,
    attributes: Collection[str] = (),
    codes: CodeMap | None = None,
    source: str | None = None,
    publisher: dict | None = None,
    mapping: FileMapping | None = None,
) -> pd.DataFrame:
    """Map a frame of SDMX components (stripped text, "" for empty) to a raw table.

    ``rows`` is each row's position in the file; ``spelled`` the component ids as the file
    spells its columns; ``attributes`` the ids that a DSD we hold declares as attributes (the
    SDG DSD, or the structure saved beside an SDMX-ML file), never ids a reader guessed.
    Attributes declared there or known here (``FOOTNOTE_EXTRAS``, ``IGNORED_ATTRIBUTES``: the
    ILO and UNICEF ones) are attributes; the SDG DSD's other dimensions are breakdowns with
    their codes checked; any other component holding codes is a national breakdown, and one
    holding free text is refused (an attribute we do not know: map or drop it).

    ``source`` (the user's) and ``publisher`` (a source described from the message header's
    sender) give rows their source where SOURCE_DETAIL is not a source id
    (``file_sources.settle_sources``).

    The steps, in order: find the series; place every other component in our columns (or
    the footnote, or nowhere); check the frequency; read TIME_DETAIL's windows; join the
    footnote's parts; map codes to ours; refuse with every problem found, or build the table.
    """
    codes = codes or CodeMap()
    comp, rows, skipped = apply_mapping(mapping, comp.reset_index(drop=True), np.asarray(rows))
    found = _Found(file, rows, dict(spelled or {}))
    found.country = mapping.area if mapping is not None else None
    _take_series(found, comp, flow)
    _take_components(found, comp, attributes)
    _check_frequency(found, comp)
    _take_time_detail(found, comp)
    _join_footnotes(found, len(comp))
    _map_to_our_codes(found, codes)
    _raise_problems(found)
    raw = _raw_frame(found, len(comp))
    settle_sources(raw, source or (mapping.source if mapping else None), publisher)
    raw.attrs["skipped"] = skipped
    return drop_empty_values(raw)


# A mapping's fields and the SDMX components that carry them.
MAPPED_COMPONENTS = {
    "ref_area": "REF_AREA",
    "series": "SERIES",
    "sex": "SEX",
    "age": "AGE",
    "urbanisation": "URBANISATION",
    "unit": "UNIT_MEASURE",
}


def apply_mapping(
    mapping: FileMapping | None, comp: pd.DataFrame, rows: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """A mapping's codes (``codes: {ref_area: {KG02: KGZ-02}}``) put in the components, and
    its ``keep``/``skip`` rows left out (a series of an all-goals file, say). Returns the
    components, their rows' positions and how many rows were left out."""
    if mapping is None:
        return comp, rows, 0
    for field_name, component in MAPPED_COMPONENTS.items():
        table = mapping.codes.get(field_name)
        if table and component in comp:
            comp[component] = comp[component].map(lambda c, t=table: t.get(c, c))
    keep = np.ones(len(comp), dtype=bool)
    for field_name, codes in mapping.keep.items():
        component = MAPPED_COMPONENTS.get(field_name)
        if component in comp:
            keep &= comp[component].isin(codes).to_numpy()
    for field_name, codes in mapping.skip.items():
        component = MAPPED_COMPONENTS.get(field_name)
        if component in comp:
            keep &= ~comp[component].isin(codes).to_numpy()
    if keep.all():
        return comp, rows, 0
    return comp[keep].reset_index(drop=True), rows[keep], int((~keep).sum())


@dataclass
class _Found:
    """What ``to_raw``'s steps gather: our columns so far, the file's column behind each, the
    parts of the footnote, unknown codes and other problems."""

    file: str
    rows: np.ndarray
    spelled: dict[str, str]
    raw: dict[str, object] = field(default_factory=dict)
    source_columns: dict[str, str] = field(default_factory=dict)
    footnotes: list[tuple[str, pd.Series]] = field(default_factory=list)
    country: str | None = None  # a national file's country (its mapping's ``area``)
    breakdowns: dict[str, pd.Series] = field(default_factory=dict)  # dimension -> codes
    found_breakdowns: dict[str, Found] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unknown: UnknownCodes = field(init=False)

    def __post_init__(self) -> None:
        self.unknown = UnknownCodes(self.file, hint=suggest_codes)

    def spelling(self, component: str) -> str:
        """The component's column as the file spells it."""
        return self.spelled.get(component, component)


def _take_series(found: _Found, comp: pd.DataFrame, flow: str) -> None:
    """Our series column, from SERIES, INDICATOR, MEASURE or the dataflow; a problem if none."""
    series, series_from = _series(comp, flow, found.unknown, found.rows, found.spelled)
    if series is None:
        reason = f"no SERIES, INDICATOR or MEASURE, and the dataflow {flow!r} names no series"
        found.problems.append(Problem(found.file, None, None, reason, rule="codes"))
    else:
        found.raw["series"] = series
        found.source_columns["series"] = found.spelling(series_from)


def _take_components(found: _Found, comp: pd.DataFrame, attributes: Collection[str]) -> None:
    """Each component into our column (``TARGET``), the footnote (comments first, then the
    labelled extras), or nowhere (handled, ignored or declared attributes); any other must
    hold totals only."""
    for component in comp.columns:
        target = TARGET.get(component)
        if target == "footnote":
            found.footnotes.insert(0, ("", comp[component]))
            found.source_columns["footnote"] = found.spelling(component)
        elif target:
            found.raw[target] = comp[component]
            found.source_columns[target] = found.spelling(component)
        elif component in FOOTNOTE_EXTRAS:
            found.footnotes.append((FOOTNOTE_EXTRAS[component], comp[component]))
        elif component in HANDLED or component in IGNORED_ATTRIBUTES:
            continue
        elif is_sdg_dimension(component):
            _take_sdg_breakdown(found, component, comp[component])
        elif component in attributes:
            continue  # declared an attribute by a DSD we hold, with no field of ours
        else:  # a national breakdown (or an Obs-level one sdmx1 guessed an attribute)
            _take_national_breakdown(found, component, comp[component])
    if found.breakdowns:
        found.raw["breakdown"] = compose_columns(found.breakdowns, comp.index)


def _take_sdg_breakdown(found: _Found, component: str, values: pd.Series) -> None:
    """An SDG DSD dimension beyond ours: its codes (SDMX ids) kept."""
    label = found.spelling(component)
    # A code the bundled code list lacks but that is an SDMX id is kept: code lists grow
    # (ISCED11_6_7 came after our DSD) and national platforms extend them (_L_SCH_ATT);
    # its words are then the code itself.
    codes = map_codes(
        values,
        lambda c: c if is_total(c) or sdg_code(component, c) == c or ID.match(c) else None,
        found.unknown,
        label,
        found.rows,
    )
    found.breakdowns[component] = codes
    found.found_breakdowns[component] = Found(component, national=False)


def _take_national_breakdown(found: _Found, component: str, values: pd.Series) -> None:
    """A component no DSD we hold declares: codes (SDMX ids) make a national breakdown; free
    text (spaces, long words) is an attribute we do not know, refused by name."""
    distinct = [v for v in pd.unique(values).tolist() if not is_total(v)]
    if not distinct:
        return
    bad = [v for v in distinct if not ID.match(v)]
    if bad:
        first = int(found.rows[int(np.flatnonzero(values.to_numpy(dtype=object) == bad[0])[0])])
        found.problems.append(
            Problem(
                found.file,
                first,
                found.spelling(component),
                f"{component} holds text, not codes (e.g. {bad[0][:60]!r}): an attribute "
                "target87 does not know. Only coded components are kept as breakdowns",
                rule="dimension",
            )
        )
        return
    found.breakdowns[component] = values
    found.found_breakdowns[component] = Found(component, national=True)


def _check_frequency(found: _Found, comp: pd.DataFrame) -> None:
    """Annual data only: any FREQ other than ``A`` is an unknown code."""
    if "FREQ" in comp:
        map_codes(comp["FREQ"], {"A": "A"}.get, found.unknown, found.spelling("FREQ"), found.rows)


def _take_time_detail(found: _Found, comp: pd.DataFrame) -> None:
    """A window (``2013/2021``) or ``unknown`` in TIME_DETAIL is our period; other text there
    goes to the footnote."""
    if "TIME_DETAIL" not in comp:
        return
    detail = comp["TIME_DETAIL"]
    window = np.asarray(detail.str.match(WINDOW).fillna(False), dtype=bool)
    if window.any():
        given = comp.get("TIME_PERIOD", pd.Series("", index=detail.index, dtype=object))
        period = given.to_numpy(dtype=object).copy()
        period[window] = detail.to_numpy(dtype=object)[window]
        found.raw["time_period"] = period
    found.footnotes.append(("time detail", detail.where(~window, "")))


def _join_footnotes(found: _Found, n: int) -> None:
    """One footnote from its non-empty parts: a lone comment column as it is, else joined."""
    footnotes = [(label, col) for label, col in found.footnotes if (col != "").any()]
    if len(footnotes) == 1 and not footnotes[0][0]:
        found.raw["footnote"] = footnotes[0][1]  # the usual case: one comment column, as it is
    elif footnotes:
        found.raw["footnote"] = _joined(footnotes, n)


def _map_to_our_codes(found: _Found, codes: CodeMap) -> None:
    """Areas, sex, age, urbanisation and units in our codes; misses go to ``unknown``."""
    unit_codes = sdg_dsd().codes.get("UNIT_MEASURE", frozenset())

    def unit(code: str) -> str | None:
        return UNITS.get(code) or (code if code in unit_codes else None)

    iso2 = iso2_of(found.country) if found.country else None

    def area(code: str) -> str | None:
        known = codes.area(code) or AREA_ALIASES.get(code)
        if not found.country or (known and not code.isdigit()):
            return known  # an ISO3 (or a code the mapping gave) stays what it is
        # A national file: its own numbers are its regions, never M49 ("12" not Algeria),
        # unless written with M49's three digits.
        if code.isdigit() and len(code) == 3 and known:
            return known
        return local_area(code, found.country, iso2) or known

    for column, lookup in (
        ("ref_area", area),
        ("sex", codes_mod.SEX.get),
        ("age", codes_mod.age),
        ("urbanisation", codes_mod.URBANISATION.get),
        ("unit", unit),
    ):
        if column in found.raw:
            label = found.source_columns.get(column, column)
            found.unknown.fields.setdefault(label, column)
            values = pd.Series(found.raw[column])
            found.raw[column] = map_codes(values, lookup, found.unknown, label, found.rows)


def _raise_problems(found: _Found) -> None:
    """Refuse with every problem found: those of the steps, then the unknown codes."""
    problems = list(found.problems)
    try:
        found.unknown.raise_if_any()
    except LoadError as exc:
        problems.extend(exc.problems)
    if problems:
        raise LoadError(problems)


def _raw_frame(found: _Found, n: int) -> pd.DataFrame:
    """The raw table: every column of ours as text ("" where the file has none), defaults
    in empty cells, period bounds, each row's position in the file."""
    blank = pd.Series(pd.array([""], dtype="str").take(np.zeros(n, dtype=np.intp)))
    columns = {c: found.raw.get(c, blank) for c in OBS_COLUMNS}
    frame = pd.DataFrame(
        {c: v if isinstance(v, pd.Series) else pd.Series(v) for c, v in columns.items()}
    )
    # One text dtype throughout, as raw_table gives ("str"; "" for empty, never missing).
    frame = frame.astype({c: "str" for c in OBS_COLUMNS if frame[c].dtype != "str"})
    for column, default in DEFAULTS.items():
        frame[column] = frame[column].where(frame[column] != "", default)
    frame["year_from"], frame["year_to"] = _bounds(frame["time_period"])
    frame["_row"] = found.rows
    frame["_sheet"] = ""
    frame.attrs["file"] = found.file
    frame.attrs["source_columns"] = found.source_columns
    frame.attrs["breakdowns"] = found.found_breakdowns
    return frame
