"""What the sources do to a record, as a reader of the map sees it: support, dispute, reprints."""

from playwright.sync_api import expect

from tests.browser.conftest import UI


def test_a_disputed_record_says_so_in_the_list_and_lists_who_disputes_it(ui: UI) -> None:
    page = ui.open("/?date=2026-01-25&actor=russia")
    entry = page.locator('#site-list [data-site="qamishli-airport"]')
    expect(entry).to_contain_text("disputed")
    entry.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".stance-head", has_text="Supported by").first).to_be_visible()
    disputes = popup.locator('ul.sources li[data-stance="disputes"]')
    expect(disputes.first).to_be_visible()
    expect(popup.locator(".stance-head.stance-disputes").first).to_have_text("Disputed by")
    # Reprints of one wire story are named as such, and counted once.
    expect(popup).to_contain_text("independent originals")
    expect(popup.locator(".relay").first).to_contain_text("not independent")
    ui.shot("popup-disputed-qamishli")


def test_a_single_sourced_event_is_marked_in_its_card(ui: UI) -> None:
    page = ui.open("/?date=2026-01-27&actor=russia")
    page.locator('[data-event="qamishli-last-plane-2026-01-27"]').first.click()
    card = page.locator("#details-body")
    expect(card).to_contain_text("2 reports of 1 original (single-sourced)")
    expect(card).to_contain_text("Disputed by")


def test_a_source_without_a_link_says_so_on_the_sources_page(ui: UI) -> None:
    page = ui.open("/sources?show=no-link")
    items = page.locator(".source-list > li")
    expect(items.first).to_be_visible()
    expect(items.first.locator(".no-link")).to_have_text("(no link recorded)")
    expect(page.locator("#source-view-count")).to_contain_text("sources with no link recorded")
    ui.shot("sources-no-link", full_page=False)
