"""Fixtures for the browser tests: the real app served by uvicorn on a free localhost port, and
Debian's Chromium driven by Playwright for Python (never `playwright install`).

Chromium missing: the browser tests are skipped on a developer's machine, and fail in CI
(``CI=true`` or ``TARGET87_REQUIRE_BROWSER`` set), as tests/conftest.py does for PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_REQUIRED = os.environ.get("CI") == "true" or bool(
    os.environ.get("TARGET87_REQUIRE_BROWSER")
)
# Launch arguments known to work on this machine kind (shared STACK_NOTES, Web section).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def publish_synthetic_risk_run(url: str, folder: Path) -> int:
    """A small synthetic CLRISK run (40 territories with boundaries), published at ``url``:
    the risk pages' content. Returns its id."""
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.risk.catalog import publish_run
    from target87.risk.outputs import write_outputs
    from target87.risk.pipeline import run_file
    from target87.risk.synth_files import write_synthetic_run

    made = write_synthetic_run(
        folder / "run", n_children=20_000, n_territories=40, seed=5, sample_size=2_500
    )
    written = write_outputs(run_file(made.run_file), folder / "out")
    engine = store.make_engine(url)
    try:
        with Session(engine) as s, s.begin():
            return publish_run(s, written["run"], country="BRA").id
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(warehouse_url, tmp_path_factory):
    """The whole site (pages + API) on a copy of the loaded warehouse; yields its base URL."""
    from target87.web.app import create_app
    from tests.web.serving import serve

    source = Path(make_url(warehouse_url).database)
    copy = tmp_path_factory.mktemp("browser-db") / "warehouse.sqlite"
    shutil.copyfile(source, copy)
    publish_synthetic_risk_run(f"sqlite:///{copy}", tmp_path_factory.mktemp("risk-run"))

    with serve(create_app(f"sqlite:///{copy}")) as base:
        yield base


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium for the whole session, with HOME and XDG_* in a temporary folder."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (Debian: apt-get install -y chromium)"
        if BROWSER_REQUIRED:
            pytest.fail(f"Chromium is required here (CI or TARGET87_REQUIRE_BROWSER): {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_RUNTIME_DIR=str(home / "run"),
    )
    (home / "run").mkdir(mode=0o700)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Factory: a page in a fresh context (no cookies; English by Accept-Language), closed at
    the end of the test. Keyword arguments go to ``browser.new_context`` (e.g. bypass_csp)."""
    contexts = []

    def make(**options):
        settings = {
            "base_url": live_server,
            "locale": "en-US",
            "viewport": {"width": 1280, "height": 900},
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """One fresh context and page for the test."""
    return new_page()


@pytest.fixture
def console_errors(page) -> list[str]:
    """Console messages of type error and uncaught page errors, collected from the start."""
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text} ({msg.location.get('url', '')})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
