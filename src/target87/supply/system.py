"""The containers of the supply room: a multi-regional input-output system and its extensions.

They mirror pymrio's ``IOSystem`` and ``Extension`` (the names the field shares): ``Z`` the
inter-industry flows, ``Y`` final demand, ``F`` and ``F_Y`` the satellite accounts. The rows and
columns of ``Z`` are one ``pandas.MultiIndex`` named ``("region", "sector")``; the columns of
``Y`` and ``F_Y`` are ``("region", "category")``; the rows of ``F`` are the stressors (for
example ``"child labour, 5-17"``). The arithmetic on them lives in :mod:`target87.supply.iomath`
(pure functions) and :mod:`target87.supply.accounts`; the readers in :mod:`target87.supply.readers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Extension:
    """A satellite account: stressors by (region, sector), with their units and provenance.

    ``F`` is stressors x (region, sector); ``F_Y`` (optional) stressors x (region, category),
    the stressor caused by final demand directly (households' own). ``unit`` maps each stressor
    to its unit ("persons"); ``sources`` and ``assumptions`` are carried into every output, so a
    figure derived from the account says where its numbers came from and what was assumed.
    """

    name: str
    F: pd.DataFrame
    F_Y: pd.DataFrame | None = None
    unit: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    #: True when the account's numbers are made up or labelled synthetic by their source (the
    #: forced-labour matrix copy in shared/data/supply): outputs from it must say so.
    demonstration: bool = False


@dataclass
class MRIO:
    """A multi-regional input-output system: ``Z``, ``Y`` and any number of extensions.

    ``demonstration`` is true for a made-up or test system (pymrio's test MRIO, a generated
    one): every page and output that shows its figures says so. ``origin`` says where the
    tables came from (a folder, a file, "pymrio.load_test()").
    """

    Z: pd.DataFrame
    Y: pd.DataFrame
    extensions: dict[str, Extension] = field(default_factory=dict)
    unit: str = ""
    origin: str = ""
    demonstration: bool = False

    @property
    def regions(self) -> list[str]:
        return list(dict.fromkeys(self.Z.index.get_level_values(0)))

    @property
    def sectors(self) -> list[str]:
        return list(dict.fromkeys(self.Z.index.get_level_values(1)))
