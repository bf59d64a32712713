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
  A suppressed direct estimate must not be recoverable from anything else published either:
  see *What a suppressed direct estimate may not be recovered from* below.
* **Frequency tables**: cells with 1 to ``min_cell`` - 1 cases are suppressed (zeros are not
  sensitive), with **complementary suppression** so that no suppressed cell can be worked out
  exactly from the published row and column totals. Seen as a bipartite graph (rows and columns
  as nodes, suppressed cells as edges), the totals determine a cell exactly when its edge lies
  on no cycle (a bridge); complements are added until no row or column holds a single
  suppressed cell and no suppressed cell is a bridge. Complements are the smallest non-zero
  cells that close a cycle (a suppressed zero can be pinned by non-negativity).

What a suppressed direct estimate may not be recovered from
-----------------------------------------------------------

A direct estimate is *hidden* when it is not published: suppressed (``direct_suppress``, or
as a complement, below), or in a row suppressed or merged for its children. Published per
territory ``d`` are the synthetic risk ``r_d`` (the census mean of predicted probabilities;
with small area on, the ``risk`` column is still this synthetic risk, not the EBLUP), its SE,
interval, CV, class, P(high), the expected count, the unweighted sample size ``n_d``, the
direct estimate ``y_d`` (when not hidden), the small-area columns (``small_area`` = EBLUP
``theta_d``, ``small_area_se``, ``small_area_cv``, ``shrinkage`` = ``gamma_d``) and the
benchmarked risk; nationally the direct estimate, ``deff`` and ``n``; the Fay-Herriot summary
(``beta``, ``sigma2_v`` and medians); and the survey sample table (unweighted children in and
not in child labour per top-level territory, with totals). The leak paths and the rules:

1. **One row, the EBLUP.** ``theta_d = gamma_d y_d + (1 - gamma_d) z_d' beta`` with
   ``z_d = (1, r_d)``, so ``y_d = (theta_d - (1 - gamma_d) z_d' beta) / gamma_d`` whenever
   ``gamma_d > 0``. ``beta`` is printed in the summary and is in any case exact from two
   published rows (``z_d' beta = (theta_d - gamma_d y_d) / (1 - gamma_d)``). Blanking
   ``shrinkage`` alone does not help: ``gamma_d = sigma2_v / (sigma2_v + psi_d)`` with the
   GVF variance ``psi_d = deff r_d (1 - r_d) / n_d``, all published (``sigma2_v`` also
   follows from any published row: ``gamma psi / (1 - gamma)``). ``small_area_cv`` gives
   ``theta_d = small_area_se / small_area_cv``. **Rule:** a row whose direct estimate is
   hidden publishes none of ``small_area``, ``small_area_se``, ``small_area_cv`` and
   ``shrinkage`` (a territory without sample keeps them: ``gamma = 0``, its EBLUP is the
   regression prediction and holds no direct estimate).
2. **Across rows, the Fay-Herriot fit.** ``beta = (Z'V^-1 Z)^-1 Z'V^-1 y`` is linear in every
   direct estimate it is fitted on (``V_d = sigma2_v + psi_d``, all published), and
   ``sigma2_v`` solves a score equation in them: with ``beta`` exact from the published
   EBLUPs, a fit that used hidden direct estimates gives two (three) equations in them, which
   pin one or two hidden estimates exactly and a few more through their bounds and integer
   counts; the summary's medians of CVs over sampled areas rank hidden estimates too.
   **Rule:** the Fay-Herriot model is fitted on the published direct estimates only; a
   territory whose direct estimate is hidden is predicted by the regression like one without
   sample (and rule 1 blanks that prediction). Everything it publishes is then a function of
   published numbers; ``risk publish`` refits it from the document and compares.
3. **Across rows, the sample table.** Where weights are constant within a territory (a
   self-weighting sample, or one PSU), ``y_d n_d`` is the unweighted count of children in
   child labour, so a top-level territory's published count ``C_r`` less
   ``sum y_d n_d`` over its published direct estimates is the count of its hidden ones:
   one hidden territory is recovered as ``(C_r - sum y_d n_d) / n_s``, and several at 0
   (the common case with 15 surveyed children) all are; with varying weights the same
   algebra gives them closely. With one level, ``C_d / n_d`` is the territory's own
   unweighted direct estimate. **Rule**: the in / not in
   child labour counts of a top-level territory are published only when all its surveyed
   children are in territories whose direct estimate is published (``Total`` minus their
   ``n_d`` is 0); otherwise both cells are suppressed (rule ``secondary``: they protect
   suppressed estimates through the territory's total), and complements follow the cell rules.
4. **Across rows, the nation.** The sample table's ``Total`` row (and, with weights, the
   national direct estimate, a weighted mean of the territories') less the published direct
   estimates leaves the pooled count ``S = C - sum y_d n_d`` of all hidden territories, from
   ``m = N - sum n_d`` children. It reveals a hidden estimate when the pool is one territory,
   or ``S`` is 0 or ``m`` (each hidden count is then 0, or all); a pool of fewer than
   ``direct_suppress_below`` children is itself a direct estimate from too few.
   **Rule** (:func:`pooled_direct_disclosure`): ``m`` is 0, or at least
   ``direct_suppress_below`` children in at least two territories, as seen from the document
   (two rows with a hidden estimate and sample, or one holding fewer than ``m``), with ``S``
   (estimated from the published figures, and exactly in the pipeline) at least 0.5 from 0
   and from ``m``; otherwise further published direct estimates are suppressed as
   complements (rule ``secondary``; the smallest sample first, in a top-level territory
   already hidden by rule 3 first, one strictly between 0 and 1 when ``S`` is pinned). When
   no surveyed child, or every one, is in child labour the national estimate itself says so
   for every territory and nothing can hide it: the bound is then not tested.

Not leak paths: the benchmarked risk is the synthetic risk times one national factor (it
holds the national direct estimate only); the synthetic risk, its interval, class and expected
count come from the census and the unit-level model; ``small_area_se`` (``g1 + g2 + 2 g3``)
rests on the GVF variance, never on the territory's Taylor variance, so the hidden
``direct_se`` follows from nothing published; parent tables publish no direct estimate; the
model's coefficients pool every surveyed child. The rules are applied in
:func:`target87.risk.published_tables.assemble_published_tables` before anything is written
and re-applied from the document at ``risk publish`` (:mod:`target87.risk.run_check`).

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

from target87.risk.errors import RiskError

STATUS = "disclosure"  # column added to protected tables: ok | flagged | suppressed | merged
TOTAL = "Total"
ALL = "*"
#: Published columns of a territory's direct estimate, and of the small-area estimate built on
#: it: a row whose direct estimate is hidden publishes none of either (module rule 1).
DIRECT_COLUMNS = ("direct", "direct_se", "direct_cv")
SMALL_AREA_COLUMNS = ("small_area", "small_area_se", "small_area_cv", "shrinkage")
#: Log reasons of rules 3 (``{row}``: the top-level territory) and 4, under rule ``secondary``:
#: the words of the territory complements, which the reports translate.
HIDDEN_CELLS_REASON = "complementary: protects a suppressed territory through the total of {row}"
POOL_REASON = "complementary: protects a suppressed territory through the total of the country"
POOL_TOLERANCE = 0.5  # a pooled count estimated this close to a bound is taken as pinned


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
                group, keys, "min_children", f"{reason}: merged into '{merged_name(value)}'"
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


def merged_name(parent_value: Any) -> str:
    """The territory name of the row pooling the small territories of ``parent_value``.

    The merge rule of :func:`protect_territory_table` writes it in every key column of the
    pooled row; the published tables and the publication checks find pooled rows by it.
    """
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
    row.update({k: merged_name(group[parent].iloc[0]) for k in keys})
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


def pooled_direct_disclosure(
    hidden_children: float,
    visible: Sequence[float],
    pooled_count: float,
    rules: DisclosureRules,
    *,
    exact_count: float | None = None,
    national_at_bound: bool = False,
) -> str | None:
    """Why the national counts give hidden direct estimates away (module rule 4), or None.

    ``hidden_children`` is ``m``, the surveyed children outside the published direct
    estimates; ``visible`` the ``n`` of each published row whose direct estimate is hidden
    though it has sample; ``pooled_count`` the count ``S`` of children in child labour among
    the ``m`` as worked out from the published figures (``C - sum y_d n_d``) and
    ``exact_count`` the true one where known (the pipeline). ``national_at_bound``: no
    surveyed child, or every one, is in child labour (the bound is then not tested).
    """
    m, low = hidden_children, rules.direct_suppress_below
    if m <= 0:
        return None
    if m < low:
        return (
            f"the {m:g} surveyed children without a published direct estimate are fewer than "
            f"direct_suppress_below {low}: the national counts less the published estimates "
            "give their pooled estimate"
        )
    if not (len(visible) >= 2 or (len(visible) == 1 and visible[0] < m)):
        return (
            f"the {m:g} surveyed children without a published direct estimate may all be in "
            "one territory: the national counts less the published estimates give its direct "
            "estimate"
        )
    if national_at_bound:
        return None
    none = abs(pooled_count) < POOL_TOLERANCE or exact_count == 0
    if none or abs(pooled_count - m) < POOL_TOLERANCE or exact_count == m:
        return (
            f"the national counts less the published estimates leave {'none' if none else 'all'}"
            f" of the {m:g} other surveyed children in child labour: every suppressed direct "
            "estimate follows"
        )
    return None


# --------------------------------------------------------------------------------------------
# frequency tables


def suppress_cells(
    table: pd.DataFrame,
    rules: DisclosureRules,
    margins: Literal["both", "rows", "columns", "none"] = "both",
    *,
    hidden_rows: Sequence[Any] = (),
    hidden_reason: str = HIDDEN_CELLS_REASON,
) -> tuple[pd.DataFrame, SuppressionLog]:
    """Primary and complementary cell suppression of a count table (rows x columns).

    ``margins`` says which totals are published (and appended, computed from the unsuppressed
    counts): row totals, column totals, both or none. Suppressed cells become NaN. Every cell
    of the ``hidden_rows`` (row labels) is suppressed too, zeros included, and logged under
    rule ``secondary`` with ``hidden_reason`` (``{row}``: the row's label; module rule 3).
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
    unknown = [r for r in hidden_rows if r not in table.index]
    if unknown:
        raise DisclosureError(f"rows to hide are not in the table: {unknown[:5]}")
    hidden = np.zeros_like(primary)
    hidden[table.index.isin(list(hidden_rows))] = True
    primary |= hidden
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

    def entry(i: int, j: int) -> Suppression:
        if hidden[i, j]:
            rule, reason = "secondary", hidden_reason.format(row=table.index[i])
        elif primary[i, j]:
            rule, reason = "min_cell", f"fewer than {rules.min_cell} cases"
        else:
            rule, reason = "secondary", "complementary: protects a small cell through the totals"
        return Suppression(str(table.index[i]), str(table.columns[j]), rule, reason)

    log = [entry(i, j) for i, j in zip(*np.nonzero(mask), strict=True)]
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
    while rows and columns and (bridge := first_bridge(mask)) is not None:
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


def first_bridge(mask: np.ndarray) -> tuple[int, int] | None:
    """A suppressed cell lying on no cycle of the row-column graph (Tarjan, iterative).

    ``mask`` marks the suppressed cells of a table (rows x columns). A cell that is a bridge
    of the bipartite graph (rows and columns as nodes, suppressed cells as edges) can be
    worked out from the row and column totals; ``(row, column)`` of the first one, or None
    when every suppressed cell is protected by others.
    """
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
