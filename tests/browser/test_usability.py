"""Fixes from the usability test: typing dates, links that keep the view, the phone layout,
labels with no network, slider keys, grade help, readable sources and shareable popups."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import ARTIFACTS, DESKTOP, UI, close_open_popup, open_ui, serve

# A closed port: with remote tiles pointed here every tile fails at once, as with no network.
CLOSED_PORT_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def shown_sites(page: Page) -> list[str]:
    return sorted(
        page.evaluate(
            """() => [...document.querySelectorAll(
                "#site-list [data-site], #unplaced-list [data-site]"
            )].map((e) => e.dataset.site)"""
        )
    )


def snapshot_sites(ui: UI, query: str) -> list[str]:
    answer = ui.page.request.get(f"{ui.base_url}/api/v1/snapshot?{query}")
    assert answer.ok, answer.text()
    return sorted(feature["id"] for feature in answer.json()["features"])


# ---- 1. typing a date


def test_typing_a_date_key_by_key_applies_it_once_on_enter(ui: UI) -> None:
    # Issue 9: the field is text read in documented forms; the partial dates on the way ("1 J",
    # "15 Jun 2") are echoed or refused, never applied; Enter applies the whole date once.
    page = ui.open("/?date=2025-06-01&actor=russia")
    entries = page.evaluate("history.length")
    field = page.locator("#date-input")
    field.fill("")
    page.keyboard.type("15 Jun 2025", delay=80)
    expect(page.locator("#date-echo")).to_contain_text("15 June 2025")
    assert "date=2025-06-01" in page.url
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]date=2025-06-15(&|$)"))
    ui.wait_ready()
    expect(field).to_have_value("2025-06-15")
    expect(page.locator("#date-note")).to_be_hidden()
    assert page.evaluate("history.length") == entries + 1
    assert shown_sites(page) == snapshot_sites(ui, "date=2025-06-15&actor=russia")
    ui.shot("typed-date")


def test_typing_a_date_at_a_normal_pace_adds_one_history_entry(ui: UI) -> None:
    page = ui.open("/?date=2025-03-20&actor=russia")
    entries = page.evaluate("history.length")
    field = page.locator("#date-input")
    field.fill("")
    for key in "2025-06-15":
        page.keyboard.type(key)
        page.wait_for_timeout(300)
    # Pauses while typing move nothing: only Enter (or Go) does.
    assert "date=2025-03-20" in page.url
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]date=2025-06-15(&|$)"))
    ui.wait_ready()
    expect(field).to_have_value("2025-06-15")
    assert page.evaluate("history.length") <= entries + 1
    # Back leaves the typed date in one step.
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]date=2025-03-20(&|$)"))


def test_back_during_typing_drops_the_typed_date(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    page.get_by_role("button", name="One day forward").click()
    expect(page).to_have_url(re.compile(r"[?&]date=2025-06-02(&|$)"))
    ui.wait_ready()
    field = page.locator("#date-input")
    # A complete date, echoed but not applied (Enter would apply it).
    field.fill("2 Mar 2025")
    expect(page.locator("#date-echo")).to_contain_text("2 March 2025")
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]date=2025-06-01(&|$)"))
    # Well past the typing pause: the typed date was dropped, not applied over the Back entry.
    page.wait_for_timeout(1200)
    expect(page).to_have_url(re.compile(r"[?&]date=2025-06-01(&|$)"))
    expect(field).to_have_value("2025-06-01")
    expect(page.locator("#sites-date")).to_have_text("1 Jun 2025")
    # The Forward entry is still there.
    page.go_forward()
    expect(page).to_have_url(re.compile(r"[?&]date=2025-06-02(&|$)"))
    expect(field).to_have_value("2025-06-02")


def test_a_typed_date_outside_the_data_is_clamped_with_a_note(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    span_end = page.locator("#app").get_attribute("data-span-end") or ""
    field = page.locator("#date-input")
    field.focus()
    field.fill("1 Jan 2031")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]date={span_end}(&|$)"))
    expect(field).to_have_value(span_end)
    note = page.locator("#date-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(re.compile(r"^Data runs from 1 Jan 1971 to .+; showing .+$"))
    ui.shot("typed-date-clamped")
    # The next date chosen another way takes the note away.
    page.get_by_role("button", name="One day back").click()
    expect(note).to_be_hidden()


def test_a_link_dated_after_the_data_says_where_the_data_ends(ui: UI) -> None:
    page = ui.open("/?date=2030-01-01")
    note = page.locator("#date-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(re.compile(r"^The data ends on \d{1,2} \w{3} \d{4}: nothing later"))
    expect(note).to_contain_text("not what is known on 1 Jan 2030")
    # Inside the data's span there is nothing to warn about.
    page.get_by_role("button", name="One month back").click()
    expect(note).to_be_hidden()
    page = ui.open("/?date=1960-05-01")
    expect(page.locator("#date-note")).to_have_text(re.compile(r"^The data starts on 1 Jan 1971"))


# ---- 2. and 3. links back to the map and to the table keep the view


def test_back_to_the_map_from_a_site_page_keeps_the_date_and_actors(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=russia")
    page.locator('#site-list [data-site="qamishli-airport"]').click()
    # The site page answers for the map's date, not the data's last day.
    page.locator('.leaflet-popup-content a[href="/sites/qamishli-airport?date=2026-01-24"]').click()
    ui.wait_ready()
    expect(page.locator("h1")).to_have_text("Qamishli International Airport")
    expect(page.locator("#now")).to_contain_text("24 Jan 2026")
    expect(page.locator("#now")).to_contain_text("Russian Federation")
    page.get_by_role("link", name="← Back to the map").click()
    ui.wait_ready()
    query = params(page)
    assert query["date"] == ["2026-01-24"]
    assert query["actor"] == ["russia"]
    # Centred on the site it came from.
    assert abs(float(query["lat"][0]) - 37.02) < 1 and abs(float(query["lon"][0]) - 41.19) < 1
    expect(page.locator("#sites-date")).to_have_text("24 Jan 2026")
    expect(page.locator("#actor-russia")).to_be_checked()
    expect(page.locator("#actor-united-states")).not_to_be_checked()
    expect(page.locator('#site-list [data-site="al-tanf"]')).to_have_count(0)
    ui.shot("back-to-the-map")


def test_the_nav_map_link_and_the_actor_page_keep_the_view(ui: UI) -> None:
    page = ui.open("/?date=2024-03-10&actor=russia&actor=turkey")
    ui.open("/sources")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Map").click()
    ui.wait_ready()
    query = params(page)
    assert query["date"] == ["2024-03-10"]
    assert query["actor"] == ["russia", "turkey"]
    ui.open("/actors/united-states")
    page.locator("a[data-map-link=actor]").click()
    ui.wait_ready()
    query = params(page)
    assert query["date"] == ["2024-03-10"]
    assert query["actor"] == ["united-states"]


def test_without_a_remembered_view_the_back_link_keeps_its_server_href(ui: UI) -> None:
    page = ui.open("/sites/hmeimim")
    link = page.get_by_role("link", name="← Back to the map")
    expect(link).to_have_attribute("href", re.compile(r"^/\?z=9&lat=35\.\d+&lon=35\.\d+$"))


def test_the_nav_table_link_follows_the_maps_date_and_actors(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=russia")
    table = page.locator("#nav-table")
    expect(table).to_have_attribute("href", "/table?date=2026-01-24&actor=russia")
    page.get_by_role("button", name="One day forward").click()
    expect(table).to_have_attribute("href", "/table?date=2026-01-25&actor=russia")
    page.locator("#actor-turkey").check()
    expect(table).to_have_attribute(
        "href",
        re.compile(r"^/table\?date=2026-01-25&actor=(russia&actor=turkey|turkey&actor=russia)$"),
    )
    page.locator("#actors-all").click()
    expect(table).to_have_attribute("href", "/table?date=2026-01-25")
    page.locator("#actor-russia").uncheck()
    some_actors = re.compile(r"^/table\?date=2026-01-25(&actor=[a-z-]+)+$")
    expect(table).to_have_attribute("href", some_actors)
    page.locator("#actors-all").click()
    page.get_by_role("button", name="One day back").click()
    page.get_by_role("button", name="Only Russian Federation").click()
    table.click()
    ui.wait_ready()
    expect(page.locator("h1")).to_contain_text("What was where on 24 Jan 2026")
    assert params(page) == {"date": ["2026-01-24"], "actor": ["russia"]}
    # From another page the Table link uses the map's remembered date and actors too.
    ui.open("/sources")
    expect(page.locator("#nav-table")).to_have_attribute(
        "href", "/table?date=2026-01-24&actor=russia"
    )


# ---- 4. the phone layout


def test_on_a_phone_the_drawer_button_covers_no_histogram_bar(phone: UI) -> None:
    page = phone.open("/?date=2026-02-10")
    expect(page.locator(".histogram-bar").first).to_be_attached()
    button = page.locator("#drawer-toggle").bounding_box()
    assert button is not None
    bars = page.eval_on_selector_all(
        ".histogram-bar",
        """(bars) => bars.map((bar) => {
            const r = bar.getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height};
        })""",
    )
    assert bars
    for bar in bars:
        overlaps = (
            bar["x"] < button["x"] + button["width"]
            and button["x"] < bar["x"] + bar["width"]
            and bar["y"] < button["y"] + button["height"]
            and button["y"] < bar["y"] + bar["height"]
        )
        assert not overlaps, (bar, button)
        # Every bar is a target a finger can hit, however few events its month had.
        assert bar["height"] >= 24, bar
    phone.shot("phone-histogram")


def test_on_a_phone_a_short_histogram_bar_can_be_tapped(phone: UI) -> None:
    page = phone.open("/?date=2025-06-01")
    bar = page.locator('.histogram-bar[data-month="2026-01-01"]')
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    # Near the top of the column, above the drawn bar: the tall hit area still takes the tap.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 3)
    expect(page).to_have_url(re.compile(r"[?&]date=2026-01-31(&|$)"))


# ---- 5. labels


@pytest.fixture
def offline_tiles_ui(browser: Browser, database_url: str, tmp_path: Path) -> Iterator[UI]:
    """A tab on a second server whose remote tiles are configured but can never load."""
    with serve(
        database_url, tmp_path, ORBAT_REMOTE_TILES="true", ORBAT_TILE_URL=CLOSED_PORT_TILES
    ) as url:
        yield from open_ui(browser, url, DESKTOP)


def test_country_names_stay_when_remote_tiles_never_load(offline_tiles_ui: UI) -> None:
    ui = offline_tiles_ui
    ui.expected_failure_prefixes = ("http://127.0.0.1:9/",)
    page = ui.open("/?date=2026-01-24&z=6&lat=35&lon=38")
    expect(page.locator("#app")).to_have_attribute("data-tile-url", CLOSED_PORT_TILES)
    labels = page.locator(".country-label")
    expect(labels.filter(has_text=re.compile("^Syria$", re.I))).to_be_visible()
    # Panning redraws them; they stay, since still no tile has arrived.
    before = params(page).get("lon")
    box = page.locator("#map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 60, y + 20, steps=5)
    page.mouse.move(x - 120, y + 40, steps=5)
    page.mouse.up()
    expect(page).not_to_have_url(re.compile(rf"[?&]lon={re.escape((before or [''])[0])}(&|$)"))
    assert params(page).get("lon") != before
    page.wait_for_timeout(500)
    expect(labels.filter(has_text=re.compile("^Syria$", re.I))).to_be_visible()
    ui.shot("offline-tiles-country-labels")


def test_country_names_give_way_once_a_remote_tile_loads(offline_tiles_ui: UI) -> None:
    ui = offline_tiles_ui
    ui.expected_failure_prefixes = ("http://127.0.0.1:9/",)
    # Stand in for a network that answers: every tile is a small PNG.
    png = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet").rglob("*.png")
    tile = next(iter(png)).read_bytes()
    # The tiles are held until the names have been seen, then all answer.
    held: list[Route] = []
    released = False

    def answer(route: Route) -> None:
        if released:
            route.fulfill(status=200, body=tile, content_type="image/png")
        else:
            held.append(route)

    ui.page.route("http://127.0.0.1:9/**", answer)
    page = ui.open("/?date=2026-01-24&z=6&lat=35&lon=38")
    # Before any tile: the offline names are shown.
    expect(
        page.locator(".country-label").filter(has_text=re.compile("^Syria$", re.I))
    ).to_be_visible()
    expect(page.locator(".leaflet-tile-loaded")).to_have_count(0)
    assert held
    released = True
    for route in held:
        route.fulfill(status=200, body=tile, content_type="image/png")
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()
    expect(page.locator(".country-label")).to_have_count(0)


def test_site_names_show_at_the_default_zoom_when_few_sites_are_in_view(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=russia&z=7&lat=35.5&lon=38.5")
    labels = page.locator(".site-label")
    expect(labels.filter(has_text="Hmeimim Air Base")).to_be_visible()
    expect(labels.filter(has_text="Qamishli International Airport")).to_be_visible()
    ui.shot("site-names-zoom-7")
    # Too far out, names would pile up: none.
    page = ui.open("/?date=2026-01-24&actor=russia&z=5&lat=35.5&lon=38.5")
    expect(page.locator(".site-label")).to_have_count(0)


# ---- 6. slider keys


def test_slider_keys_step_a_day_a_week_a_month_and_to_the_ends(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    span_end = page.locator("#app").get_attribute("data-span-end") or ""
    page.locator("#date-slider").focus()
    for key, date in (
        ("PageUp", "2025-07-01"),
        ("PageUp", "2025-08-01"),
        ("PageDown", "2025-07-01"),
        ("Shift+ArrowRight", "2025-07-08"),
        ("Shift+ArrowLeft", "2025-07-01"),
        ("ArrowRight", "2025-07-02"),
        ("ArrowLeft", "2025-07-01"),
        ("End", span_end),
        # The start of the visible range, where the data is dense (issue 9), not 1971.
        ("Home", "2015-01-01"),
    ):
        page.keyboard.press(key)
        expect(page).to_have_url(re.compile(rf"[?&]date={date}(&|$)"))
        expect(page.locator("#date-input")).to_have_value(date)


def test_the_histogram_is_one_tab_stop_with_arrow_keys_inside(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    bars = page.locator(".histogram-bar")
    expect(bars.first).to_be_attached()
    assert bars.count() > 10
    # One bar is in the tab order: the month of the date shown, or the last one before it.
    reachable = page.locator('.histogram-bar[tabindex="0"]')
    expect(reachable).to_have_count(1)
    first_month = reachable.get_attribute("data-month") or ""
    assert first_month <= "2025-06-01"
    # Tab from the last step button reaches the histogram after the controls, not 18 bars later.
    page.locator("#play").focus()
    # Past the playback, share and compare controls and the timeline's range buttons (issue 9).
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('histogram-bar')"):
            break
    assert page.evaluate("() => document.activeElement.dataset.month") == first_month
    page.keyboard.press("ArrowLeft")
    before = page.evaluate("() => document.activeElement.dataset.month")
    assert before < first_month
    page.keyboard.press("Home")
    earliest = page.evaluate("() => document.activeElement.dataset.month")
    assert earliest == bars.first.get_attribute("data-month")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    last = bars.last.get_attribute("data-month") or ""
    expect(page).to_have_url(re.compile(rf"[?&]date={last[:7]}-\d\d(&|$)"))
    # Still one stop, and a further Tab leaves the histogram.
    expect(reachable).to_have_count(1)
    page.keyboard.press("Tab")
    assert not page.evaluate("() => document.activeElement.classList.contains('histogram-bar')")


def test_copy_link_puts_the_view_on_the_clipboard(ui: UI) -> None:
    ui.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui.base_url)
    page = ui.open("/?date=2026-01-24&actor=russia&z=7&lat=36.5&lon=38.5")
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#share-note")).to_contain_text("Link copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.url
    assert "date=2026-01-24" in copied and "actor=russia" in copied and "z=7" in copied


def test_without_a_clipboard_the_link_is_shown_to_copy(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=russia&z=7&lat=36.5&lon=38.5")
    page.evaluate("() => Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page.get_by_role("button", name="Copy link").click()
    field = page.get_by_role("textbox", name="Link to this view")
    expect(field).to_have_value(page.url)
    expect(field).to_be_focused()


# ---- 7. grades explained in words


def test_popups_and_the_panel_explain_grades_in_words(ui: UI) -> None:
    page = ui.open("/?date=2026-01-25&actor=russia")
    page.locator('#site-list [data-site="qamishli-airport"]').click()
    for where in (".leaflet-popup-content", "#details-body"):
        help_line = page.locator(f"{where} .grade-help").first
        expect(help_line).to_be_visible()
        expect(help_line).to_contain_text("letter = how reliable the source is (A best")
        expect(help_line).to_contain_text("number = how credible the claim is (1 confirmed")
        expect(help_line.get_by_role("link", name="About grades")).to_have_attribute(
            "href", "/about#grades"
        )
    ui.shot("popup-grade-help")
    page.locator(".leaflet-popup-content .grade-help a").first.click()
    ui.wait_ready()
    expect(page.locator("#grades")).to_be_visible()
    expect(page.locator("main")).to_contain_text("supporting citation")


# ---- 8. the sources page


def test_sources_name_backed_records_in_words_not_slugs(ui: UI) -> None:
    page = ui.open("/sources")
    link = page.locator('.backed a[href="/sites/qamishli-airport"]').first
    expect(link).to_have_text(re.compile(r".+ at Qamishli International Airport \(.+, .+\)$"))
    expect(link).to_have_attribute("title", re.compile(r"^deployment [a-z0-9-]+$"))
    # The end is the last day there (27 Jan), not the stored first day gone (28 Jan).
    drawdown = page.locator('.backed li[data-record="ru-qamishli-drawdown"] a').first
    expect(drawdown).to_have_text(
        "Russian helicopter group, Qamishli airport at Qamishli International Airport"
        " (drawing down, 23 Jan 2026–27 Jan 2026)"
    )
    movement = page.locator(
        ".backed li",
        has_text=re.compile(r"^\s*[A-F][1-6] (supports|disputes|context for) movement"),
    ).first
    expect(movement).to_contain_text("→")
    # Every link names its record; the slug is only the small secondary text.
    texts = page.locator(".backed a").all_inner_texts()
    slugs = page.locator(".backed .record-slug").all_inner_texts()
    assert texts and not set(texts) & set(slugs)


def test_the_sources_filter_keeps_matching_sources(ui: UI) -> None:
    page = ui.open("/sources")
    entries = page.locator("li[data-source]")
    total = entries.count()
    box = page.get_by_label("Filter sources")
    # Typing narrows the page shown (the first 100 sources); Search asks the server (below).
    box.fill("reuters")
    visible = page.locator("li[data-source]:visible")
    expect(visible).not_to_have_count(0)
    assert visible.count() < total
    for text in visible.all_inner_texts():
        assert "reuters" in text.lower()
    expect(page.locator("#source-filter-count")).to_contain_text(f"of {total} sources match")
    ui.shot("sources-filtered")
    # Every word must match (the old "qamishli withdrawn" matched nothing, so checked nothing).
    box.fill("qamishli withdrawal")
    expect(visible).not_to_have_count(0)
    assert visible.count() < total
    for text in page.locator("li[data-source]:visible").all_inner_texts():
        assert "qamishli" in text.lower() and "withdrawal" in text.lower()
    box.fill("")
    expect(visible).to_have_count(total)
    # Shafaq News is on a later page: the search finds it among every source.
    box.fill("shafaq")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/sources\?q=shafaq$"))
    found = page.locator("li[data-source]")
    expect(found).not_to_have_count(0)
    for text in found.all_inner_texts():
        assert "shafaq" in text.lower()


def test_the_sources_page_lists_everything_without_javascript(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/sources")
        # The search box is a plain form: it works without JavaScript, so it is shown.
        expect(page.locator("#source-filter-box")).to_be_visible()
        entries = page.locator("li[data-source]")
        expect(entries).not_to_have_count(0)
        expect(page.locator("li[data-source]:visible")).to_have_count(entries.count())
    finally:
        context.close()


# ---- 9. a shared link reopens the popup


def test_a_shared_link_reopens_the_selected_sites_popup(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=russia")
    entries = page.evaluate("history.length")
    page.locator('#site-list [data-site="hmeimim"]').click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")
    expect(page).to_have_url(re.compile(r"[?&]site=hmeimim(&|$)"))
    # Opening a popup replaces the URL: Back still leaves the map in one step.
    assert page.evaluate("history.length") == entries
    shared = page.url

    other = page.context.new_page()
    other.goto(shared)
    other.wait_for_selector('body[data-ready="true"]', state="attached")
    expect(other.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")
    expect(other.locator("#details-body")).to_contain_text("Hmeimim Air Base")
    other.screenshot(path=ARTIFACTS / "shared-popup.png")
    other.close()

    close_open_popup(page)
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    assert "site" not in params(page)


def test_a_link_to_a_site_absent_on_its_date_drops_the_site(ui: UI) -> None:
    page = ui.open("/?date=2026-02-10&actor=russia&site=qamishli-airport")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"site="))


# ---- 10. Back and Forward show each entry's popup as it was written


def test_back_closes_a_popup_opened_on_a_later_entry(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=russia")
    page.get_by_role("button", name="One day forward").click()
    expect(page).to_have_url(re.compile(r"[?&]date=2026-01-25(&|$)"))
    ui.wait_ready()
    page.locator('#site-list [data-site="hmeimim"]').click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")
    expect(page).to_have_url(re.compile(r"[?&]site=hmeimim(&|$)"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]date=2026-01-24(&|$)"))
    ui.wait_ready()
    page.wait_for_timeout(500)
    assert "site" not in params(page)
    assert params(page)["date"] == ["2026-01-24"]
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    # Forward: the entry with the popup, still written as it was.
    page.go_forward()
    expect(page).to_have_url(re.compile(r"[?&]date=2026-01-25(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]site=hmeimim(&|$)"))
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")


def test_back_reopens_a_popup_closed_on_a_later_entry(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=russia")
    page.locator('#site-list [data-site="hmeimim"]').click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")
    expect(page).to_have_url(re.compile(r"[?&]site=hmeimim(&|$)"))
    page.get_by_role("button", name="One day forward").click()
    expect(page).to_have_url(re.compile(r"[?&]date=2026-01-25(&|$)"))
    ui.wait_ready()
    close_open_popup(page)
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"site="))
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]date=2026-01-24(&|$)"))
    ui.wait_ready()
    page.wait_for_timeout(500)
    assert params(page)["site"] == ["hmeimim"]
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")
    page.go_forward()
    expect(page).to_have_url(re.compile(r"[?&]date=2026-01-25(&|$)"))
    ui.wait_ready()
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    assert "site" not in params(page)


# ---- 11. the Table link with no actor ticked


def test_the_table_link_with_no_actor_ticked_shows_no_actors(ui: UI) -> None:
    page = ui.open("/?date=2026-01-24&actor=")
    table = page.locator("#nav-table")
    expect(table).to_have_attribute("href", "/table?date=2026-01-24&actor=")
    table.click()
    ui.wait_ready()
    expect(page.locator("h1")).to_contain_text("What was where on 24 Jan 2026")
    expect(page.locator("#no-actors")).to_contain_text("No actors selected")
    expect(page.locator("#state-table")).to_have_count(0)
    expect(page.get_by_role("link", name="Open on the map")).to_have_attribute(
        "href", "/?date=2026-01-24&actor="
    )
    # No actor parameter at all still means every actor.
    page = ui.open("/table?date=2026-01-24")
    expect(page.locator("#no-actors")).to_have_count(0)
    expect(page.locator("#state-table tbody tr")).not_to_have_count(0)
    expect(page.locator("main")).to_contain_text("for all actors")
