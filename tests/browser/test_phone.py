"""A phone-sized screen: no sideways scrolling, and the panel as a drawer."""

from playwright.sync_api import expect

from tests.browser.conftest import UI

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def test_map_fits_a_phone_and_the_drawer_opens_and_closes(phone: UI) -> None:
    page = phone.open("/?date=2025-06-01&actor=russia")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    panel = page.locator("#panel")
    toggle = page.locator("#drawer-toggle")
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    phone.shot("phone-map")

    toggle.click()
    expect(panel).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator('#site-list [data-site="hmeimim"]')).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    phone.shot("phone-drawer-open")

    # Choosing a site closes the drawer so its popup can be read.
    page.locator('#site-list [data-site="hmeimim"]').click()
    expect(panel).to_be_hidden()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Hmeimim Air Base")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    phone.shot("phone-popup")

    toggle.click()
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(toggle).to_be_focused()


def test_other_pages_fit_a_phone(phone: UI) -> None:
    for name, path in (
        ("site", "/sites/qamishli-airport"),
        ("table", "/table?date=2025-06-01"),
        ("sources", "/sources"),
        ("actor", "/actors/russia"),
    ):
        phone.open(path)
        assert phone.page.evaluate(NO_SIDEWAYS_SCROLL), path
        phone.shot(f"phone-{name}")
