"""The readers of input-output systems, and :func:`read_mrio`, which picks one by the path.

- :func:`read_pymrio_folder`: a folder written by pymrio's ``save_all`` (text or parquet), so
  anything a user already parsed with pymrio (EXIOBASE, Eora, GLORIA, ...) loads here;
- :func:`read_icio_csv`: an OECD ICIO CSV (2023 edition layout);
- :func:`read_plain_folder`: ``Z.csv``, ``Y.csv`` and optionally ``F.csv`` and ``F_Y.csv``.

All of them check labels and shapes before any computation and name the file, row and column
of a problem (:class:`~target87.supply.errors.SupplyError`); none imports pymrio.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SupplyError
from .readers_icio import ImbalanceWarning, read_icio_csv
from .readers_plain import check_system, read_plain_folder
from .readers_pymrio import PARAMETERS, read_pymrio_folder
from .system import MRIO

__all__ = [
    "ImbalanceWarning",
    "check_system",
    "read_icio_csv",
    "read_mrio",
    "read_plain_folder",
    "read_pymrio_folder",
]


def read_mrio(path: str | Path) -> MRIO:
    """Read a system from ``path``, recognising its layout: a folder with
    ``file_parameters.json`` (pymrio), a folder with ``Z.csv`` (plain), or a ``.csv`` file
    (OECD ICIO). Anything else is refused, saying what was looked for."""
    target = Path(path)
    if not target.exists():
        raise SupplyError("no such file or folder", file=str(target))
    if target.is_dir():
        if (target / PARAMETERS).exists():
            return read_pymrio_folder(target)
        if (target / "Z.csv").exists():
            return read_plain_folder(target)
        raise SupplyError(
            f"folder has neither {PARAMETERS} (pymrio) nor Z.csv (plain layout)", file=str(target)
        )
    if target.suffix.lower() == ".csv":
        return read_icio_csv(target)
    raise SupplyError(
        "not a pymrio folder, a plain folder or an OECD ICIO .csv file", file=str(target)
    )
