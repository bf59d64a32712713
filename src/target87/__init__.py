"""target87: a self-hostable data platform for UN SDG Target 8.7.

From Python::

    from target87 import Warehouse
    wh = Warehouse()              # the default SQLite file; created and loaded on first use
    wh.observations(series=["SL_TLF_CHLDEC"], areas=["BRA"])
    wh.profile("BRA").latest_child_labour
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from target87.warehouse import Warehouse

__version__ = "0.1.0"
__all__ = ["Warehouse", "__version__"]


def __getattr__(name: str) -> Any:
    # `Warehouse` is imported when first asked for: importing any part of target87 (the CLI,
    # a reader) must not pay for the whole platform (a second of pandas and scipy).
    if name == "Warehouse":
        from target87.warehouse import Warehouse

        return Warehouse
    raise AttributeError(f"module 'target87' has no attribute {name!r}")
