"""The CSV reader's refusal leaves no pyarrow thread holding Python objects (issue 14, item 7).

pyarrow used to read our text through a Python file object. After a parse error its worker
threads went on reading and parsing the blocks already under way, and released those blocks
of Python bytes (and the file object) later, taking the GIL to do so. When that happened
after the interpreter had begun to finalize, the thread ended with ``pthread_exit``, and the
unwinding through a C++ destructor called ``std::terminate``: exit code 134, "terminate
called without an active exception", after the refusal had been printed.

A real process calls the real loader and exits at once with the main thread busy in C code
(``sum`` over a range keeps the GIL) and a long switch interval: a worker thread that still
needs the GIL then only gets it once finalization has started, so the old race is lost far
more often than in the command line's exit (one run in eight here, against one in hundreds).
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cli.test_refusal_exit import ragged_csv

RUNS = 30
CHILD = """
import sys
sys.setswitchinterval(1.0)
from pathlib import Path
from target87.ingest import LoadError
from target87.interop import read_any
try:
    read_any(Path(sys.argv[1]))
except LoadError as exc:
    assert "more cells than header columns" in str(exc), str(exc)
    sum(range(3_000_000))
    sys.exit(2)
sys.exit("the file was not refused")
"""


def refuse(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_the_csv_refusal_leaves_no_thread_to_abort_the_exit(tmp_path):
    path = ragged_csv(tmp_path / "ragged.csv")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: refuse(path), range(RUNS)))
    bad = [(r.returncode, r.stderr[-300:]) for r in results if r.returncode != 2]
    assert not bad, f"{len(bad)} of {RUNS} runs did not exit 2 after the refusal, first: " + (
        repr(bad[0]) if bad else ""
    )
