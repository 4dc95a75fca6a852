"""Server-rendered pages: a site's history, an actor, the sources, the table, errors."""

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import UI


def test_site_page_shows_qamishli_active_from_2019_and_the_january_2026_drawdown(ui: UI) -> None:
    page = ui.open("/sites/qamishli-airport")
    expect(page.locator("h1")).to_have_text("Qamishli International Airport")
    active = page.locator('tr[data-deployment="ru-qamishli-active"]')
    expect(active).to_contain_text("active")
    expect(active).to_contain_text("14 Nov 2019")
    expect(active).to_contain_text("23 Jan 2026")
    drawdown = page.locator('tr[data-deployment="ru-qamishli-drawdown"]')
    expect(drawdown).to_contain_text("drawing down")
    expect(drawdown).to_contain_text("23 Jan 2026")
    expect(drawdown).to_contain_text("27 Jan 2026")
    # Its sources, graded: Shafaq News dates the start, AFP the last plane out.
    expect(drawdown).to_contain_text("Shafaq News")
    expect(drawdown).to_contain_text("AFP")
    expect(drawdown.locator("abbr.grade").first).to_have_text(re.compile(r"^[A-F][1-6]$"))
    # The presence timeline draws every row; the mini map's marker sits at its centre.
    rows = page.locator("#deployments tbody tr")
    expect(page.locator(".presence-bar")).to_have_count(rows.count())
    assert rows.count() >= 3
    page.locator("#site-map").click()
    expect(page.locator("#site-map .leaflet-popup-content")).to_have_text(
        "Qamishli International Airport"
    )
    expect(page.locator('tr[data-movement="qamishli-to-hmeimim-2026-01"]')).to_contain_text(
        "Hmeimim Air Base"
    )
    expect(page.locator('[data-event="qamishli-last-plane-2026-01-27"]')).to_contain_text(
        "27 Jan 2026"
    )
    ui.shot("site-qamishli-airport")


def test_site_table_sorts_by_a_column_heading(ui: UI) -> None:
    page = ui.open("/sites/qamishli-airport")
    heading = page.locator("#deployments th", has_text="From")
    heading.get_by_role("button").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    heading.get_by_role("button").click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    first = page.locator("#deployments tbody tr").first
    # The newest presence first: the Interior Ministry took the airport over on 4 Feb 2026.
    expect(first).to_have_attribute("data-deployment", "sy-interior-qamishli-airport")


def test_unknown_site_gets_a_404_page(ui: UI) -> None:
    ui.open_failing("/sites/atlantis", 404)
    expect(ui.page.locator("h1")).to_have_text("Site not found")
    expect(ui.page.locator("main")).to_contain_text("“atlantis”")


def test_actor_page_lists_forces_sites_and_a_monthly_chart(ui: UI) -> None:
    page = ui.open("/actors/russia")
    expect(page.locator("h1")).to_have_text("Russian Federation")
    expect(page.locator("main")).to_contain_text("Russian helicopter group, Qamishli airport")
    expect(page.locator('tr[data-deployment="ru-qamishli-active"]')).to_contain_text(
        "Qamishli International Airport"
    )
    expect(page.locator("svg.bars rect")).not_to_have_count(0)
    expect(page.locator("svg.bars rect title").last).to_have_text(re.compile(r"\d+ sites?$"))
    ui.shot("actor-russia")
    ui.open_failing("/actors/narnia", 404)
    expect(page.locator("h1")).to_have_text("Actor not found")


def test_sources_page_grades_each_source_and_names_what_it_backs(ui: UI) -> None:
    page = ui.open("/sources")
    entries = page.locator("li[data-source]")
    expect(entries).not_to_have_count(0)
    expect(entries.first.locator("abbr.grade").first).to_have_text(re.compile(r"^[A-F]$"))
    backing = page.locator('.backed a[href="/sites/qamishli-airport"]')
    expect(backing.first).to_be_visible()
    expect(page.locator(".backed").first).to_contain_text(re.compile(r"[A-F][1-6]"))
    ui.shot("sources")


def test_table_page_shows_the_state_with_download_links(ui: UI) -> None:
    page = ui.open("/table?date=2025-06-01&actor=russia")
    expect(page.locator("h1")).to_have_text("What was where on 1 Jun 2025")
    expect(page.locator('tr[data-deployment="ru-qamishli-active"]')).to_contain_text("active")
    expect(page.locator('tr[data-site="hmeimim"]')).to_have_count(1)
    expect(page.locator('tr[data-site="hmeimim"]')).to_contain_text("drawing down")
    expect(page.locator('tr[data-site="al-tanf"]')).to_have_count(0)
    csv_link = page.get_by_role("link", name="CSV", exact=True)
    expect(csv_link).to_have_attribute(
        "href", "/export/deployments.csv?date=2025-06-01&actor=russia"
    )
    expect(page.get_by_role("link", name="GeoJSON", exact=True)).to_have_attribute(
        "href", "/export/deployments.geojson?date=2025-06-01&actor=russia"
    )
    download = page.request.get(
        f"{ui.base_url}/export/deployments.csv?date=2025-06-01&actor=russia"
    )
    assert download.ok
    assert "qamishli-airport" in download.text()
    site_heading = page.locator("#state-table th", has_text="Site")
    site_heading.get_by_role("button").click()
    names = page.locator("#state-table tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, key=str.lower)
    ui.shot("table-2025-06-01-russia")


def test_table_form_changes_the_date_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/table?date=2025-06-01")
        page.locator('input[name="date"]').fill("2026-02-10")
        page.locator('input[name="actor"][value="russia"]').check()
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"date=2026-02-10&actor=russia"))
        expect(page.locator('tr[data-site="hmeimim"]')).to_have_count(1)
        expect(page.locator('tr[data-site="qamishli-airport"]')).to_have_count(0)
    finally:
        context.close()


def test_unknown_actor_or_bad_date_in_the_table_gets_a_clear_message(ui: UI) -> None:
    ui.open_failing("/table?actor=narnia", 400)
    expect(ui.page.locator(".notice")).to_contain_text("no actor with the id “narnia”")
    expect(ui.page.locator("main")).to_contain_text("russia")
    ui.open_failing("/table?date=2026-13-45", 400)
    expect(ui.page.locator(".notice")).to_contain_text("is not a date")


def test_every_page_loads_without_javascript_errors(ui: UI) -> None:
    for path in (
        "/",
        "/?date=2026-01-25&actor=russia&actor=sdf&z=8&lat=36.5&lon=39.5",
        "/sites/qamishli-airport",
        "/sites/hmeimim",
        "/sites/tartus",
        "/actors/russia",
        "/actors/united-states",
        "/sources",
        "/table",
    ):
        ui.open(path)
        expect(ui.page.locator("main")).not_to_be_empty()
        ui.assert_clean()
