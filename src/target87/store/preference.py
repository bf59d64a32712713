"""Which of several sources' values is shown by default: a pure rule, documented here.

Two sources may hold a value for the same series, area, sex, age, urbanisation and breakdown
and an
overlapping period (the UN SDG database gives Brazil 2016; UNICEF's SOWC 2023 gives "latest
2013-2021"). Both are kept. By default a value is hidden when another source with a *better
rank* has a value for the same cell whose period overlaps it. Rank is the source's ``priority``
(lower is better: the custodian's database before a report table), then the source id so the
choice is stable. A period of ``unknown`` overlaps everything. Values from one source never
hide each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

CELL = ("series", "ref_area", "sex", "age", "urbanisation", "breakdown")


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a["year_from"] is None or b["year_from"] is None:
        return True
    return a["year_from"] <= b["year_to"] and b["year_from"] <= a["year_to"]


def preferred_flags(rows: Sequence[dict[str, Any]]) -> list[bool]:
    """For each row (with the CELL keys, year_from, year_to, source, priority), whether it is
    shown by default."""
    cells: dict[tuple, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        # Rows from before breakdowns (a caller's own dicts) have none: the total.
        cells[(*(row[k] for k in CELL[:-1]), row.get("breakdown", "_T"))].append(i)
    flags = [True] * len(rows)
    for members in cells.values():
        if len({rows[i]["source"] for i in members}) < 2:
            continue
        for i in members:
            rank_i = (rows[i]["priority"], rows[i]["source"])
            for j in members:
                rank_j = (rows[j]["priority"], rows[j]["source"])
                other_source = rows[j]["source"] != rows[i]["source"]
                if rank_j < rank_i and other_source and _overlap(rows[i], rows[j]):
                    flags[i] = False
                    break
    return flags
