"""The demonstration system the web shows when no real input-output table is configured.

No real multi-regional table ships with target87 (OECD ICIO and EXIOBASE are downloads of
hundreds of megabytes under their own terms), so the supply pages need something to show the
method on: a small SYNTHETIC system whose regions are real countries (twelve ISO3 codes and
``ROW``, the rest of the world) and whose sectors are six broad ones. ``Z`` and ``Y`` are made
up by :func:`target87.supply.generate.random_arrays` (a fixed seed: the same numbers on every
run); the child labour account on them is the real one of
:func:`target87.supply.satellite.child_labour_account` (UNICEF's country figures, split by the
made-up output), so its totals by producing country are data while every flow between
countries is not. The system is flagged ``demonstration`` and its origin says so.

The doors (the CLI's ``supply footprint``, the web pages and the API) show a system the same
way, so the two small steps they share are here too: :func:`with_child_labour` (add the child
labour account to a system that has none, when its regions are ISO3 codes) and
:func:`regional_accounts` (the ``_reg`` accounts per extension, stressor and region, with
pymrio's names, units, sources and assumptions, as plain data for JSON and tables); and
:func:`shown_system` (the system a site shows: the one at ``TARGET87_MRIO``, else this
demonstration) with :class:`ShownSystem`, its footprints computed once and the region views
(:meth:`ShownSystem.region_view`: sectors behind a footprint, linked to exports, tiers).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .accounts import (
    Footprints,
    LinkedToExports,
    footprints,
    linked_to_exports_final_demand,
    linked_to_exports_gross,
    tiers,
)
from .errors import SupplyError
from .generate import SYNTHETIC_SOURCE, random_arrays
from .iomath import LeontiefSolver, calc_A, calc_x
from .readers import read_mrio
from .satellite import child_labour_account
from .system import MRIO

#: Producers of goods on the US DOL list (with a UNICEF child labour figure), importers with
#: none (CHN, USA, DEU), then the rest of the world.
REGIONS = ("CIV", "GHA", "NGA", "ETH", "COD", "BGD", "PAK", "MEX", "BRA", "CHN", "USA", "DEU")
ROW = "ROW"
#: Six broad sectors and the ILO broad sector each belongs to (the child labour account's split).
SECTORS = {
    "Agriculture": "Agriculture",
    "Mining": "Industry",
    "Manufacturing": "Industry",
    "Construction and utilities": "Industry",
    "Trade and transport": "Services",
    "Other services": "Services",
}
FOREIGN_INPUTS = 0.15
HOME_DEMAND = 60.0
SEED = 2019  # the year of the ILO-OECD-IOM-UNICEF report; any fixed number would do
ORIGIN = (
    "DEMONSTRATION system (target87.supply.demo): Z and Y are SYNTHETIC (random numbers, "
    "seed 2019), not data; the child labour totals by producing country are UNICEF's"
)


def demo_mrio() -> MRIO:
    """The demonstration system: 13 regions x 6 sectors, one final-demand column per region,
    and the child labour account (``child_labour``). Deterministic.

    From :func:`random_arrays`' ``A = Z diag(x)^-1`` and final demand ``y = Y 1``, the trade is
    made closer to real tables (most inputs and most final demand bought at home): the
    coefficients of inputs from abroad are scaled by ``FOREIGN_INPUTS``, each product's final
    demand is shared among regions with a home weight ``HOME_DEMAND`` times the others', and
    then ``x = (I - A)^-1 y`` and ``Z = A diag(x)`` again, so the system stays balanced."""
    regions = [*REGIONS, ROW]
    n_r, n_s = len(regions), len(SECTORS)
    Z0, Y0, _, _ = random_arrays(
        n_r, n_s, n_stressors=1, density=0.35, colsum=(0.3, 0.6), seed=SEED
    )
    z0, y_total = Z0.toarray(), Y0.sum(axis=1)
    x0 = z0.sum(axis=1) + y_total
    A = calc_A(z0, x0)
    home = np.repeat(np.arange(n_r), n_s)
    same = home[:, None] == home[None, :]
    A = np.where(same, A, A * FOREIGN_INPUTS)
    weights = np.where(home[:, None] == np.arange(n_r)[None, :], HOME_DEMAND, 1.0)
    Y = y_total[:, None] * weights / weights.sum(axis=1, keepdims=True)
    x = LeontiefSolver(A).solve(y_total)
    Z = A * x[None, :]
    index = pd.MultiIndex.from_product([regions, list(SECTORS)], names=["region", "sector"])
    columns = pd.MultiIndex.from_product([regions, ["final demand"]], names=["region", "category"])
    mrio = MRIO(
        Z=pd.DataFrame(Z, index=index, columns=index),
        Y=pd.DataFrame(Y, index=index, columns=columns),
        unit="M USD (synthetic)",
        origin=ORIGIN,
        demonstration=True,
    )
    account = child_labour_account(mrio, broad_of=SECTORS)
    account.sources = [*account.sources, SYNTHETIC_SOURCE + " for Z and Y"]
    account.assumptions = [
        "DEMONSTRATION: the flows between sectors and countries (Z) and final demand (Y) are "
        "synthetic; only the child labour total of each producing country is data.",
        *account.assumptions,
    ]
    mrio.extensions[account.name] = account
    return mrio


CHILD_LABOUR_EXTENSION = "child_labour"
REGIONAL = ("D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def with_child_labour(mrio: MRIO) -> tuple[MRIO, str]:
    """``mrio`` with the child labour account added when it has none and its regions are ISO3
    codes (``ROW`` the rest of the world), and a sentence saying what was done and why."""
    has = CHILD_LABOUR_EXTENSION in mrio.extensions or any(
        "child labour" in str(s).lower() for e in mrio.extensions.values() for s in e.F.index
    )
    if has:
        return mrio, "The system carries a child labour account: used as it is."
    odd = [r for r in mrio.regions if not _ISO3.match(str(r))]
    if odd:
        return mrio, (
            f"Child labour account not added: regions {odd[:5]} are not ISO3 country codes "
            "(the account is built by country)."
        )
    try:
        account = child_labour_account(mrio)
    except SupplyError as exc:
        return mrio, f"Child labour account not added: {exc}."
    mrio.extensions[account.name] = account
    return mrio, (
        "Child labour account added (UNICEF SOWC 2023 by country, ILO-UNICEF sector shares, "
        "split by output): the system had none and its regions are ISO3 codes."
    )


def stressor_name(stressor: object) -> str:
    """A stressor label as text: the levels of a two-level label joined (``emission / air``)."""
    return " / ".join(map(str, stressor)) if isinstance(stressor, tuple) else str(stressor)


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def regional_accounts(
    fp: Footprints, extension: str | None = None, region: str | None = None
) -> dict[str, object]:
    """The regional accounts (``D_cba_reg``, ``D_pba_reg``, ``D_imp_reg``, ``D_exp_reg``,
    pymrio's names) of each extension (or the one named), per stressor and region (or the one
    named), with units, sources, assumptions and the demonstration flag. Unknown names raise
    :class:`SupplyError` listing the known ones."""
    names = list(fp.extensions)
    if extension is not None and extension not in fp.extensions:
        raise SupplyError(f"no extension {extension!r}: the system has {names}")
    out: dict[str, object] = {
        "origin": fp.origin,
        "demonstration": fp.demonstration,
        "method": fp.method,
        "accounts": list(REGIONAL),
        "extensions": {},
    }
    for name in [extension] if extension else names:
        acc = fp[name]
        regions = list(acc.D_cba_reg.columns)
        if region is not None and region not in regions:
            raise SupplyError(f"no region {region!r}: the system has {regions}")
        stressors = {}
        for stressor in acc.D_cba_reg.index:
            stressors[stressor_name(stressor)] = {
                str(r): {
                    key: _number(getattr(acc, key).loc[stressor].get(r, np.nan)) for key in REGIONAL
                }
                for r in ([region] if region else regions)
            }
        out["extensions"][name] = {
            "unit": {stressor_name(k): v for k, v in acc.unit.items()},
            "sources": list(acc.sources),
            "assumptions": list(acc.assumptions),
            "demonstration": acc.demonstration,
            "stressors": stressors,
        }
    return out


MRIO_ENV = "TARGET87_MRIO"
TIERS = 3


@dataclass
class ShownSystem:
    """A system as a site shows it: the system, its footprints (computed once), both
    linked-to-exports views of each extension, and the note on its child labour account."""

    mrio: MRIO
    footprints: Footprints
    note: str
    configured: bool  # read from TARGET87_MRIO (else the demonstration system)
    final_demand: dict[str, LinkedToExports]
    gross: dict[str, LinkedToExports]
    #: Why the configured table is not shown (it could not be read), else None.
    problem: str | None = None
    _tiers: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, mrio: MRIO, note: str, configured: bool) -> ShownSystem:
        fp = footprints(mrio, ghosh=False)
        gross = {
            name: linked_to_exports_gross(mrio.Z, mrio.Y, ext.F, ext.F_Y)
            for name, ext in mrio.extensions.items()
        }
        final = {name: linked_to_exports_final_demand(acc) for name, acc in fp.extensions.items()}
        return cls(mrio, fp, note, configured, final, gross)

    def intensity(
        self, extension: str = CHILD_LABOUR_EXTENSION
    ) -> tuple[dict[tuple[str, str], float], str] | None:
        """The embodied intensity the sourcing screen uses, ``{(region, sector): M}`` (the
        multipliers ``M = S L`` of the extension's first stressor: persons in the whole supply
        chain per unit of the sector's final output), with its source; ``None`` for a
        demonstration system (its flows are made up: no supplier is flagged from them) or one
        without the extension."""
        if self.mrio.demonstration or extension not in self.footprints.extensions:
            return None
        M = self.footprints[extension].M
        row = M.iloc[0]
        values = {(str(r), str(s)): float(v) for (r, s), v in row.items()}
        return values, f"input-output table ({self.mrio.origin}), M of {extension}"

    def region_tiers(self, extension: str, region: str) -> pd.DataFrame:
        """Tier decomposition of ``region``'s consumption footprint (:func:`tiers` with ``y``
        its final demand column summed over categories), kept once computed."""
        key = (extension, region)
        if key not in self._tiers:
            Y = self.mrio.Y
            y = Y.loc[:, Y.columns.get_level_values(0) == region].sum(axis=1)
            A = calc_A(self.mrio.Z, calc_x(self.mrio.Z, Y))
            self._tiers[key] = tiers(self.footprints[extension].S, A, y, n_tiers=TIERS)
        return self._tiers[key]

    def region_view(self, extension: str, region: str) -> dict[str, object]:
        """One region's figures for ``extension``'s first stressor: its footprint by product
        sector (``D_cba`` of the region), what its industries produce for others' demand by
        sector (final-demand definition) and for its gross exports split into the exporting
        sector and its domestic suppliers (gross-exports definition), and the tiers."""
        if extension not in self.footprints.extensions:
            raise SupplyError(
                f"no extension {extension!r}: the system has {list(self.mrio.extensions)}"
            )
        if region not in self.mrio.regions:
            raise SupplyError(f"no region {region!r}: the system has {self.mrio.regions}")
        acc = self.footprints[extension]
        stressor = acc.D_cba.index[0]
        cba = acc.D_cba.loc[stressor]
        fd = self.final_demand[extension].by_sector.loc[stressor]
        gross = self.gross[extension]
        rows = []
        for sector in self.mrio.sectors:
            rows.append(
                {
                    "sector": sector,
                    "footprint": float(cba.get((region, sector), 0.0)),
                    "territorial": float(acc.D_pba.loc[stressor].get((region, sector), 0.0)),
                    "exports_final_demand": float(fd.get((region, sector), 0.0)),
                    "exports_gross": float(gross.by_sector.loc[stressor, (region, sector)]),
                    "exports_direct": float(gross.direct_by_sector.loc[stressor, (region, sector)]),
                    "exports_upstream": float(
                        gross.upstream_by_sector.loc[stressor, (region, sector)]
                    ),
                }
            )
        tier = self.region_tiers(extension, region).loc[stressor]
        return {
            "region": region,
            "extension": extension,
            "stressor": stressor_name(stressor),
            "unit": acc.unit.get(stressor, ""),
            "sectors": rows,
            "tiers": {str(k): float(v) for k, v in tier.items()},
            "footprint": float(acc.D_cba_reg.loc[stressor, region]),
            "territorial": float(acc.D_pba_reg.loc[stressor, region]),
            "share_final_demand": _number(
                float(self.final_demand[extension].share.loc[stressor, region])
            ),
            "share_gross": _number(float(gross.share.loc[stressor, region])),
        }


_LOCK = threading.Lock()


def load_shown(path: str | Path | None = None) -> ShownSystem:
    """The system at ``path`` (any layout :func:`read_mrio` reads; the child labour account
    added when it can be), else the demonstration system. A table that cannot be read is not
    hidden: the demonstration system is shown with ``problem`` saying why (file, row, column)."""
    problem = None
    if path:
        try:
            mrio, note = with_child_labour(read_mrio(path))
            return ShownSystem.of(mrio, note, configured=True)
        except SupplyError as exc:
            problem = f"{MRIO_ENV}={path} could not be read: {exc}"
    shown = ShownSystem.of(demo_mrio(), "Child labour account: UNICEF SOWC 2023 by country.", False)
    shown.problem = problem
    return shown


def shown_system(holder: object) -> ShownSystem:
    """The system kept on ``holder`` (an app's ``state``): loaded the first time it is asked
    for, from the folder or file named by ``TARGET87_MRIO`` or else the demonstration system,
    then kept, so the footprints are computed once per app."""
    found = holder.__dict__.get("supply_system")
    if found is None:
        with _LOCK:
            found = holder.__dict__.get("supply_system")
            if found is None:
                found = load_shown(os.environ.get(MRIO_ENV, "").strip() or None)
                holder.__dict__["supply_system"] = found
    return found
