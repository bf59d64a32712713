"""The maps' classes, "no data", small states and Vega specs (issue 18, item 4), without a
browser: classes from the values, every country of the map drawn (grey and "No data" where it
has no value, never 0), the small states' points, and the specs drawn by vl-convert."""

from __future__ import annotations

import json
import math
import re
from importlib import resources

import pandas as pd
import pytest
import vl_convert as vlc

from target87.presentation.charts import choropleth_spec, class_map_spec, pathfinder_map_spec
from target87.presentation.charts.common import NO_DATA
from target87.presentation.charts.maps import (
    class_breaks,
    class_labels,
    classify,
    inline_data,
    small_states,
    world_countries,
)

BOUNDARIES = "/work/shared/data/boundaries/countries-50m.json"


@pytest.mark.parametrize(
    "values",
    [
        [0.4, 1.2, 3.3, 5.0, 7.7, 12.9, 19.5, 25.0, 38.1, 43.2],
        [1054, 20_000, 350_000, 2_700_000, 12_345_678],
        [0.012, 0.015, 0.03, 0.08],
        [5.0, 5.0, 5.0],
        [7.3],
    ],
)
def test_breaks_are_monotone_and_cover_every_value(values):
    breaks = class_breaks(values)
    assert breaks[0] <= min(values) and breaks[-1] >= max(values)
    assert all(a < b for a, b in zip(breaks, breaks[1:], strict=False)) or len(set(breaks)) == 1
    assert len(breaks) - 1 <= 5
    for v in values:
        assert classify(v, breaks) is not None
    assert classify(None, breaks) is None and classify(float("nan"), breaks) is None


def test_breaks_without_values_and_nan_ignored():
    assert class_breaks([]) == [] and class_breaks([None, float("nan")]) == []
    assert class_breaks([1.0, float("nan"), 9.0])[-1] >= 9


def test_class_labels_in_each_language():
    breaks = [0, 2.5, 10, 20]
    assert class_labels(breaks, "en", "%") == ["0–2.5 %", "2.5–10 %", "10–20 %"]
    assert class_labels(breaks, "fr", "%") == ["0–2,5\u00a0%", "2,5–10\u00a0%", "10–20\u00a0%"]
    assert class_labels(breaks, "es", "%")[0] == "0–2,5\u00a0%"
    assert class_labels([1000, 25000], "en", "") == ["1,000–25,000"]
    assert class_labels([1000, 25000], "fr", "") == ["1\u202f000–25\u202f000"]


def frame(ids: list[str], values: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "m49": ids,
            "name": [f"Country {i}" for i in ids],
            "value": [float("nan") if v is None else v for v in values],
            "year": ["2019" if v is not None else "" for v in values],
            "source": ["un_sdg_871" if v is not None else "" for v in values],
        }
    )


def choropleth(lang: str = "en") -> dict:
    ids = sorted(world_countries())[:60] + ["702", "470", "462"]
    values = [None if i % 7 == 0 else 0.05 + 0.07 * i for i in range(len(ids))]
    values[ids.index("470")] = None  # Malta: no data
    return choropleth_spec(
        frame(ids, values),
        "Child labour",
        "%",
        "no data",
        lang=lang,
        sources={"un_sdg_871": "UNSD (2020)"},
    )


def scene_items(spec: dict, mark: str) -> list[dict]:
    """The items of the mark named ``mark`` in vl-convert's scenegraph."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("name") == mark and "items" in node:
                found.extend(node["items"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(vlc.vega_to_scenegraph(inline_data(spec)))
    return found


def test_every_country_is_drawn_and_none_without_a_value_reads_as_zero():
    spec = choropleth()
    shapes = scene_items(spec, "shapes")
    topo = json.loads(
        (resources.files("target87.presentation") / "static/maps/countries-110m.json").read_text()
    )
    assert len(shapes) == len(topo["objects"]["countries"]["geometries"])
    colours = dict(zip(spec["scales"][0]["domain"], spec["scales"][0]["range"], strict=True))
    assert colours["No data"] == NO_DATA and list(colours)[-1] == "No data"
    given = {r["m49"]: r for r in next(d for d in spec["data"] if d["name"] == "rows")["values"]}
    for item in shapes:
        label = item["description"]
        assert item["fill"] in colours.values()
        if "Year: " in label:
            assert item["fill"] != NO_DATA
            assert "Source: UNSD (2020)" in label  # the short citation, not the id
        else:
            assert item["fill"] == NO_DATA and "Value: no data" in label, label
            assert not re.search(r"Value: 0(\.0)? ?%", label)
    rows = [r for r in given.values() if r["value"] is None]
    assert rows and all(r["shown"] == "no data" and not r["source"] for r in rows)


def test_small_states_are_symbols_coloured_like_the_countries():
    spec = choropleth()
    symbols = {i["description"].split(";")[0]: i for i in scene_items(spec, "small_states")}
    assert "Country 702" in symbols and "Country 462" in symbols
    assert (
        symbols["Country 702"]["fill"] != NO_DATA
        and "Year: 2019" in symbols["Country 702"]["description"]
    )
    assert symbols["Country 470"]["fill"] == NO_DATA  # Malta: no data, grey, still there
    assert all(math.isfinite(s["x"]) and math.isfinite(s["y"]) for s in symbols.values())


def _bboxes() -> dict[str, list[float]]:
    """M49 -> [west, south, east, north] of each country of the 1:50m file."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_small_states.py"
    spec = importlib.util.spec_from_file_location("make_small_states", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(BOUNDARIES, encoding="utf-8") as f:
        shapes = module.country_shapes(json.load(f))
    return {m49: module.bbox(parts) for m49, (_, parts) in shapes.items() if parts}


def test_small_states_file_lists_the_small_states_inside_their_boundaries():
    states = {s["id"]: s for s in small_states()}
    for m49 in ("702", "470", "462", "052", "798", "048", "480", "020", "438"):
        assert m49 in states, m49
    assert "702" not in world_countries() and "470" not in world_countries()
    try:
        boxes = _bboxes()
    except FileNotFoundError:
        pytest.skip(f"{BOUNDARIES} not here (the team's snapshot)")
    for m49, state in states.items():
        if m49 not in boxes:  # not in the 1:50m file (Tuvalu): world-countries' point
            assert state["from"] == "world-countries latlng"
            continue
        west, south, east, north = boxes[m49]
        assert west <= state["lon"] <= east and south <= state["lat"] <= north, state


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_map_renders_with_its_legend_classes_and_no_data(lang):
    svg = vlc.vega_to_svg(inline_data(choropleth(lang)))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    no_data = {"en": "No data", "fr": "Pas de données", "es": "Sin datos"}[lang]
    assert no_data in texts
    ranges = [t for t in texts if re.fullmatch(r"[\d.,\u202f]+–[\d.,\u202f]+(\s|\u00a0)%", t)]
    assert len(ranges) >= 3, texts
    if lang != "en":
        assert any("," in r for r in ranges) and not any("." in r for r in ranges)


def test_the_spec_is_vega_and_fetches_only_the_sites_files():
    spec = choropleth()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega/")
    urls = [d["url"] for d in spec["data"] if "url" in d]
    assert urls and all(u.startswith("/static/maps/") for u in urls)
    assert not any("url" in d for d in inline_data(spec)["data"])
    zoom = next(s for s in spec["signals"] if s["name"] == "zoom")
    assert zoom["bind"]["input"] == "range"  # the keyboard's way to zoom


def test_pathfinder_map_renders_with_status_year_and_source():
    areas = pd.DataFrame(
        {
            "m49": ["076", "702", "250"],
            "name": ["Brazil", "Singapore", "France"],
            "pathfinder": [True, False, True],
            "year": [2025, 2025, 2025],
            "source": ["alliance87_pathfinders_2025"] * 3,
            "cite": ["Alliance 8.7 (2025)"] * 3,
        }
    )
    labels = {"yes": "Pathfinder", "no": "Other countries", "legend": ""}
    spec = pathfinder_map_spec(areas, "Pathfinders", labels, "text")
    shapes = {i["description"].split(";")[0]: i for i in scene_items(spec, "shapes")}
    assert (
        "Status: Pathfinder; Year: 2025; Source: Alliance 8.7 (2025)"
        in (shapes["Brazil"]["description"])
    )
    assert "Singapore" in {
        i["description"].split(";")[0] for i in scene_items(spec, "small_states")
    }


def test_risk_map_says_suppressed_and_no_data():
    square = [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[x + p[0], p[1]] for p in square[0]]]},
            "properties": {"territory": f"T{x}", "risk": 0.05, "lo90": 0.04, "hi90": 0.06, **extra},
        }
        for x, extra in enumerate(
            [{"class": "low"}, {"class": None, "disclosure": "suppressed"}, {"class": None}]
        )
    ]
    spec = class_map_spec(
        {"type": "FeatureCollection", "features": features},
        ["low", "high"],
        "map",
        "text",
        "suppressed",
        lang="es",
        source="run 1",
        year=2026,
    )
    svg = vlc.vega_to_svg(inline_data(spec))
    assert "Sin datos" in svg and "Suprimido" in svg and "Clase de riesgo" in svg
    labels = [i["description"] for i in scene_items(spec, "shapes")]
    assert labels[0].startswith("T0; Clase de riesgo: low; Riesgo (intervalo del 90 %): 5,0")
    assert "Año: 2026; Fuente: run 1" in labels[0]
