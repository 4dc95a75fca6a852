"""The offline basemap says where you are: Natural Earth rivers, lakes and towns under the sites,
credited by name, within a page-weight budget (issue 9, item 8)."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import UI, WIDE, open_ui, serve

# Qamishli, the headline story, close up (a town-level view), a little wider (with Al-Hasakah)
# and country-wide.
QAMISHLI_Z10 = "/?date=2026-01-10&z=10&lat=37.03&lon=41.23"
QAMISHLI_Z9 = "/?date=2026-01-10&z=9&lat=36.75&lon=41.0"
SYRIA_Z6 = "/?date=2026-01-10&z=6&lat=35.2&lon=38.5"

# Basemap data the map page's first view may download, gzipped as served: the world's borders
# (world-atlas, 1:50m, about 231 KB) and the region's rivers, lakes and towns (about 5 KB).
# The world file dominates; a regional cut of it is the next saving if this is ever tight.
BASEMAP_BUDGET_BYTES = 250 * 1024
BASEMAP_PATHS = ("/static/vendor/world-atlas/", "/static/vendor/natural-earth/")

# The colour static/js/basemap.js draws rivers and lake shores in.
WATER_RGB = (0x8F, 0xB4, 0xCF)
CLOSED_PORT_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


def place_labels(page: Page):
    return page.locator(".leaflet-places-pane .place-label")


def water_pixels(page: Page) -> int:
    """How many pixels of the basemap's canvas are drawn in the river colour."""
    return page.evaluate(
        """([r, g, b]) => {
          const canvas = document.querySelector(".leaflet-basemap-pane canvas");
          const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
          let count = 0;
          for (let i = 0; i < data.length; i += 4) {
            const off =
              Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
            if (off < 24 && data[i + 3] > 200) count += 1;
          }
          return count;
        }""",
        list(WATER_RGB),
    )


def credit(page: Page) -> str:
    return page.locator(".leaflet-control-attribution").inner_text()


def boxes(page: Page, selector: str) -> list[list[float]]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map((element) => {
          const r = element.getBoundingClientRect();
          return [r.left, r.top, r.right, r.bottom];
        })""",
        selector,
    )


def overlapping(a: list[float], b: list[float]) -> bool:
    # A pixel of anti-aliasing is not an overlap.
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def test_zoomed_in_on_qamishli_the_map_names_the_towns(wide: UI) -> None:
    page = wide.open(QAMISHLI_Z10)
    labels = place_labels(page)
    # The towns around it, across the Turkish border: the close view is not an empty page.
    for town in ("Nusaybin", "Mardin"):
        expect(labels.filter(has_text=re.compile(f"^{town}$"))).to_have_count(1)
    # Sites' names win: no town name covers one (Qamishli itself is named by its site).
    expect(
        page.locator(".site-label").filter(has_text="Qamishli International Airport")
    ).to_be_visible()
    for town in boxes(page, ".place-label span"):
        for site in boxes(page, ".site-label span"):
            assert not overlapping(town, site), (town, site)
    # Town names are for reading only: the pane takes no clicks, so sites beneath stay usable.
    assert (
        page.locator(".leaflet-places-pane").evaluate(
            "pane => getComputedStyle(pane).pointerEvents"
        )
        == "none"
    )
    # Under the sites: the places pane is stacked below the sites' overlay and their names.
    z = page.evaluate(
        """() => ["places", "overlay", "labels"].map((name) =>
          Number(getComputedStyle(document.querySelector(`.leaflet-${name}-pane`)).zIndex))"""
    )
    assert z[0] < z[1] < z[2], z
    wide.shot("basemap-qamishli-z10")
    page = wide.open(QAMISHLI_Z9)
    expect(labels.filter(has_text=re.compile("^Al Hasakah$"))).to_have_count(1)
    wide.shot("basemap-qamishli-z9")


def test_zoomed_out_the_map_shows_rivers_and_only_the_big_cities(wide: UI) -> None:
    page = wide.open(SYRIA_Z6)
    labels = place_labels(page)
    for city in ("Damascus", "Aleppo", "Baghdad"):
        expect(labels.filter(has_text=re.compile(f"^{city}$"))).to_have_count(1)
    # A town of some 100,000 waits for a closer view.
    for town in ("Al Qamishli", "Al Hasakah", "Nusaybin"):
        expect(labels.filter(has_text=town)).to_have_count(0)
    # The Euphrates and Tigris are drawn, in the river colour.
    assert water_pixels(page) > 500
    wide.shot("basemap-syria-z6")


def test_town_names_do_not_cover_each_other(wide: UI) -> None:
    page = wide.open("/?date=2026-01-10&z=8&lat=36.3&lon=37.5")
    expect(place_labels(page).filter(has_text=re.compile("^Aleppo$"))).to_have_count(1)
    towns = boxes(page, ".place-label span")
    assert len(towns) >= 5, towns
    for i, a in enumerate(towns):
        for b in towns[i + 1 :]:
            assert not overlapping(a, b), (a, b)
    for town in towns:
        for other in boxes(page, ".site-label span, .country-label span"):
            assert not overlapping(town, other), (town, other)
    wide.shot("basemap-aleppo-z8")


def named_site_markers(page: Page) -> list[list[float]]:
    """The boxes of the named sites' markers (drawn on a canvas, so found from their names).

    A name's Leaflet icon sits at the marker's point, moved back by its anchor with a negative
    margin; a marker is at least 10 px in radius (one force).
    """
    return page.evaluate(
        """() => [...document.querySelectorAll(".site-label [data-site]")].map((span) => {
            const icon = span.parentElement;
            const box = icon.getBoundingClientRect();
            const style = getComputedStyle(icon);
            const x = box.left - parseFloat(style.marginLeft);
            const y = box.top - parseFloat(style.marginTop);
            return [x - 10, y - 10, x + 10, y + 10];
        })"""
    )


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_town_names_keep_clear_of_site_markers(request: pytest.FixtureRequest, size: str) -> None:
    ui: UI = request.getfixturevalue(size)
    # Tartus and Al Qamishli are towns with a site on them: the site's marker wins.
    page = ui.open("/?date=2026-01-10")
    markers = named_site_markers(page)
    towns = boxes(page, ".place-label span")
    assert len(markers) >= 8 and len(towns) >= 5, (markers, towns)
    for town in towns:
        for marker in markers:
            assert not overlapping(town, marker), (town, marker)
    ui.shot(f"basemap-towns-clear-of-markers-{size}")


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_the_scale_is_readable_and_clear_of_the_credit(
    request: pytest.FixtureRequest, size: str
) -> None:
    ui: UI = request.getfixturevalue(size)
    page = ui.open("/")
    (scale,) = boxes(page, ".leaflet-control-scale-line")
    (credit_box,) = boxes(page, ".leaflet-control-attribution")
    assert not overlapping(scale, credit_box), (scale, credit_box)
    # Its words fit inside the line that measures the distance.
    fits = page.locator(".leaflet-control-scale-line").evaluate(
        "(line) => line.scrollWidth <= line.clientWidth"
    )
    assert fits, page.locator(".leaflet-control-scale-line").inner_text()


def test_the_credit_names_natural_earth_and_its_layers_offline(wide: UI) -> None:
    page = wide.open(QAMISHLI_Z10)
    text = credit(page)
    assert "Natural Earth" in text
    for layer in ("rivers", "lakes", "towns"):
        assert layer in text
    # No tile server is in use, so none is credited.
    assert "OpenStreetMap" not in text


def test_the_first_view_downloads_the_basemap_within_budget(wide: UI) -> None:
    page = wide.open(QAMISHLI_Z10)
    sizes = page.evaluate(
        """(paths) => performance.getEntriesByType("resource")
          .filter((entry) => paths.some((path) => new URL(entry.name).pathname.startsWith(path)))
          .map((entry) => [new URL(entry.name).pathname, entry.encodedBodySize])""",
        list(BASEMAP_PATHS),
    )
    fetched = {path for path, _ in sizes}
    assert fetched == {
        "/static/vendor/world-atlas/countries-50m.json",
        "/static/vendor/natural-earth/region.json",
    }
    assert all(size > 0 for _, size in sizes), sizes
    total = sum(size for _, size in sizes)
    assert total <= BASEMAP_BUDGET_BYTES, f"{total} bytes of basemap data: {sizes}"


def test_the_site_page_map_shows_the_town_around_the_site(ui: UI) -> None:
    page = ui.open("/sites/qamishli-airport")
    expect(place_labels(page).filter(has_text=re.compile("^Al Qamishli$"))).to_have_count(1)
    ui.shot("basemap-site-page")
    assert "Natural Earth" in credit(page)


@pytest.fixture
def tiles_ui(browser: Browser, database_url: str, tmp_path: Path) -> Iterator[UI]:
    """A tab on a second server whose remote tiles are configured (at a closed port)."""
    with serve(
        database_url, tmp_path, ORBAT_REMOTE_TILES="true", ORBAT_TILE_URL=CLOSED_PORT_TILES
    ) as url:
        yield from open_ui(browser, url, WIDE)


def test_with_remote_tiles_the_credit_follows_what_is_drawn(tiles_ui: UI) -> None:
    ui = tiles_ui
    ui.expected_failure_prefixes = ("http://127.0.0.1:9/",)
    png = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet").rglob("*.png")
    tile = next(iter(png)).read_bytes()
    held: list[Route] = []
    released = False

    def answer(route: Route) -> None:
        if released:
            route.fulfill(status=200, body=tile, content_type="image/png")
        else:
            held.append(route)

    ui.page.route("http://127.0.0.1:9/**", answer)
    page = ui.open(QAMISHLI_Z10)
    # No tile yet: only what is drawn here is credited, and the town names are the basemap's.
    text = credit(page)
    assert "Natural Earth" in text and "towns" in text
    assert "OpenStreetMap" not in text
    expect(place_labels(page).filter(has_text="Nusaybin")).to_have_count(1)
    assert held
    released = True
    for route in held:
        route.fulfill(status=200, body=tile, content_type="image/png")
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()
    # The tiles now carry the names: the provider is credited beside Natural Earth, whose towns
    # give way.
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    assert "Natural Earth" in credit(page)
    assert "towns" not in credit(page)
    expect(place_labels(page)).to_have_count(0)
