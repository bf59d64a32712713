"""``target87 progress``: rates, projections, required acceleration and status, with a chart."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from target87 import store
from target87.cli.common import console, err, ready_engine
from target87.cli.render import LANG_HELP, check_language
from target87.presentation import age_label, children_only, format_number, sex_label
from target87.presentation.charts import progress_chart, save_chart
from target87.presentation.messages import label
from target87.progress import ProgressError, project
from target87.progress.data import NoData, group_aggregate
from target87.progress.report import ProgressReport, progress_report
from target87.store import models as M

app = typer.Typer()


@app.command()
def progress(
    series: Annotated[str, typer.Option("--series", "-s", help="Series code.")],
    area: Annotated[str, typer.Option("--area", "-a", help="ISO3, WLD or a region code.")],
    sex: Annotated[str, typer.Option(help="_T, F or M.")] = "_T",
    target_year: Annotated[
        int | None, typer.Option(help="Target year (default: the series' own, 2025 or 2030).")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Draw the series, target and projection to .svg/.png.")
    ] = None,
    lang: Annotated[
        str, typer.Option(help=LANG_HELP + " Numbers, sexes, ages and the series' name.")
    ] = "en",
) -> None:
    """How fast a series moves for an area, where that pace leads, and how far from target."""
    check_language(lang)
    with Session(ready_engine()) as s:
        try:
            place = store.resolve_area(s, area)
        except store.UnknownArea as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from None
        try:
            report = progress_report(s, series, place.code, sex, target_year=target_year)
        except NoData as exc:
            problem = str(exc)
            if place.kind == "region":  # no direct estimate: build one from the countries
                try:
                    console.print(group_aggregate(s, series, place.code, sex=sex).summary())
                    return
                except NoData as inner:
                    problem = str(inner)
            err.print(f"[red]No data[/]: {problem}")
            raise typer.Exit(2) from None
        info = s.get(M.Series, series)
        name = info.name(lang) if info is not None and lang != "en" else report.series_name
    _print(report, lang, name)
    if chart is not None:
        try:
            _draw(report, chart)
        except (ProgressError, ValueError) as exc:
            err.print(f"[red]No chart[/]: {exc}")
            raise typer.Exit(2) from None
        console.print(f"Chart written to {chart}")


def _fmt(x: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "—" if x is None or x != x else f"{x:{spec}}{suffix}"


def _fixed(x: float | None, lang: str, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals, the language's way ("-6.53", "-6,53")."""
    return format_number(x, lang, digits, fixed=True)


def _sig(x: float | None, lang: str, sig: int = 4) -> str:
    """``x`` to ``sig`` significant digits, the language's way (like ``:.4g``, without the
    exponent: 12345.6 -> "12,346", 0.012345 -> "0.01235")."""
    if x is None or x != x or x == 0 or math.isinf(x):
        return format_number(x, lang, 0)
    decimals = max(0, min(sig - 1 - math.floor(math.log10(abs(x))), 10))
    return format_number(x, lang, decimals)


def _pair(low: str, high: str, lang: str) -> str:
    """An interval "[a, b]"; "[a; b]" where the comma is the decimal sign."""
    return f"[{low}{', ' if lang == 'en' else '; '}{high}]"


def _print(report: ProgressReport, lang: str = "en", series_name: str | None = None) -> None:
    p = report.points
    who = f"{sex_label(p.sex, lang, children=children_only(p.age))}, {age_label(p.age, lang)}"
    console.rule(f"{series_name or report.series_name} — {p.area} ({who})")
    observed = Table("year", "value", "source", title="Observed (preferred source)")
    for year, value in p.values.items():
        observed.add_row(str(year), _sig(value, lang, 6), p.sources[year])
    console.print(observed)
    if not report.rates.empty:
        rates = Table("period", "AARR %", "change / year", "fitted AARR % [CI]", title="Rates")
        for r in report.rates.itertuples():
            ci = _pair(
                _fixed(r.fit_aarr_ci_low_pct, lang), _fixed(r.fit_aarr_ci_high_pct, lang), lang
            )
            rates.add_row(
                f"{r.period_start}-{r.period_end}",
                _fixed(r.aarr_pct, lang),
                _sig(r.change_per_year, lang),
                f"{_fixed(r.fit_aarr_pct, lang)} {ci}",
            )
        console.print(rates)
    if report.projections:
        proj = Table(
            "method",
            *(str(y) for y in next(iter(report.projections.values())).years),
            "below threshold in",
            title="Projection at the observed pace (95% band)",
        )
        for method, pr in report.projections.items():
            cells = [
                f"{_sig(c, lang)} {_pair(_sig(lo, lang), _sig(hi, lang), lang)}"
                for c, lo, hi in zip(pr.central, pr.lower, pr.upper, strict=True)
            ]
            below = f"{pr.threshold_year or 'never'} (< {_sig(pr.threshold, lang, 6)})"
            proj.add_row(method, *cells, below)
        console.print(proj)
    if report.acceleration:
        a = report.acceleration
        acc = Table(
            "formulation",
            "required / year",
            "observed / year",
            "times faster",
            title=f"Required acceleration to reach the target by {a.target_year:g}",
        )
        acc.add_row(
            "compound (AARR %)",
            _fixed(a.required_aarr_pct, lang),
            _fixed(a.observed_aarr_pct, lang),
            _fixed(a.compound_factor, lang, 1),
        )
        acc.add_row(
            "absolute (decline)",
            _sig(a.required_decline_per_year, lang),
            _sig(a.observed_decline_per_year, lang),
            _fixed(a.linear_factor, lang, 1),
        )
        console.print(acc)
    if report.status:
        st = report.status
        status = st.label if lang == "en" else label(st.category, lang)
        console.print(
            f"UN progress status: [bold]{status}[/] (ratio {_fixed(st.ratio, lang, 3)}; actual "
            f"{_fixed(st.actual_cagr_pct, lang)} % vs required "
            f"{_fixed(st.required_cagr_pct, lang)} % a year, "
            f"{st.base_year:g}-{st.target_year:g})"
            + (" — zero target replaced by a small floor" if st.floor_used else "")
        )
    notes = list(report.notes) + list(report.status.notes if report.status else [])
    for note in notes:
        console.print(f"[dim]note: {note}[/]")
    for source, citation in report.citations.items():
        console.print(f"[{source}] {citation}", markup=False)


def _draw(report: ProgressReport, path: Path) -> None:
    values = report.points.values
    last = int(values.index.max())
    end = max(report.target_year or 2030, 2030)
    projection = None
    if len(values) >= 2:
        pr = project(values, range(last, end + 1), kind=report.kind)
        projection = pr.to_frame().rename(columns={"central": "value"})
    unit = "%" if report.points.unit == "PT" else report.points.unit.lower().replace("_", " ")
    if report.points.unit_mult == 6:
        unit = "millions"
    chart = progress_chart(
        values,
        title=f"{report.series_name} — {report.points.area}",
        unit_label=unit,
        projection=projection,
        target=report.target_value,
        target_year=report.target_year,
        sources="; ".join(report.citations),
    )
    save_chart(chart, path)


@app.command()
def acceleration(
    horizon: Annotated[int, typer.Option(help="Years from the latest estimate.")] = 5,
) -> None:
    """How many times faster must child labour fall to end within the horizon?

    Every formulation, on the bundled world series, beside the published ILO-UNICEF figure.
    """
    from target87.progress.report import PUBLISHED_CLAIM, acceleration_check

    with Session(ready_engine()) as s:
        frame = acceleration_check(s, horizon=horizon)
    table = Table(
        "series",
        "target",
        "formulation",
        "observed pace",
        "period",
        "times faster",
        title=f"Ending child labour within {horizon} years",
    )
    for r in frame.itertuples():
        mark = " ≈ published" if r.near_claim else ""
        table.add_row(
            r.series,
            r.threshold_basis,
            r.formulation,
            r.observed_method,
            f"{r.observed_start:.0f}-{r.observed_end:.0f}",
            f"{_fmt(r.acceleration_factor, '.1f')}{mark}",
        )
    console.print(table)
    near = frame[frame["near_claim"]]
    if near.empty:
        console.print(f"No formulation gives the published {PUBLISHED_CLAIM:g} (within 10 %).")
    else:
        for r in near.itertuples():
            console.print(
                f"Within 10 % of the published {PUBLISHED_CLAIM:g}: {r.series}, target "
                f"{r.threshold_basis}, {r.formulation} against the {r.observed_method} pace "
                f"{r.observed_start:.0f}-{r.observed_end:.0f}: {r.acceleration_factor:.2f}."
            )
