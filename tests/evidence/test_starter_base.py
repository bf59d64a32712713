"""The starter evidence base (src/target87/evidence/data/starter): it imports into a fresh
store, every effect cites the table (and page) it was read from, every yi and sei matches the
verbatim rows quoted in SOURCES.md (parsed here with the rule each section names, so a typo
in either file fails), and it stays apart from the worked examples."""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path
from statistics import NormalDist

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.evidence import datasets
from target87.evidence.io import import_evidence, stored_studies
from target87.evidence.models import Effect, Study

STARTER = Path(__file__).resolve().parents[2] / "src/target87/evidence/data/starter"
EVIDENCE = STARTER / "evidence.csv"
SOURCES = STARTER / "SOURCES.md"

SECTION = re.compile(r"^### `([^`]+)` / `([^`]+)`$", re.M)
CELL = re.compile(r"([−-]?\d+\.\d+)\**\s*\[(\d\.\d+)\]")  # "0.055** [0.014]"


def _number(text: str) -> float:
    return float(text.replace("−", "-").rstrip("*"))


def _expected(rule: str, n: int, block: str) -> tuple[float, float]:
    """yi and sei from the verbatim rows, by the rule SOURCES.md names."""
    lines = block.strip().splitlines()
    if rule == "pp-column":  # ITT line and its (SE) line; printed x100
        at = next(i for i, line in enumerate(lines) if line.startswith("ITT "))
        coefs = lines[at].split()[1:]
        ses = lines[at + 1].split()
        assert len(coefs) == len(ses) == 12
        assert all(s.startswith("(") and s.endswith(")") for s in ses)
        return _number(coefs[n - 1]) / 100, float(ses[n - 1].strip("()")) / 100
    if rule == "p-value-cell":  # the n-th "coefficient [p]" cell of a table row
        (row,) = lines
        coef, p = CELL.findall(row)[n - 1]
        p = float(p)
        assert 0 < p < 1, "a p-value of 0 or 1 gives no standard error"
        yi = _number(coef)
        return yi, abs(yi) / NormalDist().inv_cdf(1 - p / 2)
    raise AssertionError(f"unknown rule {rule!r}")


def _sources() -> dict[tuple[str, str], dict]:
    text = SOURCES.read_text(encoding="utf-8")
    heads = list(SECTION.finditer(text))
    found = {}
    for i, head in enumerate(heads):
        body = text[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        rule, n = re.search(r"^- Parse: `(\S+) (\d+)`$", body, re.M).groups()
        source = re.search(r"^- Source: (.+)$", body, re.M).group(1)
        table = re.search(r"^- Table/page: (.+)$", body, re.M).group(1)
        block = re.search(r"```text\n(.*?)```", body, re.S).group(1)
        yi, sei = _expected(rule, int(n), block)
        key = head.groups()
        assert key not in found, f"{key} quoted twice"
        found[key] = {"yi": yi, "sei": sei, "source": source, "table": table, "block": block}
    # a panel quoted for several effects must be quoted the same way each time
    panels: dict[str, str] = {}
    for key, entry in found.items():
        first = entry["block"].splitlines()[0]
        assert panels.setdefault(first, entry["block"]) == entry["block"], key
    return found


def _rows() -> list[dict[str, str]]:
    with EVIDENCE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def engine(warehouse_url, tmp_path_factory):
    """A fresh store (the shared loaded warehouse, copied) holding the starter base."""
    path = tmp_path_factory.mktemp("starter") / "starter.sqlite"
    shutil.copyfile(warehouse_url.removeprefix("sqlite:///"), path)
    eng = store.make_engine(f"sqlite:///{path}")
    summary = import_evidence(eng, EVIDENCE)
    assert summary.worked_examples == 0
    assert (summary.studies.added, summary.effects.added) == (
        len({r["study_id"] for r in _rows()}),
        len(_rows()),
    )
    yield eng
    eng.dispose()


def test_every_effect_is_quoted_once_and_matches_its_verbatim_numbers():
    sources = _sources()
    rows = _rows()
    keys = [(r["study_id"], r["effect_id"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(sources), "evidence.csv and SOURCES.md must list the same effects"
    for row in rows:
        want = sources[(row["study_id"], row["effect_id"])]
        assert row["measure"] == "RD"
        assert float(row["yi"]) == pytest.approx(want["yi"], abs=1e-9), row["effect_id"]
        assert float(row["sei"]) == pytest.approx(want["sei"], abs=6e-7), row["effect_id"]
        assert float(row["sei"]) > 0


def test_every_effect_cites_a_table_or_page_and_every_study_where_it_was_read():
    sources = _sources()
    for row in _rows():
        notes = row["effect_notes"]
        assert re.match(r"^Table \d+, p\. (\d+|n/a \([^)]+\)) of \S", notes), notes
        table = re.match(r"Table (\d+)", sources[(row["study_id"], row["effect_id"])]["table"])
        assert table and notes.startswith(f"Table {table.group(1)},"), row["effect_id"]
        assert row["study_notes"].startswith("Read: "), row["study_id"]
        assert row["url"].startswith("https://")


def test_the_starter_base_imports_and_stores_the_quoted_numbers(engine):
    sources = _sources()
    with Session(engine) as s:
        studies = stored_studies(s)
        assert sorted(st.id for st in studies) == sorted({r["study_id"] for r in _rows()})
        assert not any(st.worked_example for st in studies)
        effects = s.scalars(select(Effect)).all()
        assert len(effects) == len(sources)
        for effect in effects:
            want = sources[(effect.study_id, effect.effect_id)]
            assert effect.yi == pytest.approx(want["yi"], abs=1e-9)
            assert effect.sei == pytest.approx(want["sei"], abs=6e-7)
            assert effect.vi is None or math.isclose(effect.vi, effect.sei**2, rel_tol=1e-9)
            assert effect.notes.startswith("Table ")


def test_the_worked_examples_stay_apart(engine):
    datasets.load_worked_examples(engine, ["dat.bcg"])
    again = import_evidence(engine, EVIDENCE)  # a second import changes nothing
    assert (again.studies.added, again.studies.changed) == (0, 0)
    assert (again.effects.added, again.effects.changed) == (0, 0)
    starter = {r["study_id"] for r in _rows()}
    with Session(engine) as s:
        real = {st.id for st in stored_studies(s)}
        examples = {st.id for st in stored_studies(s, examples=True)}
        assert real == starter
        assert examples and not examples & starter
        for study in s.scalars(select(Study).where(Study.id.in_(starter))):
            assert not study.worked_example and study.dataset is None
