"""Chart specifications (Vega-Lite, built with Altair): what the web pages draw in the browser
and the reports and the command line render to SVG or PNG offline. Every spec function takes
plain data and words already in the reader's language, and returns a dict (or, for the
command line's progress chart, an Altair chart)."""

from target87.presentation.charts.common import (
    MAP_URL,
    NO_DATA,
    OBSERVED,
    PALETTE,
    PROJECTED,
    TARGET,
    TARGET_TEXT,
)
from target87.presentation.charts.indicators import (
    bars_spec,
    ranking_spec,
    ratification_timeline_spec,
    region_comparison_spec,
    series_by_sex_spec,
    world_child_labour_spec,
)
from target87.presentation.charts.maps import choropleth_spec, pathfinder_map_spec
from target87.presentation.charts.progress import progress_chart, save_chart
from target87.presentation.charts.risk import class_map_spec, d3_winding, risk_ranking_spec
from target87.presentation.charts.roadmap import roadmap_gantt_spec

__all__ = [
    "MAP_URL",
    "NO_DATA",
    "OBSERVED",
    "PALETTE",
    "PROJECTED",
    "TARGET",
    "TARGET_TEXT",
    "bars_spec",
    "choropleth_spec",
    "class_map_spec",
    "d3_winding",
    "pathfinder_map_spec",
    "progress_chart",
    "ranking_spec",
    "ratification_timeline_spec",
    "region_comparison_spec",
    "risk_ranking_spec",
    "roadmap_gantt_spec",
    "save_chart",
    "series_by_sex_spec",
    "world_child_labour_spec",
]
