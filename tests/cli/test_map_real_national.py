"""Issue 17: real national files that need areas of their own and SDMX mappings, each loaded
with the mapping ``target87 map`` proposed and checked value by value against the file
(``tests/data/real``: ORIGIN.md says where each comes from, QUIRKS.md what is odd in it)."""

from __future__ import annotations

import csv

import yaml
from lxml import etree
from sqlalchemy.orm import Session

from target87 import store
from tests.cli.test_map_cli import REAL, add_source, edit, run, stored, url  # noqa: F401

SDMX = REAL.parent / "sdmx"


def test_mexico_states_become_areas_of_mexico_with_their_names(url, tmp_path):  # noqa: F811
    out = tmp_path / "mex.yaml"
    mapped = run(url, "map", str(REAL / "MEX"), "--area", "MEX", "--series", "SL_TLF_CHLDEC",
                 "--out", str(out))  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert proposal["columns"]["Entidad federativa"] == "area_name"
    assert proposal["codes"]["ref_area"]["00"] == "MEX"
    assert proposal["codes"]["ref_area"]["07"] == "MEX-07"
    add_source(url, "inegi_enti")  # edit: a source of ours for INEGI's survey
    edit(out, source="inegi_enti")
    loaded = run(url, "load", str(REAL / "MEX"), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output
    with open(REAL / "MEX" / "data" / "indicator_8-7-1.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    sex = {"Total": "_T", "Hombres": "M", "Mujeres": "F"}
    age = {"Total": "_T", "De 5 a 14 años": "Y5T14", "De 15 a 17 años": "Y15T17"}
    expected = {
        ("MEX" if int(r["GeoCode"]) == 0 else f"MEX-{r['GeoCode']}", r["Year"], sex[r["Sexo"]],
         age[r["Grupo de edad"]]): float(r["Value"])
        for r in rows
        if r["Value"].strip()  # a blank Value is no data: left out, and said
    }  # fmt: skip
    got = {
        (r.ref_area, r.time_period, r.sex, r.age): r.value
        for r in stored(url, "inegi_enti").itertuples()
    }
    assert got == expected and len(expected) == sum(1 for r in rows if r["Value"].strip())
    assert "row(s) without a value (no data) left out" in loaded.output
    engine = store.make_engine(url)
    with Session(engine) as s:
        chiapas = s.get(store.Area, "MEX-07")
        assert (chiapas.name_en, chiapas.kind, chiapas.parent) == ("Chiapas", "subnational", "MEX")
    engine.dispose()


def sdmx_obs(path) -> list[dict[str, str]]:
    """Every observation of a structure-specific message: its series' and its own attributes."""
    root = etree.parse(str(path)).getroot()
    out = []
    for series in root.iter("{*}Series"):
        for obs in series.iter("{*}Obs"):
            out.append({**series.attrib, **obs.attrib})
    return out


def load_sdmx(url, tmp_path, name, *args, edits=None):  # noqa: F811
    path, out = SDMX / name, tmp_path / f"{name}.yaml"
    mapped = run(url, "map", str(path), *args, "--out", str(out))
    assert mapped.exit_code == 0, mapped.output
    if edits:
        edit(out, **edits)
    loaded = run(url, "load", str(path), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output
    return path, yaml.safe_load(out.read_text(encoding="utf-8")), loaded.output


def test_kyrgyz_sdmx_regions_and_breakdowns_value_by_value(url, tmp_path):  # noqa: F811
    path, proposal, output = load_sdmx(
        url, tmp_path, "kgz-nsc-8.7.1-structurespecific.xml", "--area", "KGZ"
    )
    assert proposal["codes"]["ref_area"] == {"KG": "KGZ"} | {
        c: f"KGZ-{c[2:]}" for c in proposal["codes"]["ref_area"] if c != "KG"
    }
    assert "import_kg_nsc" in output  # a source made from the header's sender, and said so
    rows = stored(url, "import_kg_nsc")
    dims = ("INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS")
    expected = {}
    for o in sdmx_obs(path):
        area = "KGZ" if o["REF_AREA"] == "KG" else f"KGZ-{o['REF_AREA'][2:]}"
        parts = ";".join(f"{d}={o[d]}" for d in sorted(dims) if o.get(d, "_T") != "_T") or "_T"
        key = (area, o["TIME_PERIOD"], o["SEX"], o["AGE"], o["URBANISATION"], parts)
        expected[key] = float(o["OBS_VALUE"])
    got = {
        (r.ref_area, r.time_period, r.sex, r.age, r.urbanisation, r.breakdown): r.value
        for r in rows.itertuples()
    }
    assert got == expected and len(got) == 89


def test_rwanda_all_goals_file_keeps_only_the_asked_series(url, tmp_path):  # noqa: F811
    path, proposal, _ = load_sdmx(
        url, tmp_path, "rwa-nisr-2025-all-goals-structurespecific.xml",
        "--area", "RWA", "--series", "SL_TLF_CHLDEA",
    )  # fmt: skip
    assert proposal["keep"] == {"series": ["SL_TLF_CHLDEA"]}
    rows = stored(url, "import_bis")  # the converter's default sender, as the file names it
    expected = {
        (o["TIME_PERIOD"], o["SEX"]): float(o["OBS_VALUE"])
        for o in sdmx_obs(path)
        if o["SERIES"] == "SL_TLF_CHLDEA"
    }
    got = {(r.time_period, r.sex): r.value for r in rows.itertuples()}
    assert got == expected and len(got) == 9
    assert set(rows["ref_area"]) == {"RWA"} and set(rows["source_detail"]) == {"EICV, NISR"}


def test_kazakh_sdg_build_message_with_its_gaps_mapped(url, tmp_path):  # noqa: F811
    """sdg-build wrote SERIES="_T" and REF_AREA="_T" (national): ``--series`` and ``--area``
    fill them. Edit: one row has SEX="R" (a rural row mislabelled in the source CSV): it
    is skipped, and the test says so."""
    path, proposal, _ = load_sdmx(
        url, tmp_path, "kaz-kazstat-8-7-1-sdgbuild-structurespecific.xml",
        "--area", "KAZ", "--series", "SL_TLF_CHLDEC", edits={"skip": {"sex": ["R"]}},
    )  # fmt: skip
    assert proposal["codes"]["series"] == {"_T": "SL_TLF_CHLDEC"}
    rows = stored(url, "import_open_sdg_sdg_build_130")
    expected = {}
    for o in sdmx_obs(path):
        if o["SEX"] == "R" or not o.get("OBS_VALUE"):
            continue
        area = "KAZ" if o["REF_AREA"] == "_T" else f"KAZ-{o['REF_AREA'][2:]}"
        expected[(area, o["TIME_PERIOD"], o["SEX"], o["URBANISATION"])] = float(o["OBS_VALUE"])
    got = {(r.ref_area, r.time_period, r.sex, r.urbanisation): r.value for r in rows.itertuples()}
    assert got == expected and len(got) > 500


def test_united_kingdom_counts_by_type_of_exploitation_a_national_breakdown(url, tmp_path):  # noqa: F811
    """ONS's 8.7.1 is a proxy (children referred to the National Referral Mechanism, a count)
    by "Type of exploitation", a breakdown the SDG DSD lacks: kept as a national one with the
    file's words. Edit: the proxy is no SDG series, so an administrator defines a national
    series for it first (as the web form ``/reporting/series`` does)."""
    engine = store.make_engine(url)
    with Session(engine) as s:
        s.add(
            store.Series(
                code="GB_NRM_CHLD",
                sdg_indicator="8.7.1",
                name_en="Potential child victims of modern slavery referred to the NRM (proxy)",
                unit="NUMBER",
                unit_mult=0,
                direction="lower_is_better",
            )
        )
        s.commit()
    add_source(url, "gbr_ons_nrm")
    out = tmp_path / "gbr.yaml"
    mapped = run(url, "map", str(REAL / "GBR"), "--area", "GBR", "--series", "GB_NRM_CHLD",
                 "--source", "gbr_ons_nrm", "--out", str(out))  # fmt: skip
    assert mapped.exit_code == 0 and "Nothing stays unknown" in mapped.output, mapped.output
    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert proposal["columns"]["Type of exploitation"] == "breakdown:TYPE_OF_EXPLOITATION"
    assert proposal["codes"]["unit"] == {"Number of children": "NUMBER"}
    loaded = run(url, "load", str(REAL / "GBR"), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output
    assert "19 row(s) without a value (no data) left out" in loaded.output
    with open(REAL / "GBR" / "data" / "indicator_8-7-1.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["Value"].strip()]
    sex = {"": "_T", "Female": "F", "Male": "M"}
    with Session(engine) as s:
        words = store.breakdown_words(
            s, stored(url, "gbr_ons_nrm")["breakdown"].unique().tolist(), "en"
        )
    engine.dispose()
    expected = {
        (r["Year"], sex[r["Sex"]], f"Type of exploitation: {r['Type of exploitation']}"):
        float(r["Value"])
        for r in rows
    }  # fmt: skip
    got = {
        (r.time_period, r.sex, words[r.breakdown]): r.value
        for r in stored(url, "gbr_ons_nrm").itertuples()
    }
    assert got == expected and len(got) == 47
