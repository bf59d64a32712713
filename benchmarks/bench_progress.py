"""Status and projections for every country x series x sex in the bundled snapshot.

    .venv/bin/python benchmarks/bench_progress.py

Target: under 2 seconds on this machine. Printed beside the same work done series by
series with the one-series functions (the baseline a straightforward loop would give).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from target87 import store
from target87.ingest import init_database
from target87.progress import progress_status, project
from target87.progress.data import all_points
from target87.progress.report import projections_all, status_all
from target87.store import models as M

TARGET_SECONDS = 2.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = store.make_engine(f"sqlite:///{Path(tmp) / 'w.sqlite'}")
        init_database(engine)
        with Session(engine) as s:
            start = time.perf_counter()
            status = status_all(s)
            projections = projections_all(s)
            ours = time.perf_counter() - start

            start = time.perf_counter()
            points = all_points(s)
            targets = {x.code: x for x in s.query(M.Series)}
            n = 0
            for (code, _area, _sex, _age), part in points.groupby(["series", "area", "sex", "age"]):
                values = dict(zip(part["year"], part["value"], strict=True))
                info = targets[code]
                for fn in (
                    lambda v=values, i=info: progress_status(
                        v, i.target_value or 0, i.target_year or 2030
                    ),
                    lambda v=values: project(v, method="log-linear"),
                    lambda v=values: project(v, method="linear"),
                ):
                    # One point, zeros...: the edge cases the vectorised path notes.
                    with contextlib.suppress(ValueError):
                        fn()
                n += 1
            loop = time.perf_counter() - start
        engine.dispose()
    series_count = status[["series", "area", "sex"]].drop_duplicates().shape[0]
    print(
        f"target87 progress benchmark ({series_count} country x series x sex with a target; "
        f"{len(projections)} projected values; target < {TARGET_SECONDS:.0f} s)"
    )
    print(f"{'path':55} {'seconds':>8}")
    verdict = "meets target" if ours < TARGET_SECONDS else "MISSES target"
    print(f"{'status_all + projections_all (vectorised, from the DB)':55} {ours:8.2f}  {verdict}")
    print(f"{'baseline: one-series functions in a loop (' + str(n) + ' series)':55} {loop:8.2f}")


if __name__ == "__main__":
    main()
