"""Issue 17: the "Load national data" pages walk a real national file through what
``target87 map`` then ``target87 load --mapping`` do (TestClient on a real SQLite copy of the
demonstration database): the proposed mapping, its YAML edited on the page, a preview that
writes nothing, and the load, checked value by value against the file. Then who may do it,
CSRF, the size limit, a malformed mapping, and the pages in French and Spanish."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from target87 import store
from target87.store import models as M
from target87.web.reporting import upload_files
from tests.web import test_reporting_support as support
from tests.web.crawler import EnglishLeftovers, parse

demo_db, site = support.demo_db, support.site  # fixtures
REAL = Path(__file__).resolve().parents[1] / "data" / "real"
ARM_CSV = REAL / "opensdg" / "ARM" / "data" / "indicator_8-7-1.csv"
KGZ_XML = REAL / "sdmx" / "kgz-nsc-8.7.1-structurespecific.xml"
TEXTAREA = re.compile(r'<textarea id="mapping-yaml"[^>]*>(.*?)</textarea>', re.S)
DIGEST = re.compile(r'name="mapping_digest" value="([0-9a-f]{64})"')
SOURCE = "armstat_2015"


def add_source(site, source: str = SOURCE) -> None:
    with site.db() as s, s.begin():
        s.add(
            M.Source(
                id=source,
                publisher="Armstat",
                title="Child labour survey 2015",
                licence="as published",
                citation="Armstat (2015). Child labour survey.",
            )
        )


def send(client, site, path: Path, *, csrf: str | None = "session", **fields):
    data = {k: v for k, v in fields.items() if v is not None}
    if csrf:
        data["csrf"] = site.token(client) if csrf == "session" else csrf
    files = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
    return client.post("/reporting/upload", data=data, files=files)


def upload(client, site, path: Path, **fields) -> tuple[str, str]:
    """Upload ``path``; returns the upload's token and the proposal page."""
    sent = send(client, site, path, **fields)
    assert sent.status_code == 303, sent.text[:2000]
    location = sent.headers["location"]
    token = location.rsplit("/", 1)[1]
    page = client.get(location)
    assert page.status_code == 200, page.text[:2000]
    return token, page.text


def yaml_of(page: str) -> str:
    return html.unescape(TEXTAREA.search(page).group(1))


def preview(client, site, token: str, mapping: str):
    data = {"csrf": site.token(client), "mapping": mapping}
    return client.post(f"/reporting/upload/{token}/preview", data=data)


def load(client, site, token: str, page: str):
    digest = DIGEST.search(page).group(1)
    data = {"csrf": site.token(client), "mapping_digest": digest}
    return client.post(f"/reporting/upload/{token}/load", data=data)


def rows_of(site, source: str):
    with site.db() as s:
        frame = store.observations(s, all_sources=True)
    return frame[frame["source"] == source]


def observation_count(site) -> int:
    with site.db() as s:
        return s.execute(select(func.count()).select_from(M.Observation)).scalar()


def pending_folders(site) -> list[Path]:
    folder = site.data_dir / upload_files.FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def test_armenia_counts_are_refused_in_preview_then_skipped_and_the_percentages_load(site):
    add_source(site)
    admin = site.client("admin")
    dashboard = admin.get("/reporting")
    assert 'href="/reporting/upload"' in dashboard.text
    form = admin.get("/reporting/upload")
    assert form.status_code == 200 and f'value="{SOURCE}"' in form.text
    token, page = upload(admin, site, ARM_CSV, area="am", series="sl_tlf_chldec", source=SOURCE)
    assert "aged 5-11 years" in page and "Y5T11" in page  # the labels and their codes
    assert "Nothing stays unknown" in page
    proposal = yaml.safe_load(yaml_of(page))
    assert (proposal["area"], proposal["series"], proposal["source"]) == (
        "ARM",
        "SL_TLF_CHLDEC",
        SOURCE,
    )
    assert proposal["codes"]["unit"] == {"%": "PT", "number": "NUMBER"}
    before = observation_count(site)

    # As proposed, the counts would go into a percentage series: refused, nothing written.
    refused = preview(admin, site, token, yaml_of(page))
    assert refused.status_code == 200
    assert "unit &#39;NUMBER&#39; is not the unit of series SL_TLF_CHLDEC" in refused.text
    assert "[series_unit]" in refused.text and 'id="load-form"' not in refused.text
    early = admin.post(
        f"/reporting/upload/{token}/load",
        data={"csrf": site.token(admin), "mapping_digest": "0" * 64},
    )
    assert early.status_code == 409  # only a mapping whose preview passed is loaded
    assert observation_count(site) == before and rows_of(site, SOURCE).empty

    # The edit: no national count series exists, so the counts are left out knowingly.
    edited = yaml.safe_load(yaml_of(refused.text))
    edited["skip"] = {"unit": ["NUMBER"]}
    passed = preview(admin, site, token, yaml.safe_dump(edited, sort_keys=False))
    assert passed.status_code == 200 and 'id="load-form"' in passed.text
    assert "No error found" in passed.text
    assert "8 rows would be stored; 8 rows left out by the mapping" in passed.text
    sample = re.search(r'<table class="sample">.*?</table>', passed.text, re.S).group(0)
    assert sample.count("<tr>") == 9 and "SL_TLF_CHLDEC" in sample  # header and 8 rows
    assert observation_count(site) == before  # a preview writes nothing

    loaded = load(admin, site, token, passed.text)
    assert loaded.status_code == 200, loaded.text[:2000]
    assert re.search(r"Load \d+: 8 rows added, 0 changed, 0 unchanged", loaded.text)
    assert "target87 history undo" in loaded.text
    with open(ARM_CSV, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    sex = {"": "_T", "boy": "M", "girl": "F"}
    age = {"": "_T", "aged 5-11 years": "Y5T11", "aged 12-15 years": "Y12T15",
           "aged 16-17 years": "Y16T17"}  # fmt: skip
    urb = {"": "_T", "urban": "U", "rural": "R"}
    expected = {
        (sex[r["Sex"]], age[r["Age"]], urb[r["Location"]]): float(r["Value"])
        for r in lines
        if r["Units"] == "%"
    }
    rows = rows_of(site, SOURCE)
    got = {(r.sex, r.age, r.urbanisation): r.value for r in rows.itertuples()}
    assert got == expected and len(got) == 8
    assert set(rows["unit"]) == {"PT"} and set(rows["ref_area"]) == {"ARM"}
    assert set(rows["series"]) == {"SL_TLF_CHLDEC"} and set(rows["time_period"]) == {"2015"}
    with site.db() as s:
        last = s.execute(select(M.LoadRecord).order_by(M.LoadRecord.id.desc())).scalars().first()
    assert last.actor == support.email("admin") and last.name == ARM_CSV.name

    # The file is gone; the mapping stays to download, with the edit; the token is done.
    (folder,) = pending_folders(site)
    assert not (folder / upload_files.DATA).exists()
    kept = admin.get(f"/reporting/upload/{token}/mapping.yaml")
    assert kept.status_code == 200 and "attachment" in kept.headers["content-disposition"]
    assert yaml.safe_load(kept.text)["skip"] == {"unit": ["NUMBER"]}
    assert preview(admin, site, token, kept.text).status_code == 404


def test_kyrgyz_sdmx_file_loads_89_rows_and_creates_its_regions(site):
    admin = site.client("admin")
    token, page = upload(admin, site, KGZ_XML, area="KGZ")
    proposal = yaml.safe_load(yaml_of(page))
    assert proposal["codes"]["ref_area"]["KG02"] == "KGZ-02"
    assert "KGZ-02" in page  # the table shows each label and its code
    checked = preview(admin, site, token, yaml_of(page))
    assert checked.status_code == 200 and 'id="load-form"' in checked.text
    assert "89 rows would be stored" in checked.text
    assert "Subnational areas a load would create" in checked.text
    assert "<code>KGZ-02</code>" in checked.text and "<code>import_kg_nsc</code>" in checked.text
    with site.db() as s:
        assert s.get(M.Area, "KGZ-02") is None  # not before the load
    loaded = load(admin, site, token, checked.text)
    assert loaded.status_code == 200, loaded.text[:2000]
    assert re.search(r"Load \d+: 89 rows added", loaded.text)
    assert len(rows_of(site, "import_kg_nsc")) == 89
    with site.db() as s:
        osh = s.get(M.Area, "KGZ-02")
        assert (osh.kind, osh.parent) == ("subnational", "KGZ")


ROUTES = ("preview", "load", "discard")


@pytest.mark.parametrize("role", [None, "viewer.npl", "secretariat"])
def test_only_those_who_may_edit_a_countrys_figures_reach_any_step(site, role):
    admin = site.client("admin")
    token, _ = upload(admin, site, ARM_CSV, area="ARM", series="SL_TLF_CHLDEC")
    other = site.client(role)
    page = other.get("/reporting/upload")
    if role is None:
        assert page.status_code == 303 and page.headers["location"].startswith("/signin")
        csrf = "a" * 40  # the public has no session: any token is refused
    else:
        assert page.status_code == 403
        assert 'href="/reporting/upload"' not in other.get("/reporting").text
        csrf = site.token(other)
    assert send(other, site, ARM_CSV, csrf=csrf, area="ARM").status_code == 403
    for step in ROUTES:
        answer = other.post(
            f"/reporting/upload/{token}/{step}",
            data={"csrf": csrf, "mapping": "area: ARM\n", "mapping_digest": "0" * 64},
        )
        assert answer.status_code == 403, (role, step)
    assert other.get(f"/reporting/upload/{token}").status_code in (303, 403)
    assert other.get(f"/reporting/upload/{token}/mapping.yaml").status_code in (303, 403)
    assert len(pending_folders(site)) == 1  # only the administrator's upload


def test_a_focal_point_maps_and_previews_its_own_countrys_file_but_may_not_load_it(site):
    add_source(site)
    focal = site.client("focal.npl")
    assert 'href="/reporting/upload"' in focal.get("/reporting").text
    assert focal.get("/reporting/upload").status_code == 200
    other = send(focal, site, ARM_CSV, area="ARM", series="SL_TLF_CHLDEC")
    assert other.status_code == 403 and pending_folders(site) == []  # not its country
    token, page = upload(focal, site, ARM_CSV, area="NPL", series="SL_TLF_CHLDEC", source=SOURCE)
    edited = yaml.safe_load(yaml_of(page))
    edited["skip"] = {"unit": ["NUMBER"]}
    before = observation_count(site)
    passed = preview(focal, site, token, yaml.safe_dump(edited, sort_keys=False))
    assert passed.status_code == 200 and "No error found" in passed.text
    assert 'id="load-form"' not in passed.text and 'id="load-elsewhere"' in passed.text
    assert "send it, with the file, to an administrator" in passed.text
    kept = focal.get(f"/reporting/upload/{token}/mapping.yaml")
    assert kept.status_code == 200 and yaml.safe_load(kept.text)["area"] == "NPL"
    data = {"csrf": site.token(focal), "mapping_digest": "0" * 64}
    assert focal.post(f"/reporting/upload/{token}/load", data=data).status_code == 403
    # A mapping that moves the rows to another country is refused at the preview.
    edited["area"] = "ARM"
    moved = preview(focal, site, token, yaml.safe_dump(edited, sort_keys=False))
    assert moved.status_code == 403
    assert observation_count(site) == before


def test_an_upload_belongs_to_its_session_and_needs_the_form_token(site):
    admin = site.client("admin")
    before = observation_count(site)
    refused = send(admin, site, ARM_CSV, csrf=None, area="ARM")
    assert refused.status_code == 403 and pending_folders(site) == []
    token, page = upload(admin, site, ARM_CSV, area="ARM", series="SL_TLF_CHLDEC")
    no_csrf = admin.post(f"/reporting/upload/{token}/preview", data={"mapping": yaml_of(page)})
    assert no_csrf.status_code == 403
    again = site.client("admin")  # the same account in another session
    assert again.get(f"/reporting/upload/{token}").status_code == 404
    assert preview(again, site, token, yaml_of(page)).status_code == 404
    for bad in ("../../etc", "x" * 32, token[:-1]):
        assert admin.get(f"/reporting/upload/{bad}").status_code in (404, 405)
    discarded = admin.post(f"/reporting/upload/{token}/discard", data={"csrf": site.token(admin)})
    assert discarded.status_code == 303 and pending_folders(site) == []
    assert observation_count(site) == before


def test_an_oversize_file_is_refused_with_its_limit_and_nothing_is_kept(site, monkeypatch):
    monkeypatch.setenv("TARGET87_MAX_ATTACHMENT_BYTES", "1000")
    admin = site.client("admin")
    answer = send(admin, site, KGZ_XML, area="KGZ")
    assert answer.status_code == 422
    assert f"{KGZ_XML.name} is larger than the upload limit of 1,000 bytes" in answer.text
    assert pending_folders(site) == []


def test_a_file_of_another_kind_a_broken_file_and_unknown_codes_are_refused(site, tmp_path):
    admin = site.client("admin")
    garbage = tmp_path / "notes.txt"
    garbage.write_text("just some words\nnothing tabular\n", encoding="utf-8")
    answer = send(admin, site, garbage)
    assert answer.status_code == 422 and "notes.txt is not a file this page takes" in answer.text
    broken = tmp_path / "broken.xml"
    broken.write_text('<?xml version="1.0"?>\n<message:Data><unclosed>', encoding="utf-8")
    answer = send(admin, site, broken)
    assert answer.status_code == 422 and "broken.xml could not be read" in answer.text
    assert "malformed XML" in answer.text  # the reader's own words, with the line
    assert pending_folders(site) == []
    answer = send(admin, site, ARM_CSV, area="Armenai", source="no_such_source")
    assert answer.status_code == 422
    assert "Unknown area Armenai" in answer.text and "Unknown source no_such_source" in answer.text
    assert 'value="Armenai"' in answer.text  # what was typed is shown again


@pytest.mark.parametrize(
    "mapping, said",
    [
        ("columns: [unclosed\n", "malformed mapping YAML"),
        ("columns: {Sex: gender}\n", "maps to &#39;gender&#39;, not a field"),
        ("- a list\n", "a mapping file is a YAML mapping"),
        ("a: &x [1, 1]\nb: &y [*x, *x]\ncodes: {sex: {M: *y}}\n", "YAML aliases"),
    ],
)
def test_a_malformed_mapping_is_shown_as_an_error_and_nothing_is_written(site, mapping, said):
    admin = site.client("admin")
    token, _ = upload(admin, site, ARM_CSV, area="ARM", series="SL_TLF_CHLDEC")
    before = observation_count(site)
    answer = preview(admin, site, token, mapping)
    assert answer.status_code == 422
    assert "The mapping was refused" in answer.text and said in answer.text
    assert html.escape(mapping.strip(), quote=False) in answer.text  # kept to mend
    assert 'id="load-form"' not in answer.text
    assert observation_count(site) == before


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_step_reads_in_french_and_spanish_with_no_english_left(site, lang):
    add_source(site)
    admin = site.client("admin")
    admin.cookies.set("lang", lang)
    english = EnglishLeftovers(lang)
    pages = {"form": admin.get("/reporting/upload").text}
    token, pages["proposal"] = upload(
        admin, site, ARM_CSV, area="ARM", series="SL_TLF_CHLDEC", source=SOURCE
    )
    pages["refused"] = preview(admin, site, token, yaml_of(pages["proposal"])).text
    edited = yaml.safe_load(yaml_of(pages["proposal"]))
    edited["skip"] = {"unit": ["NUMBER"]}
    pages["preview"] = preview(admin, site, token, yaml.safe_dump(edited)).text
    pages["bad_yaml"] = preview(admin, site, token, "columns: [\n").text
    pages["done"] = load(admin, site, token, pages["preview"]).text
    for name, text in pages.items():
        assert f'<html lang="{lang}">' in text, name
        left = english.find(parse("http://testserver/", text).texts)
        assert left == [], (lang, name, left)
    assert "Load national data" not in pages["form"]
