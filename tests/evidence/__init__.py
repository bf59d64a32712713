"""Tests of the evidence room (meta-analysis engine) against metafor's published numbers.

Helpers shared by the test modules: the reference data sets in ``data/`` (origins in
``data/README.md``) and :func:`close`, the comparison at metafor's printed precision.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parent / "data"


@cache
def bcg() -> pd.DataFrame:
    """dat.bcg (Colditz et al. 1994), as documented in metafor/metadat."""
    return pd.read_csv(DATA / "dat_bcg.csv")


def bcg_rr() -> tuple[np.ndarray, np.ndarray]:
    """Log risk ratios and variances of dat.bcg: escalc("RR", tpos, tneg, cpos, cneg)."""
    from target87.evidence import escalc

    d = bcg()
    es = escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    return es.yi, es.vi


@cache
def normand() -> pd.DataFrame:
    """dat.normand1999 (Normand 1999), as documented in metafor/metadat."""
    return pd.read_csv(DATA / "dat_normand1999.csv")


def close(x, ref, tol: float = 1e-4) -> None:
    """Equal to a reference value printed with 4 decimals (metafor's printed precision)."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    ref = np.atleast_1d(np.asarray(ref, dtype=float))
    assert x.shape == ref.shape, (x, ref)
    assert np.all(np.abs(x - ref) <= tol + 1e-12), f"{x} != {ref} (tol {tol})"
