"""A page kept in memory (``web.site.cache``) names the host its reader asked in the absolute
addresses it writes (a chart's share link and embed code), never the host of the reader who
came first; so does a downloaded chart's footer."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from target87.web.app import create_app

HOSTS = ("ministry.example.org", "mirror.example.net")


@pytest.fixture(scope="module")
def client(warehouse_url):
    with TestClient(create_app(warehouse_url)) as c:
        yield c


def addresses(page: str) -> tuple[set[str], set[str]]:
    """The hosts of the page's share links and of its embed codes' iframes."""
    shares = set(re.findall(r'class="chart-share" href="https?://([^/"]+)/', page))
    embeds = set(re.findall(r'<iframe src="https?://([^/"]+)/', html.unescape(page)))
    return shares, embeds


@pytest.mark.parametrize("path", ["/", "/explore"])
def test_each_host_gets_its_own_addresses_from_a_cached_page(client, path):
    for round_ in range(2):  # the second round is served from memory
        for host in HOSTS:
            response = client.get(path, headers={"Host": host})
            assert response.status_code == 200
            shares, embeds = addresses(response.text)
            assert shares == {host}, (round_, host, shares)
            assert embeds == {host}, (round_, host, embeds)
    # The page was kept once per host (else the test proves nothing about the cache).
    kept = [k for k in client.app.state.pages if path in k]
    assert {k[0] for k in kept} >= {f"http://{h}/" for h in HOSTS}


def test_a_downloaded_chart_names_the_host_asked(client):
    page = client.get("/", headers={"Host": HOSTS[0]}).text
    svg = re.search(r'href="(/charts/home/[^"]+\.svg\?[^"]*)"', page).group(1)
    svg = html.unescape(svg)
    for host in (*HOSTS, *HOSTS):
        drawn = client.get(svg, headers={"Host": host})
        assert drawn.status_code == 200
        assert f"{host}/" in drawn.text
        other = next(h for h in HOSTS if h != host)
        assert other not in drawn.text
