"""Read SDMX files (SDMX-ML 2.1 generic and structure-specific, SDMX-JSON 1.0, SDMX-CSV 1.0
and 2.0) into a raw observation table with our codes.

The format is told from the content, not the file name. Every path checks the size limit
before reading (never reading more than the limit), decodes text with BOM / Latin-1 handling,
refuses XML with a DOCTYPE (parsed first by lxml with no DTD loading, no entity expansion and no
network; sdmx1 only ever sees a document so checked), and reports malformed input with its line.

In SDMX-ML, only the attributes the DSD declares (the SDG DSD, or the ``.structure.xml`` saved
beside the file) count as attributes. Without a DSD, sdmx1 guesses from the layout and would
take an observation-level breakdown for an attribute: such components are treated as
breakdowns we do not hold (only totals pass) unless ``sdmx_map`` knows them.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from target87.ingest.errors import LoadError, Problem
from target87.interop import sdmx_csv, sdmx_json
from target87.interop.codes import CodeMap
from target87.interop.file_sources import publisher_source
from target87.interop.limits import decode, read_limited
from target87.interop.mapping import Mapping as FileMapping
from target87.interop.sdmx_dsd import sdg_dsd, sdg_dsd_sdmx1
from target87.interop.sdmx_map import to_raw
from target87.interop.table import OBS_COLUMNS, POSITION_COLUMNS

MES = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message}"
COM = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common}"
DATA_ROOTS = {
    "StructureSpecificData",
    "StructureSpecificTimeSeriesData",
    "GenericData",
    "GenericTimeSeriesData",
}
DECLARED_ENCODING = re.compile(r"^(<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")
URN_REF = re.compile(r"\.(DataStructure|Dataflow)=([^:]+):([^(]+)\(([^)]*)\)")
STRUCTURE_SUFFIX = ".structure.xml"
UNSAFE = "XML with a DOCTYPE or entity declarations is refused (unsafe)"


def read_sdmx(
    path: Path,
    *,
    codes: CodeMap | None = None,
    source: str | None = None,
    mapping: FileMapping | None = None,
) -> pd.DataFrame:
    """Read an SDMX data file into a raw table (see ``target87.interop.table``).

    ``source`` is our source id for rows whose SOURCE_DETAIL is not one. ``mapping`` (from
    ``target87 map``) maps the file's own codes (a national REF_AREA, series) and keeps or
    skips rows (``sdmx_map.apply_mapping``). Raises
    LoadError for malformed or unsafe files, unknown codes (all listed) and breakdowns we do
    not hold; nothing is returned half-read.
    """
    path = Path(path)
    name = path.name
    text = decode(read_limited(path), name)
    head = text[:4096].lstrip()[:1]  # not text.lstrip(): that copies a large file
    if head == "<":
        return _read_xml(text, path, codes, source, mapping)
    if head in ("{", "["):
        comp, rows, flow = sdmx_json.read_components(text, name)
        attributes = _dsd_attributes(flow)
        return _numbered_by_observation(
            lambda: _finish(comp, rows, name, flow, {}, attributes, codes, source, None, mapping)
        )
    data = text.encode("utf-8")
    del text  # a large file: hold it once, as bytes, while pyarrow parses it
    comp, rows, flows, spelled = sdmx_csv.read_components(data, name)
    del data
    if len(flows) == 0:
        return _finish(comp, rows, name, "", spelled, set(), codes, source, None, mapping)
    distinct = pd.unique(flows)
    if len(distinct) == 1:  # the usual case: no masked copy of every column
        attributes = _dsd_attributes(distinct[0])
        return _finish(
            comp, rows, name, distinct[0], spelled, attributes, codes, source, None, mapping
        )
    # SDMX-CSV may mix dataflows: map each with its own structure, report all problems.
    parts, problems = [], []
    for flow in pd.unique(flows):
        mask = flows == flow
        attributes = _dsd_attributes(flow)
        try:
            parts.append(
                _finish(
                    comp[mask],
                    rows[mask],
                    name,
                    flow,
                    spelled,
                    attributes,
                    codes,
                    source,
                    None,
                    mapping,
                )
            )
        except LoadError as exc:
            problems.extend(exc.problems)
    if problems:
        raise LoadError(problems)
    return _concat(parts, name)


def _dsd_attributes(flow: str) -> set[str]:
    """Attribute ids of the DSD behind a dataflow, when it is the bundled SDG DSD."""
    return set(sdg_dsd().attributes) if flow.startswith("IAEG-SDGs:") else set()


def _finish(
    comp, rows, name, flow, spelled, attributes, codes, source, publisher=None, mapping=None
) -> pd.DataFrame:
    return to_raw(
        comp.reset_index(drop=True),
        np.asarray(rows, dtype=np.int64),
        file=name,
        flow=flow,
        spelled=spelled,
        attributes=attributes,
        codes=codes,
        source=source,
        publisher=publisher,
        mapping=mapping,
    )


def _concat(parts: list[pd.DataFrame], name: str) -> pd.DataFrame:
    if len(parts) == 1:
        return parts[0]
    out = pd.concat(parts, ignore_index=True) if parts else _empty(name)
    out.attrs["file"] = name
    out.attrs["source_columns"] = {
        k: v for p in parts for k, v in p.attrs["source_columns"].items()
    }
    return out


def _empty(name: str) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="str") for c in OBS_COLUMNS + POSITION_COLUMNS})
    out["_row"] = out["_row"].astype("int64")
    out.attrs.update(file=name, source_columns={})
    return out


# SDMX-ML ------------------------------------------------------------------------------


def _refuse(name: str, reason: str, line: int | None = None) -> LoadError:
    return LoadError([Problem(name, line, None, reason, rule="format")])


def _parse_xml(text: str, name: str) -> tuple[bytes, etree._Element]:
    """Check an XML text is safe and well-formed; return it as UTF-8 bytes and its root.

    lxml parses it without loading any DTD, resolving any entity or touching the network;
    then a DOCTYPE anywhere in the prolog (after a comment too) is refused: it can declare
    entities (billion laughs) or external ones (XXE), and SDMX messages never need one.
    """
    # The text is decoded already: declare it as the UTF-8 we hand to the parsers.
    data = DECLARED_ENCODING.sub(r"\1\2UTF-8\2", text, count=1).encode("utf-8")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            raise _refuse(name, UNSAFE) from None
        raise _refuse(name, f"malformed XML: {exc.msg}", exc.lineno) from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _refuse(name, UNSAFE)
    return data, root


def _structure_ref(root: etree._Element) -> tuple[str, str, str, str] | None:
    """(kind, agency, id, version) of the structure the message header names."""
    header = root.find(f"{MES}Header/{MES}Structure")
    if header is None:
        return None
    for kind, tag in (("DataStructure", "Structure"), ("Dataflow", "StructureUsage")):
        ref = header.find(f"{COM}{tag}/Ref")
        if ref is not None:
            return kind, ref.get("agencyID", ""), ref.get("id", ""), ref.get("version", "")
        urn = header.find(f"{COM}{tag}/URN")
        if urn is not None and (m := URN_REF.search(urn.text or "")):
            return m.group(1), m.group(2), m.group(3), m.group(4)
    return None


def _sidecar_dsd(path: Path, ref: tuple[str, str, str, str]):
    """The DSD from ``<name>.structure.xml`` next to the data file (what ``fetch`` saves)."""
    import sdmx

    side = path.with_name(path.name.removesuffix(".xml") + STRUCTURE_SUFFIX)
    if not side.is_file() or side == path:
        return None
    data, _ = _parse_xml(decode(read_limited(side), side.name), side.name)
    try:
        msg = sdmx.read_sdmx(io.BytesIO(data))
        kind, _agency, ident, _version = ref
        if kind == "Dataflow" and ident in msg.dataflow:
            stub = msg.dataflow[ident].structure
            return msg.structure.get(stub.id, stub)
        return msg.structure.get(ident)
    except Exception as exc:  # sdmx1 raises many kinds on a broken structure message
        raise _refuse(side.name, f"unreadable SDMX structure message: {exc}") from None


def component_values(path: Path) -> dict[str, list[str]]:
    """What ``target87 map`` looks at in an SDMX file: each component's distinct codes."""
    path = Path(path)
    name = path.name
    text = decode(read_limited(path), name)
    head = text[:4096].lstrip()[:1]
    if head == "<":
        comp = _read_xml(text, path, None, None, components_only=True)
    elif head in ("{", "["):
        comp = sdmx_json.read_components(text, name)[0]
    else:
        comp = sdmx_csv.read_components(text.encode("utf-8"), name)[0]
    return {c: sorted(set(comp[c].astype(str)) - {""}) for c in comp.columns}


def _read_xml(
    text: str,
    path: Path,
    codes: CodeMap | None,
    source: str | None,
    mapping=None,
    components_only: bool = False,
) -> pd.DataFrame:
    import sdmx

    name = path.name
    data, root = _parse_xml(text, name)
    kind = etree.QName(root).localname
    if kind == "Error":
        detail = " ".join(t.strip() for t in root.itertext() if t.strip())[:300]
        raise _refuse(name, f"the file is an SDMX error message: {detail}")
    if kind not in DATA_ROOTS:
        raise _refuse(name, f"not an SDMX data message (root element {kind!r})")
    ref = _structure_ref(root)
    flow = f"{ref[1]}:{ref[2]}({ref[3]})" if ref else ""
    if ref and ref[1] == "IAEG-SDGs":
        structure = sdg_dsd_sdmx1()
    else:
        structure = _sidecar_dsd(path, ref) if ref else None
    try:
        # sdmx1 logs a warning for structure-specific data read without a DSD; we cope.
        logging.getLogger("sdmx").setLevel(logging.ERROR)
        msg = sdmx.read_sdmx(io.BytesIO(data), structure=structure)
        frames = [_dataset_frame(sdmx, ds) for ds in msg.data if len(ds.obs)]
    except Exception as exc:  # sdmx1 raises many kinds on non-conforming SDMX-ML
        reason = f"not a readable SDMX-ML data message ({type(exc).__name__}: {exc})"
        raise _refuse(name, reason[:400]) from None
    # Only a DSD we hold declares attributes; what sdmx1 infers without one is a guess.
    attributes = set() if structure is None else {a.id for a in structure.attributes.components}
    comp = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    comp = comp.fillna("").astype(object)
    if components_only:
        return comp
    rows = np.arange(1, len(comp) + 1, dtype=np.int64)
    if not len(comp):
        return _empty(name)
    publisher = _sender_source(root, name)
    return _numbered_by_observation(
        lambda: _finish(comp, rows, name, flow, {}, attributes, codes, source, publisher, mapping)
    )


def _sender_source(root: etree._Element, name: str) -> dict | None:
    """A source described from the header's sender (its name, else its id), or None."""
    sender = root.find(f"{MES}Header/{MES}Sender")
    if sender is None or not (sender.get("id") or "").strip():
        return None
    label = next(
        (n.text.strip() for n in sender.iterfind(f"{COM}Name") if n.text and n.text.strip()),
        sender.get("id").strip(),
    )
    return publisher_source(label, name, how="the SDMX header's sender")


def _numbered_by_observation(read) -> pd.DataFrame:
    """An XML or JSON message has no rows to count: its positions are observation numbers,
    and findings say so ("observation 863", never "line 863" of a file that is one line)."""
    try:
        raw = read()
    except LoadError as exc:
        raise LoadError(
            [dataclasses.replace(p, row_label=p.row_label or "observation") for p in exc.problems]
        ) from None
    raw.attrs["row_label"] = "observation"
    return raw


def _dataset_frame(sdmx, ds) -> pd.DataFrame:
    frame = sdmx.to_pandas(ds, attributes="dsgo")
    frame = frame.reset_index().rename(columns={"value": "OBS_VALUE"})
    out = {}
    for column in frame.columns:
        cells = frame[column]
        if pd.api.types.is_float_dtype(cells):
            out[column] = [_number(v) for v in cells]
        else:
            out[column] = [("" if pd.isna(v) else str(v).strip()) for v in cells]
    return pd.DataFrame(out, dtype=object)


def _number(value: float) -> str:
    """A float as the shortest text that reads back to the same float."""
    if value != value:  # NaN: SDMX's missing value
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))
