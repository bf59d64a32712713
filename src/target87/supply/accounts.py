"""Footprint accounts: consumption- and production-based, imports and exports (pymrio's names).

For a satellite account with intensities ``S`` (stressors x (region, sector)), the Leontief
inverse ``L`` and final demand aggregated to one column per consuming region ``Y`` (pymrio's
``Y_agg``), following pymrio's ``calc_accounts`` [pymrio] definitions exactly:

- ``x_diag = L diag_s(Y)``: output needed for region c's final demand of sector s' products
  (column (c, s)), ``diag_s`` spreading each column of ``Y`` over the sectors;
- ``D_cba = S x_diag``: the footprint of region c's final demand, by product (columns (c, s));
- ``D_pba = S diag(x)``, ``x = L Y 1``: the stressor where it occurs (territorial);
- ``D_imp = S x_trade``: ``x_diag`` with the domestic blocks (producing region = c) set to 0,
  the stressor abroad in region c's footprint;
- ``D_exp = S diag(x_trade 1)``: the stressor in each (region, sector) for other regions'
  final demand;
- the ``_reg`` totals sum those by region and add ``F_Y`` (the stressor of final demand
  itself, households' own) to ``D_cba_reg`` and ``D_pba_reg``, so ``sum D_cba = sum D_pba +
  sum D_imp - sum D_exp``.

Nothing here forms ``L`` or ``x_diag`` (``n x n``): with ``M_r = S_r L`` the multipliers of the
stressors of producing region r (``S`` with the other regions' columns zeroed, one transposed
solve per stressor and region), ``D_cba[:, (c, s)] = sum_p M[:, p] Y[p, c] [sector(p) = s]``
with ``M = sum_r M_r``, and the domestic part of ``D_cba`` that ``D_imp`` removes is the same sum
with ``M_c``; ``x = L Y`` takes one solve per consuming region.

Reference: [pymrio] Stadler, K. (2021), Journal of Open Research Software 9(1): 8,
doi:10.5334/jors.251 (``pymrio.tools.iomath.calc_accounts``, ``Extension.calc_system``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import SupplyError
from .iomath import (
    DENSE_UP_TO,
    LeontiefSolver,
    Matrix,
    Solver,
    as_solver,
    calc_A,
    calc_M_down,
    calc_S,
    calc_x,
)
from .system import MRIO


@dataclass(frozen=True)
class _Layout:
    """Where each row and each final-demand column sits: codes, not labels."""

    row_region: np.ndarray  # producing region code of each (region, sector) row
    n_regions: int
    sector: sp.csr_array  # n x m indicator: row p is sector s
    col_region: np.ndarray  # producing region code of each Y column, -1 if none


def _layout(index: pd.Index | None, y_columns: pd.Index | None, n: int, m: int | None, C: int):
    if index is None:
        if not m or n % m:
            raise SupplyError(f"nr_sectors ({m}) must divide the {n} rows")
        regions, sectors = np.arange(n) // m, np.arange(n) % m
        n_regions = n // m
        col_region = np.where(np.arange(C) < n_regions, np.arange(C), -1)
    else:
        regions, region_names = pd.factorize(index.get_level_values(0))
        level = "sector" if "sector" in index.names else 1
        sectors, _ = pd.factorize(index.get_level_values(level))
        n_regions = len(region_names)
        col_region = region_names.get_indexer(y_columns)
    m_codes = int(sectors.max()) + 1 if n else 0
    indicator = sp.csr_array((np.ones(n), (np.arange(n), sectors)), shape=(n, m_codes))
    return _Layout(np.asarray(regions), n_regions, indicator, np.asarray(col_region))


def _by_sector(values: np.ndarray, Y: np.ndarray, layout: _Layout) -> np.ndarray:
    """``out[i, c, s] = sum_p values[i, p] Y[p, c] [sector(p) = s]``, shape k x C x m."""
    k, n = values.shape
    weighted = values[:, None, :] * Y.T[None, :, :]  # k x C x n
    return (weighted.reshape(-1, n) @ layout.sector).reshape(k, Y.shape[1], -1)


def _accounts(S: np.ndarray, solver: Solver, Y: np.ndarray, layout: _Layout) -> dict:
    """The accounts as arrays: M, D_cba (k x C*m), D_pba, D_imp (k x C*m), D_exp (k x n)."""
    k, n = S.shape
    R = layout.n_regions
    X = solver.solve(Y)  # n x C: output for each consuming region's final demand
    x_tot = X.sum(axis=1)
    has_home = layout.col_region >= 0
    x_dom = np.zeros(n)
    for c in np.flatnonzero(has_home):
        rows = layout.row_region == layout.col_region[c]
        x_dom[rows] += X[rows, c]
    # S split by producing region: row (r, i) keeps S[i] on region r's columns only.
    split = np.zeros((R, k, n))
    split[layout.row_region, :, np.arange(n)] = S.T
    MS = solver.solve_T(split.reshape(R * k, n).T).T.reshape(R, k, n)
    M = MS.sum(axis=0)
    D_cba = _by_sector(M, Y, layout)
    dom = np.zeros_like(D_cba)
    for c in np.flatnonzero(has_home):
        dom[:, c, :] = _by_sector(MS[layout.col_region[c]], Y[:, [c]], layout)[:, 0, :]
    return {
        "M": M,
        "x": x_tot,
        "D_cba": D_cba.reshape(k, -1),
        "D_pba": S * x_tot,
        "D_imp": (D_cba - dom).reshape(k, -1),
        "D_exp": S * (x_tot - x_dom),
    }


def _aggregate_Y(Y: pd.DataFrame) -> pd.DataFrame:
    if isinstance(Y.columns, pd.MultiIndex):
        level = "region" if "region" in Y.columns.names else 0
        return Y.T.groupby(level=level, sort=False).sum().T
    return Y


def calc_accounts(
    S: Matrix, solver_or_L: Solver | Matrix, Y: Matrix, nr_sectors: int | None = None
) -> tuple:
    """``(D_cba, D_pba, D_imp, D_exp)`` as pymrio's ``calc_accounts`` (module notes).

    ``S`` stressors x (region, sector); ``solver_or_L`` a :class:`LeontiefSolver` (or an
    explicit ``L``); ``Y`` final demand, one column per consuming region (a DataFrame with
    (region, category) columns is summed by region first). DataFrames give DataFrames with
    pymrio's labels (``D_cba`` and ``D_imp`` columns (region, sector) of the consuming region
    and the product); arrays need ``nr_sectors``, regions in blocks and Y's column c being
    region c.
    """
    solver = as_solver(solver_or_L)
    if isinstance(S, pd.DataFrame):
        Y = _aggregate_Y(Y)
        layout = _layout(S.columns, Y.columns, S.shape[1], None, Y.shape[1])
    else:
        layout = _layout(None, None, np.shape(S)[1], nr_sectors, np.shape(Y)[1])
    out = _accounts(np.asarray(S, float), solver, np.asarray(Y, float), layout)
    if not isinstance(S, pd.DataFrame):
        return out["D_cba"], out["D_pba"], out["D_imp"], out["D_exp"]
    return _frames(out, S.index, S.columns, Y.columns)[1:5]


def _frames(out: dict, stressors: pd.Index, index: pd.Index, y_columns: pd.Index) -> tuple:
    level = "sector" if "sector" in index.names else 1
    sectors = index.get_level_values(level).unique()
    by_product = pd.MultiIndex.from_product(
        [y_columns, sectors], names=[y_columns.name or "region", "sector"]
    )
    return (
        pd.DataFrame(out["M"], index=stressors, columns=index),
        pd.DataFrame(out["D_cba"], index=stressors, columns=by_product),
        pd.DataFrame(out["D_pba"], index=stressors, columns=index),
        pd.DataFrame(out["D_imp"], index=stressors, columns=by_product),
        pd.DataFrame(out["D_exp"], index=stressors, columns=index),
    )


def _by_region(D: pd.DataFrame) -> pd.DataFrame:
    return D.T.groupby(level=0, sort=False).sum().T


@dataclass
class ExtensionAccounts:
    """Every account of one extension, with its provenance (pymrio's attribute names).

    ``S``, ``M``, ``M_down`` (Ghosh, when asked for), ``D_pba`` and ``D_exp``: stressors x
    (region, sector); ``D_cba`` and ``D_imp``: stressors x (consuming region, product sector);
    the ``_reg`` totals: stressors x region; ``S_Y`` and ``F_Y`` when the extension has
    ``F_Y``. ``sources``, ``assumptions`` and ``demonstration`` come from the extension and the
    system, so anything shown from these accounts can say where they come from.
    """

    name: str
    S: pd.DataFrame
    M: pd.DataFrame
    D_cba: pd.DataFrame
    D_pba: pd.DataFrame
    D_imp: pd.DataFrame
    D_exp: pd.DataFrame
    D_cba_reg: pd.DataFrame
    D_pba_reg: pd.DataFrame
    D_imp_reg: pd.DataFrame
    D_exp_reg: pd.DataFrame
    M_down: pd.DataFrame | None = None
    F_Y: pd.DataFrame | None = None
    S_Y: pd.DataFrame | None = None
    unit: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    demonstration: bool = False

    def summary(self) -> str:
        """Per stressor, the four regional accounts side by side."""
        lines = [
            f"Extension {self.name}" + (" (DEMONSTRATION system, not data)" * self.demonstration)
        ]
        heads = ["D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg"]
        for stressor in self.D_cba_reg.index:
            unit = self.unit.get(stressor, "")
            lines.append(f"  {stressor}" + (f" [{unit}]" if unit else ""))
            lines.append(f"    {'region':14}" + "".join(f"{h:>14}" for h in heads))
            for region in self.D_cba_reg.columns:
                cells = [getattr(self, h).loc[stressor].get(region, np.nan) for h in heads]
                lines.append(f"    {str(region):14}" + "".join(f"{v:14.6g}" for v in cells))
        lines += [f"  source: {s}" for s in self.sources]
        lines += [f"  assumption: {a}" for a in self.assumptions]
        return "\n".join(lines)


@dataclass
class Footprints:
    """The accounts of every extension of a system, and how ``I - A`` was solved."""

    extensions: dict[str, ExtensionAccounts]
    x: pd.Series
    method: str
    condition: float
    origin: str = ""
    demonstration: bool = False

    def __getitem__(self, name: str) -> ExtensionAccounts:
        return self.extensions[name]

    def summary(self) -> str:
        head = (
            f"Footprints of {len(self.x)} sectors ({self.origin or 'system'}), I - A solved by "
            f"{self.method}, condition number about {self.condition:.3g}"
        )
        if self.demonstration:
            head += "\nDEMONSTRATION system: made-up or test numbers, not data"
        return "\n".join([head, *(e.summary() for e in self.extensions.values())])


def check_labels(mrio: MRIO) -> None:
    """Refuse labels that disagree between Z, Y, F and F_Y, naming the first that differs."""

    def same(a: pd.Index, b: pd.Index, what: str) -> None:
        if a.equals(b):
            return
        if len(a) != len(b):
            raise SupplyError(f"{what}: {len(a)} labels against {len(b)}")
        i = int(np.flatnonzero(np.asarray(a != b))[0])
        raise SupplyError(f"{what}: position {i + 1} is {a[i]!r} against {b[i]!r}")

    same(mrio.Z.columns, mrio.Z.index, "Z's columns are not its rows")
    same(mrio.Y.index, mrio.Z.index, "Y's rows are not Z's rows")
    for name, ext in mrio.extensions.items():
        same(ext.F.columns, mrio.Z.columns, f"F of {name!r} has not Z's columns")
        if ext.F_Y is not None:
            same(ext.F_Y.columns, mrio.Y.columns, f"F_Y of {name!r} has not Y's columns")


def footprints(mrio: MRIO, *, method: str = "auto", ghosh: bool = True) -> Footprints:
    """All accounts of every extension of ``mrio`` (pymrio's ``calc_all`` without forming L).

    ``x``, ``A`` and one :class:`LeontiefSolver` for the system; the stressors of all the
    extensions stacked, so their solves are shared; ``ghosh`` adds ``M_down``. ``S_Y = F_Y
    diag(Y' 1)^-1`` as pymrio's ``calc_S_Y``.
    """
    check_labels(mrio)
    index = mrio.Z.index
    x = calc_x(mrio.Z, mrio.Y)
    z = mrio.Z.to_numpy(dtype=float)
    n = len(index)
    if n > DENSE_UP_TO and np.count_nonzero(z) <= 0.25 * n * n:
        z = sp.csc_array(z)  # the solver may then take the sparse paths
    solver = LeontiefSolver(calc_A(z, x.to_numpy()), method=method, labels=index)
    Y = _aggregate_Y(mrio.Y)
    names = list(mrio.extensions)
    blocks = [calc_S(mrio.extensions[e].F.to_numpy(dtype=float), x.to_numpy()) for e in names]
    S_all = np.vstack(blocks) if blocks else np.zeros((0, n))
    out = _accounts(S_all, solver, Y.to_numpy(dtype=float), _layout(index, Y.columns, n, None, 1))
    down = calc_M_down(S_all, solver, x.to_numpy()) if ghosh else None
    y_vec = mrio.Y.sum(axis=0)
    result, start = {}, 0
    for name, block in zip(names, blocks, strict=True):
        ext = mrio.extensions[name]
        rows = slice(start, start + len(block))
        start += len(block)
        part = {key: value[rows] for key, value in out.items() if key != "x"}
        M, D_cba, D_pba, D_imp, D_exp = _frames(part, ext.F.index, index, Y.columns)
        F_Y_reg = 0 if ext.F_Y is None else _by_region(ext.F_Y)
        result[name] = ExtensionAccounts(
            name=name,
            S=pd.DataFrame(block, index=ext.F.index, columns=index),
            M=M,
            D_cba=D_cba,
            D_pba=D_pba,
            D_imp=D_imp,
            D_exp=D_exp,
            D_cba_reg=_by_region(D_cba) + F_Y_reg,
            D_pba_reg=_by_region(D_pba) + F_Y_reg,
            D_imp_reg=_by_region(D_imp),
            D_exp_reg=_by_region(D_exp),
            M_down=None if down is None else pd.DataFrame(down[rows], ext.F.index, index),
            F_Y=ext.F_Y,
            S_Y=None if ext.F_Y is None else calc_S(ext.F_Y, y_vec),
            unit=dict(ext.unit),
            sources=list(ext.sources),
            assumptions=list(ext.assumptions),
            demonstration=mrio.demonstration,
        )
    return Footprints(
        extensions=result,
        x=x,
        method=solver.method,
        condition=solver.condition,
        origin=mrio.origin,
        demonstration=mrio.demonstration,
    )


def tiers(
    S: Matrix, A: Matrix, y, n_tiers: int = 3, solver: Solver | Matrix | None = None
) -> pd.DataFrame:
    """Tier decomposition of a footprint ``S L y`` along the Leontief series ``L = sum_k A^k``
    ([MB] section 2.5): ``direct = S y`` (the sectors that sell to final demand), ``tier k = S
    A^k y`` (their k-th tier suppliers), ``rest = S L y - direct - sum of the tiers`` (``= S
    A^(n+1) L y``, the suppliers further up), ``total = S L y``. Rows stressors; the parts sum
    to ``total`` exactly (to rounding). ``solver`` (or an explicit ``L``) saves a factorisation.
    """
    labels = A.columns if isinstance(A, pd.DataFrame) else None
    s = np.asarray(S, dtype=float)
    a = sp.csr_array(A) if sp.issparse(A) else np.asarray(A, dtype=float)
    yv = np.asarray(y.reindex(labels) if isinstance(y, pd.Series) and labels is not None else y)
    yv = yv.astype(float).ravel()
    solver = LeontiefSolver(A) if solver is None else as_solver(solver)
    parts, term = [], yv
    for _ in range(n_tiers + 1):
        parts.append(s @ term)
        term = a @ term
    total = s @ solver.solve(yv)
    columns = ["direct", *(f"tier {k}" for k in range(1, n_tiers + 1)), "rest", "total"]
    values = np.column_stack([*parts, total - np.sum(parts, axis=0), total])
    index = S.index if isinstance(S, pd.DataFrame) else None
    return pd.DataFrame(values, index=index, columns=columns)


FINAL_DEMAND_DEFINITION = (
    "Linked to exports, final-demand definition (pymrio's D_exp): the stressor in a region's "
    "industries needed to produce for other regions' final demand, including what it sells them "
    "as intermediate inputs; share of the region's territorial total (D_pba_reg)."
)
GROSS_EXPORTS_DEFINITION = (
    "Linked to exports, gross-exports definition (ILO, OECD, IOM and UNICEF 2019, Ending child "
    "labour, forced labour and human trafficking in global supply chains): q_r (I - A_rr)^-1 e_r, "
    "the stressor in region r's exporting sectors (direct) and in their domestic suppliers "
    "(upstream) needed for r's gross exports e_r (intermediate and final goods sold to other "
    "regions); share of the region's territorial total (F plus F_Y of the region)."
)


@dataclass
class LinkedToExports:
    """The stressor linked to exports by (region, sector), labelled with its ``definition``.

    ``by_sector`` is the total by producing (region, sector); for the gross-exports definition
    ``direct_by_sector`` (the exporting sector itself) and ``upstream_by_sector`` (its domestic
    suppliers) split it. ``territorial`` (stressors x region) is the denominator of ``share``.
    """

    definition: str
    by_sector: pd.DataFrame
    territorial: pd.DataFrame
    direct_by_sector: pd.DataFrame | None = None
    upstream_by_sector: pd.DataFrame | None = None

    @property
    def total(self) -> pd.DataFrame:
        return _by_region(self.by_sector)

    @property
    def share(self) -> pd.DataFrame:
        territorial = self.territorial.reindex(columns=self.total.columns)
        return self.total / territorial.where(territorial != 0)

    @property
    def direct(self) -> pd.DataFrame | None:
        return None if self.direct_by_sector is None else _by_region(self.direct_by_sector)

    @property
    def upstream(self) -> pd.DataFrame | None:
        return None if self.upstream_by_sector is None else _by_region(self.upstream_by_sector)

    def summary(self) -> str:
        lines = [self.definition]
        split = self.direct is not None
        head = f"  {'stressor / region':28}{'linked':>14}{'share':>9}"
        lines.append(head + (f"{'direct':>14}{'upstream':>14}" if split else ""))
        for stressor in self.total.index:
            for region in self.total.columns:
                cells = f"{self.total.at[stressor, region]:14.6g}"
                cells += f"{self.share.at[stressor, region]:9.1%}"
                if split:
                    cells += f"{self.direct.at[stressor, region]:14.6g}"
                    cells += f"{self.upstream.at[stressor, region]:14.6g}"
                lines.append(f"  {f'{stressor} / {region}':28}{cells}")
        return "\n".join(lines)


def linked_to_exports_final_demand(accounts: ExtensionAccounts) -> LinkedToExports:
    """The final-demand definition: pymrio's ``D_exp`` over the territorial ``D_pba_reg``."""
    return LinkedToExports(FINAL_DEMAND_DEFINITION, accounts.D_exp, accounts.D_pba_reg)


def linked_to_exports_gross(
    Z: pd.DataFrame,
    Y: pd.DataFrame,
    F: pd.DataFrame,
    F_Y: pd.DataFrame | None = None,
    *,
    export_categories: tuple[str, ...] = (),
) -> LinkedToExports:
    """The gross-exports definition of the 2019 report, for every region r:

    ``total_r = (q_r (I - A_rr)^-1) o e_r`` by exporting sector, ``direct_r = q_r o e_r``,
    ``upstream_r = total_r - direct_r``, with ``q_r = S`` on r's sectors, ``A_rr`` r's domestic
    block of ``A`` and ``e_r`` r's gross exports: its rows of ``Z`` and ``Y`` in other regions'
    columns (plus ``Y`` columns of r whose category is in ``export_categories``, exports to
    outside the table). ``o`` is the element-wise product.
    """
    x = calc_x(Z, Y).to_numpy()
    S = calc_S(F.to_numpy(dtype=float), x)
    z, yv = Z.to_numpy(dtype=float), Y.to_numpy(dtype=float)
    row_region = Z.index.get_level_values(0)
    y_region = Y.columns.get_level_values(0)
    y_category = Y.columns.get_level_values(-1)
    total, direct = np.zeros_like(S), np.zeros_like(S)
    for region in row_region.unique():
        rows = np.asarray(row_region == region)
        abroad = np.asarray((y_region != region) | y_category.isin(export_categories))
        e = z[rows][:, ~rows].sum(axis=1) + yv[rows][:, abroad].sum(axis=1)
        A_rr = calc_A(z[np.ix_(rows, rows)], x[rows])
        solver = LeontiefSolver(A_rr, labels=Z.index[rows])
        q = S[:, rows]
        total[:, rows] = solver.solve_T(q.T).T * e
        direct[:, rows] = q * e
    territorial = _by_region(F) + (0 if F_Y is None else _by_region(F_Y))

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=F.index, columns=Z.index)

    return LinkedToExports(
        GROSS_EXPORTS_DEFINITION,
        frame(total),
        territorial,
        direct_by_sector=frame(direct),
        upstream_by_sector=frame(total - direct),
    )
