"""``target87 profile``: a country profile in the terminal, every figure with its source."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table
from sqlalchemy.orm import Session

from target87 import store
from target87.cli.common import console, err, ready_engine
from target87.cli.render import SourceNumbers, check_language
from target87.presentation import date_label, format_value
from target87.presentation.messages import label
from target87.profiles import CountryProfile, country_profile

app = typer.Typer()


@app.command()
def profile(
    area: Annotated[str, typer.Argument(help="ISO3 code, M49 code or name of a country.")],
    lang: Annotated[str, typer.Option(help="Language: en, fr or es.")] = "en",
) -> None:
    """A country profile: child labour by sex, trafficking, ratifications, goods, region."""
    check_language(lang)
    with Session(ready_engine()) as s:
        try:
            p = country_profile(s, area, lang)
        except store.UnknownArea as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from None
    render_profile(p, lang)


def render_profile(p: CountryProfile, lang: str) -> None:
    """Print the profile; its texts are already in ``lang``, numbers and dates are written
    the language's way here."""
    L = lambda key: label(key, lang)  # noqa: E731
    refs = SourceNumbers()
    head = [
        f"ISO3 {p.code} · M49 {p.m49 or '—'}",
        f"{L('region')}: {' / '.join(x for x in (p.region, p.subregion) if x) or '—'}",
        f"{L('ilo_region')}: {p.ilo_region or '—'} · {L('income')}: {p.income_group or '—'}",
        f"{L('pathfinder')}: {L('pathfinder_yes') if p.pathfinder else L('pathfinder_no')}",
    ]
    console.print(Panel("\n".join(head), title=f"{L('profile')}: {p.name}", expand=False))

    console.rule(L("child_labour"))
    if not p.child_labour:
        console.print(L("no_data"))
    for rows, title in ((p.child_labour, None), (p.other_child_labour, L("other_sources"))):
        if not rows:
            continue
        table = Table(
            L("series"),
            L("period"),
            L("age"),
            L("total"),
            L("girls"),
            L("boys"),
            L("source"),
            title=title,
        )
        for line in rows:
            table.add_row(
                f"{line.series}\n{line.series_name}",
                line.period_label or line.time_period,
                line.age_label or line.age,
                *(format_value(v, "PT", 0, lang) for v in (line.total, line.girls, line.boys)),
                refs.ref(line.source),
            )
        console.print(table)
    for line in p.child_labour:
        if line.definition:
            console.print(
                f"[bold]{line.series}[/] — {L('definition')}: {line.definition}"
                + (f" ({line.standard})" if line.standard else "")
            )
    for line in p.child_labour + p.other_child_labour:
        if line.footnote:
            console.print(f"[dim]{refs.ref(line.source)} {line.footnote}[/]")

    console.rule(L("trafficking"))
    _figures(p.trafficking, refs, lang, with_area=False)

    console.rule(L("ratifications"))
    table = Table(L("instrument"), L("status"), L("year"), L("source"))
    for r in p.ratifications:
        when = date_label(r.date, lang) or (str(r.year) if r.year else "—")
        if r.minimum_age:
            when += f" ({L('minimum_age').format(age=r.minimum_age)})"
        status = r.status_label or L(r.status)
        table.add_row(f"{r.instrument} {r.name}", status, when, refs.ref(r.source))
    console.print(table if p.ratifications else L("no_data"))

    console.rule(L("goods"))
    if p.goods:
        table = Table(
            L("good"),
            L("child_labour_flag"),
            L("forced_labour_flag"),
            L("forced_child_labour_flag"),
            L("source"),
        )
        for g in p.goods:
            table.add_row(
                g.good,
                *(
                    L("yes") if f else ""
                    for f in (g.child_labour, g.forced_labour, g.forced_child_labour)
                ),
                refs.ref(g.source) + f" ({g.edition})",
            )
        console.print(table)
    else:
        console.print(L("no_goods"))

    console.rule(L("region_figures"))
    _figures(p.region_figures, refs, lang, with_area=True)

    if p.pathfinder:
        refs.ref(next(s for s in p.citations if s.startswith("alliance87")))
    console.rule(L("sources"))
    for i, source_id in enumerate(refs.order, 1):
        console.print(f"[{i}] {p.citations.get(source_id, source_id)}", highlight=False)


def _figures(figures, refs: SourceNumbers, lang: str, with_area: bool) -> None:
    if not figures:
        console.print(label("no_data", lang))
        return
    cols = ([label("area", lang)] if with_area else []) + [
        label("series", lang),
        label("period", lang),
        label("value", lang),
        label("source", lang),
    ]
    table = Table(*cols)
    for f in figures:
        cells = [f.area_name] if with_area else []
        cells += [
            f"{f.series_name}",
            f.period_label or f.time_period,
            f.value_label or format_value(f.value, f.unit, f.unit_mult, lang),
            refs.ref(f.source),
        ]
        table.add_row(*cells)
    console.print(table)
