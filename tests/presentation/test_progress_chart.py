"""The progress chart renders offline and holds the target line and every observed point."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from target87.presentation.charts import progress_chart, save_chart

OBSERVED = pd.Series(
    [245.5, 222.3, 215.3, 168.0, 151.6, 160.0, 137.6],
    index=[2000, 2004, 2008, 2012, 2016, 2020, 2024],
)
PROJECTION = pd.DataFrame(
    {"year": [2024, 2030], "value": [137.6, 117.0], "lower": [137.6, 95.0], "upper": [137.6, 140.0]}
)


def _group(svg: str, name: str) -> str:
    match = re.search(rf'<g class="mark-\w+ role-mark {name}_marks"[^>]*>(.*?)</g>', svg, re.S)
    assert match, f"no {name} layer"
    return match.group(1)


def test_svg_has_target_line_projection_and_each_observed_point(tmp_path):
    chart = progress_chart(
        OBSERVED,
        title="Child labour, world",
        unit_label="millions",
        projection=PROJECTION,
        target=0,
        target_year=2025,
    )
    svg = save_chart(chart, tmp_path / "c.svg").read_text()
    points = _group(svg, "observed")
    for year, value in OBSERVED.items():
        assert f'aria-label="Year: {year}; millions: {value:g};' in points
    assert points.count("<path") == len(OBSERVED)
    assert "<line" in _group(svg, "target") or "<path" in _group(svg, "target")
    assert "target 0 by 2025" in svg
    _group(svg, "projection_band")
    assert "http" not in re.sub(r'xmlns(:\w+)?="[^"]+"', "", svg)  # nothing fetched or linked


def test_png_renders_and_other_suffixes_are_refused(tmp_path):
    chart = progress_chart(OBSERVED, title="t", unit_label="millions")
    assert save_chart(chart, tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=".svg or .png"):
        save_chart(chart, tmp_path / "c.pdf")
