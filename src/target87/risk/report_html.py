"""The self-contained HTML report of a run, rendered from its published dictionary.

:func:`render_report` takes :meth:`RiskRun.to_dict` (or a saved ``run.json``), so a report
can be made again later from the file without the data. One HTML file: inline CSS, charts as
inline SVG (:mod:`target87.risk.report_charts`), the map drawn from the inline GeoJSON, no
script and no external resource. The Jinja2 template is autoescaped; only the SVG charts,
made here, are inserted as markup.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from target87.risk.config import RiskError
from target87.risk.report_charts import class_map, estimator_scatter, factor_bars, ranking, to_svg
from target87.risk.run_result import FORMAT

TEMPLATES = Path(__file__).with_name("templates")


class RiskReportError(RiskError):
    """A report cannot be made from what was given; the message says why."""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: Any, digits: int = 2) -> str:
    return "–" if _missing(value) else f"{value:.{digits}%}"


def num(value: Any, digits: int = 3) -> str:
    return "–" if _missing(value) else f"{value:,.{digits}f}"


def count(value: Any) -> str:
    return "–" if _missing(value) else f"{value:,.0f}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.filters.update(pct=pct, num=num, count=count)
    return env


def _frame(rows: list[dict[str, Any]] | None, levels: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows or [])
    if len(frame) and all(level in frame for level in levels):
        frame["name"] = frame[levels].astype(str).agg(" / ".join, axis=1)
    return frame


def _charts(run: dict[str, Any], territories: pd.DataFrame) -> dict[str, Markup]:
    """SVG charts; made here from our own data, so inserted as markup."""
    charts = {
        "ranking": ranking(territories, "Highest risks, with 90% intervals"),
        "factors": factor_bars(pd.DataFrame(run["factors"]), "Factors, nationally"),
    }
    if "direct" in territories and territories["direct"].notna().any():
        charts["estimators"] = estimator_scatter(territories, "Estimators against direct")
    if run.get("geojson"):
        charts["map"] = class_map(
            run["geojson"], run["classification"]["labels"], "Risk classes by territory"
        )
    return {name: Markup(to_svg(chart)) for name, chart in charts.items()}  # noqa: S704


def render_report(run: dict[str, Any]) -> str:
    """The report HTML of a run dictionary (module docstring)."""
    if run.get("format") != FORMAT:
        raise RiskReportError(
            f"not a saved risk run (format {run.get('format')!r}, expected {FORMAT!r})"
        )
    levels = run["levels"]
    territories = _frame(run["territories"], levels)
    ranked = territories.assign(_order=territories["risk"].fillna(-1.0)).sort_values(
        "_order", ascending=False, kind="stable"
    )
    parents = {
        level: _frame(rows, levels[: i + 1]).to_dict(orient="records")
        for i, (level, rows) in enumerate(run["parents"].items())
    }
    template = _environment().get_template("report.html")
    return template.render(
        run=run,
        levels=levels,
        ranked=ranked.to_dict(orient="records"),
        parents=parents,
        charts=_charts(run, territories),
        sample=pd.DataFrame(run["sample_table"]).to_dict(orient="records"),
        sample_columns=list(pd.DataFrame(run["sample_table"]).columns),
        has_small_area="small_area" in territories,
    )


def read_run_json(path: str | Path) -> dict[str, Any]:
    """A saved run (``run.json``) read back, checked to be one."""
    try:
        run = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RiskReportError(f"{path}: cannot read a saved run ({exc})") from exc
    if not isinstance(run, dict) or run.get("format") != FORMAT:
        raise RiskReportError(f"{path}: not a saved risk run (no format {FORMAT!r})")
    return run
