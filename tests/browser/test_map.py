"""The map page: the state at a date, the actor filter, the date controls and the URL."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import UI

SITES = "#site-list [data-site]"


def site(ui: UI, slug: str):
    return ui.page.locator(f'#site-list [data-site="{slug}"]')


def test_russia_holds_qamishli_and_hmeimim_on_1_june_2025(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01&actor=russia")
    expect(site(ui, "qamishli-airport")).to_have_count(1)
    expect(site(ui, "hmeimim")).to_have_count(1)
    expect(site(ui, "qamishli-airport")).to_contain_text("active")
    # Only Russian forces are listed while the filter holds Russia alone.
    expect(site(ui, "al-tanf")).to_have_count(0)
    expect(page.locator("#sites-date")).to_have_text("1 Jun 2025")
    expect(page.locator("#date-input")).to_have_value("2025-06-01")
    ui.shot("map-2025-06-01-russia")


def test_russia_has_left_qamishli_by_10_february_2026(ui: UI) -> None:
    page = ui.open("/?date=2026-02-10&actor=russia")
    expect(site(ui, "hmeimim")).to_have_count(1)
    expect(site(ui, "qamishli-airport")).to_have_count(0)
    # The pull-out itself is in the month before the date, drawn and listed as a movement.
    expect(page.locator('[data-movement="qamishli-to-hmeimim-2026-01"]')).to_contain_text(
        "Qamishli International Airport → Hmeimim Air Base"
    )
    expect(page.locator("#window-label")).to_have_text("11 Jan 2026 to 10 Feb 2026")
    ui.shot("map-2026-02-10-russia")


def test_drawdown_and_low_confidence_are_said_in_words(ui: UI) -> None:
    ui.open("/?date=2026-01-25&actor=russia")
    expect(site(ui, "qamishli-airport")).to_contain_text("drawing down")
    ui.open("/?date=2024-06-01&actor=russia")
    # Shayrat rests on thin reporting: the list says so, not only the marker's outline.
    expect(site(ui, "shayrat")).to_contain_text("low confidence")


def test_choosing_a_site_in_the_list_opens_its_popup_with_dated_sources(ui: UI) -> None:
    page = ui.open("/?date=2026-01-25&actor=russia")
    site(ui, "qamishli-airport").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Qamishli International Airport")
    expect(popup).to_contain_text("drawing down")
    expect(popup).to_contain_text("from 23 Jan 2026 until 27 Jan 2026")
    expect(popup).to_contain_text("Shafaq News")
    expect(popup.locator("abbr.grade").first).to_have_text(re.compile(r"^[A-F][1-6]$"))
    # The same card is in the side panel, and the view moved into the URL.
    expect(page.locator("#details-body")).to_contain_text("Qamishli International Airport")
    expect(page).to_have_url(re.compile(r"[?&]z=\d+&lat=3\d\.\d+&lon=4[01]\.\d+"))
    ui.shot("map-popup-qamishli-drawdown")


def test_enter_on_a_site_entry_opens_its_popup(ui: UI) -> None:
    page = ui.open("/?date=2020-06-01&actor=russia")
    site(ui, "hmeimim").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("since 30 Sep 2015")


def test_unticking_russia_removes_russian_sites(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    expect(site(ui, "hmeimim")).to_have_count(1)
    expect(site(ui, "al-tanf")).to_have_count(1)
    page.locator("#actor-russia").uncheck()
    expect(site(ui, "hmeimim")).to_have_count(0)
    expect(site(ui, "tartus")).to_have_count(0)
    expect(site(ui, "al-tanf")).to_have_count(1)
    assert "actor=united-states" in ui.query
    assert "actor=russia" not in ui.query
    # Qamishli airport stays: the SDF held it around the Russians.
    expect(site(ui, "qamishli-airport")).to_contain_text("SDF guard force")
    expect(site(ui, "qamishli-airport")).not_to_contain_text("Russian")


def test_only_keeps_one_actor_and_all_brings_back_the_rest(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    page.get_by_role("button", name="Only Russian Federation").click()
    assert ui.query == "?date=2025-06-01&actor=russia"
    expect(site(ui, "hmeimim")).to_have_count(1)
    expect(site(ui, "al-tanf")).to_have_count(0)
    expect(page.locator("#actor-russia")).to_be_checked()
    expect(page.locator("#actor-sdf")).not_to_be_checked()
    expect(page.locator("#histogram-filter")).to_have_text("(RU)")
    page.get_by_role("button", name="None", exact=True).click()
    expect(page.locator(SITES)).to_have_count(0)
    page.get_by_role("button", name="All", exact=True).click()
    assert ui.query == "?date=2025-06-01"
    expect(site(ui, "al-tanf")).to_have_count(1)


def test_typing_a_date_redraws_and_writes_the_url(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01&actor=russia")
    # Typing echoes the date read; Enter applies it (issue 9: nothing moves on a guess).
    page.locator("#date-input").fill("2026-02-10")
    page.locator("#date-input").press("Enter")
    expect(page).to_have_url(re.compile(r"date=2026-02-10"))
    expect(site(ui, "qamishli-airport")).to_have_count(0)
    expect(page.locator("#date-readout")).to_have_text("10 Feb 2026")


def test_slider_and_step_buttons_move_the_date_in_the_url(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    slider = page.locator("#date-slider")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"date=2025-06-02"))
    # Home goes to the start of the timeline's visible range: by default where the data is
    # dense (2015), not the lone 1971 record (issue 9).
    page.keyboard.press("Home")
    expect(page).to_have_url(re.compile(r"date=2015-01-01"))
    expect(page.locator("#date-input")).to_have_value("2015-01-01")
    # Dragging the thumb to the far right lands on the dataset's last day.
    box = slider.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    expect(page.locator("#date-input")).to_have_value(
        page.locator("#app").get_attribute("data-span-end") or ""
    )
    page.get_by_role("button", name="One month back").click()
    page.get_by_role("button", name="One week back").click()
    expect(page).to_have_url(re.compile(r"date=2026-01-16"))


def test_back_and_forward_restore_the_earlier_date(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01&actor=russia")
    page.locator("#date-input").fill("2026-02-10")
    page.locator("#date-input").press("Enter")
    expect(site(ui, "qamishli-airport")).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(re.compile(r"date=2025-06-01"))
    expect(page.locator("#date-input")).to_have_value("2025-06-01")
    expect(site(ui, "qamishli-airport")).to_have_count(1)
    page.go_forward()
    expect(page.locator("#date-input")).to_have_value("2026-02-10")
    expect(site(ui, "qamishli-airport")).to_have_count(0)
    # A reload of the shared link lands on the same view.
    page.reload()
    ui.wait_ready()
    expect(page.locator("#date-input")).to_have_value("2026-02-10")
    expect(page.locator("#actor-russia")).to_be_checked()
    expect(page.locator("#actor-sdf")).not_to_be_checked()


def test_the_window_lists_its_events_and_movements(ui: UI) -> None:
    page = ui.open("/?date=2026-01-31")
    expect(page.locator("#window-label")).to_have_text("1 Jan 2026 to 31 Jan 2026")
    expect(page.locator('[data-event="ceasefire-extension-2026-01-24"]')).to_contain_text(
        "24 Jan 2026"
    )
    expect(page.locator('[data-movement="qamishli-to-hmeimim-2026-01"]')).to_have_count(1)
    # An event without a place is still explained, in the panel.
    page.locator('[data-event="ceasefire-extension-2026-01-24"]').click()
    expect(page.locator("#details-body")).to_contain_text("Damascus-SDF ceasefire extended")
    page.locator("#window-select").select_option("3")
    expect(page).to_have_url(re.compile(r"win=3"))
    expect(page.locator("#window-label")).to_have_text("1 Nov 2025 to 31 Jan 2026")


def test_a_histogram_bar_jumps_to_its_month(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    bar = page.locator('.histogram-bar[data-month="2026-01-01"]')
    expect(bar).to_have_attribute("aria-label", re.compile(r"^Jan 2026: \d+ events, \d+ movements"))
    bar.click()
    expect(page).to_have_url(re.compile(r"date=2026-01-31"))
    expect(page.locator("#date-readout")).to_have_text("31 Jan 2026")
    ui.shot("map-after-histogram-jump")


def test_histogram_follows_the_actor_filter(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01&actor=turkey")
    expect(page.locator("#histogram-filter")).to_have_text("(TR)")
    turkish = page.locator(".histogram-bar").count()
    page.locator("#actor-russia").check()
    ui.wait_ready()
    expect(page.locator("#histogram-filter")).to_have_text("(TR, RU)")
    assert page.locator(".histogram-bar").count() > turkish


def test_keyboard_focus_is_visible_on_controls(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    page.locator("#date-input").focus()
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate(
        """(() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return [element.getAttribute("aria-label"), style.outlineStyle, style.outlineWidth];
        })()"""
    )
    assert focused == ["−1 d: one day back", "solid", "3px"]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"date=2025-05-31"))


def test_play_steps_through_time_and_pause_stops_it(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    page.locator("#speed").select_option("month")
    page.get_by_role("button", name="▶ Play").click()
    expect(page.locator("#date-input")).to_have_value("2025-07-01")
    expect(page.locator("#date-input")).to_have_value("2025-08-01", timeout=5000)
    page.locator("#play").click()
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    stopped = page.locator("#date-input").input_value()
    page.wait_for_timeout(1200)
    assert page.locator("#date-input").input_value() == stopped


def test_unknown_actor_in_a_link_is_explained(ui: UI) -> None:
    page = ui.open("/?actor=narnia")
    expect(page.locator(".notice:not([hidden])")).to_contain_text("“narnia”")
    expect(page.locator(".notice:not([hidden])")).to_contain_text("ignored")


def test_moving_through_time_asks_only_for_years_not_yet_loaded(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    # The neighbouring years are fetched in the background after the first drawing.
    page.wait_for_load_state("networkidle")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    for _ in range(3):
        page.get_by_role("button", name="One month back").click()
    page.get_by_role("button", name="One week forward").click()
    expect(page.locator("#date-input")).to_have_value("2025-03-08")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    assert asked == [], "steps inside loaded years must be drawn from memory"

    page.locator("#date-input").fill("2019-12-01")
    page.locator("#date-input").press("Enter")
    page.get_by_role("button", name="One week forward").click()
    expect(page.locator("#date-input")).to_have_value("2019-12-08")
    expect(site(ui, "qamishli-airport")).to_contain_text("Russian helicopter group")
    paths = [urlsplit(url).path for url in asked]
    assert "/api/v1/map/years/2019" in paths
    assert all(path.startswith("/api/v1/map/years/") for path in paths), paths


def test_the_map_view_lives_in_the_url(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01&z=8&lat=36.5000&lon=39.5000")
    assert ui.query == "?date=2025-06-01&z=8&lat=36.5000&lon=39.5000"
    entries = page.evaluate("history.length")
    page.get_by_role("button", name="Zoom in").click()
    expect(page).to_have_url(re.compile(r"z=9&lat=36\.5000&lon=39\.5000"))
    # Zooming replaces the history entry: Back still goes to the previous page, not the last zoom.
    assert page.evaluate("history.length") == entries


def test_a_histogram_bar_lists_exactly_its_month(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    page.locator('.histogram-bar[data-month="2026-02-01"]').click()
    # February's bar jumps to the dataset's last day (23 Feb); the window is still all February.
    expect(page.locator("#window-label")).to_have_text(re.compile(r"^1 Feb 2026 to "))
    answer = page.request.get(f"{ui.base_url}/api/v1/events?start=2026-02-01&end=2026-02-28")
    expected = sorted(feature["properties"]["slug"] for feature in answer.json()["features"])
    assert expected, "the dataset has events in February 2026"
    listed = page.locator("#event-list [data-event]").evaluate_all(
        "entries => entries.map((entry) => entry.dataset.event)"
    )
    assert sorted(listed) == expected
    expect(page.locator("#events-count")).to_have_text(f"({len(expected)})")


def test_the_qamishli_withdrawal_day_by_day(ui: UI) -> None:
    ui.open("/?date=2026-01-22&actor=russia")
    expect(site(ui, "qamishli-airport")).to_contain_text("active")
    expect(site(ui, "qamishli-airport")).not_to_contain_text("drawing down")
    ui.open("/?date=2026-01-23&actor=russia")
    expect(site(ui, "qamishli-airport")).to_contain_text("drawing down")
    # The last Russian plane left on 27 Jan: present that day, gone from the 28th.
    ui.open("/?date=2026-01-27&actor=russia")
    expect(site(ui, "qamishli-airport")).to_contain_text("drawing down")
    ui.open("/?date=2026-01-28&actor=russia")
    expect(site(ui, "qamishli-airport")).to_have_count(0)
    expect(site(ui, "hmeimim")).to_have_count(1)


def test_an_end_known_to_the_month_lasts_the_month_with_dates_uncertain(ui: UI) -> None:
    page = ui.open("/?date=2024-11-30&actor=russia")
    expect(site(ui, "sarrin")).to_have_count(1)
    expect(site(ui, "sarrin")).not_to_contain_text("dates uncertain")
    ui.open("/?date=2024-12-10&actor=russia")
    expect(site(ui, "sarrin")).to_contain_text("dates uncertain")
    # Qamishli airport's dates are exact: the words are said only where they apply.
    expect(site(ui, "qamishli-airport")).not_to_contain_text("dates uncertain")
    ui.shot("map-2024-12-10-russia-dates-uncertain")
    site(ui, "sarrin").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("dates uncertain")
    expect(popup).to_contain_text("until Dec 2024 (end known only to the month)")
    ui.shot("map-2024-12-10-russia-sarrin-popup")
    ui.open("/?date=2025-01-02&actor=russia")
    expect(site(ui, "sarrin")).to_have_count(0)


def test_a_start_known_to_the_week_is_uncertain_for_that_week(ui: UI) -> None:
    # The military police at Qamishli airport arrived in the week of 23 Oct 2019.
    ui.open("/?date=2019-10-22&actor=russia")
    expect(site(ui, "qamishli-airport")).to_have_count(0)
    ui.open("/?date=2019-10-29&actor=russia")
    expect(site(ui, "qamishli-airport")).to_contain_text("dates uncertain")
    ui.open("/?date=2019-10-30&actor=russia")
    expect(site(ui, "qamishli-airport")).not_to_contain_text("dates uncertain")
    expect(site(ui, "qamishli-airport")).to_contain_text("active")


COMPARED_DATES = [
    "2015-09-29",
    "2015-09-30",
    "2019-10-22",
    "2019-10-23",
    "2024-12-10",
    "2025-01-01",
    "2026-01-22",
    "2026-01-23",
    "2026-01-27",
    "2026-01-28",
    "2026-02-10",
]


@pytest.mark.parametrize("actor", ["russia", None], ids=["russia", "all-actors"])
def test_the_map_and_the_snapshot_api_agree_on_who_is_where(ui: UI, actor: str | None) -> None:
    """The map works dates out itself from the year index; the server's snapshot must say the
    same for each date."""
    for date in COMPARED_DATES:
        query = f"date={date}" + (f"&actor={actor}" if actor else "")
        page = ui.open(f"/?{query}")
        shown = page.evaluate(
            """() => {
                const all = (selector) => [...document.querySelectorAll(selector)];
                const sites = all("#site-list [data-site], #unplaced-list [data-site]");
                const lines = all("#site-list [data-deployment]");
                return {
                    sites: sites.map((e) => e.dataset.site),
                    deployments: Object.fromEntries(
                        lines.map((e) => [e.dataset.deployment, e.dataset.uncertain === "true"]),
                    ),
                };
            }"""
        )
        answer = page.request.get(f"{ui.base_url}/api/v1/snapshot?{query}")
        assert answer.ok, answer.text()
        features = answer.json()["features"]
        placed = [f for f in features if f["geometry"]]
        assert sorted(shown["sites"]) == sorted(f["id"] for f in features), date
        listed = {d["slug"]: d for feature in placed for d in feature["properties"]["deployments"]}
        assert sorted(shown["deployments"]) == sorted(listed), date
        for slug, d in listed.items():
            if "dates_uncertain" in d:
                assert shown["deployments"][slug] == d["dates_uncertain"], (date, slug)


def test_doubt_never_hides_a_status_on_the_map(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    result = page.evaluate(
        """async () => {
            const { actorRings, ringStyle } = await import("/static/js/layers.js");
            const rings = actorRings([
                { actor: "a", color: "#335577", status: "drawdown", confidence: "high" },
                { actor: "a", color: "#335577", status: "drawdown", confidence: "low" },
            ]);
            return {
                low: rings[0].low,
                drawdown: ringStyle("#335577", "drawdown", { low: true }).dashArray,
                contested: ringStyle("#335577", "contested", { low: true, uncertain: true })
                    .dashArray,
            };
        }"""
    )
    # One low-confidence record is enough to flag the actor's ring; the status dash stays.
    assert result == {"low": True, "drawdown": "6 4", "contested": "10 3 2 3"}


def test_low_confidence_is_said_in_the_unplaced_and_movement_lists(ui: UI) -> None:
    page = ui.page

    def all_low(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        for kind in ("deployments", "movements"):
            body[kind]["low"] = [1] * len(body[kind]["low"])
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/map/years/*", all_low)
    ui.open("/?date=2024-12-18")
    # Tell Samn has no coordinates and a Russian exit dated only to the week of 16 Dec 2024.
    unplaced = page.locator('#unplaced-list [data-site="tell-samn"]')
    expect(unplaced).to_contain_text("active, low confidence, dates uncertain")
    ui.open("/?date=2026-02-20")
    expect(page.locator('[data-movement="qamishli-to-hmeimim-2026-01"]')).to_contain_text(
        "low confidence"
    )
