"""Write src/target87/presentation/static/maps/small-states.json: the countries a world map
at 1:110m cannot show (absent from world-atlas' countries-110m.json, or smaller there than
SMALL_KM2), each with its M49 code, its name and a representative point, read from the
1:50m file, so that the maps can draw them as symbols that a reader can hover or tap. The
few countries and territories the 1:50m file lacks too (Tuvalu, Tokelau, Gibraltar,
Réunion, ...) get the point world-countries gives them (``latlng``, ODbL, as the area names).

Plain json and a little spherical geometry: no GIS library. Run from the repository:

    .venv/bin/python scripts/make_small_states.py [BOUNDARIES_FOLDER [COUNTRIES_JSON]]

BOUNDARIES_FOLDER (default /work/shared/data/boundaries) holds countries-50m.json and
countries-110m.json of world-atlas 2.0.2 (ISC licence; Natural Earth, public domain);
COUNTRIES_JSON (default /work/shared/data/countries/countries.json) is world-countries 5.1.0.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "target87" / "presentation" / "static" / "maps" / "small-states.json"
DEFAULT_FOLDER = Path("/work/shared/data/boundaries")
DEFAULT_COUNTRIES = Path("/work/shared/data/countries/countries.json")
#: A country drawn at 1:110m on less than this many km² is a few pixels on a page-wide world
#: map (Luxembourg, Cyprus, Qatar, Jamaica, Trinidad and Tobago, ...): it gets a symbol too.
SMALL_KM2 = 20_000
EARTH_RADIUS_KM = 6371.0088


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The arcs of a quantized, delta-encoded TopoJSON topology in longitude/latitude."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict, arcs) -> list[list[list[tuple[float, float]]]]:
    """A geometry's polygons, each a list of rings (the first the outer one)."""
    if geometry.get("type") == "Polygon":
        return [[ring(r, arcs) for r in geometry["arcs"]]]
    if geometry.get("type") == "MultiPolygon":
        return [[ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
    return []


def ring_km2(points: list[tuple[float, float]]) -> float:
    """The area of a small ring on the sphere (equal-area cylindrical approximation)."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        total += math.radians(x1 - x0) * (
            2 + math.sin(math.radians(y0)) + math.sin(math.radians(y1))
        )
    return abs(total) * EARTH_RADIUS_KM**2 / 2


def polygon_km2(polygon: list[list[tuple[float, float]]]) -> float:
    outer, *holes = polygon
    return max(0.0, ring_km2(outer) - sum(ring_km2(h) for h in holes))


def planar_centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:  # a degenerate ring: the mean of its points
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    return cx / (3 * area), cy / (3 * area)


def inside(point: tuple[float, float], polygon: list[list[tuple[float, float]]]) -> bool:
    """Even-odd rule over every ring (holes included)."""
    x, y = point
    hit = False
    for points in polygon:
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                hit = not hit
    return hit


def representative_point(polygon: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """The outer ring's centroid when it falls inside the polygon; otherwise the middle of the
    widest stretch of land on the centroid's parallel (a crescent, an atoll's rim)."""
    centre = planar_centroid(polygon[0])
    if inside(centre, polygon):
        return centre
    y = centre[1]
    crossings = sorted(
        x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        for points in polygon
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False)
        if (y0 > y) != (y1 > y)
    )
    spans = list(zip(crossings[::2], crossings[1::2], strict=False))
    if not spans:
        return polygon[0][0]
    left, right = max(spans, key=lambda s: s[1] - s[0])
    return (left + right) / 2, y


def bbox(polygons_: list) -> list[float]:
    xs = [x for polygon in polygons_ for r in polygon for x, _ in r]
    ys = [y for polygon in polygons_ for r in polygon for _, y in r]
    return [min(xs), min(ys), max(xs), max(ys)]


def country_shapes(topology: dict) -> dict[str, tuple[str, list]]:
    """M49 id -> (name, polygons) of every country of a world-atlas file that has an id."""
    arcs = decode_arcs(topology)
    return {
        g["id"]: (g["properties"]["name"], polygons(g, arcs))
        for g in topology["objects"]["countries"]["geometries"]
        if g.get("id")
    }


def small_states(fine: dict, coarse: dict) -> list[dict]:
    """The countries of the 1:50m file that the 1:110m file lacks or draws under SMALL_KM2."""
    shapes50, shapes110 = country_shapes(fine), country_shapes(coarse)
    out = []
    for m49, (name, parts) in sorted(shapes50.items()):
        if not parts:
            continue
        drawn = shapes110.get(m49)
        if drawn is not None and sum(polygon_km2(p) for p in drawn[1]) >= SMALL_KM2:
            continue
        largest = max(parts, key=polygon_km2)
        lon, lat = representative_point(largest)
        out.append(
            {
                "id": m49,
                "name": name,
                "lon": round(lon, 3),
                "lat": round(lat, 3),
                "bbox": [round(v, 3) for v in bbox(parts)],
                "in110m": drawn is not None,
                "from": "world-atlas 50m",
            }
        )
    return out


def missing_states(fine: dict, countries: list[dict]) -> list[dict]:
    """The countries of world-countries with an M49 code that the 1:50m file lacks, at the
    point world-countries gives them."""
    ids = set(country_shapes(fine))
    return [
        {
            "id": c["ccn3"],
            "name": c["name"]["common"],
            "lon": round(c["latlng"][1], 3),
            "lat": round(c["latlng"][0], 3),
            "in110m": False,
            "from": "world-countries latlng",
        }
        for c in countries
        if c.get("ccn3") and c["ccn3"] not in ids and c.get("latlng")
    ]


def main(folder: Path = DEFAULT_FOLDER, countries_json: Path = DEFAULT_COUNTRIES) -> None:
    fine = json.loads((folder / "countries-50m.json").read_text(encoding="utf-8"))
    coarse = json.loads((folder / "countries-110m.json").read_text(encoding="utf-8"))
    countries = json.loads(countries_json.read_text(encoding="utf-8"))
    states = small_states(fine, coarse) + missing_states(fine, countries)
    states.sort(key=lambda s: s["id"])
    text = json.dumps(states, ensure_ascii=False, separators=(",", ":"))
    OUT.write_text(text.replace("},{", "},\n{") + "\n", encoding="utf-8")
    print(f"{len(states)} small states -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:3]))
