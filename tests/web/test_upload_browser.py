"""The "Load national data" pages in a real browser (Chromium through Playwright): an
administrator uploads Armstat's Open SDG CSV, edits the proposed mapping in the page's text
box, previews, loads, and reaches the result; every page type is checked by axe-core, with
no console error."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from target87.store import models as M
from target87.web.app import create_app
from tests.web import test_reporting_support as support
from tests.web.serving import serve
from tests.web.test_reporting_browser import sign_in
from tests.web.test_upload_mapping import ARM_CSV, SOURCE

pytestmark = [pytest.mark.browser, pytest.mark.slow]
demo_db = support.demo_db  # fixture


@pytest.fixture(scope="module")
def live_server(demo_db, tmp_path_factory):
    """The site on its own copy of the demonstration database, with a source for Armstat."""
    folder = tmp_path_factory.mktemp("upload-browser")
    shutil.copyfile(demo_db, folder / "site.sqlite")
    url = f"sqlite:///{folder / 'site.sqlite'}"
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        s.add(M.Source(id=SOURCE, publisher="Armstat", title="Child labour survey 2015",
                       licence="as published", citation="Armstat (2015)."))  # fmt: skip
    engine.dispose()
    app = create_app(url)
    app.state.secret, app.state.data_dir = support.SECRET, folder / "data"
    with serve(app) as base:
        yield base


def test_an_administrator_maps_previews_and_loads_a_national_file(new_page, screenshots):
    checked: dict[str, list[str]] = {}
    admin = sign_in(new_page, screenshots, checked, "admin")
    page = admin.page
    page.get_by_role("link", name="Load national data").click()
    page.wait_for_url(re.compile(r"/reporting/upload$"))
    admin.check("upload-form")
    page.get_by_label("File (at most").set_input_files(ARM_CSV)
    page.get_by_label("Area (ISO3 code)").fill("ARM")
    page.get_by_label("Series code").fill("SL_TLF_CHLDEC")
    page.get_by_label("Source of the rows").select_option(SOURCE)
    page.get_by_role("button", name="Propose a mapping").click()
    page.wait_for_url(re.compile(r"/reporting/upload/[A-Za-z0-9_-]{32}$"))
    admin.check("upload-mapping")
    expect(page.locator("table.mapping")).to_contain_text("aged 5-11 years")

    box = page.get_by_label("Mapping (YAML)")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("is not the unit of series SL_TLF_CHLDEC")
    expect(page.locator("#load-form")).to_have_count(0)
    admin.check("upload-preview-refused")

    edited = yaml.safe_load(box.input_value())
    edited["skip"] = {"unit": ["NUMBER"]}
    box.fill(yaml.safe_dump(edited, sort_keys=False))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("No error found")
    page.get_by_role("button", name="Load these 8 rows").click()
    expect(page.locator("#load-result")).to_contain_text("8 rows added")
    admin.check("upload-done")
    assert admin.watched.errors == [] and admin.watched.dialogs == []
    serious = {name: found for name, found in checked.items() if found}
    assert not serious, serious
