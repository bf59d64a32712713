"""Forest and funnel plot specs: a mark per study, diamonds at the fit's values, SVG render."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from target87.evidence.bias import trimfill
from target87.evidence.plots import forest_spec, funnel_spec, render_png, render_svg
from target87.evidence.rma import rma

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def bcg() -> pd.DataFrame:
    d = pd.read_csv(DATA / "bcg_counts.csv")
    n1, n2 = d.tpos + d.tneg, d.cpos + d.cneg
    d["yi"] = np.log((d.tpos / n1) / (d.cpos / n2))
    d["vi"] = 1 / d.tpos - 1 / n1 + 1 / d.cpos - 1 / n2
    return d


def _datasets(spec: dict) -> dict:
    return spec.get("datasets", {})


def _layer_data(spec: dict, mark: str) -> list[list[dict]]:
    out = []
    for layer in spec["layer"]:
        m = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if m == mark:
            out.append(_datasets(spec)[layer["data"]["name"]])
    return out


def test_forest_marks_and_diamond(bcg: pd.DataFrame) -> None:
    fit = rma(bcg.yi, bcg.vi)
    spec = forest_spec(fit, labels=list(bcg.author), subgroups=list(bcg.alloc))
    squares = _layer_data(spec, "square")[0]
    assert len(squares) == 13
    assert sum(r["weight"] for r in squares) == pytest.approx(100)
    diamonds = _layer_data(spec, "line")[0]
    overall = [d for d in diamonds if d["kind"] == "overall"]
    xs = sorted(d["x"] for d in overall)
    assert xs[0] == pytest.approx(fit.ci_lb[0]) and xs[-1] == pytest.approx(fit.ci_ub[0])
    assert any(d["x"] == pytest.approx(fit.beta[0]) for d in overall)
    assert {d["label"] for d in diamonds if d["kind"] == "subgroup"} == {
        "random (k = 7)",
        "alternate (k = 2)",
        "systematic (k = 4)",
    }
    pi = [layer for layer in spec["layer"] if layer["mark"].get("strokeWidth") == 3]
    row = _datasets(spec)[pi[0]["data"]["name"]][0]
    assert (row["pi_lb"], row["pi_ub"]) == pytest.approx((fit.pi_lb, fit.pi_ub))
    assert "#0072B2" in str(spec) and "#E69F00" in str(spec)


def test_funnel_with_trimfill(bcg: pd.DataFrame) -> None:
    fit = rma(bcg.yi, bcg.vi, method="EE")
    taf = trimfill(fit)
    spec = funnel_spec(fit, trimfill=taf)
    pts = _layer_data(spec, "point")[0]
    assert len(pts) == 17
    assert sum(p["status"].startswith("Filled") for p in pts) == 4
    rule = _layer_data(spec, "rule")[0]
    assert rule[0]["x"] == pytest.approx(taf.fit.beta[0])
    regions = {r["region"] for r in _layer_data(spec, "area")[0]}
    assert regions == {"p < 0.01", "0.01 < p < 0.05", "0.05 < p < 0.10", "p > 0.10"}


def test_render_svg_and_png(bcg: pd.DataFrame) -> None:
    fit = rma(bcg.yi, bcg.vi)
    svg = render_svg(forest_spec(fit))
    assert svg.lstrip().startswith("<svg") and "Forest plot" in svg
    svg2 = render_svg(funnel_spec(fit, contours=None))
    assert "Standard error" in svg2
    assert render_png(funnel_spec(fit), scale=1).startswith(b"\x89PNG")
