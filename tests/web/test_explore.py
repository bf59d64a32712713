"""The indicator explorer pressed as a new user would: every series of its drop-down, every
option of its other controls, empty and wrong values, in EN, FR and ES, on the bundled data."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.store import models as M
from target87.web.app import create_app

LANGS = ["en", "fr", "es"]


@pytest.fixture(scope="module")
def client(warehouse_url):
    with TestClient(create_app(warehouse_url)) as c:
        yield c


class Selects(HTMLParser):
    """The explorer form's select controls: name -> [(value, label, selected)]."""

    def __init__(self) -> None:
        super().__init__()
        self.selects: dict[str, list[list]] = {}
        self._name: str | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select":
            self._name = a["name"]
            self.selects[self._name] = []
        elif tag == "option" and self._name:
            self._option = [a.get("value", ""), "", "selected" in a]
            self.selects[self._name].append(self._option)

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data.strip()

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._name = None


def selects(html: str) -> dict[str, list[list]]:
    parser = Selects()
    parser.feed(html)
    return parser.selects


def notices(html: str) -> list[str]:
    found = re.findall(r'<p class="notice" role="status">([^<]*)</p>', html)
    return [unescape(n) for n in found]


@pytest.fixture(scope="module")
def series_codes(warehouse_url) -> list[str]:
    engine = store.make_engine(warehouse_url)
    with Session(engine) as s:
        codes = list(s.execute(select(M.Series.code).order_by(M.Series.code)).scalars())
    engine.dispose()
    return codes


@pytest.mark.parametrize("lang", LANGS)
def test_every_series_of_the_drop_down_answers_a_page(client, lang):
    """13 of 17 series answered 500 before; now every series gives its page, selected."""
    first = client.get(f"/explore?lang={lang}")
    assert first.status_code == 200
    series = [v for v, _, _ in selects(first.text)["series"]]
    assert len(series) == 17
    for code in series:
        page = client.get("/explore", params={"series": code, "lang": lang})
        assert page.status_code == 200, (code, page.text[:300])
        assert page.headers["content-type"].startswith("text/html")
        assert [v for v, _, sel in selects(page.text)["series"] if sel] == [code]
        assert not notices(page.text), (code, notices(page.text))


def test_every_option_of_every_control_answers_a_page_with_it_selected(client):
    """Each option of the sex, age, residence and year controls, series by series (the
    crawler test presses them in FR and ES too, and their combinations)."""
    series = [v for v, _, _ in selects(client.get("/explore").text)["series"]]
    visited = 0
    for code in series:
        controls = selects(client.get("/explore", params={"series": code}).text)
        for name in ("sex", "age", "urbanisation", "start", "end"):
            options = controls.get(name, [])
            if name in ("start", "end"):
                options = options[:1] + options[1::4]  # "any" and every fourth year
            for value, _, _ in options:
                answer = client.get("/explore", params={"series": code, name: value})
                assert answer.status_code == 200, (code, name, value)
                assert [v for v, _, sel in selects(answer.text)[name] if sel] == (
                    [value] if value else []
                )
                assert not notices(answer.text), (code, name, value, notices(answer.text))
                visited += 1
    assert visited > 60


def test_the_controls_offer_only_what_the_series_holds_with_words(client, session):
    page = client.get("/explore?series=VC_HTF_DETVFL&lang=en").text
    controls = selects(page)
    sexes = {v for v, _, _ in controls["sex"]}
    held = set(
        session.execute(
            select(M.Observation.sex).where(M.Observation.series == "VC_HTF_DETVFL").distinct()
        ).scalars()
    )
    assert sexes == held == {"F", "M"}  # no "total" offered: the series has none
    ages = {v: label for v, label, _ in controls["age"]}
    assert set(ages) == {"Y0T17", "Y_GE18", "_T"}
    assert all(label != code for code, label in ages.items())  # words, not SDMX codes
    world = selects(client.get("/explore?series=GE_FORC_MAR&lang=en").text)
    assert "age" not in world  # one age held: no control to press


def test_a_breakdown_the_series_lacks_falls_back_and_says_so(client):
    page = client.get("/explore?series=SL_TLF_CHLDEC&age=Y5T14&lang=en")
    assert page.status_code == 200 and not notices(page.text)  # 5-14 is held
    assert "Nepal" in page.text
    lacking = client.get("/explore?series=GE_MOD_SLAV&age=Y5T17&sex=Q&lang=fr")
    assert lacking.status_code == 200
    said = notices(lacking.text)
    assert len(said) == 2 and all("n'existe pas pour cette série" in n for n in said)


@pytest.mark.parametrize(
    "query",
    [
        "series=SL_TLF_CHLDEC&sex=_T&age=Y5T17&start=2013&end=",  # "Show" pressed as it is
        "series=SL_TLF_CHLDEC&start=&end=",
        "series=SL_TLF_CHLDEC&start=abc&end=20x9",
        "series=SL_TLF_CHLDEC&start=-5&end=99999999999999999999",
        "series=&sex=&age=",
        "series=%3Cscript%3E&sort=%3Cb%3E",
    ],
)
def test_empty_or_wrong_values_give_the_page_not_a_json_error(client, query):
    response = client.get(f"/explore?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>" not in response.text.replace('<script src="', "")


def test_a_window_with_no_data_says_so_in_each_language(client):
    expected = {"en": "No value of", "fr": "Aucune valeur de", "es": "Ningún valor de"}
    for lang, words in expected.items():
        page = client.get(f"/explore?series=SL_TLF_CHLDEC&start=1990&end=1995&lang={lang}").text
        assert words in page
        assert 'id="chart-map"' not in page  # no empty map


def test_start_after_end_is_swapped_and_said(client):
    page = client.get("/explore?series=SL_TLF_CHLDEC&start=2019&end=2012&lang=en").text
    assert any("2012-2019" in n for n in notices(page))
    controls = selects(page)
    assert [v for v, _, sel in controls["start"] if sel] == ["2012"]


def test_a_series_of_the_world_and_regions_lists_them_with_short_citations(client):
    page = client.get("/explore?series=GE_FORC_LAB&lang=en").text
    assert "World" in page and "Asia and the Pacific" in page
    assert "not by country" in page and 'id="chart-map"' not in page
    assert 'href="/sources#src-gems_2021"' in page and "ILO, Walk Free and IOM (2022)" in page


def test_lowercase_series_codes_are_understood(client):
    page = client.get("/explore?series=sl_tlf_chldec").text
    controls = selects(page)
    assert [v for v, _, sel in controls["series"] if sel] == ["SL_TLF_CHLDEC"]
    assert not notices(page)


def test_each_control_offers_what_the_choices_before_it_leave(client):
    """Detected victims for other purposes: the total of both sexes is held for all ages only,
    so choosing it leaves no age to choose; girls and women have three age groups."""
    both = selects(client.get("/explore?series=VC_HTF_DETVOP&sex=_T&lang=en").text)
    assert "age" not in both
    women = selects(client.get("/explore?series=VC_HTF_DETVOP&sex=F&lang=en").text)
    assert {v for v, _, _ in women["age"]} == {"_T", "Y0T17", "Y_GE18"}
    mixed = client.get("/explore?series=VC_HTF_DETVOP&sex=_T&age=Y0T17&lang=en").text
    assert len(notices(mixed)) == 1 and "is not held for this series" in notices(mixed)[0]


def test_a_series_with_no_value_yet_says_so(warehouse_url, tmp_path):
    """A national series defined for reporting holds nothing until a report is published."""
    import shutil

    path = tmp_path / "w.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    engine = store.make_engine(f"sqlite:///{path}")
    with Session(engine) as s, s.begin():
        s.add(M.Series(code="NAT_EMPTY", name_en="Nothing yet", unit="NUMBER", unit_mult=0))
    engine.dispose()
    with TestClient(create_app(f"sqlite:///{path}")) as c:
        page = c.get("/explore?series=NAT_EMPTY&lang=en")
    assert page.status_code == 200
    assert "No value of Nothing yet" in page.text
    assert not {"sex", "age", "start"} & {k for k, v in selects(page.text).items() if len(v) > 1}
