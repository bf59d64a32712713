"""What ``target87 risk publish`` checks before a run goes on the public web: it trusts nothing.

A saved run (``run.json``) is a file anyone can edit. :func:`check_run_document` accepts it only
when four things hold, in this order, and otherwise raises :class:`RunDocumentError` naming the
place (``territories[3].risk``, ``territories: R04 / T39``) and the rule:

1. **Nothing child-level** (the rule below).
2. **The floors**: ``disclosure_rules`` is at least the published floors
   (:data:`~target87.risk.disclosure.FLOORS`, refused by
   :class:`~target87.risk.disclosure.DisclosureRules` otherwise); the document's own, possibly
   higher, thresholds are then the ones applied in 4.
3. **The schema**: ``risk/data/run.schema.json`` (JSON Schema 2020-12, shipped in the
   package), specialised to the document's territory levels: unknown fields are refused at
   every depth, each table holds exactly its documented columns plus one text column per
   level, and types and ranges are checked (shares in [0, 1], counts >= 0, status words).
4. **Disclosure control re-applied** from the counts in the document, never from its flags: a
   territory (any level) not suppressed must have at least ``min_children`` children, a
   suppressed one publishes nothing but its codes, a pooled row exists only under
   ``small_territories: merge`` and is named after its parent, a territory suppressed alone
   within its parent (or the country) must have a complement (rule secondary), expected counts
   are multiples of ``count_rounding``; direct estimates from fewer than
   ``direct_suppress_below`` unweighted children are blank (the national one too) and every
   ``direct_disclosure`` word is recomputed from ``n_sample`` ("suppressed" is also allowed
   above the floor for a blank complement); no suppressed direct estimate can be recovered from
   what else is published (rules 1-4 of :mod:`~target87.risk.disclosure`, "What a suppressed
   direct estimate may not be recovered from"): a row whose direct estimate is blank publishes
   no small-area column, the small-area estimates and the Fay-Herriot summary are those of a fit
   on the published direct estimates alone (refitted here), a top-level territory whose surveyed
   children are not all under published direct estimates has no counts by outcome in the sample
   table, and the national counts less the published direct estimates leave a pool of hidden
   ones that pins none; sample-table cells are 0 or at least ``min_cell``, with no suppressed
   cell alone in its row or column or recoverable from the totals, and the totals add up; the
   children of the territories add up to their parent's and to the national total (at most,
   where some are suppressed); the map's features carry exactly the published row of their
   territory; each suppression-log reason is the text its rule writes under these thresholds;
   the synthetic marks agree.

**Child-level rule.** A published run holds aggregates only. It is refused as unit-level
(child-level) data when:

* a field anywhere is named ``unit_scores``, ``unit_level`` or ``census_row``, or its name (split
  into words at ``_``, ``-``, spaces and camelCase) joins a person word (child, children, kid,
  person, people, individual, respondent, pupil, student, household, hh, member) with an
  identifier or list word (id, ids, uid, key, name, number, no, list, records, rows, scores,
  score, microdata, level), or holds one of hhid, pid, uuid, dob, birth, birthdate, birthday,
  passport, ssn, cpf, microdata;
* a list of records sits anywhere but in the documented tables;
* a table is not at its documented grain: rows of ``territories``, ``parents`` and the map's
  features are one per territory (codes unique, cross-checked between them), every row that
  is not suppressed covers at least ``min_children`` children and their sum may not exceed the
  national total, so no table can have a row per child. Territory identifiers (``ID_1``) among
  a boundary file's properties are allowed: a feature is a territory.

Free text is bounded (names 300 characters, texts 2,000, a boundary property 500) and a
boundary property is a scalar. The checks guarantee the structure and the disclosure rules
of what is published; they cannot prove that counts written by hand are the true ones.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from target87.risk.disclosure import (
    ALL,
    HIDDEN_CELLS_REASON,
    SMALL_AREA_COLUMNS,
    TOTAL,
    DisclosureError,
    DisclosureRules,
    first_bridge,
    merged_name,
    pooled_direct_disclosure,
)
from target87.risk.errors import RiskError

SCHEMA_FILE = "run.schema.json"
FORMAT = "target87.risk.run/1"  # run_result.FORMAT (not imported: that module is heavy)
POOL = merged_name("")  # the name of a pooled row, before its parent's code
SAMPLE_CELLS = ("not in child labour", "in child labour")
DIRECT = ("direct", "direct_se", "direct_cv")
SMALL_AREA = SMALL_AREA_COLUMNS
KEYS = ("synthetic", "disclosure")  # row columns that are neither codes nor values

TERRITORY_TOTAL = HIDDEN_CELLS_REASON.split("{")[0]  # "... through the total of "
UNIT_LEVEL_FIELDS = frozenset({"unit_scores", "unit_level", "census_row"})
PERSON_WORDS = frozenset(
    {"child", "children", "kid", "kids", "person", "persons", "people", "individual",
     "individuals", "respondent", "respondents", "pupil", "pupils", "student", "students",
     "household", "households", "hh", "member", "members"}
)  # fmt: skip
IDENTIFIER_WORDS = frozenset(
    {"id", "ids", "uid", "key", "keys", "name", "names", "number", "no", "list", "lists",
     "record", "records", "row", "rows", "score", "scores", "microdata", "level"}
)  # fmt: skip
PERSONAL_WORDS = frozenset(
    {"hhid", "pid", "uuid", "dob", "birth", "birthdate", "birthday", "passport", "ssn", "cpf",
     "microdata"}
)  # fmt: skip
_SHOWN = 300  # characters of a value quoted in a message


class RunDocumentError(RiskError):
    """A run document that cannot be published; the message says where and which rule."""


def _fail(message: str) -> None:
    raise RunDocumentError(message)


@cache
def _schema_text() -> str:
    return (resources.files("target87.risk") / "data" / SCHEMA_FILE).read_text(encoding="utf-8")


def run_schema() -> dict[str, Any]:
    """The shipped JSON Schema of a published run (a fresh copy)."""
    return json.loads(_schema_text())


@cache
def _documented_fields() -> frozenset[str]:
    """Every field name the schema documents, at any depth."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            names.update(node.get("required", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(run_schema())
    return frozenset(names)


@cache
def _row_columns() -> frozenset[str]:
    """The documented columns of the tables and the map (a level may not take their names)."""
    defs = run_schema()["$defs"]
    names = {"merged_into", TOTAL}
    for table in ("territory_row", "parent_row", "sample_row"):
        names.update(defs[table]["properties"])
    return frozenset(names)


def document_schema(levels: list[str]) -> dict[str, Any]:
    """The schema made exact for one document: each table's level columns named, no other."""
    schema = run_schema()
    defs = schema["$defs"]
    code = {"$ref": "#/$defs/code"}

    def exact(name: str, own: list[str], new: str | None = None) -> None:
        table = copy.deepcopy(defs[name])
        table["properties"].update(dict.fromkeys(own, code))
        table["required"] = [*table["required"], *own]
        table["additionalProperties"] = False
        defs[new or name] = table

    exact("territory_row", levels)
    exact("sample_row", levels[:1])
    parents = {}
    for i, level in enumerate(levels[:-1]):
        exact("parent_row", levels[: i + 1], f"parent_row_{i}")
        parents[level] = {"type": "array", "items": {"$ref": f"#/$defs/parent_row_{i}"}}
    schema["properties"]["parents"] = {
        "type": "object",
        "additionalProperties": False,
        "required": levels[:-1],
        "properties": parents,
    }
    return schema


# --------------------------------------------------------------------------------------------
# the entry point


def check_run_document(doc: Any) -> DisclosureRules:
    """Refuse a run document that may not be published (module docstring); returns the rules
    it was checked under (its own, at least the floors)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        _fail(f"not a saved risk run (no format {FORMAT!r})")
    _child_level(doc, "")
    rules = _rules(doc.get("disclosure_rules"))
    levels = _levels(doc.get("levels"))
    _validate(doc, document_schema(levels))
    _tables_are_tables(doc, levels)
    _synthetic_marks(doc)
    _classification(doc)
    merge = rules.small_territories == "merge"
    for i, level in enumerate(levels[:-1]):  # the top level is never pooled (as publish.py)
        above = levels[i - 1] if i else None
        rows = doc["parents"][level]
        _territory_table(f"parents.{level}", rows, levels[: i + 1], above, rules, merge and i > 0)
    parent = levels[-2] if len(levels) > 1 else None
    _territory_table(
        "territories", doc["territories"], levels, parent, rules, merge and parent is not None
    )
    _direct_estimates(doc["territories"], levels, rules)
    _small_area(doc, levels)
    _national(doc, rules)
    _children_add_up(doc, levels)
    _sample_table(doc["sample_table"], levels[0], rules)
    _counts_hide_directs(doc, levels, rules)
    _suppression_log(doc["suppression_log"], rules)
    _map(doc, levels)
    return rules


# --------------------------------------------------------------------------------------------
# 1. child-level


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w]


def child_level_name(name: str) -> bool:
    """True when a field name marks unit-level data or a person identifier (module notes)."""
    if name.lower() in UNIT_LEVEL_FIELDS:
        return True
    words = set(_words(name))
    return bool(words & PERSONAL_WORDS) or bool(words & PERSON_WORDS and words & IDENTIFIER_WORDS)


def _here(where: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def _child_level(node: Any, where: str) -> None:
    """Walk the whole document: child-level field names, stray lists of records, and numbers
    JSON does not have (``NaN``, ``Infinity``, which Python's reader lets through)."""
    documented = _documented_fields()
    if isinstance(node, dict):
        codes = where in ("parents", "classification.cutpoints")  # keys are names of places
        for key, value in node.items():
            key = str(key)
            here = _here(where, key)
            named = key.lower() in UNIT_LEVEL_FIELDS or (
                not codes and key not in documented and child_level_name(key)
            )
            if named:
                _fail(
                    f"{here}: the field {key!r} names child-level data or a person identifier: "
                    "unit-level (child-level) data is never published"
                )
            if key not in documented and not codes and _records(value):
                _fail(
                    f"{here}: a list of {len(value)} records outside the documented tables: "
                    "refused as unit-level (child-level) data, never published"
                )
            _child_level(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _child_level(value, _here(where, i))
    elif isinstance(node, float) and not math.isfinite(node):
        text = json.dumps(node)
        _fail(f"{where}: {text} is not a number a published run may hold (JSON has no {text})")


def _records(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(item, dict) for item in value)


# --------------------------------------------------------------------------------------------
# 2. floors, 3. schema


def _rules(section: Any) -> DisclosureRules:
    if not isinstance(section, dict):
        _fail("disclosure_rules: missing, or not a mapping of the run's disclosure thresholds")
    try:
        return DisclosureRules.from_dict(section)
    except DisclosureError as exc:  # the run file says "disclosure", the run "disclosure_rules"
        _fail(re.sub(r"\bdisclosure([.:])", r"disclosure_rules\1", str(exc)))


def _levels(levels: Any) -> list[str]:
    ok = (
        isinstance(levels, list)
        and 1 <= len(levels) <= 6
        and all(isinstance(x, str) and 0 < len(x) <= 100 for x in levels)
        and len(set(levels)) == len(levels)
    )
    if not ok:
        _fail(f"levels: must list 1 to 6 distinct territory level names, got {_quote(levels)}")
    taken = sorted(set(levels) & _row_columns())
    if taken:
        _fail(f"levels: {', '.join(map(repr, taken))} is the name of a published column")
    return levels


def _quote(value: Any) -> str:
    text = "null" if value is None else repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _path(parts: Iterable[Any]) -> str:
    where = ""
    for part in parts:
        where = _here(where, part)
    return where


def _validate(doc: dict, schema: dict) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(doc))
    if error is None:
        return
    where = _path(error.absolute_path) or "the document"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in known)
        _fail(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}: a published run "
            f"holds only the fields of {SCHEMA_FILE}"
        )
    message = error.message
    if len(message) > _SHOWN:
        message = message[:_SHOWN] + "..."
    _fail(f"{where}: {message}")


def _tables_are_tables(doc: dict, levels: list[str]) -> None:
    """Every row of a table has the same columns; small-area columns only with small area."""
    tables = {"territories": doc["territories"], "sample_table": doc["sample_table"]}
    tables |= {f"parents.{k}": v for k, v in doc["parents"].items()}
    for name, rows in tables.items():
        for i, row in enumerate(rows):
            if set(row) != set(rows[0]):
                extra = sorted(set(row) ^ set(rows[0]))
                _fail(f"{name}[{i}]: columns {extra} differ from the first row's")
    has = {c in doc["territories"][0] for c in SMALL_AREA}
    if len(has) > 1 or has.pop() != (doc["small_area"] is not None):
        _fail(
            "territories: the small-area columns come all together, and only with a "
            "small-area summary"
        )


def _synthetic_marks(doc: dict) -> None:
    from target87.risk.synth import SYNTHETIC_LABEL

    synthetic = doc["synthetic"]
    label = SYNTHETIC_LABEL if synthetic else None
    said = json.dumps(synthetic)
    if doc["provenance"]["synthetic"] != synthetic:
        _fail(
            f"synthetic: {said}, but provenance.synthetic: "
            f"{json.dumps(doc['provenance']['synthetic'])}: the synthetic marks of a run agree "
            "(synthetic data are labelled SYNTHETIC everywhere)"
        )
    if doc["label"] != label:
        _fail(f"label: must be {_quote(label)} when synthetic is {said}")
    tables = {"territories": doc["territories"]}
    tables |= {f"parents.{k}": v for k, v in doc["parents"].items()}
    for name, rows in tables.items():
        if any(("synthetic" in row) != synthetic for row in rows):
            _fail(f"{name}: the synthetic column is there exactly when the run is synthetic")
    geo = doc["geojson"]
    if geo is not None and geo.get("label") != label:
        _fail(f"geojson.label: must be {label!r} (absent for a run on real data)")


def _classification(doc: dict) -> None:
    c = doc["classification"]
    if len(c["labels"]) != c["k"]:
        _fail(f"classification.labels: {len(c['labels'])} labels for k = {c['k']} classes")
    for group, cuts in c["cutpoints"].items():
        if len(cuts) != c["k"] - 1:
            _fail(f"classification.cutpoints.{group}: {len(cuts)} cut-points for {c['k']} classes")
    labels = set(c["labels"])
    for i, row in enumerate(doc["territories"]):
        if row["class"] is not None and row["class"] not in labels:
            _fail(f"territories[{i}].class: {row['class']!r} is not one of the run's classes")


# --------------------------------------------------------------------------------------------
# 4. disclosure control re-applied


def _label(row: Mapping[str, Any], keys: list[str]) -> str:
    return " / ".join(str(row[k]) for k in keys)


def _number(value: float) -> str:
    return f"{value:g}"


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _territory_table(
    name: str,
    rows: list[dict],
    keys: list[str],
    parent: str | None,
    rules: DisclosureRules,
    merge: bool,
) -> None:
    """Small territories suppressed or merged, suppressed rows blank, complements, rounding."""
    seen = Counter(tuple(row[k] for k in keys) for row in rows)
    twice = [" / ".join(k) for k, n in seen.items() if n > 1]
    if twice:
        _fail(f"{name}: territory {twice[0]} has more than one row")
    base = rules.count_rounding
    for row in rows:
        label, status = _label(row, keys), row["disclosure"]
        values = [c for c in row if c not in keys and c not in KEYS]
        if status == "suppressed":
            shown = [c for c in values if row[c] is not None]
            if shown:
                _fail(
                    f"{name}: {label}: marked suppressed but publishes {', '.join(shown)}: a "
                    "suppressed territory publishes nothing but its codes"
                )
            continue
        children = row["children"]
        if children is None or children < rules.min_children:
            given = "no count of" if children is None else _number(children)
            _fail(
                f"{name}: {label}: {given} children is below min_children "
                f"{rules.min_children}: the territory must be suppressed or merged "
                "(rule min_children)"
            )
        if status == "merged":
            if not merge:
                _fail(
                    f"{name}: {label}: a pooled row, but this table pools nothing "
                    f"(small_territories: {rules.small_territories})"
                )
            if row[keys[-1]] != POOL + str(row[parent]):
                _fail(f"{name}: {label}: a pooled row must be named {POOL + str(row[parent])!r}")
        expected = row.get("expected")
        if expected is not None and not _close(expected / base, round(expected / base)):
            _fail(
                f"{name}: {label}: expected {_number(expected)} is not rounded to a multiple "
                f"of {base} (rule count_rounding {base})"
            )
    _complements(name, rows, keys, parent)


def _complements(name: str, rows: list[dict], keys: list[str], parent: str | None) -> None:
    """As the pipeline does: a territory suppressed alone among published siblings could be
    worked out from its parent's total (or the national one), so a sibling goes too."""
    groups: dict[Any, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row[parent] if parent else "the country"].append(row)
    for group, members in groups.items():
        hidden = [r for r in members if r["disclosure"] == "suppressed"]
        if len(hidden) == 1 and any(r["disclosure"] == "ok" for r in members):
            _fail(
                f"{name}: {_label(hidden[0], keys)} is the only suppressed territory of "
                f"{group}: the total of {group} minus the others gives it away; a complement "
                "must be suppressed too (rule secondary)"
            )


def _direct_status(n: float | None, rules: DisclosureRules) -> str | None:
    if n is None:
        return None
    if n == 0:
        return "no sample"
    if n < rules.direct_suppress_below:
        return "suppressed"
    return "flagged" if n < rules.direct_flag_below else "ok"


def _direct_estimates(rows: list[dict], levels: list[str], rules: DisclosureRules) -> None:
    low = rules.direct_suppress_below
    for row in rows:
        if row["disclosure"] == "suppressed":
            continue
        label, n = _label(row, levels), row["n_sample"]
        status = _direct_status(n, rules)
        if status in (None, "no sample", "suppressed"):
            shown = [c for c in DIRECT if row[c] is not None]
            if shown:
                size = "no" if not n else _number(n)
                _fail(
                    f"territories: {label}: a direct estimate ({', '.join(shown)}) from {size} "
                    f"unweighted children is published; below direct_suppress_below {low} it "
                    "must be suppressed (rule direct_suppress)"
                )
        complement = status in ("ok", "flagged") and all(row[c] is None for c in DIRECT)
        if row["direct_disclosure"] != status and not (
            complement and row["direct_disclosure"] == "suppressed"
        ):
            _fail(
                f"territories: {label}: direct_disclosure is {row['direct_disclosure']!r}, but "
                f"{'no count of' if n is None else _number(n)} unweighted children make it "
                f"{status!r} (recomputed: the document's flags are not trusted)"
            )


def _hidden(row: Mapping[str, Any]) -> bool:
    """A published row whose direct estimate is blank though it may have sample."""
    return row["disclosure"] != "suppressed" and row["direct"] is None and row["n_sample"] != 0


def _small_area(doc: dict, levels: list[str]) -> None:
    """Rules 1 and 2: no small-area column beside a hidden direct estimate; the small-area
    estimates and summary those of a Fay-Herriot fit on the published direct estimates."""
    if doc["small_area"] is None:
        return
    for row in doc["territories"]:
        shown = [c for c in SMALL_AREA if row.get(c) is not None]
        if _hidden(row) and shown:
            _fail(
                f"territories: {_label(row, levels)}: its direct estimate is suppressed but "
                f"{', '.join(shown)} {'is' if len(shown) == 1 else 'are'} published: with the "
                "regression on the synthetic risk they give it back, direct = (small_area - "
                "(1 - shrinkage) x'beta) / shrinkage; a row whose direct estimate is suppressed "
                "publishes no small-area column (rule direct_suppress)"
            )
    _small_area_fit(doc, levels)


def _small_area_fit(doc: dict, levels: list[str]) -> None:
    """Refit the Fay-Herriot model on the published direct estimates and compare."""
    import numpy as np

    from target87.risk.small_area import fit_variance, gls

    summary = doc["small_area"]
    method = re.search(r"\bmethod (REML|ML)\b", summary)
    deff = doc["national"]["deff"]
    rows = [r for r in doc["territories"] if r["disclosure"] != "suppressed"]
    fitted = [r for r in rows if r["direct"] is not None]
    usable = all(
        r["risk"] is not None and 0 < r["risk"] < 1 and (r["n_sample"] or 0) > 0 for r in fitted
    )
    if method is None or not deff or not usable or len(fitted) < 3:
        _fail(
            "small_area: the small-area estimates cannot be refitted from the published direct "
            "estimates (a method REML or ML, the national deff, and at least 3 published direct "
            "estimates with their risk and n_sample are needed)"
        )
    risk = np.array([r["risk"] for r in fitted], dtype=float)
    y = np.array([r["direct"] for r in fitted], dtype=float)
    psi = deff * risk * (1 - risk) / np.array([r["n_sample"] for r in fitted], dtype=float)
    X = np.column_stack([np.ones(len(fitted)), risk])
    if np.linalg.matrix_rank(X) < 2:
        _fail("small_area: the published direct estimates cannot identify the regression")
    sigma2_v, _, _ = fit_variance(y, X, psi, method.group(1))
    beta = gls(sigma2_v, y, X, psi)[2]
    for row in rows:
        if row["small_area"] is None and row["shrinkage"] is None:
            continue
        prediction = beta[0] + beta[1] * (row["risk"] if row["risk"] is not None else math.nan)
        gamma, estimate = 0.0, prediction
        if row["direct"] is not None:
            p = row["risk"]
            gamma = sigma2_v / (sigma2_v + deff * p * (1 - p) / row["n_sample"])
            estimate = gamma * row["direct"] + (1 - gamma) * prediction
        given = (row["small_area"], row["shrinkage"])
        if any(
            v is not None and not math.isclose(v, w, rel_tol=1e-6, abs_tol=1e-9)
            for v, w in zip(given, (estimate, gamma), strict=True)
        ):
            _fail(
                f"territories: {_label(row, levels)}: small_area {_quote(given[0])} and shrinkage "
                f"{_quote(given[1])} are not the Fay-Herriot estimate fitted on the published "
                f"direct estimates alone ({estimate:.6g}, {gamma:.6g}): a fit on suppressed "
                "direct estimates gives them away through its coefficients (rule direct_suppress)"
            )
    _small_area_summary(summary, len(fitted), sigma2_v, beta)


def _small_area_summary(summary: str, areas: int, sigma2_v: float, beta: Any) -> None:
    """The printed fit is the refitted one: its areas, sigma2_v and coefficients."""
    found = {
        "areas": re.search(r"^areas: (\d+) with a direct estimate", summary, re.M),
        "sigma2_v": re.search(r"sigma2_v = (\S+)$", summary, re.M),
        "const": re.search(r"^const\s+(\S+)\s", summary, re.M),
        "synthetic": re.search(r"^synthetic\s+(\S+)\s", summary, re.M),
    }
    wrong = [name for name, match in found.items() if match is None]
    try:
        printed = {name: float(match.group(1)) for name, match in found.items() if match}
    except ValueError:
        wrong = ["a number"]
    if not wrong:
        refitted = {"areas": areas, "sigma2_v": sigma2_v, "const": beta[0], "synthetic": beta[1]}
        close = {
            "areas": lambda a, b: a == b,
            "sigma2_v": lambda a, b: math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-12),
            "const": lambda a, b: abs(a - b) <= 6e-6,
            "synthetic": lambda a, b: abs(a - b) <= 6e-6,
        }
        wrong = [k for k in refitted if not close[k](printed[k], refitted[k])]
    if wrong:
        _fail(
            f"small_area: the summary's {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} "
            "not those of the Fay-Herriot fit on the published direct estimates alone: a fit on "
            "suppressed direct estimates gives them away (rule direct_suppress)"
        )


def _national(doc: dict, rules: DisclosureRules) -> None:
    national = doc["national"]
    n = national["n_sample"]
    if n < rules.direct_suppress_below and (
        national["direct"] is not None or national["direct_se"] is not None
    ):
        _fail(
            f"national: a direct estimate from {_number(n)} unweighted children; below "
            f"direct_suppress_below {rules.direct_suppress_below} it must be suppressed"
        )


def _children_add_up(doc: dict, levels: list[str]) -> None:
    """Published children within each parent (and the country) add up to its total: equal
    when nothing below is suppressed, at most when something is."""
    tables = [(f"parents.{level}", doc["parents"][level]) for level in levels[:-1]]
    tables.append(("territories", doc["territories"]))
    country = ("national", [{"children": doc["national"]["children"], "disclosure": "ok"}])
    for i, (name, rows) in enumerate(tables):
        if i:
            _add_up(name, rows, levels[:i], tables[i - 1])
        _add_up(name, rows, [], country)


def _add_up(name: str, rows: list[dict], keys: list[str], upper: tuple[str, list[dict]]) -> None:
    upper_name, upper_rows = upper
    index = {tuple(row[k] for k in keys): row for row in upper_rows}
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[k] for k in keys)].append(row)
    # A suppressed row publishes nothing; one outside every group (older runs left the upper
    # codes of a suppressed pool blank) only means no group can be known complete.
    stray = False
    for key in [k for k in groups if k not in index]:
        if any(r["disclosure"] != "suppressed" for r in groups[key]):
            _fail(f"{name}: {' / '.join(key)} has no row in {upper_name}")
        stray = True
    for key, members in groups.items():
        above = index.get(key)
        if above is None or above["disclosure"] == "suppressed":
            continue
        total = sum(r["children"] for r in members if r["disclosure"] != "suppressed")
        complete = not stray and all(r["disclosure"] != "suppressed" for r in members)
        if total > above["children"] * (1 + 1e-9) + 1e-6 or (
            complete and not _close(total, above["children"])
        ):
            place = " / ".join(key) or "the country"
            _fail(
                f"{name}: the children of the territories of {place} add up to "
                f"{_number(total)}, the total in {upper_name} is {_number(above['children'])}"
            )


def _sample_table(rows: list[dict], level: str, rules: DisclosureRules) -> None:
    """Small cells suppressed with complements; totals consistent (suppress_cells' rules)."""
    codes = Counter(row[level] for row in rows)
    if codes[TOTAL] != 1 or rows[-1][level] != TOTAL or max(codes.values()) > 1:
        _fail(f"sample_table: one row per {level} and a last {TOTAL!r} row")
    body, total = rows[:-1], rows[-1]
    for row in body:
        for column in SAMPLE_CELLS:
            value = row[column]
            if value is not None and 0 < value < rules.min_cell:
                _fail(
                    f"sample_table: {row[level]}, {column!r}: {_number(value)} cases is below "
                    f"min_cell {rules.min_cell}: the cell must be suppressed with its "
                    "complements (rule min_cell)"
                )
    mask = [[row[c] is None for c in SAMPLE_CELLS] for row in body]
    for row, line in zip(body, mask, strict=True):
        if sum(line) == 1:
            column = SAMPLE_CELLS[line.index(True)]
            _fail(
                f"sample_table: {row[level]}, {column!r} is suppressed alone in its row: the "
                "row total gives it away; a complement must be suppressed (rule secondary)"
            )
    for j, column in enumerate(SAMPLE_CELLS):
        hidden = [row[level] for row, line in zip(body, mask, strict=True) if line[j]]
        if len(hidden) == 1:
            _fail(
                f"sample_table: {hidden[0]}, {column!r} is suppressed alone in its column: the "
                f"column total gives it away; a complement must be suppressed (rule secondary)"
            )
    if body:
        import numpy as np

        bridge = first_bridge(np.array(mask, dtype=bool))
        if bridge is not None:
            _fail(
                f"sample_table: {body[bridge[0]][level]}, {SAMPLE_CELLS[bridge[1]]!r} can be "
                "worked out from the totals (no other suppressed cells around it); a "
                "complement must be suppressed (rule secondary)"
            )
    for row in rows:
        known = [row[c] for c in SAMPLE_CELLS if row[c] is not None]
        if row is total and len(known) < len(SAMPLE_CELLS):
            _fail(f"sample_table: the {TOTAL!r} row publishes every column")
        if sum(known) > row[TOTAL] or (
            len(known) == len(SAMPLE_CELLS) and sum(known) != row[TOTAL]
        ):
            _fail(f"sample_table: {row[level]}: the cells do not add up to its {TOTAL!r}")
    for column in (*SAMPLE_CELLS, TOTAL):
        cells = [row[column] for row in body]
        known = sum(v for v in cells if v is not None)
        if known > total[column] or (None not in cells and known != total[column]):
            _fail(f"sample_table: the column {column!r} does not add up to its {TOTAL!r}")


def _counts_hide_directs(doc: dict, levels: list[str], rules: DisclosureRules) -> None:
    """Rules 3 and 4: the sample table's counts less the published direct estimates give no
    suppressed direct estimate away (the table's shape was checked by _sample_table)."""
    rows = [r for r in doc["territories"] if r["disclosure"] != "suppressed"]
    published = [r for r in rows if r["direct"] is not None]
    level = levels[0]
    body, total = doc["sample_table"][:-1], doc["sample_table"][-1]
    under: dict[str, float] = defaultdict(float)
    for row in published:
        under[row[level]] += row["n_sample"] or 0
    for row in body:
        hidden = row[TOTAL] - under.pop(row[level], 0.0)
        if hidden < 0:
            _fail(
                f"sample_table: {row[level]}: {_number(row[TOTAL])} surveyed children, fewer "
                "than the n_sample of its territories' published direct estimates"
            )
        shown = [c for c in SAMPLE_CELLS if row[c] is not None]
        if hidden > 0 and shown and len(body) > 1:
            _fail(
                f"sample_table: {row[level]}, {', '.join(map(repr, shown))}: "
                f"{_number(hidden)} of its surveyed children are in territories whose direct "
                f"estimate is suppressed, and its counts less the published direct estimates "
                "of its territories give those away; its counts must be suppressed "
                "(rule secondary)"
            )
    if under:
        place = next(iter(under))
        _fail(
            f"territories: {level} {place} has published direct estimates but no sample_table row"
        )
    n, count = total[TOTAL], total["in child labour"]
    visible = [r for r in rows if _hidden(r) and r["n_sample"] is not None]
    reason = pooled_direct_disclosure(
        n - sum(r["n_sample"] for r in published),
        [float(r["n_sample"]) for r in visible],
        count - sum(r["direct"] * r["n_sample"] for r in published),
        rules,
        national_at_bound=count in (0, n),
    )
    if reason is not None:
        names = ", ".join(_label(r, levels) for r in visible[:10]) or "territories not shown"
        _fail(
            f"territories: direct estimates suppressed in {names}: {reason} (the sample_table "
            f"{TOTAL!r} row's 'in child labour' less direct x n_sample of the others); further "
            "direct estimates must be suppressed as complements (rule secondary)"
        )


def _log_patterns(rules: DisclosureRules) -> dict[str, list[str]]:
    """The reasons each rule writes (disclosure.py, publish.py) under these thresholds."""
    m, low, high = rules.min_children, rules.direct_suppress_below, rules.direct_flag_below
    return {
        "min_children": [
            rf"fewer than {m} children",
            rf"fewer than {m} children: merged into '{POOL}.+'",
        ],
        "count_rounding": [rf"rounded to nearest {rules.count_rounding}"],
        "direct_suppress": [rf"fewer than {low} unweighted children"],
        "direct_flag": [rf"{low}-{high - 1} unweighted children: interpret with caution"],
        "secondary": [
            r"complementary: protects a suppressed territory through the total of .+",
            r"complementary: protects a small cell through the totals",
        ],
        "min_cell": [rf"fewer than {rules.min_cell} cases"],
    }


def _suppression_log(entries: list[dict], rules: DisclosureRules) -> None:
    """Each entry says what its rule says under the document's thresholds, nothing else."""
    patterns = _log_patterns(rules)
    for i, entry in enumerate(entries):
        rule, reason, column = entry["rule"], entry["reason"], entry["column"]
        if not any(re.fullmatch(p, reason, re.S) for p in patterns[rule]):
            _fail(
                f"suppression_log[{i}].reason: {_quote(reason)} is not what rule {rule!r} says "
                "under the run's disclosure_rules"
            )
        cell = rule == "min_cell" or reason.endswith("small cell through the totals")
        if column in SAMPLE_CELLS and rule == "secondary" and reason.startswith(TERRITORY_TOTAL):
            continue  # the counts of a top-level territory holding suppressed direct estimates
        expected = "expected" if rule == "count_rounding" else None
        if (
            (cell and column not in SAMPLE_CELLS)
            or (expected and (column != expected or entry["territory"] != ALL))
            or (not cell and not expected and column != ALL)
        ):
            _fail(f"suppression_log[{i}].column: {column!r} does not go with rule {rule!r}")


def _map(doc: dict, levels: list[str]) -> None:
    """Each feature carries exactly the published row of its territory (or of its pool)."""
    geo = doc["geojson"]
    if geo is None:
        return
    finest = levels[-1]
    rows: dict[str, dict] = {}
    for row in doc["territories"]:
        if row[finest] in rows:
            _fail(f"territories: the code {row[finest]!r} repeats: the map cannot join on it")
        rows[row[finest]] = row
    drawn: Counter[str] = Counter()
    for i, feature in enumerate(geo["features"]):
        props = feature["properties"]
        code, pooled = props.get(finest), props.get("merged_into")
        where = f"geojson.features[{i}] ({code})"
        row = rows.get(pooled if pooled is not None else code)
        if not isinstance(code, str) or row is None:
            _fail(f"{where}: no published row of territory {_quote(code)} for this feature")
        if pooled is not None:
            if not pooled.startswith(POOL) or code in rows:
                _fail(f"{where}: merged_into {pooled!r} is not the pool of this territory")
        elif code.startswith(POOL):
            _fail(f"{where}: a pooled row has no shape of its own")
        else:
            drawn[code] += 1
        for column, value in row.items():
            if pooled is not None and column == finest:
                continue
            if column not in props or props[column] != value:
                _fail(
                    f"{where}: property {column!r} is {_quote(props.get(column))}, the "
                    f"published row has {_quote(value)}: the map shows the table's figures"
                )
    territories = {c for c in rows if not c.startswith(POOL)}
    missing, twice = sorted(territories - set(drawn)), sorted(c for c, n in drawn.items() if n > 1)
    if missing or twice:
        _fail(
            f"geojson: every territory has one feature (without: {missing[:10]}, more than "
            f"one: {twice[:10]})"
        )
