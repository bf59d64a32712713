"""Statistical disclosure control for CLRISK outputs: on by default, pure functions on tables.

Rules (CLRISK.md section 5; every threshold is a field of :class:`DisclosureRules`, read from
the ``disclosure`` section of the run YAML). The defaults are published **floors**
(:data:`FLOORS`): a run may raise a threshold, never lower it, and the unit-level switch
cannot be turned on in a file. :class:`DisclosureRules` refuses a lower value wherever it is
made (the run file is checked when it is read; a published run's rules when it is published):

* **Unit-level scores** (a predicted probability per child) are never exported unless asked for
  explicitly, and then with a warning (:func:`check_unit_level_export`).
* **Small territories**: a territory with fewer than ``min_children`` children is suppressed
  (all its values blanked) or, with ``small_territories: merge`` and a parent column, pooled
  with the other small territories of the same parent into one row; a pool still too small is
  suppressed. **Expected counts** are rounded to the nearest ``count_rounding``.
* **Survey direct estimates** (DHS/MICS convention): from fewer than ``direct_suppress_below``
  unweighted children they are suppressed; from fewer than ``direct_flag_below``, flagged.
* **Frequency tables**: cells with 1 to ``min_cell`` - 1 cases are suppressed (zeros are not
  sensitive), with **complementary suppression** so that no suppressed cell can be worked out
  exactly from the published row and column totals. Seen as a bipartite graph (rows and columns
  as nodes, suppressed cells as edges), the totals determine a cell exactly when its edge lies
  on no cycle (a bridge); complements are added until no row or column holds a single
  suppressed cell and no suppressed cell is a bridge. Complements are the smallest non-zero
  cells that close a cycle (a suppressed zero can be pinned by non-negativity).

Each function returns the protected table and a :class:`SuppressionLog` whose entries
(territory, column, rule, reason) go into the run report; ``column == "*"`` means every value
of that row. The log never states a suppressed value. Published totals are taken as given: a
small row or column total is not itself protected here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from target87.risk.config import RiskError

STATUS = "disclosure"  # column added to protected tables: ok | flagged | suppressed | merged
TOTAL = "Total"
ALL = "*"


class DisclosureError(RiskError):
    """A rule cannot be applied or an export is refused; the message says which and why."""


#: The published minimums of the thresholds: a run may raise them, never lower them.
FLOORS: Mapping[str, int] = MappingProxyType(
    {
        "min_children": 50,
        "count_rounding": 5,
        "direct_suppress_below": 25,
        "direct_flag_below": 50,
        "min_cell": 5,
    }
)
#: Why each floor is there (said when a value below it is refused).
FLOOR_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "min_children": "a territory with fewer children is suppressed or merged, as a figure "
        "about so few children can single them out",
        "count_rounding": "expected counts of children in child labour are rounded to at least "
        "the nearest 5, so that a small count cannot be read exactly",
        "direct_suppress_below": "a survey direct estimate from fewer unweighted children is "
        "suppressed: it is unreliable and can reveal the answers of a few children",
        "direct_flag_below": "a direct estimate from fewer unweighted children is flagged "
        "'interpret with caution'",
        "min_cell": "a frequency cell with fewer cases is suppressed with its complements, so "
        "that no small count of children can be read or worked out from the totals",
    }
)


@dataclass(frozen=True)
class DisclosureRules:
    min_children: int = FLOORS["min_children"]
    count_rounding: int = FLOORS["count_rounding"]
    direct_suppress_below: int = FLOORS["direct_suppress_below"]
    direct_flag_below: int = FLOORS["direct_flag_below"]
    min_cell: int = FLOORS["min_cell"]
    allow_unit_level: bool = False
    small_territories: Literal["suppress", "merge"] = "suppress"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "allow_unit_level":
                ok = isinstance(value, bool)
            elif f.name == "small_territories":
                ok = value in ("suppress", "merge")
            else:
                ok = isinstance(value, int) and not isinstance(value, bool)
            if not ok:
                raise DisclosureError(f"disclosure.{f.name}: invalid value {value!r}")
        for name, floor in FLOORS.items():
            value = getattr(self, name)
            if value < floor:
                raise DisclosureError(
                    f"disclosure.{name}: {value} is below its floor of {floor} "
                    f"({FLOOR_REASONS[name]}); a run may raise this floor, never lower it"
                )
        if self.allow_unit_level:
            raise DisclosureError(
                "disclosure.allow_unit_level: true would switch off the rule that child-level "
                "scores are never written; it cannot be set in a run file. Give --unit-level to "
                "`target87 risk score` (unit_level=True) for one run, with a legal basis"
            )
        if self.direct_flag_below < self.direct_suppress_below:
            raise DisclosureError(
                f"disclosure.direct_flag_below ({self.direct_flag_below}) must not be below "
                f"disclosure.direct_suppress_below ({self.direct_suppress_below}): raise both"
            )

    @classmethod
    def from_dict(cls, section: Mapping[str, Any] | None) -> DisclosureRules:
        """Rules from the run YAML's ``disclosure`` section; missing keys keep the defaults."""
        section = dict(section or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in section if k not in known)
        if unknown:
            raise DisclosureError(
                f"disclosure: unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**section)


@dataclass(frozen=True)
class Suppression:
    territory: str
    column: str
    rule: str
    reason: str


@dataclass(frozen=True)
class SuppressionLog:
    """Every suppression, merge, flag and rounding applied, in order."""

    entries: tuple[Suppression, ...] = ()

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Suppression]:
        return iter(self.entries)

    def __add__(self, other: SuppressionLog) -> SuppressionLog:
        return SuppressionLog(self.entries + other.entries)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [vars(e) for e in self.entries], columns=["territory", "column", "rule", "reason"]
        )

    def summary(self) -> str:
        if not self.entries:
            return "Disclosure control: nothing suppressed"
        counts = self.to_frame()["rule"].value_counts(sort=False)
        lines = [
            f"Disclosure control: {len(self)} entries ("
            + ", ".join(f"{r}: {n}" for r, n in counts.items())
            + ")"
        ]
        lines += [f"  {e.territory} | {e.column} | {e.rule}: {e.reason}" for e in self.entries]
        return "\n".join(lines)


def check_unit_level_export(requested: bool) -> str:
    """Refuse a child-level export unless ``requested is True``; then return the warning."""
    if requested is not True:
        raise DisclosureError(
            "unit-level (child-level) risk scores are not exported: they are sensitive personal "
            "data about children. Ask for them explicitly for one run (`target87 risk score "
            "--unit-level`, unit_level=True) only with a legal basis for it."
        )
    return (
        "WARNING: this export holds a predicted child labour probability for every child. "
        "It is sensitive personal data: keep it under access control, drop direct "
        "identifiers, never publish it, and use it only under a legal basis."
    )


# --------------------------------------------------------------------------------------------
# territory tables and direct estimates


def _columns(territory: str | Sequence[str]) -> list[str]:
    return [territory] if isinstance(territory, str) else list(territory)


def _numbers(table: pd.DataFrame, column: str, keys: list[str]) -> pd.Series:
    """A numeric, non-negative, complete column, or an error naming the row's territory."""
    missing = [c for c in [column, *keys] if c not in table.columns]
    if missing:
        raise DisclosureError(f"columns not in the table: {missing}")
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        where = " / ".join(map(str, table.loc[bad.idxmax(), keys]))
        raise DisclosureError(
            f"territory {where!r}, column {column!r}: not a count "
            f"({table.loc[bad.idxmax(), column]!r})"
        )
    return values


def _label(row: pd.Series, keys: list[str]) -> str:
    return " / ".join(str(row[k]) for k in keys if not pd.isna(row[k]))


def _entries(rows: pd.DataFrame, keys: list[str], rule: str, reason: str) -> list[Suppression]:
    return [Suppression(_label(r, keys), ALL, rule, reason) for _, r in rows.iterrows()]


def protect_territory_table(
    table: pd.DataFrame,
    rules: DisclosureRules,
    parent: str | None = None,
    *,
    territory: str | Sequence[str] = "territory",
    children: str = "children",
    counts: Sequence[str] = ("expected",),
    means: Sequence[str] = ("risk",),
) -> tuple[pd.DataFrame, SuppressionLog]:
    """Suppress or merge small territories, then round expected counts.

    ``counts`` are summed and ``means`` children-weighted when territories are merged; other
    columns of a merged row are left blank.
    """
    keys = _columns(territory)
    keys = ([parent] if parent is not None and parent not in keys else []) + keys
    size = _numbers(table, children, keys)
    small = size < rules.min_children
    out = table.copy()
    out[STATUS] = "ok"
    log: list[Suppression] = []
    reason = f"fewer than {rules.min_children} children"
    if rules.small_territories == "merge" and small.any():
        if parent is None:
            raise DisclosureError("disclosure.small_territories is 'merge' but no parent column")
        pooled = out[small]
        if pooled[parent].isna().any():
            where = _label(pooled[pooled[parent].isna()].iloc[0], keys)
            raise DisclosureError(f"territory {where!r}: no {parent!r} to merge it into")
        merged = []
        for value, group in pooled.groupby(parent, sort=False):
            merged.append(_merge(group, parent, keys, children, counts, means))
            log += _entries(
                group, keys, "min_children", f"{reason}: merged into '{_merged_name(value)}'"
            )
        out = pd.concat([out[~small], pd.DataFrame(merged)], ignore_index=True)
        small = out[children] < rules.min_children
    values = [c for c in out.columns if c not in keys and c != STATUS]
    out[values] = out[values].where(~small, axis=0)
    out.loc[small, STATUS] = "suppressed"
    log += _entries(out[small], keys, "min_children", reason)
    if rules.count_rounding > 1:
        base = rules.count_rounding
        for column in (c for c in counts if c in out.columns):
            number = pd.to_numeric(out[column])
            out[column] = np.floor(number / base + 0.5) * base
            log.append(Suppression(ALL, column, "count_rounding", f"rounded to nearest {base}"))
    return out, SuppressionLog(tuple(log))


def _merged_name(parent_value: Any) -> str:
    return f"merged small territories of {parent_value}"


def _merge(
    group: pd.DataFrame,
    parent: str,
    keys: list[str],
    children: str,
    counts: Sequence[str],
    means: Sequence[str],
) -> dict[str, Any]:
    """One row pooling the small territories of one parent."""
    row: dict[str, Any] = dict.fromkeys(group.columns)
    row.update({k: _merged_name(group[parent].iloc[0]) for k in keys})
    row[parent] = group[parent].iloc[0]
    row[children] = group[children].sum()
    row.update({c: group[c].sum() for c in counts if c in group})
    row.update({c: (group[c] * group[children]).sum() / row[children] for c in means if c in group})
    row[STATUS] = "merged"
    return row


def protect_direct_estimates(
    table: pd.DataFrame,
    rules: DisclosureRules,
    *,
    n: str = "n",
    territory: str | Sequence[str] = "territory",
    columns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, SuppressionLog]:
    """Blank estimates from fewer than ``direct_suppress_below`` unweighted children (column
    ``n``) and flag those from fewer than ``direct_flag_below``; ``columns`` defaults to every
    column but the territory and ``n``."""
    keys = _columns(territory)
    size = _numbers(table, n, keys)
    values = (
        list(columns)
        if columns is not None
        else [c for c in table.columns if c not in keys and c != n]
    )
    suppress = size < rules.direct_suppress_below
    flag = ~suppress & (size < rules.direct_flag_below)
    out = table.copy()
    out[values] = out[values].where(~suppress, axis=0)
    out[STATUS] = np.where(suppress, "suppressed", np.where(flag, "flagged", "ok"))
    low, high = rules.direct_suppress_below, rules.direct_flag_below
    log = _entries(
        table[suppress], keys, "direct_suppress", f"fewer than {low} unweighted children"
    )
    log += _entries(
        table[flag],
        keys,
        "direct_flag",
        f"{low}-{high - 1} unweighted children: interpret with caution",
    )
    return out, SuppressionLog(tuple(log))


# --------------------------------------------------------------------------------------------
# frequency tables


def suppress_cells(
    table: pd.DataFrame,
    rules: DisclosureRules,
    margins: Literal["both", "rows", "columns", "none"] = "both",
) -> tuple[pd.DataFrame, SuppressionLog]:
    """Primary and complementary cell suppression of a count table (rows x columns).

    ``margins`` says which totals are published (and appended, computed from the unsuppressed
    counts): row totals, column totals, both or none. Suppressed cells become NaN.
    """
    if margins not in ("both", "rows", "columns", "none"):
        raise DisclosureError(f"margins must be both, rows, columns or none, not {margins!r}")
    if TOTAL in table.columns or TOTAL in table.index:
        raise DisclosureError(f"the table already has a {TOTAL!r} row or column")
    numbers = table.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() | (numbers < 0)
    if bad.any().any():
        row, col = bad.stack().idxmax()
        raise DisclosureError(f"row {row!r}, column {col!r}: not a count ({table.at[row, col]!r})")
    values = numbers.to_numpy(float)
    primary = (values > 0) & (values < rules.min_cell)
    rows_known, cols_known = margins in ("both", "rows"), margins in ("both", "columns")
    mask = complementary_suppression(
        values,
        primary,
        rows_known,
        cols_known,
        [str(r) for r in table.index],
        [str(c) for c in table.columns],
    )
    out = numbers.astype(float).mask(mask)
    if rows_known:
        out[TOTAL] = values.sum(axis=1)
    if cols_known:
        out.loc[TOTAL] = (
            np.append(values.sum(axis=0), values.sum()) if rows_known else values.sum(axis=0)
        )
    log = [
        Suppression(
            str(table.index[i]),
            str(table.columns[j]),
            "min_cell" if primary[i, j] else "secondary",
            f"fewer than {rules.min_cell} cases"
            if primary[i, j]
            else "complementary: protects a small cell through the totals",
        )
        for i, j in zip(*np.nonzero(mask), strict=True)
    ]
    return out, SuppressionLog(tuple(log))


def complementary_suppression(
    values: np.ndarray,
    primary: np.ndarray,
    rows: bool = True,
    columns: bool = True,
    row_names: Sequence[str] = (),
    col_names: Sequence[str] = (),
) -> np.ndarray:
    """Suppression mask: ``primary`` plus complements so that no suppressed cell follows exactly
    from the row totals (``rows``) and column totals (``columns``)."""
    mask = primary.copy()
    while True:
        lonely_rows = np.flatnonzero(mask.sum(axis=1) == 1) if rows else []
        lonely_cols = np.flatnonzero(mask.sum(axis=0) == 1) if columns else []
        if len(lonely_rows):
            _complete_line(values, mask, lonely_rows[0], columns, row_names, "row")
        elif len(lonely_cols):
            _complete_line(values.T, mask.T, lonely_cols[0], rows, col_names, "column")
        else:
            break
    while rows and columns and (bridge := _first_bridge(mask)) is not None:
        side_rows, side_cols = _sides(mask, *bridge)
        i, j = min(
            ((i, j) for i in side_rows for j in side_cols if not mask[i, j]),
            key=lambda ij: (values[ij] == 0, values[ij]),
        )
        mask[i, j] = True
    return mask


def _complete_line(
    values: np.ndarray,
    mask: np.ndarray,
    line: int,
    cross_known: bool,
    names: Sequence[str],
    kind: str,
) -> None:
    """Suppress one more cell in a line that has a single suppressed cell (in place)."""
    free = np.flatnonzero(~mask[line])
    if not len(free):
        name = names[line] if len(names) else line
        raise DisclosureError(
            f"{kind} {name!r} has a single cell: its total reveals it; "
            f"publish no {kind} totals or merge it with another {kind}"
        )
    cross = mask.sum(axis=0)
    # Best: a nonzero cell whose cross line holds exactly one suppression (fixes both lines).
    rank = {1: 0, 0: 2}

    def cost(j: int) -> tuple:
        return (
            values[line, j] == 0,
            rank.get(int(cross[j]), 1) if cross_known else 0,
            values[line, j],
        )

    mask[line, min(free, key=cost)] = True


def _first_bridge(mask: np.ndarray) -> tuple[int, int] | None:
    """A suppressed cell lying on no cycle of the row-column graph (Tarjan, iterative)."""
    n_rows = mask.shape[0]
    edges = list(zip(*np.nonzero(mask), strict=True))
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n_rows + mask.shape[1])]
    for k, (r, c) in enumerate(edges):
        adjacency[r].append((n_rows + c, k))
        adjacency[n_rows + c].append((r, k))
    order, low = [-1] * len(adjacency), [0] * len(adjacency)
    clock = 0
    for start in range(len(adjacency)):
        if order[start] != -1 or not adjacency[start]:
            continue
        order[start] = low[start] = clock
        clock += 1
        stack = [(start, -1, iter(adjacency[start]))]
        while stack:
            node, via, neighbours = stack[-1]
            for other, k in neighbours:
                if k == via:
                    continue
                if order[other] == -1:
                    order[other] = low[other] = clock
                    clock += 1
                    stack.append((other, k, iter(adjacency[other])))
                    break
                low[node] = min(low[node], order[other])
            else:
                stack.pop()
                if stack:
                    up = stack[-1][0]
                    low[up] = min(low[up], low[node])
                    if low[node] > order[up]:
                        return int(edges[via][0]), int(edges[via][1])
    return None


def _component(graph: np.ndarray, kind: str, start: int) -> tuple[set[int], set[int]]:
    """Rows and columns reachable from one row ("r") or column ("c") through suppressed cells."""
    seen: dict[str, set[int]] = {"r": set(), "c": set()}
    seen[kind].add(start)
    frontier = [(kind, start)]
    while frontier:
        kind, k = frontier.pop()
        other = "c" if kind == "r" else "r"
        for m in np.flatnonzero(graph[k] if kind == "r" else graph[:, k]):
            if int(m) not in seen[other]:
                seen[other].add(int(m))
                frontier.append((other, int(m)))
    return seen["r"], seen["c"]


def _sides(mask: np.ndarray, row: int, col: int) -> tuple[list[int], list[int]]:
    """Rows on ``row``'s side and columns on ``col``'s side once the bridge cell is removed."""
    graph = mask.copy()
    graph[row, col] = False
    return sorted(_component(graph, "r", row)[0]), sorted(_component(graph, "c", col)[1])
