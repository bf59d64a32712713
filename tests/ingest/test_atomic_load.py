"""All-or-nothing loading: a bad row, a crash, or a killed process leaves the database as it was."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from target87.ingest import LoadError, bundled_snapshot_dir, init_database
from target87.interop import load_file
from target87.store import models as M


def fingerprint(engine) -> tuple:
    with Session(engine) as s:
        return (
            s.execute(select(func.count()).select_from(M.Observation)).scalar(),
            s.execute(select(func.sum(M.Observation.value))).scalar(),
            s.execute(select(func.count()).select_from(M.Ratification)).scalar(),
            s.execute(select(func.count()).select_from(M.GoodRisk)).scalar(),
            s.execute(select(func.count()).select_from(M.LoadRecord)).scalar(),
        )


def corrupted_snapshot(tmp_path, line_no: int, column: str, new_value: str):
    folder = tmp_path / "snapshot"
    shutil.copytree(bundled_snapshot_dir(), folder)
    path = folder / "observations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    import csv
    import io

    row = next(csv.reader([lines[line_no - 1]]))
    row[header.index(column)] = new_value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    lines[line_no - 1] = buf.getvalue()
    path.write_text("".join(lines), encoding="utf-8")
    return folder


def test_one_bad_row_loads_nothing_and_names_file_line_column(engine, tmp_path):
    folder = corrupted_snapshot(tmp_path, 1234, "value", "12,5%")
    with pytest.raises(LoadError) as info:
        init_database(engine, folder=folder)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.column) == ("observations.csv", 1234, "value")
    assert "not a valid float" in problem.reason
    assert "observations.csv, line 1234, column 'value'" in str(info.value)
    assert fingerprint(engine) == (0, None, 0, 0, 0)


def test_a_bad_reload_leaves_the_loaded_data_untouched(loaded_engine, tmp_path):
    before = fingerprint(loaded_engine)
    folder = corrupted_snapshot(tmp_path, 20, "ref_area", "ATLANTIS")
    with pytest.raises(LoadError, match="unknown area 'ATLANTIS'"):
        init_database(loaded_engine, folder=folder)
    assert fingerprint(loaded_engine) == before


def test_a_crash_in_the_middle_of_writing_rolls_everything_back(loaded_engine):
    before = fingerprint(loaded_engine)

    def crash(stage, done, total):
        if stage == "observations" and done >= 2000:
            raise RuntimeError("simulated crash after the first batch")

    with pytest.raises(RuntimeError, match="simulated crash"):
        init_database(loaded_engine, force=True, progress=crash)
    assert fingerprint(loaded_engine) == before


KILLED_LOAD = textwrap.dedent(
    """
    import sys, time
    from target87 import store
    from target87.ingest import init_database

    def pause(stage, done, total):
        if stage == "observations" and done >= 2000:
            print("MIDWAY", flush=True)
            time.sleep(600)

    init_database(store.make_engine(sys.argv[1]), force=True, progress=pause)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("start_loaded", [False, True], ids=["empty", "loaded"])
def test_a_load_killed_halfway_leaves_the_database_exactly_as_before(db_url, engine, start_loaded):
    from target87 import store

    store.migrate(engine)
    if start_loaded:
        init_database(engine)
    before = fingerprint(engine)
    engine.dispose()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOAD, db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "MIDWAY", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert fingerprint(engine) == before


def test_loading_the_same_source_again_replaces_without_duplicates(loaded_engine, tmp_path):
    before = fingerprint(loaded_engine)
    init_database(loaded_engine, force=True)
    after = fingerprint(loaded_engine)
    assert after[:4] == before[:4] and after[4] == before[4] + 1


def _user_file(tmp_path, rows: list[str]):
    header = (
        "series,ref_area,time_period,year_from,year_to,sex,age,urbanisation,value,"
        "lower_bound,upper_bound,unit,unit_mult,obs_status,nature,reporting_type,"
        "footnote,source\n"
    )
    path = tmp_path / "national.csv"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = "SL_TLF_CHLDEC,BRA,{year},{year},{year},_T,Y5T17,_T,{value},,,PT,0,A,C,N,,ilab_tvpra_2022"


def test_a_user_file_loads_and_reloading_with_replace_replaces_its_sources_rows(
    loaded_engine, tmp_path
):
    path = _user_file(
        tmp_path, [GOOD.format(year=2019, value=4.6), GOOD.format(year=2020, value=4.2)]
    )
    assert load_file(loaded_engine, path).by_source == {"ilab_tvpra_2022": 2}
    path = _user_file(tmp_path, [GOOD.format(year=2020, value=4.1)])

    def values():
        with Session(loaded_engine) as s:
            return s.execute(
                select(M.Observation.time_period, M.Observation.value).where(
                    M.Observation.source == "ilab_tvpra_2022"
                )
            ).all()

    load_file(loaded_engine, path)  # by default a load adds and updates, never deletes
    assert values() == [("2019", 4.6), ("2020", 4.1)]
    load_file(loaded_engine, path, mode="replace")
    assert values() == [("2020", 4.1)]


def test_a_user_file_with_one_bad_row_writes_nothing(loaded_engine, tmp_path):
    before = fingerprint(loaded_engine)
    path = _user_file(
        tmp_path, [GOOD.format(year=2019, value=4.6), GOOD.format(year=2020, value=140.0)]
    )
    with pytest.raises(LoadError) as info:
        load_file(loaded_engine, path)
    (problem,) = info.value.problems
    assert problem.line == 3 and problem.column == "value" and "percentage" in problem.reason
    assert problem.file == str(path)
    assert fingerprint(loaded_engine) == before
