"""Data is shown, never run: a site named like an HTML tag stays text everywhere."""

from playwright.sync_api import expect

from tests.browser.conftest import HOSTILE_CLAIM, HOSTILE_NAME, HOSTILE_SLUG, UI


def test_hostile_site_name_is_literal_text_in_the_list_and_the_popup(ui: UI) -> None:
    page = ui.open("/?date=2025-06-01")
    entry = page.locator(f'#site-list [data-site="{HOSTILE_SLUG}"]')
    expect(entry.locator(".entry-title")).to_have_text(HOSTILE_NAME)
    entry.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".card-title")).to_have_text(HOSTILE_NAME)
    expect(popup).to_contain_text(HOSTILE_CLAIM)
    expect(popup).to_contain_text("<svg onload=alert(4)>")
    expect(popup).to_contain_text("low confidence")
    assert page.locator('img[src="x"], img[src="y"], svg[onload]').count() == 0
    assert ui.dialogs == []
    ui.shot("map-hostile-site-popup")


def test_hostile_site_name_is_literal_text_on_the_server_pages(ui: UI) -> None:
    page = ui.open(f"/sites/{HOSTILE_SLUG}")
    expect(page.locator("h1")).to_have_text(HOSTILE_NAME)
    expect(page.locator("main")).to_contain_text("<script>alert(2)</script> test site")
    # The sources page lists a page at a time; the search finds the source of the claim.
    sources = "/sources?q=claims+the+base+exists"
    for path in ("/table?date=2025-06-01", sources, "/actors/united-states"):
        page = ui.open(path)
        expect(page.locator("main")).to_contain_text(
            HOSTILE_NAME if path != sources else HOSTILE_CLAIM
        )
    assert page.locator('img[src="x"], img[src="y"], svg[onload], main script').count() == 0
    assert ui.dialogs == []
