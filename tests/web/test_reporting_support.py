"""What the reporting web tests share (no tests here): the site on a copy of the demonstration
database, clients signed in as each demo account, form tokens, and files to upload.

The database is the loaded warehouse of tests/conftest.py plus ``seed_demo``, built once and
copied per site, so every test works on its own real SQLite file.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting.models import AuditEvent
from target87.web.app import create_app
from target87.web.site.visitors import SESSION_COOKIE

SECRET = "reporting web tests: not a real key"
CHLDEC_T = "SL_TLF_CHLDEC:2024:_T:Y5T17:_T"
CHLDEC_F = "SL_TLF_CHLDEC:2024:F:Y5T17:_T"
CHLDEC_M = "SL_TLF_CHLDEC:2024:M:Y5T17:_T"
INSPECTIONS = "NAT_LAB_INSP:2024:_T:_T:_T"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
PASSWORD = "demo password 87"
_BUILT: dict[str, str] = {}  # one demonstration database per test run, for every module


def email(local: str) -> str:
    return f"{local}@{reporting.demo.DOMAIN}"


@pytest.fixture(scope="session")
def demo_db(warehouse_url, tmp_path_factory) -> str:
    """The loaded warehouse plus ``seed_demo`` (built once; sites copy it)."""
    if "path" not in _BUILT:
        path = tmp_path_factory.mktemp("reporting-web") / "demo.sqlite"
        shutil.copyfile(make_url(warehouse_url).database, path)
        engine = create_engine(f"sqlite:///{path}")
        with Session(engine) as session:
            reporting.seed_demo(session, PASSWORD)
        engine.dispose()
        _BUILT["path"] = str(path)
    return _BUILT["path"]


@dataclass
class Site:
    """The app on its own database file and data folder."""

    app: object
    url: str
    data_dir: Path

    def db(self) -> Session:
        return Session(self.app.state.engine)

    def user(self, local: str) -> reporting.User:
        with self.db() as s:
            user = reporting.find_user(s, email(local))
            s.expunge(user)
            return user

    def client(self, local: str | None = None, **options) -> TestClient:
        """A client signed in as demo account ``local`` (None: the public), by cookie."""
        client = TestClient(self.app, follow_redirects=False, **options)
        if local is not None:
            with self.db() as s:
                user = reporting.find_user(s, email(local))
                token = reporting.start_session(s, SECRET, user, "testclient")
            client.cookies.set(SESSION_COOKIE, token)
        return client

    def token(self, client: TestClient) -> str:
        """The CSRF token the client's session must send."""
        data = reporting.read_session_token(SECRET, client.cookies.get(SESSION_COOKIE))
        return reporting.csrf_token(SECRET, data.sid)

    def audit_count(self) -> int:
        with self.db() as s:
            return s.execute(select(func.count(AuditEvent.id))).scalar()


def make_site(template: str, folder: Path) -> Site:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "reporting.sqlite"
    shutil.copyfile(template, copy)
    url = f"sqlite:///{copy}"
    app = create_app(url)
    app.state.secret = SECRET
    app.state.data_dir = folder / "data"
    return Site(app, url, folder / "data")


@pytest.fixture
def site(demo_db, tmp_path) -> Site:
    site = make_site(demo_db, tmp_path / "site")
    yield site
    site.app.state.engine.dispose()


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def version_of(html: str) -> str:
    return VERSION.search(html).group(1)


def sign_in(site: Site, local: str, password: str = PASSWORD) -> TestClient:
    """A client signed in through the sign-in form itself."""
    client = site.client()
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "email": email(local), "password": password},
    )
    assert response.status_code == 303, response.text[:500]
    return client


def open_report(site: Site, client: TestClient, country: str = "NPL", year: int = 2024) -> int:
    response = client.post(
        f"/reporting/countries/{country}/reports",
        data={"csrf": site.token(client), "year": str(year)},
    )
    assert response.status_code == 303, response.text[:500]
    return int(response.headers["location"].rsplit("/", 1)[1])


def pdf_bytes(text: str = "Annex: labour inspections 2024") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def fill_template(data: bytes, values: dict[tuple[str, str, str], object]) -> bytes:
    """The downloaded template with ``values`` by (series, sex, age) in its value column."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb.worksheets[1]
    header = [c.value for c in sheet[1]]
    column = header.index("value") + 1
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        record = dict(zip(header, row, strict=False))
        key = (record.get("series"), record.get("sex"), record.get("age"))
        if key in values:
            sheet.cell(row=number, column=column).value = values[key]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_row(data: bytes, key: tuple[str, str, str]) -> int:
    """The row number of ``key`` in a template's data sheet."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb.worksheets[1]
    header = [c.value for c in sheet[1]]
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        record = dict(zip(header, row, strict=False))
        if (record.get("series"), record.get("sex"), record.get("age")) == key:
            return number
    raise KeyError(key)
