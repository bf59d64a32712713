"""The country profile as the site builds it (issue 22: progress reports read once, the latest
figures picked in one pass, charts written as dicts) against the straightforward path
(``country_profile(..., reuse=False)`` and the Altair charts of
``presentation.charts.altair_reference``) on the same data: the same profile, and the same page,
byte for byte, with the page cache off."""

from __future__ import annotations

import functools

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.presentation.charts import altair_reference as ref
from target87.profiles import country_profile
from target87.store import models as M
from target87.web.app import create_app
from target87.web.public import countries
from target87.web.site import cache

# Profiles with the most parts (progress, bounds, detail, trafficking, goods) and some plain.
SAMPLE = ["BRA", "NPL", "IND", "CIV", "COL", "GHA", "MEX", "USA", "FRA", "TUV"]
LANGS = ["en", "fr", "es"]


def straightforward(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        countries, "country_profile", functools.partial(country_profile, reuse=False)
    )
    monkeypatch.setattr(countries, "series_by_sex_spec", ref.altair_series_by_sex_spec)
    monkeypatch.setattr(countries, "region_comparison_spec", ref.altair_region_comparison_spec)
    monkeypatch.setattr(
        countries, "ratification_timeline_spec", ref.altair_ratification_timeline_spec
    )


@pytest.fixture
def client(warehouse_url, monkeypatch):
    monkeypatch.setattr(cache, "PAGE_CACHE_ON", False)
    with TestClient(create_app(warehouse_url)) as c:
        yield c


def test_every_profile_is_the_straightforward_profile(session: Session):
    codes = session.execute(
        select(M.Area.code).where(M.Area.kind == "country").order_by(M.Area.code)
    ).scalars()
    compared = 0
    for i, code in enumerate(codes):
        lang = LANGS[i % 3]
        fast = country_profile(session, code, lang)
        assert fast == country_profile(session, code, lang, reuse=False), code
        compared += bool(fast.headlines or fast.progress or fast.trafficking)
    assert compared > 50  # profiles with figures, not only empty ones, were compared


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_is_byte_identical_to_the_straightforward_page(client, monkeypatch, lang):
    fast = {code: client.get(f"/countries/{code}?lang={lang}") for code in SAMPLE}
    with monkeypatch.context() as m:
        straightforward(m)
        plain = {code: client.get(f"/countries/{code}?lang={lang}") for code in SAMPLE}
    for code in SAMPLE:
        assert fast[code].status_code == plain[code].status_code == 200, code
        assert fast[code].content == plain[code].content, f"{code} in {lang}"
    # The pages carry charts and figures: the comparison was not of two empty shells.
    assert b"vega-spec" in fast["BRA"].content and b"chart-regions" in fast["BRA"].content


def test_the_cache_switch_renders_every_request(client, monkeypatch):
    calls = []
    real = countries.country_profile

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(countries, "country_profile", counted)
    for _ in range(2):
        assert client.get("/countries/NPL").status_code == 200
    assert calls == ["NPL", "NPL"]  # cache off: rendered twice
    monkeypatch.setattr(cache, "PAGE_CACHE_ON", True)
    for _ in range(2):
        assert client.get("/countries/NPL").status_code == 200
    assert calls == ["NPL"] * 3  # cache on: rendered once more, then served from memory


def test_the_switch_is_read_from_the_environment_at_start_up(tmp_path):
    import subprocess
    import sys

    code = "from target87.web.site import cache; print(cache.PAGE_CACHE_ON)"
    for value, expected in (("off", "False"), ("OFF ", "False"), ("on", "True"), ("", "True")):
        env = {"TARGET87_PAGE_CACHE": value, "PATH": "/usr/bin:/bin"}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == expected, value
