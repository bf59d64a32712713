"""A refused file ends `target87 load` cleanly: exit 2 and the refusal, never an abort at exit.

Issue 14, item 7: the refusal was printed, then about one run in nine died at interpreter exit
with ``terminate called without an active exception`` (exit 134). pyarrow's CSV reader had
been handed a Python file object; after a parse error its worker threads still held blocks
of Python bytes (and the file object), and released them after Python had begun to finalize:
taking the GIL then ends the thread with ``pthread_exit``, whose unwinding through a C++
destructor calls ``std::terminate``. The reader now gets memory Arrow owns.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

TARGET87 = Path(sys.executable).parent / "target87"
REFUSED = 2  # `target87 load`'s exit code for a file it refuses
RUNS = 12


def ragged_csv(path: Path) -> Path:
    """A CSV with our header that pyarrow parses block by block (6 MB) and refuses early, at
    a row with a cell too many: the other blocks are still being read and parsed then."""
    row = "SL_TLF_CHLDEC,BRA,2019,4.6\n"
    body = row * 1000 + row.replace("\n", ",9\n") + row * 240_000
    path.write_text("series,ref_area,time_period,value\n" + body, encoding="utf-8")
    return path


def bad_files(folder: Path) -> dict[str, Path]:
    rng = random.Random(87)
    junk = bytes(rng.getrandbits(8) for _ in range(65_536))
    files = {"ragged": ragged_csv(folder / "ragged.csv")}
    files["random"] = folder / "random.csv"
    files["random"].write_bytes(junk)
    files["png"] = folder / "picture.csv"  # a PNG renamed .csv
    files["png"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + junk[:4000])
    files["zip"] = folder / "archive.csv"  # a zip (not a workbook) renamed .csv
    with zipfile.ZipFile(files["zip"], "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", "not a workbook\n" * 100)
    files["truncated_xlsx"] = folder / "cut.xlsx"
    files["truncated_xlsx"].write_bytes(files["zip"].read_bytes()[:60])
    files["empty"] = folder / "empty.csv"
    files["empty"].write_bytes(b"")
    return files


def load(path: Path, database: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [str(TARGET87), "--database-url", f"sqlite:///{database}", "load", str(path)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_a_refused_file_never_aborts_the_command_at_exit(tmp_path):
    files = bad_files(tmp_path)
    # Most runs on the file pyarrow refuses (where the abort was), one on each other kind. The
    # race itself is provoked far more often by tests/interop/test_csv_refusal_exit.py (one run
    # in eight there against one in nine here); this test checks the command's own exit path.
    others = [name for name in files if name != "ragged"]
    plan = ["ragged"] * (RUNS - len(others)) + others
    assert len(plan) == RUNS
    database = tmp_path / "never-created.sqlite"
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda name: (name, load(files[name], database)), plan))
    aborted = [(n, r.returncode, r.stderr[-300:]) for n, r in results if r.returncode != REFUSED]
    assert not aborted, f"{len(aborted)} of {RUNS} runs did not end with the refusal, first: " + (
        repr(aborted[0]) if aborted else ""
    )
    for name, result in results:
        assert "Refused" in result.stderr, (name, result.stderr)
        assert "terminate called" not in result.stderr, (name, result.stderr)
    assert not database.exists()  # refused before the database was touched
