"""The run report in the reader's language: ``render_report(run, lang)``, the web download in
the language the site shows, and ``target87 risk report --lang``.

The French and Spanish reports are read as a person would (text nodes and the ARIA labels,
not the style sheet) and must hold no text of the English catalogues whose translation
differs: a one-word text only when it is a whole text node, a longer one anywhere in a text.
What the run's author named (territories, factors, covariates, the run and its outcome) stays
as given, marked ``translate="no"``; that mark is checked to hold nothing else.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml
from markupsafe import escape

from target87.presentation import format_number, format_percent
from target87.presentation.catalogue import catalogue as content_catalogue
from target87.presentation.messages import MESSAGES, catalog, label
from target87.risk.outputs import write_outputs
from target87.risk.pipeline import run_file
from target87.risk.report_html import read_run_json, render_report
from target87.risk.synth import SYNTHETIC_LABEL
from target87.risk.synth_files import write_synthetic_run

pytestmark = pytest.mark.slow  # the module fixtures run the whole pipeline (a few seconds)

SIZE = {"n_children": 20_000, "n_territories": 40, "seed": 5, "sample_size": 2_500}
OTHER = ["fr", "es"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(path of run.json, the run document) of a synthetic run with boundaries."""
    base = tmp_path_factory.mktemp("report-language")
    made = write_synthetic_run(base / "run", **SIZE)
    written = write_outputs(run_file(made.run_file), base / "out")
    return written["run"], read_run_json(written["run"])


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """A run document whose small territories are merged within their region (pooled rows,
    merge reasons) instead of suppressed."""
    base = tmp_path_factory.mktemp("report-language-merge")
    made = write_synthetic_run(base / "run", **SIZE)
    document = yaml.safe_load(made.run_file.read_text())
    document["disclosure"] |= {"min_children": 150, "small_territories": "merge"}
    made.run_file.write_text(yaml.safe_dump(document))
    return run_file(made.run_file).to_dict()


@pytest.fixture(scope="module")
def reports(saved):
    _, doc = saved
    return {lang: render_report(doc, lang) for lang in ("en", "fr", "es")}


class _Reader(HTMLParser):
    """The texts a reader meets: text nodes and ARIA labels, not the style sheet; what sits in
    a ``translate="no"`` element is kept apart."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.verbatim: list[str] = []
        self._style = 0
        self._kept = 0  # depth inside a translate="no" element

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "style":
            self._style += 1
        if tag not in self.VOID and (self._kept or a.get("translate") == "no"):
            self._kept += 1
        for name in ("aria-label", "title", "alt"):
            if a.get(name):
                (self.verbatim if self._kept else self.texts).append(a[name])

    def handle_endtag(self, tag):
        if tag == "style":
            self._style -= 1
        if self._kept and tag not in self.VOID:
            self._kept -= 1

    def handle_data(self, data):
        if not self._style and data.strip():
            (self.verbatim if self._kept else self.texts).append(data.strip())


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


def english_left(texts: list[str], lang: str) -> list[str]:
    """Texts of the English catalogues (interface and data content) whose ``lang`` translation
    differs, found in ``texts``."""
    translated = catalog(lang)
    english = {t for t in MESSAGES.values() if translated.get(t, t) != t}
    english |= {t for t, tr in content_catalogue(lang).items() if tr != t}
    whole, patterns = set(), []
    for text in english:
        bare = re.sub(r"\{\w+\}", "", text).strip()
        if len(re.findall(r"[^\W\d_]", bare)) < 2:
            continue  # only placeholders and signs ("{label}: {value}")
        if " " not in text.strip():
            whole.add(text)
        else:
            pieces = re.split(r"\{\w+\}", text)
            patterns.append(".+?".join(re.escape(p) for p in pieces))
    pattern = re.compile("|".join(sorted(patterns, key=len, reverse=True)))
    found = [t for t in texts if t in whole]
    found += [m.group(0) for t in texts if (m := pattern.search(t))]
    return found


def author_names(doc: dict) -> set[str]:
    """Everything the run's author named: shown as given."""
    names = {doc["name"], doc["outcome"], *doc["levels"]}
    for rows in [doc["territories"], *doc["parents"].values()]:
        names |= {str(r[level]) for r in rows for level in doc["levels"] if level in r}
    names |= {" / ".join(str(r[level]) for level in doc["levels"]) for r in doc["territories"]}
    names |= {f["factor"] for f in doc["factors"]}
    names |= {h["covariate"] for h in doc["harmonisation"]["table"]}
    names |= {h["level"] for h in doc["harmonisation"]["table"] if h["level"]}
    return names


@pytest.mark.parametrize("lang", OTHER)
def test_no_english_text_is_left_in_french_and_spanish(reports, saved, lang):
    page = read(reports[lang])
    assert english_left(page.texts, lang) == []
    # Sanity of the check itself: the English report is full of those texts.
    assert len(english_left(read(reports["en"]).texts, lang)) > 20
    # What is kept as given is a name of the run's author or a number (chart axes), nothing else.
    words = {t for t in page.verbatim if re.search(r"[^\W\d_]", t)}
    assert page.verbatim and words <= author_names(saved[1])
    assert f'<html lang="{lang}">' in reports[lang]


@pytest.mark.parametrize("lang", OTHER)
def test_headings_labels_and_chart_words_are_the_catalogue_translations(reports, lang):
    html = reports[lang]
    for key in ("key_figures", "rr_national_risk", "risk_interval", "rr_h_harmonisation",
                "rr_nav_disclosure", "risk_ranking", "rr_chart_factors", "rr_chart_contribution",
                "rr_chart_no_class", "rr_class_high", "rr_protective"):  # fmt: skip
        assert label(key, lang) in html.replace("&#39;", "'"), key
    assert label("key_figures", lang) != MESSAGES["key_figures"]


@pytest.mark.parametrize("lang", OTHER)
def test_numbers_have_decimal_commas(reports, saved, lang):
    _, doc = saved
    html = reports[lang]
    national = format_percent(100 * doc["national"]["risk"], lang, 2)
    assert "," in national and f"<strong>{national}</strong>" in html
    for row in doc["territories"]:
        if row["risk"] is not None:
            assert f'<td class="n">{format_percent(100 * row["risk"], lang, 2)}</td>' in html
    children = format_number(doc["national"]["children"], lang, 0)
    assert f"<strong>{children}</strong>" in html  # 20 000 / 20.000
    texts = read(html).texts
    assert not [t for t in texts if re.search(r"\d\.\d+ ?%", t)]  # no 5.12% nor 5.12 %
    # The summaries' tables too: the model's first coefficient, and the chart axes.
    const = doc["model"]["coefficients"][0]["coef"]
    assert format_number(const, lang, 4, fixed=True) in html
    assert re.search(r"<text[^>]*>\d+[\u00a0\u202f]%</text>", html)


@pytest.mark.parametrize("lang", OTHER)
def test_the_synthetic_label_stays_prominent(reports, lang):
    html = reports[lang]
    banner = re.search(r'<div class="banner" role="note">([^<]*)</div>', html).group(1)
    assert banner == label("rr_synthetic_label", lang).replace("'", "&#39;")
    assert banner.startswith(("DONNÉES SYNTHÉTIQUES", "DATOS SINTÉTICOS"))
    title = re.search(r"<title>([^<]*)</title>", html).group(1)
    assert title.startswith(label("rr_synthetic_mark", lang) + " – ")
    assert html.count(label("rr_synthetic_label", lang).replace("'", "&#39;")) >= 2


def test_english_says_what_it_said(reports, saved):
    """The English report is the report as it was: the same texts, the run's own summaries
    as the run holds them, numbers the English way."""
    _, doc = saved
    html = reports["en"]
    assert render_report(doc) == html and render_report(doc, "de") == html
    assert '<html lang="en">' in html and SYNTHETIC_LABEL in html
    for text in ("Key figures", "National risk (synthetic estimator)", "Territories ranked by risk",
                 "Three estimators side by side", "Harmonisation check", "Disclosure control",
                 "Highest territory risks, with 90% intervals", "direct survey estimate",
                 "suppressed or no data", "Every action:", "90% interval"):  # fmt: skip
        assert text in html, text
    for row in doc["territories"]:
        if row["risk"] is not None:
            assert f'<td class="n">{row["risk"]:.2%}</td>' in html
    for summary in (doc["model"]["summary"], doc["classification"]["summary"],
                    doc["provenance_summary"], doc["small_area"], doc["benchmark"]):  # fmt: skip
        assert str(escape(summary)) in html
    for entry in doc["suppression_log"]:
        assert entry["territory"] in html and entry["reason"] in html


@pytest.mark.parametrize("lang", OTHER)
def test_the_runs_own_texts_are_recognised(saved, merged, lang):
    """Every reason, note and status the risk modules wrote into these runs is written again
    in the language (a change of those texts in the modules shows here)."""
    from target87.risk.report_html import Words

    words = Words(lang)
    for doc in (saved[1], merged):
        for entry in doc["suppression_log"]:
            assert words.text(entry["reason"]) != entry["reason"], entry["reason"]
        for note in doc["notes"] + doc["warnings"]:
            assert words.text(note) != note, note
        for status in {r["disclosure"] for r in doc["territories"]}:
            assert words.word(status) != status, status
    pools = [r for r in merged["territories"] if r["disclosure"] == "merged"]
    assert pools, "the merge fixture must pool small territories"
    html = render_report(merged, lang)
    assert "merged small territories of" not in html
    assert label("rr_status_merged", lang) in html
    assert english_left(read(html).texts, lang) == []


def test_unknown_texts_stay_as_given_and_known_ones_keep_their_values():
    from target87.risk.report_html import Words

    fr = Words("fr")
    assert fr.text("a note no module writes") == "a note no module writes"
    assert fr.text("fewer than 25 unweighted children") == "moins de 25 enfants (non pondérés)"
    assert fr.text("fewer than 50 children") == "moins de 50 enfants"
    assert fr.territory("R01 / merged small territories of R01") == (
        "R01 / petits territoires fusionnés de R01"
    )
    assert Words("es").numbers("2,502 children, 76.60%, sha 0.1.0, 2026-12-07") == (
        "2.502 children, 76,60\u00a0%, sha 0.1.0, 2026-12-07"
    )


def test_web_download_is_in_the_readers_language(saved, tmp_path):
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.risk.catalog import publish_run
    from target87.web.app import create_app

    path, doc = saved
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    engine = store.make_engine(url)
    store.migrate(engine)
    with Session(engine) as s, s.begin():
        run_id = publish_run(s, path).id
    engine.dispose()
    with TestClient(create_app(url)) as client:
        french = client.get(f"/risk/{run_id}/report.html?lang=fr")
        spanish = client.get(
            f"/risk/{run_id}/report.html", headers={"Accept-Language": "es-ES,es;q=0.9"}
        )
        english = client.get(f"/risk/{run_id}/report.html")
        client.cookies.set("lang", "fr")
        kept = client.get(f"/risk/{run_id}/report.html")
    assert french.status_code == 200 and french.headers["content-language"] == "fr"
    assert french.headers["content-disposition"].startswith("attachment;")
    assert french.text == render_report(doc, "fr") == kept.text
    assert '<html lang="fr">' in french.text and "Chiffres clés" in french.text
    assert english_left(read(french.text).texts, "fr") == []
    assert spanish.text == render_report(doc, "es") and "Cifras clave" in spanish.text
    assert english.text == render_report(doc, "en") and "Key figures" in english.text


def test_cli_report_writes_spanish(saved, tmp_path):
    from typer.testing import CliRunner

    from target87.cli import app

    path, doc = saved
    runner = CliRunner()
    out = tmp_path / "informe.html"
    result = runner.invoke(app, ["risk", "report", str(path), "--out", str(out), "--lang", "es"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html == render_report(doc, "es")
    assert '<html lang="es">' in html and "Cifras clave" in html and "Riesgo nacional" in html
    assert english_left(read(html).texts, "es") == []
    refused = runner.invoke(app, ["risk", "report", str(path), "--out", str(out), "--lang", "de"])
    assert refused.exit_code == 2 and out.read_text(encoding="utf-8") == html
    result = runner.invoke(app, ["risk", "report", str(path), "--out", str(tmp_path / "en.html")])
    assert result.exit_code == 0 and '<html lang="en">' in (tmp_path / "en.html").read_text()
