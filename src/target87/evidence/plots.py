"""Forest and funnel plots as Vega-Lite specs (built with Altair), with SVG/PNG export.

* :func:`forest_spec` -- one row per study (point sized by weight, ``level``% CI as a rule), per
  subgroup a summary diamond (a separate fit per subgroup, as metafor's subgroup forest plots),
  the overall diamond (``beta``, ``ci_lb``, ``ci_ub`` of the fit) and the prediction interval bar
  (``pi_lb``, ``pi_ub``), a reference line at 0.
* :func:`funnel_spec` -- effect against standard error (axis reversed: precise studies on top),
  the pseudo-confidence region ``b +- z_{1-a/2} se`` of metafor's ``funnel``, optional contour
  -enhanced regions around 0 for p = 0.10 / 0.05 / 0.01 (Peters et al. 2008, *J. Clin.
  Epidemiol.* 61:991-996), and the studies filled by trim-and-fill marked apart.

Colours: the platform's Okabe-Ito palette (``presentation/charts/common.py``): observed studies
#0072B2, summaries #E69F00, prediction interval #009E73, filled studies #D55E00. Specs are plain
dicts (``.to_dict(validate=False)``); :func:`render_svg` / :func:`render_png` draw them offline
with vl-convert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from scipy import stats

from .errors import EvidenceError

__all__ = ["forest_spec", "funnel_spec", "render_png", "render_svg"]

OBSERVED = "#0072B2"
SUMMARY = "#E69F00"
PREDICTION = "#009E73"
SUBGROUP = "#CC79A7"
CONTOUR = "#56B4E9"
FILLED = "#D55E00"
CONTOUR_SHADES = {0.10: "#ffffff", 0.05: "#e0e0e0", 0.01: "#bdbdbd"}


def _diamond(y: float, lb: float, mid: float, ub: float, label: str, kind: str) -> list[dict]:
    h = 0.35
    pts = [(lb, y), (mid, y - h), (ub, y), (mid, y + h), (lb, y)]
    return [
        {"x": x, "y": yy, "order": i, "label": label, "kind": kind} for i, (x, yy) in enumerate(pts)
    ]


def forest_spec(
    fit: Any,
    *,
    labels: Sequence[str] | None = None,
    subgroups: Sequence[Any] | None = None,
    title: str = "Forest plot",
    xlabel: str = "Effect size",
    width: int = 560,
) -> dict:
    """A forest plot of an intercept-only fit (:class:`MetaResult` or compatible: ``yi``,
    ``vi``, ``beta``, ``ci_lb``, ``ci_ub``, ``pi_lb``, ``pi_ub``, ``level``). ``subgroups``
    (one value a study) adds a diamond per subgroup from a separate :func:`rma` fit with the
    same method. Rows run top to bottom: studies (by subgroup), subgroup diamonds, overall."""
    from .rma import rma

    y = np.asarray(fit.yi, float)
    v = np.asarray(fit.vi, float)
    k = y.size
    level = float(getattr(fit, "level", 95))
    crit = float(stats.norm.isf((1 - level / 100) / 2))
    labels = (
        list(labels)
        if labels is not None
        else list(getattr(fit, "slab", None) or [f"Study {i + 1}" for i in range(k)])
    )
    tau2 = float(getattr(fit, "tau2", 0.0) or 0.0)
    w = 1 / (v + tau2)
    weight = 100 * w / w.sum()
    rows: list[dict] = []
    diamonds: list[dict] = []
    groups = [None] if subgroups is None else list(dict.fromkeys(subgroups))
    sub = np.asarray(subgroups, dtype=object) if subgroups is not None else None
    pos = 0.0
    for g in groups:
        idx = np.arange(k) if g is None else np.flatnonzero(sub == g)
        for i in idx:
            pos += 1
            rows.append(
                {
                    "row": pos,
                    "label": labels[i],
                    "yi": float(y[i]),
                    "ci_lb": float(y[i] - crit * np.sqrt(v[i])),
                    "ci_ub": float(y[i] + crit * np.sqrt(v[i])),
                    "weight": float(weight[i]),
                    "group": "" if g is None else str(g),
                }
            )
        if g is not None and idx.size >= 2:
            pos += 1
            sfit = rma(y[idx], v[idx], method=getattr(fit, "method", "REML"), level=level)
            diamonds += _diamond(
                pos,
                float(sfit.ci_lb[0]),
                float(sfit.beta[0]),
                float(sfit.ci_ub[0]),
                f"{g} (k = {idx.size})",
                "subgroup",
            )
            rows.append(
                {
                    "row": pos,
                    "label": f"{g} (k = {idx.size})",
                    "yi": None,
                    "ci_lb": None,
                    "ci_ub": None,
                    "weight": None,
                    "group": str(g),
                }
            )
    pos += 2
    overall = f"Overall ({getattr(fit, 'method', '')} model)"
    diamonds += _diamond(
        pos, float(fit.ci_lb[0]), float(fit.beta[0]), float(fit.ci_ub[0]), overall, "overall"
    )
    rows.append(
        {
            "row": pos,
            "label": overall,
            "yi": None,
            "ci_lb": None,
            "ci_ub": None,
            "weight": None,
            "group": "",
        }
    )
    pi_ok = getattr(fit, "pi_lb", None) is not None and np.isfinite(fit.pi_lb)
    pi_label = f"{level:g}% prediction interval"
    if pi_ok:
        rows.append(
            {
                "row": pos + 1,
                "label": pi_label,
                "yi": None,
                "ci_lb": None,
                "ci_ub": None,
                "weight": None,
                "group": "",
            }
        )
    studies = pd.DataFrame([r for r in rows if r["yi"] is not None])
    ylabels = {r["row"]: r["label"] for r in rows}
    n_rows = pos + 2
    yscale = alt.Scale(domain=[n_rows, 0], nice=False, zero=False)
    yaxis = alt.Axis(
        title=None,
        values=list(ylabels),
        labelExpr="{"
        + ",".join(f"'{k:g}': {_js(v)}" for k, v in ylabels.items())
        + "}[datum.label]",
        grid=False,
        ticks=False,
        domain=False,
        labelOverlap=False,
    )
    xs = [*studies["ci_lb"], *studies["ci_ub"], *(d["x"] for d in diamonds)]
    if pi_ok:
        xs += [fit.pi_lb, fit.pi_ub]
    xscale = alt.Scale(
        domain=[float(min(min(xs), 0)), float(max(max(xs), 0))], nice=True, zero=False
    )
    x = alt.X("ci_lb:Q", title=xlabel, scale=xscale)
    base = alt.Chart(studies)
    tip = [
        alt.Tooltip("label:N", title="Study"),
        alt.Tooltip("yi:Q", title="Estimate", format=".3f"),
        alt.Tooltip("ci_lb:Q", title=f"{level:g}% CI low", format=".3f"),
        alt.Tooltip("ci_ub:Q", title=f"{level:g}% CI high", format=".3f"),
        alt.Tooltip("weight:Q", title="Weight (%)", format=".1f"),
    ]
    ci = base.mark_rule(color=OBSERVED).encode(
        x=x, x2="ci_ub:Q", y=alt.Y("row:Q", scale=yscale, axis=yaxis), tooltip=tip
    )
    pts = base.mark_square(color=OBSERVED, opacity=1).encode(
        x=alt.X("yi:Q", scale=xscale, title=xlabel),
        y=alt.Y("row:Q", scale=yscale, axis=yaxis),
        size=alt.Size(
            "weight:Q", scale=alt.Scale(range=[20, 300]), legend=alt.Legend(title="Weight (%)")
        ),
        tooltip=tip,
    )
    ref = (
        alt.Chart(pd.DataFrame({"x": [0.0]}))
        .mark_rule(color="#666666", strokeDash=[4, 4])
        .encode(x=alt.X("x:Q", scale=xscale))
    )
    dia = (
        alt.Chart(pd.DataFrame(diamonds))
        .mark_line(filled=True, strokeWidth=1)
        .encode(
            x=alt.X("x:Q", scale=xscale),
            y=alt.Y("y:Q", scale=yscale, axis=yaxis),
            order="order:O",
            detail="label:N",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["overall", "subgroup"], range=[SUMMARY, SUBGROUP]),
                legend=alt.Legend(title="Summary"),
            ),
            fill=alt.Fill(
                "kind:N",
                scale=alt.Scale(domain=["overall", "subgroup"], range=[SUMMARY, SUBGROUP]),
                legend=None,
            ),
        )
    )
    layers = [ref, ci, pts, dia]
    if pi_ok:
        pi = pd.DataFrame(
            [
                {
                    "pi_lb": float(fit.pi_lb),
                    "pi_ub": float(fit.pi_ub),
                    "row": pos + 1,
                    "label": pi_label,
                }
            ]
        )
        layers.append(
            alt.Chart(pi)
            .mark_rule(color=PREDICTION, strokeWidth=3)
            .encode(
                x=alt.X("pi_lb:Q", scale=xscale),
                x2="pi_ub:Q",
                y=alt.Y("row:Q", scale=yscale, axis=yaxis),
                tooltip=[
                    "label:N",
                    alt.Tooltip("pi_lb:Q", format=".3f"),
                    alt.Tooltip("pi_ub:Q", format=".3f"),
                ],
            )
        )
    chart = alt.layer(*layers).properties(
        title=title, width=width, height=max(120, int(18 * n_rows))
    )
    return chart.to_dict(validate=False)


def _js(s: str) -> str:
    return "'" + str(s).replace("\\", "\\\\").replace("'", "\\'") + "'"


def funnel_spec(
    fit: Any,
    *,
    trimfill: Any = None,
    contours: Sequence[float] | None = (0.10, 0.05, 0.01),
    title: str = "Funnel plot",
    xlabel: str = "Effect size",
    width: int = 480,
    height: int = 360,
) -> dict:
    """A funnel plot of a fit's ``yi`` against ``sqrt(vi)``: the pseudo ``level``% region around
    ``beta`` (metafor's ``funnel``) and, with ``contours``, shaded significance regions around 0.
    ``trimfill`` (a :class:`~target87.evidence.bias.TrimfillResult`) adds its filled studies
    (marked, #D55E00) and centres the region on the filled fit's estimate."""
    if trimfill is not None:
        y = np.asarray(trimfill.yi, float)
        v = np.asarray(trimfill.vi, float)
        filled = np.asarray(trimfill.fill, bool)
        centre = float(trimfill.fit.beta[0])
    else:
        y, v = np.asarray(fit.yi, float), np.asarray(fit.vi, float)
        filled = np.zeros(y.size, bool)
        centre = float(fit.beta[0])
    if y.size == 0:
        raise EvidenceError("no studies to plot")
    level = float(getattr(fit, "level", 95))
    se = np.sqrt(v)
    se_max = float(se.max()) * 1.05
    crit = float(stats.norm.isf((1 - level / 100) / 2))
    grid = np.linspace(0, se_max, 50)
    studies = pd.DataFrame(
        {"yi": y, "sei": se, "status": np.where(filled, "Filled (trim-and-fill)", "Observed")}
    )
    half = crit * se_max
    lo = float(
        min(y.min(), centre - half, -(stats.norm.isf(0.005) * se_max) if contours else y.min())
    )
    hi = float(max(y.max(), centre + half, stats.norm.isf(0.005) * se_max if contours else y.max()))
    xscale = alt.Scale(domain=[lo, hi], nice=False, zero=False)
    yscale = alt.Scale(domain=[se_max, 0], nice=False, zero=False)
    layers = []
    if contours:
        cuts = sorted(float(c) for c in contours)  # e.g. 0.01, 0.05, 0.10
        names = [f"p < {cuts[0]:.2f}"]
        names += [f"{a:.2f} < p < {b:.2f}" for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        names += [f"p > {cuts[-1]:.2f}"]
        greys = ["#969696", "#bdbdbd", "#d9d9d9", "#ededed", "#f7f7f7"][: len(cuts)] + ["#ffffff"]
        # bands drawn widest first: the region beyond the smallest p's lines, then inside each
        halfwidths = [max(abs(lo), abs(hi)) * 2] + [float(stats.norm.isf(c / 2)) for c in cuts]
        regions = []
        for j, name in enumerate(names):
            for s_ in grid:
                hw = halfwidths[0] if j == 0 else halfwidths[j] * s_
                regions.append({"region": name, "draw": j, "sei": s_, "lo": -hw, "hi": hw})
        layers.append(
            alt.Chart(pd.DataFrame(regions))
            .mark_area(orient="horizontal", opacity=1, clip=True)
            .encode(
                y=alt.Y("sei:Q", scale=yscale, title="Standard error"),
                x=alt.X("lo:Q", scale=xscale, title=xlabel),
                x2="hi:Q",
                detail="draw:O",
                order=alt.Order("draw:O"),
                fill=alt.Fill(
                    "region:N",
                    scale=alt.Scale(domain=names, range=greys),
                    legend=alt.Legend(title="Contours (two-sided p, around 0)"),
                ),
            )
        )
    lines = pd.DataFrame(
        [{"side": "lower", "sei": s, "x": centre - crit * s} for s in grid]
        + [{"side": "upper", "sei": s, "x": centre + crit * s} for s in grid]
    )
    layers.append(
        alt.Chart(lines)
        .mark_line(color="#444444", strokeDash=[4, 3])
        .encode(
            x=alt.X("x:Q", scale=xscale, title=xlabel),
            y=alt.Y("sei:Q", scale=yscale, title="Standard error"),
            detail="side:N",
        )
    )
    layers.append(
        alt.Chart(pd.DataFrame({"x": [centre]}))
        .mark_rule(color=SUMMARY, strokeWidth=2)
        .encode(x=alt.X("x:Q", scale=xscale))
    )
    layers.append(
        alt.Chart(studies)
        .mark_point(filled=True, size=50, opacity=1)
        .encode(
            x=alt.X("yi:Q", scale=xscale, title=xlabel),
            y=alt.Y("sei:Q", scale=yscale, title="Standard error"),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=["Observed", "Filled (trim-and-fill)"], range=[OBSERVED, FILLED]
                ),
                legend=alt.Legend(title="Studies"),
            ),
            shape=alt.Shape(
                "status:N",
                scale=alt.Scale(
                    domain=["Observed", "Filled (trim-and-fill)"], range=["circle", "diamond"]
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("yi:Q", format=".3f", title="Estimate"),
                alt.Tooltip("sei:Q", format=".3f", title="SE"),
                "status:N",
            ],
        )
    )
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent", fill="independent")
        .properties(title=title, width=width, height=height)
    )
    return chart.to_dict(validate=False)


def render_svg(spec: dict) -> str:
    """The spec drawn as SVG text, offline (vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec)


def render_png(spec: dict, scale: float = 2.0) -> bytes:
    """The spec drawn as PNG bytes, offline (vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, scale=scale)
