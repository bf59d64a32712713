"""The indicator explorer: one series' latest value per area in a window of years.

Every control offers only what the chosen series holds (its sexes, ages, areas of residence and
years), with words for the codes; a choice the series does not hold is replaced by one it does
and the page says so. Query values are read as text, so a bad or empty one is a note on the
page, never an error answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from target87 import store
from target87.presentation import collation_key, translator
from target87.presentation.charts import choropleth_spec, ranking_spec
from target87.presentation.charts.figure import ChartFigure
from target87.progress.aggregate import latest_in_window
from target87.store import models as M
from target87.web.site import figures as chart_files
from target87.web.site.cache import cached_page
from target87.web.site.labels import code_labels, short_source
from target87.web.site.language import choose
from target87.web.site.render import render, session

router = APIRouter(include_in_schema=False)
RANKED = 30  # bars in the ranking chart
DIMENSIONS = store.SeriesHoldings.DIMENSIONS  # each control offers what the earlier ones leave


@dataclass
class Choice:
    """The view asked for, after every value was checked against what the series holds."""

    series: M.Series
    holdings: store.SeriesHoldings
    sex: str | None
    age: str | None
    urbanisation: str | None
    breakdown: str | None
    start: int | None
    end: int | None
    sort: str
    notes: list[str] = field(default_factory=list)
    words: dict[str, str] = field(default_factory=dict)  # breakdown text -> its words

    def controls(self, labels) -> dict[str, list[tuple[str, str]]]:
        """Each breakdown control's (code, words): what the series holds with the choices
        made in the controls before it."""
        made: dict[str, str] = {}
        offered = {}
        for name in DIMENSIONS:
            offered[name] = [(c, labels(name, c)) for c in self.holdings.values(name, **made)]
            if getattr(self, name):
                made[name] = getattr(self, name)
        return offered

    def query(self, **changes) -> dict:
        """The URL parameters of this view, with ``changes``."""
        params = {
            "series": self.series.code,
            "sex": self.sex or "",
            "age": self.age or "",
            "urbanisation": self.urbanisation or "",
            "breakdown": self.breakdown or "",
            "start": "" if self.start is None else str(self.start),
            "end": "" if self.end is None else str(self.end),
            "sort": self.sort,
        }
        params.update(changes)
        return params


def labeller(lang: str, words: dict[str, str]):
    """Words for a control's codes: breakdowns in the store's words (``words``), the others
    from the code lists."""
    labels = code_labels(lang)
    t = translator(lang)

    def label(name: str, code: str, *more) -> str:
        if name != "breakdown":
            return labels(name, code, *more)
        return words.get(code) or t("breakdown_none")

    return label


def _year(text: str, what: str, notes: list[str], t) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit() and 1900 <= int(text) <= 2100:
        return int(text)
    notes.append(t("explore_bad_year").format(what=t(what), value=text))
    return None


def _series_code(s: Session, token: str) -> str:
    """The series a visitor asked for, through the store's one door for codes ("" if none)."""
    try:
        return store.resolve_series(s, token).code if token.strip() else ""
    except store.UnknownSeries:
        return ""


def choose_view(s: Session, asked: dict[str, str], lang: str, series_codes: list[str]) -> Choice:
    """Check every asked value against the series; unknown ones fall back with a note."""
    t = translator(lang)
    notes: list[str] = []
    words: dict[str, str] = {}
    labels = labeller(lang, words)

    code = _series_code(s, asked.get("series") or "")
    if code not in series_codes:
        if asked.get("series", "").strip():
            notes.append(t("explore_unknown_series").format(value=asked["series"]))
        code = "SL_TLF_CHLDEC" if "SL_TLF_CHLDEC" in series_codes else series_codes[0]
    info = s.get(M.Series, code)
    holdings = store.series_holdings(s, code)
    words.update(store.breakdown_words(s, holdings.values("breakdown"), lang))
    picked: dict[str, str] = {}
    for name in DIMENSIONS:
        held = holdings.values(name, **picked)
        value = (asked.get(name) or "").strip()
        if value and value not in held:
            shown = holdings.default(name, **picked)
            notes.append(
                t("explore_not_held").format(
                    what=t(name),
                    asked=labels(name, value),
                    shown=labels(name, shown) if shown else t("no_data"),
                )
            )
            value = ""
        value = value or holdings.default(name, **picked)
        if value is not None:
            picked[name] = value
    start = _year(asked.get("start", ""), "from_year", notes, t)
    end = _year(asked.get("end", ""), "to_year", notes, t)
    if start is not None and end is not None and start > end:
        start, end = end, start
        notes.append(t("explore_swapped").format(start=start, end=end))
    sort = asked.get("sort") if asked.get("sort") in ("value", "name") else "value"
    return Choice(
        info,
        holdings,
        picked.get("sex"),
        picked.get("age"),
        picked.get("urbanisation"),
        picked.get("breakdown"),
        start,
        end,
        sort,
        notes,
        words,
    )


def area_table(s: Session, lang: str) -> pd.DataFrame:
    """Every area's code, kind, name in ``lang`` and M49 code, read once per data version:
    the explorer's other work is a few milliseconds, the ORM read of 290 areas is not."""
    version = s.execute(select(func.max(M.LoadRecord.id))).scalar() or 0
    key = (str(s.get_bind().url), version, lang)
    if key not in _AREAS:
        if len(_AREAS) > 32:  # old data versions
            _AREAS.clear()
        _AREAS[key] = pd.DataFrame(
            [
                {"code": a.code, "kind": a.kind, "name": a.name(lang), "m49": a.m49}
                for a in s.execute(select(M.Area).order_by(M.Area.code)).scalars()
            ]
        )
    return _AREAS[key]


_AREAS: dict[tuple, pd.DataFrame] = {}


def latest_rows(s: Session, choice: Choice, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(countries, aggregates): each area's latest preferred value in the window."""
    frame = store.observations(
        s,
        series=[choice.series.code],
        sex=[choice.sex] if choice.sex else None,
        age=[choice.age] if choice.age else None,
        all_sources=True,
    )
    if choice.urbanisation:
        frame = frame[frame["urbanisation"] == choice.urbanisation]
    if choice.breakdown:
        frame = frame[frame["breakdown"] == choice.breakdown]
    latest = latest_in_window(frame, choice.start, choice.end)
    areas = area_table(s, lang)
    held = latest.reset_index()[
        ["ref_area", "value", "lower_bound", "upper_bound", "time_period", "footnote", "source"]
    ].rename(columns={"ref_area": "code", "lower_bound": "lower", "upper_bound": "upper"})
    table = areas.merge(held, on="code", how="left")
    # Aggregates are listed only where the series has them; every country always is.
    table = table[(table["kind"] == "country") | table["value"].notna()].copy()
    table.loc[table["kind"] != "country", "m49"] = None
    table["source"] = table["source"].fillna("")
    table["time_period"] = table["time_period"].fillna("")
    table["year"] = table["time_period"]
    table["footnote"] = table["footnote"].fillna("")
    table["value"] = table["value"].astype(float)
    for bound in ("lower", "upper"):
        table[bound] = table[bound].astype(object).where(table[bound].notna(), None)
    countries = table[table["kind"] == "country"]
    aggregates = table[table["kind"] != "country"].sort_values(
        "name", key=lambda names: names.map(collation_key)
    )
    aggregates = aggregates.sort_values("kind", key=lambda kind: kind != "world", kind="stable")
    if choice.sort == "name":
        countries = countries.sort_values("name", key=lambda names: names.map(collation_key))
    else:
        countries = countries.sort_values("value", ascending=False, na_position="last")
    return countries, aggregates


@router.get("/explore", response_class=HTMLResponse)
@cached_page
def explore(
    request: Request,
    series: str = "",
    sex: str = "",
    age: str = "",
    urbanisation: str = "",
    breakdown: str = "",
    start: str = "",
    end: str = "",
    sort: str = "value",
):
    """Indicator explorer: one series' latest value per area in a window of years."""
    lang, _ = choose(request)
    asked = dict(
        series=series,
        sex=sex,
        age=age,
        urbanisation=urbanisation,
        breakdown=breakdown,
        start=start,
        end=end,
        sort=sort,
    )
    with session(request) as s:
        view = explore_view(s, lang, asked)
    figures = view.pop("figures")
    # The share link names the whole view (every control's value), not only what was asked.
    chosen = [(k, v) for k, v in view["choice"].query().items() if v]
    chart_files.links(request, figures, view=chosen)
    chart_files.remember(request, "/explore", figures, view=chosen)
    by_id = {f.id: f for f in figures}
    return render(
        request,
        "explore.html",
        map_spec=by_id.get("chart-map"),
        ranking_spec=by_id.get("chart-ranking"),
        **view,
    )


def asked_view(params) -> dict[str, str]:
    """The explorer's parameters of a query (a chart file's address carries the page's)."""
    asked = {name: params.get(name, "") for name in EXPLORE_PARAMS}
    asked["sort"] = asked["sort"] or "value"
    return asked


EXPLORE_PARAMS = ("series", "sex", "age", "urbanisation", "breakdown", "start", "end", "sort")


def explore_view(s: Session, lang: str, asked: dict[str, str]) -> dict:
    """What the explorer shows for ``asked``: the template's context, with its charts
    (``figures``), for the page and for the chart files (``charts.py``)."""
    t = translator(lang)
    options = list(s.execute(select(M.Series).order_by(M.Series.code)).scalars())
    choice = choose_view(s, asked, lang, [o.code for o in options])
    labels = labeller(lang, choice.words)
    countries, aggregates = latest_rows(s, choice, lang)
    info = choice.series
    unit = "%" if info.unit == "PT" else labels("unit", info.unit, info.unit_mult)
    title = info.name(lang)
    with_data = int(countries["value"].notna().sum())
    window = _window_text(choice, t)
    controls = choice.controls(labels)
    breakdown = " · ".join(
        labels(name, getattr(choice, name))
        for name in DIMENSIONS
        if getattr(choice, name) and len(choice.holdings.values(name)) > 1
    )
    heading = " · ".join(filter(None, [title, breakdown, window]))
    shown = countries if with_data else aggregates
    ranking = None
    if shown["value"].notna().any():
        n = min(RANKED, int(shown["value"].notna().sum()))
        ranking = ranking_spec(
            shown,
            heading,
            unit,
            top=RANKED,
            description=t("ranking_text").format(title=heading, n=n),
        )
    map_spec = None
    if with_data:
        mapped = countries[countries["m49"].notna()]
        map_spec = choropleth_spec(
            mapped,
            heading,
            unit,
            t("no_data"),
            t("choropleth_text").format(title=heading, n=int(mapped["value"].notna().sum())),
            lang=lang,
            sources={src.id: short_source(src) for src in store.sources(s)},
        )
    figures = [
        ChartFigure(id_, spec, heading, unit)
        for id_, spec in (("chart-map", map_spec), ("chart-ranking", ranking))
        if spec is not None
    ]
    years = []
    if choice.holdings.first_year is not None:
        years = list(range(choice.holdings.first_year, choice.holdings.last_year + 1))
    return dict(
        figures=figures,
        info=info,
        choice=choice,
        options=options,
        controls=controls,
        years=years,
        countries=countries.to_dict("records"),
        aggregates=aggregates.to_dict("records"),
        with_data=with_data,
        with_aggregates=int(aggregates["value"].notna().sum()),
        heading=heading,
        window=window,
        unit=unit,
        labels=labels,
    )


def _window_text(choice: Choice, t) -> str:
    if choice.start is None and choice.end is None:
        return t("explore_any_year")
    if choice.end is None:
        return t("explore_from").format(start=choice.start)
    if choice.start is None:
        return t("explore_until").format(end=choice.end)
    return f"{choice.start}-{choice.end}"
