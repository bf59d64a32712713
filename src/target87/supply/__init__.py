"""Supply chains: child labour and forced labour embodied in trade, and a sourcing screen.

The input-output algebra is in pure functions named after their symbols
(:mod:`target87.supply.iomath`, as pymrio's ``iomath``); the containers in
:mod:`target87.supply.system`; the readers of pymrio folders, OECD ICIO and plain CSV tables in
:mod:`target87.supply.readers`; the satellite accounts and concordances in
:mod:`target87.supply.satellite`; the sourcing screen of a supplier list in
:mod:`target87.supply.screen`.
"""

from .accounts import (
    ExtensionAccounts,
    Footprints,
    LinkedToExports,
    calc_accounts,
    footprints,
    linked_to_exports_final_demand,
    linked_to_exports_gross,
    tiers,
)
from .concordance import aggregate, concordance_matrix, hs_to_sector
from .errors import SupplyError
from .iomath import LeontiefSolver
from .readers import read_icio_csv, read_mrio, read_plain_folder, read_pymrio_folder
from .satellite import child_labour_account, forced_labour_account
from .system import MRIO, Extension

__all__ = [
    "MRIO",
    "Extension",
    "ExtensionAccounts",
    "Footprints",
    "LeontiefSolver",
    "LinkedToExports",
    "calc_accounts",
    "footprints",
    "linked_to_exports_final_demand",
    "linked_to_exports_gross",
    "tiers",
    "SupplyError",
    "aggregate",
    "child_labour_account",
    "concordance_matrix",
    "forced_labour_account",
    "hs_to_sector",
    "read_icio_csv",
    "read_mrio",
    "read_plain_folder",
    "read_pymrio_folder",
]
