"""`target87 init` loads the reference content shipped beside the snapshot: the library's
starter catalogue and the starter evidence base; a second init changes nothing."""

from __future__ import annotations

from importlib import resources

import yaml
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from target87.cli import app
from target87.evidence.starter import starter_file

runner = CliRunner()


def test_init_loads_the_catalogue_and_the_starter_evidence_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    first = runner.invoke(app, ["--database-url", url, "init"])
    assert first.exit_code == 0, first.output
    bundled = resources.files("target87.library") / "data" / "catalogue.yaml"
    entries = yaml.safe_load(bundled.read_text(encoding="utf-8"))
    assert f"Library catalogue: {len(entries)} added" in first.output
    effects = sum(1 for _ in starter_file().open(encoding="utf-8")) - 1
    assert f"Starter evidence base: effects added {effects}" in first.output
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = {
            row[0]
            for row in conn.execute(
                text("SELECT catalogue_id FROM library_document WHERE origin = 'catalogue'")
            )
        }
        studies = conn.execute(
            text("SELECT count(*) FROM evidence_study WHERE worked_example = :f"), {"f": False}
        ).scalar()
    engine.dispose()
    assert ids == {e["id"] for e in entries}
    assert studies >= 1
    again = runner.invoke(app, ["--database-url", url, "init"])
    assert again.exit_code == 0 and "Nothing to do" in again.output, again.output
