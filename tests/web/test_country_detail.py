"""Issue 17 item 1 on the pages: a country profile lists what a national file brought beyond
the totals (its subnational areas and breakdowns such as income quintile or disability), with
every column of the key shown, so no two lines read alike; in English, French and Spanish.
The data: the Kyrgyz statistics office's Open SDG build of 8.7.1, loaded by the CLI."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.cli.test_map_cli import REAL, add_source, edit, file_rows, run
from tests.web import test_reporting_support as support
from tests.web.crawler import EnglishLeftovers, parse

demo_db, site = support.demo_db, support.site  # fixtures
KGZ_CSV = REAL / "KGZ" / "built" / "en" / "data" / "8-7-1.csv"
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td>(.*?)</td>", re.S)


def load_kyrgyz(url: str, folder) -> None:
    out = folder / "kgz.yaml"
    mapped = run(url, "map", str(KGZ_CSV), "--area", "KGZ", "--series", "SL_TLF_CHLDEC",
                 "--out", str(out))  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    add_source(url, "kgz_nsc")
    edit(out, unit="PT", source="kgz_nsc", unknown={})  # as in tests/cli/test_map_cli.py
    loaded = run(url, "load", str(KGZ_CSV), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output


def detail_rows(page: str) -> list[list[str]]:
    section = re.search(r'<section id="detail">(.*?)</section>', page, re.S)
    assert section, "no detail section"
    body = section.group(1).split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in CELL.findall(row)]
        for row in ROW.findall(body)
    ]


def test_a_profile_without_national_detail_has_no_detail_section(site):
    page = site.client().get("/countries/NPL").text
    assert 'id="detail"' not in page


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_subnational_areas_and_breakdowns_are_listed_with_every_key(site, tmp_path, lang):
    load_kyrgyz(site.url, tmp_path)
    client = site.client()
    client.cookies.set("lang", lang)
    page = client.get("/countries/KGZ")
    assert page.status_code == 200
    rows = detail_rows(page.text)
    assert len(rows) > 20
    # Every line differs from every other in what it shows before the value.
    keys = Counter(tuple(r[:7]) for r in rows)
    assert [k for k, n in keys.items() if n > 1] == []
    areas = {r[1].split()[0] for r in rows}
    assert "KGZ" in areas and "KGZ-02" in areas  # the nation's breakdowns and a region
    words = {
        "en": "Income or wealth quantile: Quintile 1 (poorest)",
        "fr": "Quintile",
        "es": "Quintil",
    }[lang]
    assert any(words in r[6] for r in rows), {r[6] for r in rows}
    if lang != "en":
        left = EnglishLeftovers(lang).find(parse("http://testserver/", page.text).texts)
        assert left == [], left


def test_the_detail_values_are_the_files_latest_values(site, tmp_path):
    """The nation's poorest quintile, per age band: the page shows the file's latest year and
    value, nothing else."""
    load_kyrgyz(site.url, tmp_path)
    rows = detail_rows(site.client().get("/countries/KGZ").text)
    others = ("Reference area", "Sex", "Degree of urbanisation", "Education level",
              "COMPOSITE_BREAKDOWN", "Disability status", "GeoCode")  # fmt: skip
    latest: dict[str, tuple[str, float]] = {}
    for r in file_rows(KGZ_CSV):
        if (
            r["Income or wealth quantile"] == "Quintile 1 (poorest)"
            and not any(r[c] for c in others)
            and (r["Age"] not in latest or r["Year"] > latest[r["Age"]][0])
        ):
            latest[r["Age"]] = (r["Year"], float(r["Value"]))
    shown = {
        (r[2], float(re.sub(r"[^0-9.]", "", r[7])))
        for r in rows
        if r[1].startswith("KGZ ") and r[6].endswith("Quintile 1 (poorest)")
    }
    assert shown == set(latest.values()) and len(shown) >= 1
