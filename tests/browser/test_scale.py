"""A theatre-sized map in Chromium: it opens, groups crowded sites into clusters that split as you
zoom in, lists sites a page at a time, and plays through years it has not loaded yet.

The `world` preset (a million deployments) is measured by bench/bench_browser.py; this is the same
behaviour on a synthetic bundle small enough for `make test`.
"""

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ROOT, UI, open_ui, serve

DESKTOP = {"width": 1440, "height": 900}
DATE = "2010-06-01"


@pytest.fixture(scope="module")
def theatre_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("theatre")
    bundle, url = work / "bundle", f"sqlite:///{work / 'orbat.db'}"
    sizes = ["--sites", "1200", "--forces", "2000", "--deployments", "8000"]
    sizes += ["--movements", "800", "--events", "400", "--actors", "20"]
    for command in (
        ["demo-data", str(bundle), *sizes],
        ["db", "upgrade", "--database-url", url],
        ["import", str(bundle), "--database-url", url],
    ):
        subprocess.run([sys.executable, "-m", "app", *command], cwd=ROOT, check=True)
    with serve(url, work, ORBAT_REMOTE_TILES="false") as base:
        yield base


@pytest.fixture
def theatre(browser: Browser, theatre_url: str) -> Iterator[UI]:
    yield from open_ui(browser, theatre_url, DESKTOP)


def zoom(ui: UI) -> int | None:
    """The zoom the URL records; none until the reader has moved the map."""
    match = re.search(r"[?&]z=(\d+)", ui.query)
    return int(match.group(1)) if match else None


def listed_count(ui: UI) -> int:
    return int(ui.page.locator("#sites-count").inner_text().strip("()"))


def test_a_crowded_theatre_opens_as_clusters_that_split_when_chosen(theatre: UI) -> None:
    page = theatre.open(f"/?date={DATE}")
    clusters = page.locator(".site-cluster")
    expect(clusters.first).to_be_visible()
    present = listed_count(theatre)
    assert present >= 400, "the bundle must be crowded enough to cluster"
    counts = [int(text) for text in clusters.all_inner_texts()]
    # Clusters stand for sites, and never more sites than are present on the day.
    assert all(n >= 2 for n in counts)
    assert sum(counts) <= present
    # Each cluster names its actors, so colour is never the only key.
    title = clusters.first.get_attribute("title") or ""
    assert "sites (" in title and ": zoom in" in title

    before = zoom(theatre)
    clusters.first.click()
    expect(page).to_have_url(re.compile(r"[?&]z=\d+"))
    after = zoom(theatre)
    assert after is not None and (before is None or after > before)
    # Zoomed in far enough, every site stands alone and is named.
    for _ in range(12):
        if not clusters.count():
            break
        page.get_by_role("button", name="Zoom in").click()
        page.wait_for_timeout(400)
    assert clusters.count() == 0
    expect(page.locator(".site-label").first).to_be_visible()


def test_the_site_list_grows_a_page_at_a_time(theatre: UI) -> None:
    page = theatre.open(f"/?date={DATE}")
    entries = page.locator("#site-list .site-entry")
    assert entries.count() == 100
    more = page.locator("#site-list-more")
    expect(more).to_contain_text("Show 100 more")
    more.click()
    assert entries.count() == min(200, listed_count(theatre))
    expect(entries.nth(100)).to_be_focused()


def test_play_runs_into_years_not_yet_loaded(theatre: UI) -> None:
    page = theatre.open("/?date=2003-01-01")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.locator("#speed").select_option("year")
    page.locator("#play").click()
    expect(page.locator("#date-input")).to_have_value("2006-01-01", timeout=30_000)
    page.locator("#play").click()
    theatre.wait_ready()
    years = {url.rsplit("/", 1)[1] for url in asked if "/api/v1/map/years/" in url}
    assert {"2005", "2006"} & years, asked
    assert listed_count(theatre) > 0
    # Nothing but year indexes was fetched while playing: no interval carries its sources.
    assert not [url for url in asked if "/api/v1/deployments" in url or "/api/v1/snapshot" in url]


def test_a_site_card_fetches_its_sources_when_opened(theatre: UI) -> None:
    page = theatre.open(f"/?date={DATE}")
    page.locator("#site-list .site-entry").first.click()
    card = page.locator("#details .site-card")
    expect(card).to_be_visible()
    expect(card.locator(".loading-sources")).to_have_count(0)
    expect(card.locator(".sources li, .no-sources").first).to_be_visible()


def test_the_theatre_answers_are_small_enough_for_a_first_view(theatre_url: str) -> None:
    """Without sources and notes, a year of this bundle is a small fraction of the old answer."""
    import httpx

    with httpx.Client(base_url=theatre_url) as http:
        year = http.get(f"/api/v1/map/years/{DATE[:4]}", headers={"Accept-Encoding": "gzip"})
        old = http.get(
            "/api/v1/deployments", params={"start": DATE, "end": "2010-12-31"}, timeout=60
        )
    assert year.status_code == old.status_code == 200
    assert year.headers.get("content-encoding") == "gzip"
    assert len(year.content) * 3 < len(old.content)
