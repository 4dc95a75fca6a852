"""Crowded places (issue 9, item 4): Qamishli's city and airport, 5 km apart, at the default zoom.

Each marker, each name and each event badge there can be clicked and opens the right card; names
never overlap; touch targets are 44 px; popups stay inside the map.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import UI, close_open_popup

QAMISHLI = ("qamishli-airport", "qamishli-city")
NAMES = {"qamishli-airport": "Qamishli International Airport", "qamishli-city": "Qamishli"}
# The map page with no parameters, and the day before the Russian drawdown there began.
DEFAULT_VIEWS = ("/", "/?date=2026-01-10")
# Pixels: how near a marker an event badge must be to count as "at" it.
NEAR_PX = 60
TAP_PX = 44

popup = ".leaflet-popup-content"


def label(page: Page, slug: str):  # type: ignore[no-untyped-def]
    return page.locator(f'.site-label [data-site="{slug}"]')


def marker_centre(page: Page, slug: str) -> dict[str, float]:
    """The page point of a site's marker, from its name's Leaflet icon.

    Leaflet places a divIcon at the marker's point and moves it back by the icon's anchor with a
    negative margin: the icon's box plus that margin is the marker's centre.
    """
    return page.evaluate(
        """(slug) => {
            const icon = document.querySelector(`.site-label [data-site="${slug}"]`).parentElement;
            const box = icon.getBoundingClientRect();
            const style = getComputedStyle(icon);
            return {
                x: box.left - parseFloat(style.marginLeft),
                y: box.top - parseFloat(style.marginTop),
            };
        }""",
        slug,
    )


def close_popup(page: Page) -> None:
    # Once its sources have arrived and autoPan has settled: a popup that grows pans the map,
    # and the close button with it.
    expect(page.locator(".leaflet-popup .loading-sources")).to_have_count(0)
    assert_popup_inside_the_map(page)
    close_open_popup(page)
    expect(page.locator(popup)).to_have_count(0)


def assert_popup_inside_the_map(page: Page) -> None:
    """The open popup ends wholly inside the map (once autoPan has moved the map to fit it)."""
    page.wait_for_function(
        """() => {
            const map = document.getElementById("map").getBoundingClientRect();
            const popup = document.querySelector(".leaflet-popup");
            if (!popup) return false;
            const box = popup.getBoundingClientRect();
            return box.left >= map.left - 1 && box.right <= map.right + 1
                && box.top >= map.top - 1 && box.bottom <= map.bottom + 1;
        }"""
    )


def badges_near(page: Page, points: list[dict[str, float]], near: float = NEAR_PX) -> list[dict]:  # type: ignore[type-arg]
    """Event badges within `near` pixels of any of these points: their events and centres."""
    return page.evaluate(
        """([points, near]) => [...document.querySelectorAll(".event-mark")].map((icon) => {
            const box = icon.getBoundingClientRect();
            return {
                events: icon.querySelector("[data-events]").dataset.events.split(" "),
                x: box.left + box.width / 2,
                y: box.top + box.height / 2,
                width: box.width,
                height: box.height,
            };
        }).filter((b) => points.some((p) => Math.hypot(b.x - p.x, b.y - p.y) <= near))""",
        [points, near],
    )


def shot_name(path: str) -> str:
    return path.strip("/?").replace("date=", "") or "default"


def check_qamishli(ui: UI, path: str, name: str) -> None:
    """Markers, names and events at Qamishli each open the right card, at the default zoom."""
    page = ui.open(path)
    for slug in QAMISHLI:
        expect(label(page, slug)).to_be_visible()
    ui.shot(name)
    airport, city = (marker_centre(page, slug) for slug in QAMISHLI)
    # Fanned out: the two markers no longer overlap (each is at least 10 px in radius).
    assert ((airport["x"] - city["x"]) ** 2 + (airport["y"] - city["y"]) ** 2) ** 0.5 >= 20

    for slug in QAMISHLI:
        # The marker itself (where it is now: a popup's autoPan may have moved the map).
        centre = marker_centre(page, slug)
        page.mouse.click(centre["x"], centre["y"])
        expect(page.locator(popup).locator(".card-title").first).to_have_text(NAMES[slug])
        assert_popup_inside_the_map(page)
        close_popup(page)
        # Its name, by pointer and by keyboard.
        label(page, slug).click()
        expect(page.locator(popup).locator(".card-title").first).to_have_text(NAMES[slug])
        close_popup(page)
        label(page, slug).locator("..").focus()
        page.keyboard.press("Enter")
        expect(page.locator(popup).locator(".card-title").first).to_have_text(NAMES[slug])
        close_popup(page)

    # Every event badge there opens, at the default zoom: one event's card, or the list whose
    # entries open theirs.
    page.goto(f"{ui.base_url}{path}")
    ui.wait_ready()
    city = marker_centre(page, "qamishli-city")
    badges = badges_near(page, [city])
    for badge in badges:
        # Found again by its events: an earlier popup's autoPan may have moved it.
        key = " ".join(badge["events"])
        page.locator(f'.event-mark:has([data-events="{key}"])').click()
        content = page.locator(popup)
        if len(badge["events"]) == 1:
            expect(content.locator(".event-card")).to_be_visible()
        else:
            entries = content.locator(".event-group-entry")
            expect(entries).to_have_count(len(badge["events"]))
            assert sorted(entries.evaluate_all("(es) => es.map((e) => e.dataset.event)")) == sorted(
                badge["events"]
            )
            entries.first.click()
            expect(content.locator(".event-card")).to_be_visible()
            content.locator(".event-group-back").click()
            expect(content.locator(".event-group-entry")).to_have_count(len(badge["events"]))
        assert_popup_inside_the_map(page)
        close_popup(page)


@pytest.mark.parametrize("path", DEFAULT_VIEWS)
def test_qamishli_markers_names_and_events_can_each_be_clicked_on_a_laptop(
    wide: UI, path: str
) -> None:
    check_qamishli(wide, path, f"crowded-qamishli-wide-{shot_name(path)}")


@pytest.mark.parametrize("path", DEFAULT_VIEWS)
def test_qamishli_markers_names_and_events_can_each_be_clicked_on_a_phone(
    phone: UI, path: str
) -> None:
    # At 390 px the airport's long name stands on three lines, slid inside the map's edge.
    check_qamishli(phone, path, f"crowded-qamishli-phone-{shot_name(path)}")


def test_the_events_at_qamishli_are_one_badge_with_a_count(wide: UI) -> None:
    page = wide.open("/")
    airport, city = (marker_centre(page, slug) for slug in QAMISHLI)
    badges = badges_near(page, [airport, city])
    assert badges, "the default window holds events at Qamishli"
    counted = [b for b in badges if len(b["events"]) > 1]
    assert counted, "several events at one place are one badge"
    for badge in counted:
        # The badge says how many, in the text a reader sees.
        count = page.locator(".event-mark", has=page.locator(".event-count")).filter(
            has_text=str(len(badge["events"]))
        )
        expect(count.first).to_be_visible()
    # No two badges stand on each other.
    for n, a in enumerate(badges):
        for b in badges[n + 1 :]:
            assert abs(a["x"] - b["x"]) >= 12 or abs(a["y"] - b["y"]) >= 12


def test_an_event_chosen_in_the_list_opens_in_its_badge(wide: UI) -> None:
    page = wide.open("/")
    entry = page.locator("#event-list [data-event]").first
    slug = entry.get_attribute("data-event")
    entry.click()
    expect(page.locator(popup).locator(".event-card")).to_be_visible()
    badge = page.locator(".event-mark [data-events]").filter(has=page.locator(".event-diamond"))
    holders = badge.evaluate_all("(es) => es.map((e) => e.dataset.events.split(' '))")
    assert any(slug in events for events in holders)


@pytest.mark.parametrize("path", DEFAULT_VIEWS)
@pytest.mark.parametrize("size", ["wide", "phone"])
def test_names_never_overlap_each_other_another_marker_or_the_map_controls(
    request: pytest.FixtureRequest, size: str, path: str
) -> None:
    ui: UI = request.getfixturevalue(size)
    page = ui.open(path)
    # The words themselves: on a touch screen the span's padding is its tap target.
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(".site-label [data-site]")].map((span) => {
            const style = getComputedStyle(span);
            const b = span.getBoundingClientRect();
            const pad = parseFloat(style.paddingTop);
            return {
                slug: span.dataset.site, l: b.left, r: b.right, t: b.top + pad, b: b.bottom - pad,
            };
        })"""
    )
    assert len(boxes) >= 10
    controls = page.evaluate(
        """() => [...document.querySelectorAll("#map .leaflet-control")].map((control) => {
            const b = control.getBoundingClientRect();
            return { slug: control.className, l: b.left, r: b.right, t: b.top, b: b.bottom };
        })"""
    )
    assert len(controls) >= 3  # zoom, scale, credit
    for box in boxes:
        for control in controls:
            apart = (
                box["r"] <= control["l"]
                or control["r"] <= box["l"]
                or box["b"] <= control["t"]
                or control["b"] <= box["t"]
            )
            assert apart, (box["slug"], "under", control["slug"])
    for n, a in enumerate(boxes):
        for b in boxes[n + 1 :]:
            apart = a["r"] <= b["l"] or b["r"] <= a["l"] or a["b"] <= b["t"] or b["b"] <= a["t"]
            assert apart, (a["slug"], b["slug"])
    for slug in QAMISHLI:
        centre = marker_centre(page, slug)
        for box in boxes:
            if box["slug"] == slug:
                continue
            inside = box["l"] < centre["x"] < box["r"] and box["t"] < centre["y"] < box["b"]
            assert not inside, (box["slug"], "covers", slug)


def test_a_hidden_name_comes_back_on_zooming_in(phone: UI) -> None:
    page = phone.open("/?date=2026-01-10")
    listed = page.locator("#site-list [data-site]").evaluate_all(
        "(es) => es.map((e) => e.dataset.site)"
    )
    named = set(
        page.locator(".site-label [data-site]").evaluate_all(
            "(es) => es.map((e) => e.dataset.site)"
        )
    )
    hidden = [slug for slug in listed if slug not in named]
    assert hidden, "on a phone the north is crowded enough to leave a name out"
    phone.shot("crowded-names-left-out-phone")
    page.locator("#drawer-toggle").click()
    page.locator(f'#site-list [data-site="{hidden[0]}"]').click()
    # Chosen, it is zoomed to and opened; the open site's name is placed first.
    expect(page.locator(popup)).to_be_visible()
    expect(label(page, hidden[0])).to_be_visible()
    close_popup(page)
    for _ in range(2):
        page.get_by_role("button", name="Zoom in").click()
    # Zoomed in, it keeps its name without being chosen.
    expect(label(page, hidden[0])).to_be_visible()
    phone.shot("crowded-names-zoomed-in-phone")


def test_phone_tap_targets_are_44_px(phone: UI) -> None:
    # One step in from the phone's default view, where the markers are 44 px targets.
    page = phone.open("/?z=7&lat=36.5&lon=40.5")
    # A tap 18 px from a marker's centre, away from its neighbour (outside the drawn disc,
    # inside its 44 px target), opens that site.
    for slug, other_slug in zip(QAMISHLI, reversed(QAMISHLI), strict=True):
        centre, other = marker_centre(page, slug), marker_centre(page, other_slug)
        dx, dy = centre["x"] - other["x"], centre["y"] - other["y"]
        length = (dx * dx + dy * dy) ** 0.5
        page.mouse.click(centre["x"] + 18 * dx / length, centre["y"] + 18 * dy / length)
        expect(page.locator(popup).locator(".card-title").first).to_have_text(NAMES[slug])
        close_popup(page)
    # Event badges away from the crowd are 44 px targets. (Where no 44 px target fits without
    # covering a neighbouring marker, as between Qamishli's markers at the default zoom, the
    # badge keeps its own size: check_qamishli shows it still opens.)
    page.goto(f"{phone.base_url}/")
    phone.wait_ready()
    crowded = badges_near(page, [marker_centre(page, "qamishli-city")])
    badges = [
        b for b in badges_near(page, [{"x": 195.0, "y": 400.0}], near=1000) if b not in crowded
    ]
    assert badges
    for badge in badges:
        assert badge["width"] >= TAP_PX and badge["height"] >= TAP_PX, badge["events"]
    heights = page.evaluate(
        """() => [...document.querySelectorAll(".site-label [data-site]")]
            .map((span) => span.getBoundingClientRect().height)"""
    )
    assert heights and min(heights) >= TAP_PX


def test_names_keep_clear_of_off_map_movement_tags(wide: UI) -> None:
    # On 28 Jan 2026 a Russian force leaves Qamishli for Russia: its "→ Russia" tag hangs above
    # the airport, where it used to cover the airport's name.
    page = wide.open("/?date=2026-01-28")
    expect(page.locator(".offmap-tag span").first).to_be_visible()
    found = page.evaluate(
        """() => {
            const box = (e) => {
                const b = e.getBoundingClientRect();
                return { l: b.left, r: b.right, t: b.top, b: b.bottom };
            };
            return {
                tags: [...document.querySelectorAll(".offmap-tag span")].map(box),
                names: [...document.querySelectorAll(".site-label [data-site]")].map((e) => ({
                    slug: e.dataset.site, ...box(e),
                })),
            };
        }"""
    )
    assert any(name["slug"] == "qamishli-airport" for name in found["names"])
    for tag in found["tags"]:
        for name in found["names"]:
            apart = (
                tag["r"] <= name["l"]
                or name["r"] <= tag["l"]
                or tag["b"] <= name["t"]
                or name["b"] <= tag["t"]
            )
            assert apart, (name["slug"], "under a movement tag")
