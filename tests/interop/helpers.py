"""Shared by the interop tests: a real slice of the warehouse and frame comparison."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from target87 import store
from target87.interop.table import OBS_COLUMNS, typed

KEY = ["series", "ref_area", "time_period", "sex", "age", "urbanisation", "breakdown", "source"]


def warehouse_slice(session, extra: bool = True) -> pd.DataFrame:
    """Real rows of three series and every source, plus awkward ones: a formula-looking
    footnote, bounds, a status and nature other than the usual."""
    frame = store.observations(
        session, series=["SL_TLF_CHLDEC", "VC_HTF_DETV", "GE_CHLD_LAB"], all_sources=True
    )[OBS_COLUMNS]
    if extra:
        odd = frame.iloc[[0]].copy()
        odd = odd.assign(
            time_period="2022",
            year_from=2022,
            year_to=2022,
            value=4.25,
            lower_bound=3.5,
            upper_bound=5.0,
            obs_status="E",
            nature="E",
            footnote='=HYPERLINK("http://x") and a quote " and, a comma',
        )
        frame = pd.concat([frame, odd], ignore_index=True)
    return frame


def same_observations(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    a = normalise(expected)
    b = normalise(got)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[OBS_COLUMNS].copy()
    for c in ("year_from", "year_to", "unit_mult"):
        out[c] = pd.to_numeric(out[c]).astype("Int64")
    for c in ("value", "lower_bound", "upper_bound"):
        out[c] = pd.to_numeric(out[c]).astype(float)
    text_cols = [
        c
        for c in OBS_COLUMNS
        if out[c].dtype != float and c not in ("year_from", "year_to", "unit_mult")
    ]
    for c in text_cols:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out.sort_values(KEY).reset_index(drop=True)


def fingerprint(engine) -> tuple:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), sum(value) FROM observation")).one()
        loads = conn.execute(text("SELECT count(*) FROM load_record")).scalar()
    return tuple(rows) + (loads,)


__all__ = ["KEY", "fingerprint", "same_observations", "typed", "warehouse_slice"]
