"""Pages and API answers kept in memory are dropped when a load changes the data."""

from __future__ import annotations

import shutil

import pytest
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from target87 import store
from target87.interop import load_table
from target87.interop.table import fill_period_bounds, raw_table
from target87.web.app import create_app

NEPAL_2025 = {
    "series": "SL_TLF_CHLDEC",
    "ref_area": "NPL",
    "time_period": "2025",
    "sex": "_T",
    "age": "Y5T17",
    "urbanisation": "_T",
    "value": "12.5",
    "unit": "PT",
    "unit_mult": "0",
    "obs_status": "A",
    "reporting_type": "N",
    "source": "un_sdg_871",
}


@pytest.fixture
def copy_url(warehouse_url, tmp_path):
    path = tmp_path / "w.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


def load_nepal_2025(url: str) -> None:
    engine = store.make_engine(url)
    load_table(engine, fill_period_bounds(raw_table([NEPAL_2025], file="n.csv")), mode="merge")
    engine.dispose()


def test_pages_follow_the_data_version(copy_url):
    with TestClient(create_app(copy_url)) as c:
        first = c.get("/countries/NPL?lang=en").text
        assert c.get("/countries/NPL?lang=en").text == first
        load_nepal_2025(copy_url)
        fresh = c.get("/countries/NPL?lang=en").text
    assert fresh != first and "12.5" in fresh


def test_api_answers_follow_the_data_version(copy_url):
    query = "/api/v1/observations?series=SL_TLF_CHLDEC&area=NPL&sex=_T&age=Y5T17"
    with TestClient(create_app(copy_url)) as c:
        before = c.get(query).json()
        assert c.get(query).json() == before
        load_nepal_2025(copy_url)
        after = c.get(query).json()
    assert after["total"] == before["total"] + 1
    assert 12.5 in [o["value"] for o in after["observations"]]


def test_clients_missing_the_same_page_together_wait_for_one_rendering(warehouse_url):
    # A worker with a cold cache under load: every waiting client used to render the page
    # itself. Now the first renders it and the others are served what it kept.
    import threading
    import time

    from starlette.requests import Request

    from target87.web.site.cache import cached_page

    app = create_app(warehouse_url)
    renderings = []

    @cached_page
    def slow_page(request):
        renderings.append(threading.get_ident())
        time.sleep(0.3)  # long enough that every other thread arrives while it renders
        return HTMLResponse("<p>rendered once</p>")

    def ask(answers):
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/slow",
            "query_string": b"",
            "headers": [],
            "app": app,
        }
        answers.append(slow_page(Request(scope)).body)

    answers: list[bytes] = []
    threads = [threading.Thread(target=ask, args=(answers,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.state.engine.dispose()
    assert answers == [b"<p>rendered once</p>"] * 8
    assert len(renderings) == 1
    assert app.state.page_locks == {}  # nothing left behind


def test_api_clients_asking_the_same_thing_together_get_one_answer_computed(warehouse_url):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from sqlalchemy import event

    app = create_app(warehouse_url)
    reads = []

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args):
        if "FROM observation" in statement:
            reads.append(statement)

    async def together() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            query = "/api/v1/observations?series=SL_TLF_CHLDEC&area=PER"
            return await asyncio.gather(*(client.get(query) for _ in range(8)))

    # Its own thread: the browser tests leave Playwright's loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        answers = pool.submit(asyncio.run, together()).result()
    app.state.engine.dispose()
    assert [a.status_code for a in answers] == [200] * 8
    assert len({a.content for a in answers}) == 1 and answers[0].json()["total"] > 0
    assert len(reads) == 1, reads
    assert app.state.api_locks == {}
