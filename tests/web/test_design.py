"""The design system without a browser (issue 18): the colour tokens of app.css pass WCAG AA
for text in the light and the dark scheme, the chart palette tokens are the charts' own
Okabe-Ito colours, and every page loads the print stylesheet and ui.js (CSP-clean)."""

from __future__ import annotations

import re

import pytest

from target87.presentation.charts import common
from target87.presentation.rendering import STATIC, TEMPLATES

APP_CSS = (STATIC / "app.css").read_text(encoding="utf-8")

# (text, background): every pair of tokens the stylesheet puts text in.
TEXT_PAIRS = [
    ("--c-text", "--c-bg"),
    ("--c-text", "--c-surface"),
    ("--c-text", "--c-surface-accent"),
    ("--c-text", "--c-zebra"),
    ("--c-text", "--c-row-hover"),
    ("--c-text", "--c-input-bg"),
    ("--c-text", "--c-estimate-bg"),
    ("--c-text", "--c-modelled-bg"),
    ("--c-text", "--c-synthetic-bg"),
    ("--c-text-muted", "--c-bg"),
    ("--c-text-muted", "--c-surface"),
    ("--c-text-muted", "--c-surface-accent"),
    ("--c-text-muted", "--c-zebra"),
    ("--c-text-muted", "--c-row-hover"),
    ("--c-link", "--c-bg"),
    ("--c-link", "--c-surface"),
    ("--c-link", "--c-surface-accent"),
    ("--c-link", "--c-zebra"),
    ("--c-link", "--c-row-hover"),
    ("--c-link-hover", "--c-bg"),
    ("--c-link-visited", "--c-bg"),
    ("--c-link-visited", "--c-surface"),
    ("--c-header-text", "--c-header-bg"),
    ("--c-header-muted", "--c-header-bg"),
    ("--c-button-text", "--c-button-bg"),
    ("--c-button-text", "--c-button-hover"),
    ("--c-button-2-text", "--c-button-2-bg"),
    ("--c-focus-text", "--c-focus"),
    ("--c-error-text", "--c-bg"),
    ("--c-error-text", "--c-surface"),
    ("--c-success-text", "--c-bg"),
    ("--c-warning-text", "--c-bg"),
    ("--chart-panel-text", "--chart-panel"),
]
# (component, background): borders a reader must see to use a control (WCAG 1.4.11, 3:1).
UI_PAIRS = [("--c-input-border", "--c-input-bg"), ("--c-border-strong", "--c-bg")]


def _declarations(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", block))


def tokens(scheme: str) -> dict[str, str]:
    """The custom properties of ``:root`` in ``scheme``: the light ones, overridden in dark
    by the ``prefers-color-scheme: dark`` block; references (var(--x)) resolved."""
    css = re.sub(r"/\*.*?\*/", "", APP_CSS, flags=re.S)
    light = re.search(r"(?m)^:root\s*\{(.*?)^\}", css, flags=re.S)
    assert light, "no :root block in app.css"
    values = _declarations(light.group(1))
    if scheme == "dark":
        dark = re.search(
            r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{(.*?)\}", css, re.S
        )
        assert dark, "no dark :root block in app.css"
        values.update(_declarations(dark.group(1)))
    resolved = {}
    for name in values:
        value = values[name].strip()
        for _ in range(5):
            ref = re.fullmatch(r"var\((--[\w-]+)\)", value)
            if not ref:
                break
            value = values[ref.group(1)].strip()
        resolved[name] = value
    return resolved


def luminance(colour: str) -> float:
    hexa = colour.strip().lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", hexa), f"not a #rrggbb colour: {colour}"
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_ratio_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#0072B2", "#fff") == pytest.approx(5.19, abs=0.01)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_passes_wcag_aa_on_its_backgrounds(scheme):
    values = tokens(scheme)
    failing = [
        f"{fg} {values[fg]} on {bg} {values[bg]}: {contrast(values[fg], values[bg]):.2f}"
        for fg, bg in TEXT_PAIRS
        if contrast(values[fg], values[bg]) < 4.5
    ]
    assert failing == [], f"{scheme}: below 4.5:1\n" + "\n".join(failing)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_control_borders_stand_out_from_their_ground(scheme):
    values = tokens(scheme)
    for fg, bg in UI_PAIRS:
        assert contrast(values[fg], values[bg]) >= 3, (scheme, fg, bg)


def test_the_dark_scheme_changes_the_ground_and_the_text():
    light, dark = tokens("light"), tokens("dark")
    assert luminance(dark["--c-bg"]) < 0.05 < luminance(light["--c-bg"])
    assert luminance(dark["--c-text"]) > 0.8 > luminance(light["--c-text"])


def test_the_chart_palette_tokens_are_the_charts_colours():
    values = tokens("light")
    palette = [values[f"--oi-{n}"] for n in ("blue", "orange", "green", "pink", "sky")]
    palette += [values[f"--oi-{n}"] for n in ("vermillion", "yellow", "black")]
    assert [c.lower() for c in palette] == [c.lower() for c in common.PALETTE]
    assert values["--no-data"].lower() == common.NO_DATA.lower()
    assert values["--chart-observed"].lower() == common.OBSERVED.lower()
    assert values["--chart-projected"].lower() == common.PROJECTED.lower()
    assert values["--chart-target"].lower() == common.TARGET.lower()
    # The same in the dark scheme: a category keeps its colour.
    dark = tokens("dark")
    assert all(dark[k] == values[k] for k in values if k.startswith("--oi-"))


def test_every_page_loads_the_print_stylesheet_and_ui_script_and_has_the_footer():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert re.search(
        r"""<link rel="stylesheet" href="\{\{ static\('print.css'\) \}\}" media="print">""", base
    )
    assert re.search(r"""<script src="\{\{ static\('ui.js'\) \}\}" defer></script>""", base)
    assert '<footer class="site-footer">' in base
    assert 'href="/sources"' in base[base.index("<footer") :]
    assert 'href="/about"' in base[base.index("<footer") :]
    assert (STATIC / "print.css").is_file() and (STATIC / "ui.js").is_file()


def test_the_design_files_stay_within_the_content_security_policy():
    script = (STATIC / "ui.js").read_text(encoding="utf-8")
    for forbidden in ("eval(", "new Function", "innerHTML", 'setAttribute("style', ".style."):
        assert forbidden not in script, forbidden
    for name in ("app.css", "print.css", "reporting.css", "reporting-print.css"):
        css = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css), name
