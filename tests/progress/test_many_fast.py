"""The many-series path (issue 22) against the straightforward one on the same data: the
points read as ``store.observations`` gives them, and every status and projection equal to
the one-series functions' (to 1e-12, same statuses), on the bundled snapshot and on a
generated warehouse with one-point series, gaps, zeros, targets already met, a second
source's values for the same years and windows. Speed: benchmarks/bench_progress.py."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from target87 import store
from target87.progress import ProgressError, progress_status, project
from target87.progress.data import all_points
from target87.progress.generate import generate_warehouse
from target87.progress.projection import RATE_THRESHOLD
from target87.progress.report import progress_all, projections_all, status_all
from target87.store import models as M

BY = ["series", "area", "sex", "age"]


def reference_all_points(session: Session, series: list[str] | None = None) -> pd.DataFrame:
    """``all_points`` as it was before issue 22, kept verbatim as the yardstick."""
    countries = [a for (a,) in session.query(M.Area.code).filter(M.Area.kind == "country")]
    frame = store.observations(session, series=series, areas=countries, all_sources=True)
    frame = frame[
        frame["preferred"]
        & (frame["urbanisation"] == "_T")
        & (frame["breakdown"] == "_T")
        & frame["time_period"].str.fullmatch(r"\d{4}")
    ]
    rank = frame["age"].map({"Y5T17": 0, "_T": 1}).fillna(2)
    best = rank.groupby([frame["series"], frame["ref_area"]]).transform("min")
    frame = frame[rank == best]
    out = frame.rename(columns={"ref_area": "area", "year_to": "year"})
    out["year"] = out["year"].astype(int)
    return out[["series", "area", "sex", "age", "year", "value", "unit", "source"]].reset_index(
        drop=True
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """3,000 series x areas x sexes (about 20,000 observations), generated once."""
    eng = store.make_engine(f"sqlite:///{tmp_path_factory.mktemp('gen') / 'gen.sqlite'}")
    counts = generate_warehouse(eng, 3000)
    assert counts["cells"] == 3000
    yield eng
    eng.dispose()


def test_points_equal_the_straightforward_read_on_the_snapshot(session):
    for series in (None, ["SL_TLF_CHLDEC"], ["NO_SUCH_SERIES"]):
        pd.testing.assert_frame_equal(
            all_points(session, series), reference_all_points(session, series)
        )


def test_points_equal_the_straightforward_read_on_a_generated_warehouse(generated):
    with Session(generated) as s:
        ours = all_points(s)
        pd.testing.assert_frame_equal(ours, reference_all_points(s))
        every = store.observations(s, all_sources=True)
    # The comparison covers the preference rule, windows, other ages and urban rows only if
    # the warehouse holds them.
    assert (~every["preferred"]).sum() > 50
    assert (every["time_period"] == "2013/2021").any() and (every["urbanisation"] == "U").any()
    assert set(ours["age"]) == {"Y5T17", "_T"} and "Y5T14" in set(every["age"])
    assert set(ours["source"]) == {"GEN_A", "GEN_B"}


def _one_series(points: pd.DataFrame):
    for key, part in points.groupby(BY, sort=True):
        yield key, dict(zip(part["year"], part["value"], strict=True))


def test_status_equals_progress_status_series_by_series(generated):
    with Session(generated) as s:
        points = all_points(s)
        status, _ = progress_all(s)
        targets = {x.code: x for x in s.query(M.Series)}
    status = status.set_index(BY)
    seen = {"assessed": 0, "not_assessed": 0, "target_achieved": 0, "floor": 0}
    for key, values in _one_series(points):
        info = targets[key[0]]
        if info.target_value is None:
            assert key not in status.index
            continue
        got = status.loc[key]
        try:
            one = progress_status(values, info.target_value, info.target_year)
        except ProgressError:
            assert got.category == "not_assessed" and got.note
            seen["not_assessed"] += 1
            continue
        seen["assessed"] += 1
        seen["target_achieved"] += one.category == "target_achieved"
        seen["floor"] += one.floor_used
        assert got.category == one.category, key
        assert got.label == one.label
        assert (got.base_year, got.latest_year) == (one.base_year, one.latest_year)
        assert (got.base_value, got.latest_value) == (one.base_value, one.latest_value)
        for field in ("actual_cagr_pct", "required_cagr_pct", "ratio"):
            expected = getattr(one, field)
            if expected is None:
                assert math.isnan(getattr(got, field))
            else:
                assert getattr(got, field) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert bool(got.floor_used) == one.floor_used
    # every edge case met at least once
    assert min(seen.values()) > 10, seen


def test_projections_equal_project_series_by_series(generated):
    with Session(generated) as s:
        points = all_points(s)
        _, projections = progress_all(s)
    projections = projections.set_index([*BY, "method"]).sort_index()
    seen = {"projected": 0, "refused": 0, "met": 0}
    for key, values in _one_series(points):
        for method in ("log-linear", "linear"):
            got = projections.loc[(*key, method)]
            assert list(got["year"]) == [2025, 2030]
            try:
                one = project(values, (2025, 2030), method=method, threshold=RATE_THRESHOLD)
            except ProgressError:  # one point, or a zero for the log-linear fit
                assert got["central"].isna().all() and (got["note"] != "").all()
                seen["refused"] += 1
                continue
            seen["projected"] += 1
            seen["met"] += one.threshold_year is not None and one.last_value <= one.threshold
            np.testing.assert_allclose(got["central"], one.central, rtol=1e-12, atol=1e-12)
            if one.fit.df_resid >= 1:
                np.testing.assert_allclose(got["lower"], one.lower, rtol=1e-12, atol=1e-12)
                np.testing.assert_allclose(got["upper"], one.upper, rtol=1e-12, atol=1e-12)
            else:
                assert got["lower"].isna().all() and np.isnan(one.lower).all()
            value = got["threshold_year"].iloc[0]
            expected = one.threshold_year
            assert (pd.isna(value) and expected is None) or value == expected, (key, method)
    assert min(seen.values()) > 10, seen


def test_one_read_equals_the_two_tables(session):
    status, projections = progress_all(session)
    pd.testing.assert_frame_equal(status, status_all(session))
    pd.testing.assert_frame_equal(projections, projections_all(session))


def test_points_equal_the_straightforward_read_on_each_server(engine):
    """The read goes to the driver directly (``store.plain_rows``): on PostgreSQL too."""
    generate_warehouse(engine, 600, seed=7)
    with Session(engine) as s:
        ours = all_points(s)
        assert len(ours) > 1000
        pd.testing.assert_frame_equal(ours, reference_all_points(s))
        pd.testing.assert_frame_equal(
            all_points(s, ["GEN_S01", "GEN_S02"]), reference_all_points(s, ["GEN_S01", "GEN_S02"])
        )


def reference_status_all(session: Session, points: pd.DataFrame) -> pd.DataFrame:
    """``status_all`` as it was before issue 22: ``status_many`` series by series."""
    from target87.progress.status import status_many

    rows = []
    for code, part in points.groupby("series"):
        info = session.get(M.Series, code)
        if info.direction != "lower_is_better" or info.target_value is None:
            continue
        rows.append(status_many(part, BY, info.target_value, info.target_year))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def reference_projections_all(points: pd.DataFrame) -> pd.DataFrame:
    """``projections_all`` as it was before issue 22: ``project_many`` on the four columns."""
    from target87.progress.projection import project_many

    frames = [
        project_many(points, BY, (2025, 2030), method=m).assign(method=m)
        for m in ("log-linear", "linear")
    ]
    return pd.concat(frames, ignore_index=True)


def test_tables_equal_the_straightforward_ones(session, generated):
    with Session(generated) as g:
        for s in (session, g):
            points = all_points(s)
            status, projections = progress_all(s)
            pd.testing.assert_frame_equal(status, reference_status_all(s, points))
            pd.testing.assert_frame_equal(projections, reference_projections_all(points))
