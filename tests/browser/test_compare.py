"""Comparing 1 Jan 2026 with 10 Feb 2026 in a real browser, as an analyst would, wide and phone."""

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import UI

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def fill_and_compare(ui: UI) -> None:
    page = ui.open("/compare")
    expect(page.locator("h1")).to_have_text("Compare two dates")
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2026-02-10")
    page.get_by_role("checkbox", name="Russian Federation").check()
    page.get_by_role("button", name="Compare").click()
    ui.wait_ready()


def test_the_form_compares_two_dates_and_lists_russia_leaving_qamishli_with_sources(
    wide: UI,
) -> None:
    fill_and_compare(wide)
    page = wide.page
    assert "from=2026-01-01" in wide.query and "to=2026-02-10" in wide.query
    expect(page.locator("h1")).to_have_text("What changed from 1 Jan 2026 to 10 Feb 2026")
    site = page.locator('.compare-site[data-site="qamishli-airport"]')
    helicopters = site.locator('.compare-change[data-force="ru-qamishli-group"]')
    expect(helicopters.locator(".compare-kind")).to_have_text("left")
    expect(helicopters.locator(".compare-text")).to_contain_text(
        "left Qamishli International Airport (active on 1 Jan 2026"
    )
    # Its sources are visible links, the best first, graded.
    sources = helicopters.locator("ul.sources a[href^='https://']")
    expect(sources.first).to_be_visible()
    assert sources.count() >= 2
    expect(helicopters.locator(".grade").first).to_be_visible()
    wide.shot("compare-2026-01-01-2026-02-10-russia")
    site.get_by_role("link", name="Qamishli International Airport").first.click()
    wide.wait_ready()
    assert page.url.endswith("/sites/qamishli-airport")
    wide.assert_clean()


def test_the_csv_link_downloads_the_same_comparison(wide: UI) -> None:
    page = wide.open("/compare?from=2026-01-01&to=2026-02-10&actor=russia")
    with page.expect_download() as info:
        page.locator("#compare-csv").click()
    download = info.value
    assert download.suggested_filename == "changes-2026-01-01-to-2026-02-10-russia.csv"
    body = Path(download.path()).read_text(encoding="utf-8")
    assert "ru-qamishli-group" in body and "shafaq.com" in body
    wide.assert_clean()


def test_on_a_phone_the_comparison_reads_without_sideways_scrolling(phone: UI) -> None:
    page = phone.open("/compare?from=2026-01-01&to=2026-02-10")
    helicopters = page.locator('.compare-change[data-force="ru-qamishli-group"]')
    expect(helicopters.locator(".compare-text")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    phone.shot("phone-compare-top")
    # With many changes the evidence starts folded; opening it must not widen the page either.
    evidence = helicopters.locator("details.compare-evidence")
    evidence.locator("summary").click()
    expect(evidence.locator("ul.sources a").first).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    phone.shot("phone-compare-2026-01-01-2026-02-10")
    phone.assert_clean()


def test_a_bad_date_in_the_link_says_which_field_is_wrong(ui: UI) -> None:
    page = ui.open_failing("/compare?from=2026-13-01&to=2026-02-10", 400)
    expect(page.locator("#compare-error")).to_contain_text("from: “2026-13-01” is not a date")
    expect(page.get_by_label("From", exact=True)).to_be_visible()
    ui.assert_clean()
