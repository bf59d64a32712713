"""``target87 evidence import`` and ``export``: the evidence base (studies and effects of
interventions against child labour) in and out of CSV and Excel files.

Exit codes as ``target87 load``: 0 done, 1 nothing to import (a file without rows), 2 refused
(nothing was written; every problem names its file, row and column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from target87.cli.common import console, err, progress_bar, progress_callback, ready_engine
from target87.evidence.datasets import DATASETS, load_worked_examples
from target87.evidence.io import export_evidence, import_evidence, read_evidence
from target87.ingest import LoadError

EXIT_EMPTY = 1
EXIT_REFUSED = 2

evidence_app = typer.Typer(
    help="The evidence base for meta-analysis: studies and effects of interventions against "
    "child labour, imported from and exported to CSV or Excel (see docs/evidence-format.md).",
    no_args_is_help=True,
)


def _say(text: str) -> None:
    console.print(text, soft_wrap=True, highlight=False, markup=False)


def _print_import(summary) -> None:
    kind = "worked-example " if summary.worked_examples else ""
    _say(f"{summary.file}: {kind}studies {summary.studies.text()}.")
    _say(f"{summary.file}: effects {summary.effects.text()}.")


@evidence_app.command("import")
def import_cmd(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A CSV file (one row per effect) or an Excel workbook (sheets 'studies' and "
            "'effects', or one flat sheet)."
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="The file is the whole evidence base of its kind: also remove the stored "
            "studies it does not hold, and the stored effects of its studies it does not "
            "hold (default: add and update, remove nothing).",
        ),
    ] = False,
    examples: Annotated[
        bool,
        typer.Option(
            "--examples",
            help="Load the bundled worked examples (metafor's "
            f"{', '.join(DATASETS)}), marked as worked examples and kept apart from the "
            "evidence base.",
        ),
    ] = False,
) -> None:
    """Check a file of studies and effects and import it: all of it or nothing.

    A study or effect imported again (same study_id, effect_id) is updated, never
    duplicated; nothing is removed without --replace.
    """
    if examples == (path is not None):
        err.print("Give either a FILE to import or --examples (not both, not neither).")
        raise typer.Exit(EXIT_REFUSED)
    if examples and replace:
        err.print("--replace does not apply to --examples (they are updated in place).")
        raise typer.Exit(EXIT_REFUSED)
    eng = ready_engine()
    try:
        with progress_bar() as bar:
            if examples:
                summaries = load_worked_examples(eng, progress=progress_callback(bar))
            else:
                table = read_evidence(path)
                if not table.effects and not table.studies:
                    err.print(f"{path} holds no studies or effects: nothing imported.")
                    raise typer.Exit(EXIT_EMPTY)
                summaries = [
                    import_evidence(eng, table, replace=replace, progress=progress_callback(bar))
                ]
    except LoadError as exc:
        err.print(f"Import refused: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_REFUSED) from None
    for summary in summaries:
        _print_import(summary)
    if examples:
        _say(
            "Worked examples are not evidence about child labour; `target87 evidence export "
            "FILE --examples` writes them, a plain export leaves them out."
        )
    elif not replace:
        _say("Add and update: nothing removed (--replace removes what the file does not hold).")


@evidence_app.command("export")
def export_cmd(
    path: Annotated[
        Path,
        typer.Argument(
            help="The file to write: .csv (flat) or .xlsx (sheets 'studies' and 'effects')."
        ),
    ],
    examples: Annotated[
        bool,
        typer.Option("--examples", help="Write the worked examples instead of the evidence base."),
    ] = False,
    flat: Annotated[
        bool,
        typer.Option("--flat", help="Excel: one flat sheet (one row per effect) instead of two."),
    ] = False,
) -> None:
    """Write the evidence base (studies with their effects) to a CSV or Excel file."""
    try:
        result = export_evidence(ready_engine(), path, examples=examples, flat=flat)
    except (ValueError, OSError) as exc:
        err.print(f"Export refused: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    what = "worked-example studies" if examples else "studies"
    _say(
        f"{result.studies} {what} and {result.effects} effects written to {path} "
        f"({'one row per effect' if result.layout == 'flat' else 'sheets studies and effects'})."
    )
    if result.left_out:
        err.print(
            f"Left out {result.left_out} study(ies) without effects: a flat file holds effects; "
            "export to .xlsx to keep them.",
            markup=False,
            highlight=False,
        )


# --- analyses: `evidence meta` and `evidence bias` -------------------------------------------

Column = Annotated[str | None, typer.Option(help="The file's column holding this argument.")]


def _columns(**given: str | None) -> dict[str, str]:
    """metafor's argument name -> the file's column, for the options given."""
    return {arg: col for arg, col in given.items() if col}


def _refuse(exc: Exception) -> None:
    err.print(f"[red]Refused[/]: {exc}", soft_wrap=True, highlight=False)
    raise typer.Exit(EXIT_REFUSED)


@evidence_app.command("meta")
def meta_cmd(
    path: Annotated[Path, typer.Argument(help="A CSV file or Excel workbook, a row per effect.")],
    measure: Annotated[
        str, typer.Option(help="OR, RR, RD (2x2 counts), SMD (means), PLO, PR, GEN (yi, vi).")
    ] = "GEN",
    ai: Column = None,
    bi: Column = None,
    ci: Column = None,
    di: Column = None,
    n1i: Column = None,
    n2i: Column = None,
    m1i: Column = None,
    m2i: Column = None,
    sd1i: Column = None,
    sd2i: Column = None,
    xi: Column = None,
    ni: Column = None,
    yi: Column = None,
    vi: Column = None,
    sei: Column = None,
    method: Annotated[
        str, typer.Option(help="EE, DL, REML (default), ML, PM, EB, HS, HSk, HE, SJ.")
    ] = "REML",
    test: Annotated[str, typer.Option(help="z, or knha (Knapp-Hartung).")] = "z",
    mods: Annotated[
        list[str] | None, typer.Option(help="A moderator column (repeat for several).")
    ] = None,
    subgroup: Annotated[str | None, typer.Option(help="A column of subgroup labels.")] = None,
    cluster: Annotated[
        str | None,
        typer.Option(help="A column of study ids: cluster-robust errors (CR2, Satterthwaite)."),
    ] = None,
    level: Annotated[float, typer.Option(help="Confidence level, in %.")] = 95,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Pool a file's effects (random effects, meta-regression, subgroups, robust errors).

    Printed as metafor prints them, or as JSON with metafor's names."""
    from target87.evidence.analysis import meta_analysis, read_table
    from target87.evidence.errors import EvidenceError

    columns = _columns(ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i, m1i=m1i, m2i=m2i,
                       sd1i=sd1i, sd2i=sd2i, xi=xi, ni=ni, yi=yi, vi=vi, sei=sei)  # fmt: skip
    if fmt not in ("table", "json"):
        _refuse(ValueError(f"--format {fmt!r}: table or json"))
    try:
        found = meta_analysis(read_table(path), measure=measure, columns=columns, method=method,
                              test=test, mods=mods, subgroup=subgroup, cluster=cluster,
                              level=level, file=path.name)  # fmt: skip
    except EvidenceError as exc:
        _refuse(exc)
    if fmt == "json":
        import json

        typer.echo(json.dumps(found.to_dict(), indent=2, default=str))
    else:
        _say(found.summary())


@evidence_app.command("bias")
def bias_cmd(
    path: Annotated[Path, typer.Argument(help="A CSV file or Excel workbook, a row per effect.")],
    measure: Annotated[str, typer.Option(help="As for `evidence meta`.")] = "GEN",
    ai: Column = None,
    bi: Column = None,
    ci: Column = None,
    di: Column = None,
    n1i: Column = None,
    n2i: Column = None,
    yi: Column = None,
    vi: Column = None,
    sei: Column = None,
    method: Annotated[str, typer.Option(help="The model's tau^2 estimator.")] = "REML",
    egger: Annotated[bool, typer.Option("--egger", help="Egger's regression test.")] = False,
    rank: Annotated[bool, typer.Option("--rank", help="Begg's rank correlation test.")] = False,
    fill: Annotated[bool, typer.Option("--trimfill", help="Trim-and-fill (L0).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Small-study and publication bias: Egger, Begg and trim-and-fill tests.

    Egger's test with the limit estimate, Begg's rank correlation, trim-and-fill (L0); all
    three when none is named."""
    from target87.evidence.analysis import bias_tests, read_table
    from target87.evidence.errors import EvidenceError

    if not (egger or rank or fill):
        egger = rank = fill = True
    columns = _columns(ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i, yi=yi, vi=vi, sei=sei)
    try:
        found = bias_tests(read_table(path), measure=measure, columns=columns, method=method,
                           egger=egger, rank=rank, fill=fill, file=path.name)  # fmt: skip
    except EvidenceError as exc:
        _refuse(exc)
    if fmt == "json":
        import json

        typer.echo(json.dumps({k: v.to_dict() for k, v in found.items()}, indent=2, default=str))
    else:
        _say("\n\n".join(v.summary() for v in found.values()))
