"""The roadmap of a Pathfinder Country as a Gantt chart: each action from its start to its due
date, coloured by status, overdue ones marked."""

from __future__ import annotations

import copy
import json
from datetime import date
from functools import lru_cache

import altair as alt
import pandas as pd

from target87.presentation.charts.common import OBSERVED, PROJECTED, TARGET

STATUS_COLOURS = ["#56B4E9", OBSERVED, TARGET, PROJECTED, "#999999"]
OVERDUE = "#D55E00"


def roadmap_gantt_spec(
    rows: pd.DataFrame, title: str, description: str, labels: dict, today: date
) -> dict:
    """A roadmap's actions as bars from start to due date, coloured by status, with a marker
    on each overdue action's due date and a dashed rule at ``today``.

    ``rows`` has columns action, commitment, owner, start, due (ISO dates), status (the
    translated label) and overdue (bool); ``labels`` holds "overdue", "today", "status" and
    "statuses" (the translated labels of every status, in order, for a stable legend).
    """
    # The same roadmap is drawn again and again between its edits: the spec is kept by its
    # inputs (building it through Altair costs more than serving the page).
    records = rows[["action", "commitment", "owner", "start", "due", "status", "overdue"]]
    payload = json.dumps(
        [records.to_dict("records"), title, description, labels, today.isoformat()],
        sort_keys=True,
        default=str,
    )
    return copy.deepcopy(_gantt(payload))


@lru_cache(maxsize=64)
def _gantt(payload: str) -> dict:
    records, title, description, labels, today = json.loads(payload)
    data = pd.DataFrame(
        records, columns=["action", "commitment", "owner", "start", "due", "status", "overdue"]
    )
    y = alt.Y("action:N", title="", sort=None, axis=alt.Axis(labelLimit=260))
    # The dates as given (ISO): a temporal tooltip is written "Jan 15, 2023", in English on
    # every page, and in local time, a day early west of UTC.
    tooltip = ["action:N", "commitment:N", "owner:N", "start:N", "due:N", "status:N"]
    bars = (
        alt.Chart(data, name="actions")
        .mark_bar(height={"band": 0.6})
        .encode(
            # Years only: Vega writes month names in English whatever the page's language.
            x=alt.X("start:T", title="", axis=alt.Axis(format="%Y", tickCount="year")),
            x2="due:T",
            y=y,
            color=alt.Color(
                "status:N",
                title=labels["status"],
                scale=alt.Scale(domain=labels["statuses"], range=STATUS_COLOURS),
            ),
            tooltip=tooltip,
        )
    )
    late = data[data["overdue"]].assign(flag=labels["overdue"])
    markers = (
        alt.Chart(late, name="overdue")
        .mark_point(shape="diamond", filled=True, size=140, color=OVERDUE, opacity=1)
        .encode(
            x="due:T",
            y=y,
            shape=alt.Shape("flag:N", title="", scale=alt.Scale(range=["diamond"])),
            tooltip=tooltip,
        )
    )
    now = pd.DataFrame({"today": [today], "label": [labels["today"]]})
    rule = (
        alt.Chart(now, name="today")
        .mark_rule(strokeDash=[4, 4], color="#444444")
        .encode(x="today:T", tooltip=["label:N", "today:N"])
    )
    chart = alt.layer(bars, markers, rule).properties(
        title=title, width="container", height=max(80, 26 * len(data)), description=description
    )
    return chart.to_dict(validate=False)
