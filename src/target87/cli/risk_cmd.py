"""``target87 risk``: the CLRISK child labour risk model from the command line.

``synth`` writes a SYNTHETIC run folder, ``fit`` prints the harmonisation check and the model,
``score`` runs everything and writes the tables, map layer, run JSON and report, ``report``
makes the HTML report from a run file or a saved run, ``ivti`` builds the vulnerability index
from a territory table. A problem with the data or the configuration prints our message
(file, row, field) and exits with code 1, without a traceback. The heavy libraries are
imported inside the commands, so other ``target87`` commands do not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from target87.cli.common import console, err, progress_bar
from target87.risk.errors import RiskError

EXIT_ERROR = 1

risk_app = typer.Typer(
    help="Child labour risk identification (CLRISK): survey model, census scoring, "
    "territorial risk with uncertainty, vulnerability index, disclosure control.",
    no_args_is_help=True,
)

app = typer.Typer()


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    dta = "dta"
    sav = "sav"


class Weighting(StrEnum):
    equal = "equal"
    pca = "pca"


class Normalisation(StrEnum):
    minmax = "minmax"
    zscore = "zscore"


class Aggregation(StrEnum):
    arithmetic = "arithmetic"
    geometric = "geometric"


@contextmanager
def our_errors() -> Iterator[None]:
    """Print a RiskError or file error as our message and exit 1 (no traceback)."""
    try:
        yield
    except (RiskError, OSError) as exc:
        err.print(f"[red]Error[/]: {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR) from None


@contextmanager
def step_bar() -> Iterator:
    """A Rich progress bar over the pipeline's steps, as a ``(step, done, total)`` callback."""
    with progress_bar() as bar:
        task = bar.add_task("starting", total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        yield update


def _echo(text: str) -> None:
    typer.echo(text)  # plain: summaries hold brackets Rich would read as markup


@risk_app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the run into.")],
    children: Annotated[int, typer.Option(help="Children in the census.")] = 30_000,
    territories: Annotated[int, typer.Option(help="Territories (in up to 10 regions).")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    sigma_u: Annotated[
        float, typer.Option("--sigma-u", help="SD of the territory effects on the logit scale.")
    ] = 0.0,
    sample_size: Annotated[
        int | None, typer.Option(help="Surveyed children (default: a tenth, at most 12,000).")
    ] = None,
    file_format: Annotated[
        FileFormat, typer.Option("--format", help="Format of the survey and census files.")
    ] = FileFormat.csv,
) -> None:
    """Write a SYNTHETIC run folder: survey, census, run.yaml, boundaries, true rates."""
    from target87.risk.synth_files import write_synthetic_run

    with our_errors():
        made = write_synthetic_run(
            out, n_children=children, n_territories=territories, seed=seed, sigma_u=sigma_u,
            sample_size=sample_size, file_format=file_format.value,
        )  # fmt: skip
    _echo(made.summary)
    console.print(f"SYNTHETIC run folder written: {escape(str(made.folder))}", highlight=False)
    console.print(
        f"Next: target87 risk score {escape(str(made.run_file))} --out "
        f"{escape(str(made.folder / 'results'))}",
        highlight=False,
    )


@risk_app.command("fit")
def fit(run_file: Annotated[Path, typer.Argument(help="The run YAML file.")]) -> None:
    """Read the data, print the harmonisation check and the model summary."""
    from target87.risk.pipeline import fit_model
    from target87.risk.run_options import load_run

    with our_errors():
        spec = load_run(run_file)
        with step_bar() as progress:
            fitted = fit_model(spec.config, spec.options, progress)
    _echo(fitted.harmonisation.summary())
    _echo("")
    _echo(fitted.model.summary())


@risk_app.command("score")
def score(
    run_file: Annotated[Path, typer.Argument(help="The run YAML file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results.")],
    unit_level: Annotated[
        bool,
        typer.Option(
            "--unit-level",
            help="Also write every census child's predicted probability (sensitive: needs a "
            "legal basis; a warning goes into the report).",
        ),
    ] = False,
    boundaries: Annotated[
        Path | None, typer.Option(help="GeoJSON boundaries (overrides run.boundaries).")
    ] = None,
) -> None:
    """Run the whole model and write territories.csv, GeoJSON, run.json and report.html."""
    from target87.risk.outputs import write_outputs
    from target87.risk.pipeline import run_file as run_pipeline_file

    with our_errors():
        with step_bar() as progress:
            run = run_pipeline_file(
                run_file, boundaries=boundaries, progress=progress, unit_level=unit_level
            )
        for warning in run.warnings:
            err.print(f"[bold yellow]{escape(warning)}[/]")
        written = write_outputs(run, out)
    _echo(run.summary())
    for role, path in written.items():
        console.print(f"  {role}: {escape(str(path))}", highlight=False)


@risk_app.command("report")
def report(
    source: Annotated[Path, typer.Argument(help="A run YAML file, or a saved run.json.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    lang: Annotated[str, typer.Option("--lang", help="Report language: en, fr or es.")] = "en",
) -> None:
    """Write the self-contained HTML report of a run (re-run from YAML, or from run.json)."""
    from target87.cli.render import check_language
    from target87.risk.outputs import write_text
    from target87.risk.pipeline import run_file as run_pipeline_file
    from target87.risk.report_html import read_run_json, render_report

    check_language(lang)
    with our_errors():
        suffix = source.suffix.lower()
        if suffix == ".json":
            run = read_run_json(source)
        elif suffix in (".yaml", ".yml"):
            with step_bar() as progress:
                run = run_pipeline_file(source, progress=progress).to_dict()
        else:
            raise RiskError(f"{source}: give a run file (.yaml, .yml) or a saved run (.json)")
        write_text(out, render_report(run, lang))
    console.print(f"Report written: {escape(str(out))}", highlight=False)


def parse_indicator(spec: str) -> tuple[str, int]:
    """``name:+1`` / ``name:-1`` (``name`` alone means +1)."""
    name, _, direction = spec.rpartition(":") if ":" in spec else (spec, "", "+1")
    signs = {"+1": 1, "1": 1, "+": 1, "-1": -1, "-": -1}
    if not name or direction not in signs:
        raise RiskError(
            f"--indicator {spec!r}: write name:+1 (higher is more vulnerable) or name:-1"
        )
    return name, signs[direction]


@risk_app.command("ivti")
def ivti_command(
    table: Annotated[Path, typer.Argument(help="One row per territory (CSV, Parquet, dta, sav).")],
    indicator: Annotated[
        list[str], typer.Option("--indicator", "-i", help="name:+1 or name:-1; repeat.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for ivti.csv and more.")],
    weights: Annotated[Weighting, typer.Option(help="Indicator weights.")] = Weighting.equal,
    territory: Annotated[
        str | None, typer.Option(help="Territory code column (default: the first column).")
    ] = None,
    normalise: Annotated[Normalisation, typer.Option()] = Normalisation.minmax,
    aggregate: Annotated[Aggregation, typer.Option()] = Aggregation.arithmetic,
    method: Annotated[str, typer.Option(help="Classification method.")] = "quantile",
    k: Annotated[int, typer.Option(help="Number of classes.")] = 3,
    fill_missing: Annotated[
        bool, typer.Option(help="Fill a missing value with the indicator's mean.")
    ] = False,
) -> None:
    """Build the IVTI vulnerability index, its classes and its sensitivity report."""
    from target87.risk.ivti import ivti
    from target87.risk.microdata import read_microdata
    from target87.risk.outputs import write_text

    with our_errors():
        indicators = dict(parse_indicator(spec) for spec in indicator)
        if territory is None:
            territory = str(read_microdata(table).columns[0])
        frame = read_microdata(table, [territory, *indicators], text_columns=[territory])
        result = ivti(
            frame, indicators, normalise.value, weights.value, aggregate.value, method, k,
            territory=territory, missing="mean" if fill_missing else "error",
        )  # fmt: skip
        index = result.to_frame().rename_axis(territory).reset_index()
        sensitivity = result.sensitivity.to_frame().rename_axis(territory).reset_index()
        written = [
            write_text(out / "ivti.csv", index.to_csv(index=False)),
            write_text(out / "ivti_sensitivity.csv", sensitivity.to_csv(index=False)),
            write_text(out / "ivti_summary.txt", result.summary() + "\n"),
        ]
    _echo(result.summary())
    for path in written:
        console.print(f"  {escape(str(path))}", highlight=False)


@risk_app.command("publish")
def publish(
    run_json: Annotated[Path, typer.Argument(help="A saved run (run.json from `risk score`).")],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO3 code of the country it covers.")
    ] = None,
) -> None:
    """Publish a saved run to the warehouse: the web platform's risk pages show it.

    Nothing in the file is trusted: only the documented fields are accepted, nothing
    child-level, and disclosure control is re-applied to it (at least the published floors);
    a refused file stores nothing."""
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.cli.common import ready_engine
    from target87.risk.catalog import publish_run

    with our_errors():
        engine = ready_engine()
        store.migrate(engine)
        with Session(engine) as session, session.begin():
            record = publish_run(session, run_json, country)
            number, synthetic = record.id, record.synthetic
        engine.dispose()
    label = " (SYNTHETIC data)" if synthetic else ""
    console.print(f"Published as run {number}{label}: /risk/{number} on the web platform.")


@risk_app.command("check-published")
def check_published() -> None:
    """Re-check every published run with the checks of `risk publish`; exit 1 if one fails."""
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.cli.common import ready_engine
    from target87.risk.catalog import recheck_published

    with our_errors():
        engine = ready_engine()
        store.migrate(engine)
        with Session(engine) as session:
            found = [(r.id, r.name, reason) for r, reason in recheck_published(session)]
        engine.dispose()
    for number, name, reason in found:
        verdict = "ok" if reason is None else f"REFUSED: {reason}"
        _echo(f"run {number} ({name}): {verdict}")
    refused = [number for number, _, reason in found if reason is not None]
    if refused:
        err.print(
            f"[red]{len(refused)} published run(s) fail the checks[/]: withdraw them with "
            f"target87 risk withdraw ID ({', '.join(map(str, refused))})"
        )
        raise typer.Exit(EXIT_ERROR)
    console.print(f"{len(found)} published run(s), all pass the checks.", highlight=False)


@risk_app.command("withdraw")
def withdraw(
    run_id: Annotated[int, typer.Argument(help="The number of the published run.")],
) -> None:
    """Remove a published run from the warehouse and the web platform's risk pages."""
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.cli.common import ready_engine
    from target87.risk.catalog import withdraw_run

    with our_errors():
        engine = ready_engine()
        store.migrate(engine)
        with Session(engine) as session, session.begin():
            name = withdraw_run(session, run_id).name
        engine.dispose()
    console.print(f"Run {run_id} ({escape(name)}) withdrawn.", highlight=False)
