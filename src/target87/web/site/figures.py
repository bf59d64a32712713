"""Charts as things a reader takes away, for every room's pages: each chart has an address,
``/charts/<page>/<chart id>.<svg|png|csv>`` with the page's own query (``<page>`` is the page's
path, ``home`` for ``/``), and an embeddable page, ``/embed/<page>/<chart id>``.

A room serves them by giving ``chart_file`` and ``embed_page`` the function that builds its
page's charts (``ChartFigure``\\ s) for a request: the very function its page handler uses.
Figures and drawings are kept in memory under the data version, like the pages
(``cache.cached_page``): a load makes them stale at once. A private chart (a signed-in page's,
``chart_file(..., private=True)``) is neither kept nor embeddable: its room checks the reader's
rights before, and its build runs for every file.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from target87.presentation import citation_text, content_text, translator
from target87.presentation.charts.figure import (
    ChartFigure,
    chart_csv,
    drawn_size,
    format_locale,
    framed_svg,
    render_svg,
    svg_to_png,
)
from target87.web.site.cache import data_version
from target87.web.site.labels import source_labels
from target87.web.site.language import choose
from target87.web.site.render import render

Build = Callable[[], "list[ChartFigure] | None"]
FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "csv": "text/csv; charset=utf-8",
}
RESERVED = {"lang", "bare"}  # query parameters of the chart files, not of the page
MAX_FIGURES = 64
MAX_FILES = 256
_LOCK = threading.Lock()


_WARM = threading.Event()


def warm_renderer() -> None:
    """Start vl-convert's JavaScript engine in the background, once per process: its first
    drawing takes about a second, which the first reader's chart would otherwise wait."""
    if _WARM.is_set():
        return
    _WARM.set()

    def warm() -> None:
        spec = {"data": {"values": [{"x": 1}]}, "mark": "point"}
        # A failure shows on the first real chart instead.
        with contextlib.suppress(Exception):
            render_svg({**spec, "encoding": {"x": {"field": "x", "type": "quantitative"}}})

    threading.Thread(target=warm, name="vl-convert-warm-up", daemon=True).start()


def page_key(path: str) -> str:
    """The page's part of a chart address: its path, ``home`` for the home page."""
    return path.strip("/") or "home"


def page_path(key: str) -> str:
    return "/" if key == "home" else "/" + key.strip("/")


def view_query(request: Request) -> list[tuple[str, str]]:
    """The page's own parameters (the view), without the chart files' own."""
    return [(k, v) for k, v in request.query_params.multi_items() if k not in RESERVED]


def _kept(request: Request, name: str) -> OrderedDict:
    return request.app.state.__dict__.setdefault(name, OrderedDict())


def _remember(store: OrderedDict, key, value, limit: int):
    with _LOCK:
        store[key] = value
        store.move_to_end(key)
        while len(store) > limit:
            store.popitem(last=False)
    return value


def _figures_key(request: Request, path: str, lang: str, view=None) -> tuple:
    view = view_query(request) if view is None else view
    return (path, tuple(sorted(view)), lang, data_version(request))


def remember(
    request: Request, path: str, figures: list[ChartFigure], view: list | None = None
) -> None:
    """Keep the charts a page handler just built under the view their addresses name
    (default: the request's parameters): its images are asked for next."""
    lang, _ = choose(request)
    key = _figures_key(request, path, lang, view)
    _remember(_kept(request, "chart_figures"), key, figures, MAX_FIGURES)


def figures_for(request: Request, path: str, build: Build) -> list[ChartFigure] | None:
    lang, _ = choose(request)
    key = _figures_key(request, path, lang)
    store = _kept(request, "chart_figures")
    found = store.get(key)
    if found is None:
        found = build()
        if found is None:
            return None
        _remember(store, key, found, MAX_FIGURES)
    return found


def credit(request: Request, figures: list[ChartFigure], lang: str) -> None:
    """Give each figure its credits: (source id, short citation, licence, full citation)."""
    labels = source_labels(request)
    for figure in figures:
        credits = []
        for sid in figure.source_ids():
            found = labels.get(sid)
            if found is None:
                credits.append((sid, sid, "", sid))
                continue
            licence = content_text(found.licence, lang) if found.licence else ""
            full = citation_text(found.citation, found.licence, lang) or sid
            credits.append((sid, found.short, licence or "", full))
        figure.credits = credits


def citation_of(request: Request, lang: str) -> Callable[[str], str]:
    labels = source_labels(request)

    def cite(sid: str) -> str:
        found = labels.get(sid)
        if found is None:
            return sid
        return citation_text(found.citation, found.licence, lang) or sid

    return cite


def source_line(figure: ChartFigure, t) -> str:
    parts = [f"{short} ({lic})" if lic else short for _, short, lic, _ in figure.credits]
    return f"{t('source')}: " + "; ".join(parts) if parts else ""


def links(
    request: Request,
    figures: list[ChartFigure],
    view: list[tuple[str, str]] | None = None,
    embed: bool = True,
    lazy: bool = False,
) -> None:
    """Give each figure its addresses (``figure.links``): the page image (``lazy`` pages
    only), the SVG, PNG and CSV files, the share link (the page with ``view``, default the
    request's own parameters, and the chart's anchor) and the embed code."""
    lang, _ = choose(request)
    path = request.url.path
    key = page_key(path)
    view = view_query(request) if view is None else view
    query = urlencode([*view, ("lang", lang)])
    base = str(request.base_url).rstrip("/")
    cached = _kept(request, "chart_files")
    version = data_version(request)
    credit(request, figures, lang)
    for figure in figures:
        stem = f"/charts/{key}/{figure.id}"
        found = {
            "svg": f"{stem}.svg?{query}",
            "png": f"{stem}.png?{query}",
            "csv": f"{stem}.csv?{query}",
            "share": f"{base}{path}?{query}#{figure.id}",
            "page": f"{base}{path}?{query}#{figure.id}",
        }
        if lazy:
            found["image"] = f"{stem}.svg?{urlencode([*view, ('lang', lang), ('bare', '1')])}"
            drawn = cached.get(_file_key(path, figure.id, "svg", True, view, lang, version))
            found["width"], found["height"] = drawn_size(
                figure.page_spec, drawn.decode() if drawn else None
            )
        if embed:
            src = f"{base}/embed/{key}/{figure.id}?{query}"
            found["embed"] = src
            height = drawn_size(figure.page_spec)[1] + 160
            found["iframe"] = (
                f'<iframe src="{src}" title="{_attr(figure.title)}" width="100%" '
                f'height="{height}" loading="lazy" style="border:0"></iframe>'
            )
        found["locale"] = format_locale(lang) if lang != "en" else None
        figure.links = found


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _file_key(path, chart_id, fmt, bare, view, lang, version) -> tuple:
    return (path, chart_id, fmt, bare, tuple(sorted(view)), lang, version)


def _find(figures: list[ChartFigure] | None, chart_id: str) -> ChartFigure | None:
    return next((f for f in figures or [] if f.id == chart_id), None)


def _missing(request: Request, what: str) -> HTMLResponse:
    return render(request, "not_found.html", status_code=404, what=what)


def chart_file(
    request: Request, path: str, chart_id: str, fmt: str, build: Build, private: bool = False
) -> Response:
    """The chart ``chart_id`` of the page at ``path`` as SVG, PNG or CSV; 404 (a page that
    says which) for an unknown page, chart or format.

    ``private``: the chart of a page only some readers may see, whose data change without a
    load (a roadmap): built anew for each file, kept neither here nor in any shared cache
    (``Cache-Control: private, no-store``). The caller checks the reader's rights first."""
    if fmt not in FORMATS:
        return _missing(request, f"{request.url.path} ({fmt}: svg, png or csv)")
    figures = build() if private else figures_for(request, path, build)
    if figures is None:
        return _missing(request, path)
    figure = _find(figures, chart_id)
    if figure is None:
        known = ", ".join(f.id for f in figures) or "-"
        return _missing(request, f"{chart_id} ({path}: {known})")
    lang, _ = choose(request)
    t = translator(lang)
    bare = fmt == "svg" and request.query_params.get("bare") == "1"
    view = view_query(request)
    version = data_version(request)
    # Memory shared by every reader is keyed without the reader: a private chart stays out.
    cached = OrderedDict() if private else _kept(request, "chart_files")
    key = _file_key(path, chart_id, fmt, bare, view, lang, version)
    if fmt != "csv" and not bare:  # its footer names the page, on the host the reader asked
        key = (*key, str(request.base_url))
    body = cached.get(key)
    if body is None:
        if fmt == "csv":
            words = {
                "observed": t("chart_part_observed"),
                "projection_band": t("chart_part_projection"),
                "projection": t("chart_part_projection"),
                "target": t("chart_part_target"),
                "actions": t("chart_part_actions"),
                "today": t("today"),
            }
            text = chart_csv(figure, t, citation_of(request, lang), lambda p: words.get(p, p))
            body = ("\ufeff" + text).encode("utf-8")  # BOM: spreadsheets read UTF-8
        else:
            plain_key = _file_key(path, chart_id, "svg", True, view, lang, version)
            plain = cached.get(plain_key)
            if plain is None:
                plain = render_svg(figure.page_spec, lang).encode("utf-8")
                _remember(cached, plain_key, plain, MAX_FILES)
            if bare:
                body = plain
            else:
                credit(request, [figure], lang)
                page_url = str(request.base_url).rstrip("/") + path
                footer = [source_line(figure, t), f"target87 · {page_url}"]
                framed = framed_svg(plain.decode(), figure.title, figure.unit, footer)
                body = framed.encode("utf-8") if fmt == "svg" else svg_to_png(framed)
        _remember(cached, key, body, MAX_FILES)
    cache = "private, no-store" if private else "public, max-age=300"
    headers = {"Cache-Control": cache, "Content-Language": lang}
    if not bare:
        name = f"target87-{page_key(path).replace('/', '-')}-{chart_id}.{fmt}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(body, media_type=FORMATS[fmt], headers=headers)


def embed_page(request: Request, path: str, chart_id: str, build: Build) -> Response:
    """The chart alone on a page another site can frame: title, units, the chart, the source
    line and a link to the full page."""
    figures = figures_for(request, path, build)
    figure = _find(figures, chart_id)
    if figure is None:
        return _missing(request, f"{chart_id} ({path})")
    lang, _ = choose(request)
    key = page_key(path)
    view = view_query(request)
    query = urlencode([*view, ("lang", lang)])
    base = str(request.base_url).rstrip("/")
    # The figure's links point at the full page (not at this one).
    figure_copy = ChartFigure(
        figure.id, figure.spec, figure.title, figure.unit, figure.sources, figure.description
    )
    credit(request, [figure_copy], lang)
    stem = f"/charts/{key}/{figure.id}"
    width, height = drawn_size(figure.page_spec)
    figure_copy.links = {
        "image": f"{stem}.svg?{urlencode([*view, ('lang', lang), ('bare', '1')])}",
        "width": width,
        "height": height,
        "svg": f"{stem}.svg?{query}",
        "png": f"{stem}.png?{query}",
        "csv": f"{stem}.csv?{query}",
        "share": f"{base}{path}?{query}#{figure.id}",
        "page": f"{base}{path}?{query}#{figure.id}",
        "locale": format_locale(lang) if lang != "en" else None,
    }
    return render(request, "embed.html", figure=figure_copy, base=base)
