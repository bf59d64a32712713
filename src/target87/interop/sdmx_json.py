"""SDMX-JSON 1.0 data messages -> SDMX components.

Decoded here rather than by sdmx1: sdmx1 2.28 gives every series the *data set's*
attribute values instead of the series' own (``read_dataset`` passes
``root["attributes"]``), which would lose or misplace UNIT_MEASURE; and reading floats as
text keeps every value's exact spelling.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from target87.ingest.errors import LoadError, Problem

URN_FLOW = re.compile(r"=([^:=]+):([^(=]+)\(([^)]*)\)")


def _value(entry: object) -> str:
    """A dimension or attribute value: coded (``id``) or plain text (``name``/``value``)."""
    if not isinstance(entry, dict):
        return "" if entry is None else str(entry)
    for key in ("id", "value", "name"):
        if key in entry:
            found = entry[key]
            if isinstance(found, dict):  # a localised name: prefer English
                found = found.get("en", next(iter(found.values()), ""))
            return "" if found is None else str(found)
    return ""


def _level(parts: dict, level: str) -> list[tuple[str, list[str]]]:
    return [(c["id"], [_value(v) for v in c.get("values", [])]) for c in parts.get(level) or []]


class _BadIndex(Exception):
    """A key or attribute index outside its component's values (the message says where)."""


def _index(part: object, values: list[str], component: str, where: str) -> int:
    """A value index, refused unless it is a whole number with 0 <= index < len(values): a
    negative one would pick a code from the end in Python and must never be read so."""
    text = str(part).strip() if not isinstance(part, bool) else ""
    if not text.isdigit() or not text.isascii() or int(text) >= len(values):
        span = f" (0 to {len(values) - 1})" if values else ""
        raise _BadIndex(
            f"{where}: index {part!r} of {component} is not one of its {len(values)} value(s){span}"
        )
    return int(text)


def _decode_key(key: str, dims: list[tuple[str, list[str]]], where: str) -> dict[str, str]:
    if not dims:
        return {}
    parts = key.split(":")
    if len(parts) != len(dims):
        raise ValueError(f"key {key!r} has {len(parts)} part(s) for {len(dims)} dimension(s)")
    spot = f"{where} key {key!r}"
    return {
        dim: values[_index(part, values, dim, spot)]
        for part, (dim, values) in zip(parts, dims, strict=True)
    }


def _decode_attrs(indices: list, attrs: list[tuple[str, list[str]]], where: str) -> dict[str, str]:
    out = {}
    for index, (attr, values) in zip(indices, attrs, strict=False):
        if index is not None:
            out[attr] = values[_index(index, values, attr, f"attributes of {where}")]
    return out


def _flow(structure: dict) -> str:
    for link in structure.get("links") or []:
        match = URN_FLOW.search(str(link.get("urn") or link.get("href") or ""))
        if match:
            return f"{match.group(1)}:{match.group(2)}({match.group(3)})"
    return ""


def _decode(tree: dict) -> tuple[list[dict[str, str]], str]:
    if "structure" not in tree:
        raise KeyError("structure (SDMX-JSON 2.0 and other JSON are not read)")
    structure = tree["structure"]
    dims, attrs = structure["dimensions"], structure.get("attributes") or {}
    ds_dims, s_dims, o_dims = (_level(dims, lv) for lv in ("dataSet", "series", "observation"))
    ds_attrs, s_attrs, o_attrs = (_level(attrs, lv) for lv in ("dataSet", "series", "observation"))
    records: list[dict[str, str]] = []
    for ds in tree["dataSets"]:
        base = {dim: values[0] for dim, values in ds_dims if values}
        base.update(_decode_attrs(ds.get("attributes") or [], ds_attrs, "the data set"))
        groups = [(base, ds, "")] if "observations" in ds else []
        for key, series in (ds.get("series") or {}).items():
            record = dict(base, **_decode_key(key, s_dims, "series"))
            where = f"series {key!r}"
            record.update(_decode_attrs(series.get("attributes") or [], s_attrs, where))
            groups.append((record, series, f"{where}, "))
        for record, holder, within in groups:
            for key, obs in (holder.get("observations") or {}).items():
                where = f"{within}observation"
                row = dict(record, **_decode_key(key, o_dims, where))
                row["OBS_VALUE"] = "" if not obs or obs[0] is None else str(obs[0])
                row.update(_decode_attrs(obs[1:], o_attrs, f"{where} {key!r}"))
                records.append(row)
    return records, _flow(structure)


def read_components(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Parse an SDMX-JSON 1.0 data message into (components, observation numbers, flow)."""
    try:
        tree = json.loads(text, parse_float=str)  # keep each value's exact spelling
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON: {exc.msg} (column {exc.colno})"
        raise LoadError([Problem(name, exc.lineno, None, reason, rule="format")]) from None
    except RecursionError:
        raise LoadError([Problem(name, None, None, "JSON nested too deeply")]) from None
    try:
        records, flow = _decode(tree)
    except _BadIndex as exc:
        raise LoadError([Problem(name, None, None, str(exc), rule="format")]) from None
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
        reason = f"not an SDMX-JSON 1.0 data message ({type(exc).__name__}: {exc})"
        raise LoadError([Problem(name, None, None, reason, rule="format")]) from None
    comp = pd.DataFrame.from_records(records).fillna("").astype(object)
    comp = comp.apply(lambda col: col.str.strip()) if len(comp) else comp
    return comp, np.arange(1, len(comp) + 1, dtype=np.int64), flow
