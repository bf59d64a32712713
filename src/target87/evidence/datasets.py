"""The worked examples: three classic public data sets that metafor ships, to show and check
the methods on numbers everyone can compare with R.

They are **not** evidence about child labour. Loaded into the store they are studies with
``worked_example`` set (intervention and outcome ``other``, named in their labels), which
the evidence base leaves out unless asked for. ``data/README.md`` gives each file's origin
and licence; the files keep metafor's own columns (:func:`frame` returns them as they are).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from target87.evidence.io import (
    FLAT_COLUMNS,
    EvidenceTable,
    ImportSummary,
    Progress,
    Row,
    import_evidence,
)

DATA = Path(__file__).parent / "data"
NOT_CHILD_LABOUR = "Worked example (metafor {name}); not evidence about child labour."


@dataclass(frozen=True)
class Dataset:
    name: str  # metafor's name
    title: str
    source: str  # the published source metafor cites
    measure: str
    rows: Callable[[dict[str, str]], dict[str, str]]  # a file row as an evidence row

    @property
    def path(self) -> Path:
        return DATA / f"{self.name}.csv"


def _bcg(r: dict[str, str]) -> dict[str, str]:
    return {
        "study_id": f"bcg-{r['trial']}",
        "citation": f"{r['author']} ({r['year']})",
        "year": r["year"],
        "design": "rct" if r["alloc"] == "random" else "quasi_experimental",
        "intervention": "other",
        "intervention_label": "BCG vaccine",
        "outcome": "other",
        "outcome_label": "Tuberculosis (TB positive cases)",
        "ai": r["tpos"],
        "bi": r["tneg"],
        "ci": r["cpos"],
        "di": r["cneg"],
        "mod_ablat": r["ablat"],
        "mod_alloc": r["alloc"],
    }


def _raudenbush(r: dict[str, str]) -> dict[str, str]:
    return {
        "study_id": f"raudenbush1985-{r['study']}",
        "citation": f"{r['author']} ({r['year']})",
        "year": r["year"],
        "design": "rct",
        "intervention": "other",
        "intervention_label": "Teacher expectancy induction",
        "outcome": "other",
        "outcome_label": "Pupil IQ",
        "yi": r["yi"],
        "vi": r["vi"],
        "n1i": r["n1i"],
        "n2i": r["n2i"],
        "mod_weeks": r["weeks"],
        "mod_setting": r["setting"],
        "mod_tester": r["tester"],
    }


def _egger(r: dict[str, str]) -> dict[str, str]:
    return {
        "study_id": f"egger2001-{r['id']}",
        "citation": f"{r['study']} ({r['year']})",
        "year": r["year"],
        "design": "rct",
        "intervention": "other",
        "intervention_label": "Intravenous magnesium",
        "outcome": "other",
        "outcome_label": "Death after acute myocardial infarction",
        "ai": r["ai"],
        "n1i": r["n1i"],
        "ci": r["ci"],
        "n2i": r["n2i"],
    }


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "dat.bcg",
            "BCG vaccine against tuberculosis: 13 trials (2x2 tables)",
            "Colditz et al. (1994), JAMA 271(9), 698-702, doi:10.1001/jama.1994.03510330076038",
            "RR",
            _bcg,
        ),
        Dataset(
            "dat.raudenbush1985",
            "Teacher expectancy and pupil IQ: 19 experiments (standardised mean differences)",
            "Raudenbush (1984), J. Educ. Psychol. 76(1), 85-97, doi:10.1037/0022-0663.76.1.85; "
            "Raudenbush & Bryk (1985), J. Educ. Stat. 10(2), 75-98, "
            "doi:10.3102/10769986010002075",
            "SMD",
            _raudenbush,
        ),
        Dataset(
            "dat.egger2001",
            "Intravenous magnesium after myocardial infarction: 16 trials (deaths and ns)",
            "Egger, Davey Smith & Altman (eds.) (2001), Systematic reviews in health care: "
            "meta-analysis in context, 2nd ed., BMJ Books",
            "OR",
            _egger,
        ),
    )
}


def frame(name: str):
    """A data set with metafor's own columns, as a pandas DataFrame (numbers as numbers)."""
    import pandas as pd

    return pd.read_csv(dataset(name).path)


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name if name.startswith("dat.") else f"dat.{name}"]
    except KeyError:
        known = ", ".join(DATASETS)
        raise ValueError(f"no worked example {name!r}; known: {known}") from None


def table(name: str) -> EvidenceTable:
    """A data set as rows of the evidence format (flat), each marked as a worked example and
    located at its line of the bundled file."""
    data = dataset(name)
    rows = []
    with data.path.open(encoding="utf-8", newline="") as handle:
        for line, record in enumerate(csv.DictReader(handle), start=2):
            values = dict.fromkeys(FLAT_COLUMNS, "")
            values.update(
                effect_id="1",
                measure=data.measure,
                worked_example="true",
                dataset=data.name,
                study_notes=NOT_CHILD_LABOUR.format(name=data.name),
            )
            values.update(data.rows(record))
            rows.append(Row(values, line))
    mods = tuple(dict.fromkeys(k for r in rows for k in r.values if k.startswith("mod_")))
    return EvidenceTable(str(data.path), "flat", rows, rows, mods)


def load_worked_examples(
    engine: Engine, names: list[str] | None = None, progress: Progress | None = None
) -> list[ImportSummary]:
    """Load the worked examples (all, or those named) as worked-example studies: updated in
    place when loaded before, never mixed with the evidence base."""
    return [
        import_evidence(engine, table(name), worked_example=True, progress=progress)
        for name in (names or list(DATASETS))
    ]
