"""A chart as the site publishes it: its spec with its title, units and sources (a
``ChartFigure``), and what is made of it for readers who take it away: an SVG or PNG drawn on
the server by vl-convert (the same Vega and Vega-Lite as the vendored bundle; nothing fetched:
the map shapes the spec names by URL are read from the package), framed with the title, the
units and the source line, and the rows the chart shows, for a CSV with a citation on each row.

Vega-Lite specs (Altair's) and full Vega specs (``"$schema"`` ``.../vega/v5.json``) are both
accepted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

from target87.presentation.rendering import STATIC

WIDTH = 640  # plot width of a chart drawn on the server ("container" has no width there)
# Columns the specs carry for drawing only: a pixel offset, a number written as text, the
# legend entry of a marker (a roadmap's overdue actions: the row's "overdue" says it).
HELPER_COLUMNS = {"dodge", "shown", "flag"}
# A column's words in the page's language: the message key of each field the specs use.
COLUMN_KEYS = {
    "year": "year",
    "value": "value",
    "name": "name",
    "area": "area",
    "label": "chart_col_label",
    "region": "region",
    "sex_label": "sex",
    "kind": "chart_col_kind",
    "lower_bound": "chart_col_lower",
    "upper_bound": "chart_col_upper",
    "lower": "chart_col_lower",
    "upper": "chart_col_upper",
    "lo90": "chart_col_lower",
    "hi90": "chart_col_upper",
    "measure": "series",
    "series": "series",
    "status": "status",
    "instrument": "instrument",
    "territory": "chart_col_territory",
    "risk": "risk",
    "action": "action",
    "commitment": "commitment",
    "owner": "owner",
    "start": "start",
    "due": "due",
    "overdue": "overdue",
    "today": "today",
    "part": "chart_col_part",
    "method": "chart_col_method",
    "band": "chart_col_band",
    "conf": "chart_col_conf",
}
# Code columns: named "<words> (code)".
CODE_KEYS = {"sex": "sex", "code": "area", "m49": "chart_col_m49", "ref_area": "area"}


@dataclass
class ChartFigure:
    """One chart of a page: ``id`` (its element id, unique on the page), the spec, the title
    and units in the page's language, and the sources of the rows that carry none of their own
    (source ids of the store, or a citation written out)."""

    id: str
    spec: dict
    title: str
    unit: str = ""
    sources: list[str] = field(default_factory=list)
    description: str = ""
    # Filled by the web for the page it is drawn on (web.site.figures): (source id, short
    # citation, licence, full citation) of each source, and the chart's addresses.
    credits: list[tuple[str, str, str, str]] = field(default_factory=list)
    links: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.description:
            self.description = str(self.spec.get("description") or self.title)

    @property
    def page_spec(self) -> dict:
        """The spec drawn on the page: without its title, which the page writes as text."""
        return untitled(self.spec)

    def source_ids(self) -> list[str]:
        """The sources of every row (its own, else the figure's), in order of first use."""
        ids = list(self.sources)
        for row in chart_rows(self.spec):
            if row.get("source"):
                ids.append(str(row["source"]))
        return list(dict.fromkeys(ids))


def is_vega(spec: dict) -> bool:
    """A full Vega spec (not Vega-Lite)."""
    return "/vega/" in str(spec.get("$schema", ""))


def untitled(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "title"}


@cache
def _static_json(path: str):
    file = (STATIC / path).resolve()
    if STATIC.resolve() not in file.parents:
        raise ValueError(f"not a static file: {path}")
    return json.loads(file.read_text(encoding="utf-8"))


def server_spec(spec: dict, width: int = WIDTH) -> dict:
    """``spec`` ready for vl-convert: data named by a site URL ("/static/...") replaced by the
    file's values read from the package (never fetched), and a "container" width by ``width``."""

    def walk(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "url" and isinstance(value, str) and value.startswith("/static/"):
                    out["values"] = _static_json(value.removeprefix("/static/"))
                elif key == "width" and value == "container":
                    out[key] = width
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(spec)


def _vlc():
    import vl_convert as vlc

    return vlc


def render_svg(spec: dict, lang: str = "en") -> str:
    """The chart alone, as SVG, numbers written as ``lang`` writes them."""
    vlc = _vlc()
    ready = server_spec(spec)
    locale = {"en": "en-US", "fr": "fr-FR", "es": "es-ES"}.get(lang, "en-US")
    if is_vega(ready):
        return vlc.vega_to_svg(ready, format_locale=locale)
    return vlc.vegalite_to_svg(ready, format_locale=locale)


def format_locale(lang: str) -> dict:
    """d3-format's locale for ``lang`` (the browser's interactive view uses the same)."""
    locale = {"en": "en-US", "fr": "fr-FR", "es": "es-ES"}.get(lang, "en-US")
    return _vlc().get_format_locale(locale)


_SIZE = re.compile(r'<svg[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"')


def svg_size(svg: str) -> tuple[int, int]:
    match = _SIZE.search(svg)
    if not match:
        return WIDTH, 300
    return round(float(match.group(1))), round(float(match.group(2)))


def _wrap(text: str, chars: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > chars:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    return [line for line in lines if line]


def framed_svg(chart_svg: str, title: str, unit: str, footer: Iterable[str]) -> str:
    """The chart with its title and units above it and the source lines under it, as one SVG
    (what a reader downloads: it says what it shows and where it comes from)."""
    width, height = svg_size(chart_svg)
    pad = 16
    width = max(width + pad, 480)
    chars = max(40, int((width - 2 * pad) / 6.2))
    parts, y = [], pad
    for line in _wrap(title, int(chars * 0.7)):
        y += 20
        parts.append(
            f'<text x="{pad}" y="{y}" font-size="17" font-weight="bold" fill="#1a1a1a">'
            f"{escape(line)}</text>"
        )
    if unit:
        y += 18
        parts.append(f'<text x="{pad}" y="{y}" font-size="13" fill="#555555">{escape(unit)}</text>')
    y += 8
    inner = re.sub(r"^<\?xml[^>]*>\s*", "", chart_svg.strip())
    inner = re.sub(r"^<svg\b", f'<svg x="0" y="{y}"', inner, count=1)
    parts.append(inner)
    y += height + 4
    for text in footer:
        for line in _wrap(text, chars):
            y += 15
            parts.append(
                f'<text x="{pad}" y="{y}" font-size="11" fill="#555555">{escape(line)}</text>'
            )
    y += pad
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{width}" height="{y}" viewBox="0 0 {width} {y}" '
        f'font-family="sans-serif"><title>{escape(title)}</title>'
        f'<rect width="{width}" height="{y}" fill="white"/>' + "".join(parts) + "</svg>"
    )


def svg_to_png(svg: str, scale: float = 2) -> bytes:
    return _vlc().svg_to_png(svg, scale=scale)


# The rows a chart shows.


def _datasets(spec: dict) -> list[tuple[str, list]]:
    """(part, rows) of each dataset the spec draws from, in order of first use; ``part`` is
    the name of the first view (layer, Vega data set) that uses it."""
    if is_vega(spec):
        return [
            (d.get("name", ""), list(d["values"]))
            for d in spec.get("data", [])
            if isinstance(d.get("values"), list) and not d.get("source")
        ]
    named = spec.get("datasets", {})
    found: dict[str, tuple[str, list]] = {}

    def walk(node, view: str) -> None:
        if isinstance(node, dict):
            view = node.get("name", view) if isinstance(node.get("name"), str) else view
            data = node.get("data")
            if isinstance(data, dict):
                if isinstance(data.get("name"), str) and data["name"] in named:
                    found.setdefault(data["name"], (view, named[data["name"]]))
                elif isinstance(data.get("values"), list):
                    found.setdefault(f"inline-{id(data)}", (view, data["values"]))
            for key, value in node.items():
                if key != "datasets":
                    walk(value, view)
        elif isinstance(node, list):
            for value in node:
                walk(value, view)

    walk(spec, "")
    for name, rows in named.items():  # a dataset no view names (should not happen)
        found.setdefault(name, ("", rows))
    return list(found.values())


def _flat(row) -> dict:
    if isinstance(row, dict) and isinstance(row.get("properties"), dict) and "geometry" in row:
        return dict(row["properties"])  # a GeoJSON feature: its properties are the data
    return dict(row) if isinstance(row, dict) else {"value": row}


def chart_rows(spec: dict) -> list[dict]:
    """Every row the chart shows, once: the rows of its datasets (a row drawn by two layers,
    points and error bars, is one row), without the columns kept for drawing only and
    without the rows of areas that have no value (a map draws them grey, "no data"). With
    datasets of different kinds (observed values, a projection, a target), each row says
    which ("part", the layer's name)."""
    sets = _datasets(spec)
    parts = {part for part, rows in sets if rows}
    out: list[dict] = []
    seen: set[str] = set()
    for part, rows in sets:
        for raw in rows:
            row = {k: v for k, v in _flat(raw).items() if k not in HELPER_COLUMNS}
            if "value" in row and row["value"] is None and not row.get("source"):
                continue
            key = json.dumps(row, sort_keys=True, default=str)
            if key in seen:  # the same row drawn twice (a point and its error bar)
                continue
            seen.add(key)
            out.append({"part": part, **row} if len(parts) > 1 else row)
    return out


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def chart_csv(
    figure: ChartFigure,
    t: Callable[[str], str],
    citation: Callable[[str], str],
    part_words: Callable[[str], str] = lambda part: part,
) -> str:
    """The CSV of ``figure``: the rows it shows, columns named in the page's language (codes
    kept, beside their words), and for every row its source id and full citation (the row's
    own source, else the figure's)."""
    rows = chart_rows(figure.spec)
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns and k != "source")

    def header(name: str) -> str:
        if name in CODE_KEYS:
            return t("chart_col_code").format(name=t(CODE_KEYS[name]))
        words = t(COLUMN_KEYS[name]) if name in COLUMN_KEYS else name
        if name in ("value", "lower_bound", "upper_bound", "lower", "upper") and figure.unit:
            words = f"{words} ({figure.unit})"
        return words

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header(c) for c in columns] + [t("source_id"), t("chart_col_citation")])
    shared = list(dict.fromkeys(figure.sources))
    for row in rows:
        ids = [str(row["source"])] if row.get("source") else shared
        cells = [
            part_words(_cell(row.get(c))) if c == "part" else _cell(row.get(c)) for c in columns
        ]
        writer.writerow([*cells, "; ".join(ids), " | ".join(citation(i) for i in ids)])
    return buffer.getvalue()


def drawn_size(spec: dict, svg: str | None = None) -> tuple[int, int]:
    """The size of the chart's image: the SVG's when it was drawn, else a guess from the spec
    (the page reserves the space; the browser keeps the image's own proportions once loaded)."""
    if svg:
        return svg_size(svg)
    height = spec.get("height")
    if not isinstance(height, (int, float)):
        rows = max((len(r) for _, r in _datasets(spec)), default=10)
        height = 20 * min(rows, 30)
    return WIDTH + 60, int(height) + 60
