"""target87: a self-hostable data platform for UN SDG Target 8.7.

From Python::

    from target87 import Warehouse
    wh = Warehouse()              # the default SQLite file; created and loaded on first use
    wh.observations(series=["SL_TLF_CHLDEC"], areas=["BRA"])
    wh.profile("BRA").latest_child_labour
"""

from target87.warehouse import Warehouse

__version__ = "0.1.0"
__all__ = ["Warehouse", "__version__"]
