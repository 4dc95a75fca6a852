"""A phone-sized screen: no sideways scrolling, and the panel as a drawer."""

from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE, UI

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


# Every page a reader reaches, at its busiest: the site pages with the most records, a source's
# citations, a record's history, and the pages of tables.
PHONE_PAGES = (
    "/",
    "/table",
    "/table?date=2025-06-01",
    "/sources",
    "/about",
    "/changes",
    "/sites",
    "/forces",
    "/search?q=qamishli",
    "/sites/hmeimim",
    "/sites/qamishli-airport",
    "/sites/tartus",
    "/actors/russia",
    "/citations?deployment=ru-qamishli-drawdown",
    "/history/site/qamishli-airport",
    "/login",
)

# Tables wider than the screen (a sideways scroll inside their box) and header links out of sight.
OUT_OF_SIGHT = """() => {
  const width = window.innerWidth;
  const tooWide = [...document.querySelectorAll("main table")]
    .filter((t) => t.getBoundingClientRect().right > width + 1)
    .map((t) => `table ${t.id || t.className}`);
  const hidden = [...document.querySelectorAll(".site-header a, .site-header input")]
    .filter((e) => {
      const r = e.getBoundingClientRect();
      return r.left < 0 || r.right > width + 1;
    })
    .map((e) => `header ${e.textContent || e.name}`);
  return [...tooWide, ...hidden];
}"""


def test_every_page_fits_a_phone_without_sideways_scrolling(phone: UI) -> None:
    for path in PHONE_PAGES:
        page = phone.open(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert page.evaluate(OUT_OF_SIGHT) == [], path
    phone.open("/table?date=2025-06-01")
    phone.shot("phone-table")


def test_tables_become_cards_of_labelled_values_on_a_phone(phone: UI) -> None:
    page = phone.open("/table?date=2025-06-01&actor=russia")
    row = page.locator('tr[data-deployment="ru-qamishli-active"]')
    expect(row).to_be_visible()
    label = "(cell) => getComputedStyle(cell, '::before').content"
    until = row.locator('td[data-label="Last day there"]')
    assert until.evaluate(label) == '"Last day there"'
    # A label and its value side by side, inside the card.
    value = until.bounding_box()
    assert value is not None and value["x"] >= 0 and value["x"] + value["width"] <= 390
    # The column headings are still there for screen readers, and sorting still works.
    expect(page.get_by_role("columnheader", name="Site")).to_have_count(1)
    page.locator("#state-table th", has_text="Since").get_by_role("button").click()
    starts = page.locator('#state-table tbody td[data-label="Since"]').evaluate_all(
        "(cells) => cells.map((c) => c.dataset.sort)"
    )
    assert starts == sorted(starts)
    phone.shot("phone-table-cards")


def test_the_header_links_all_show_on_a_phone(phone: UI) -> None:
    page = phone.open("/sources")
    for name in ("Map", "Table", "Sources", "About", "Changes", "Sign in"):
        link = page.locator(".site-header").get_by_role("link", name=name, exact=True)
        expect(link).to_be_in_viewport(ratio=1)
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44, name


def test_site_page_on_a_phone_answers_who_is_there_now_then_folds_the_rest(phone: UI) -> None:
    page = phone.open("/sites/qamishli-airport")
    # The first thing after the name is the answer, whole on the first screen.
    assert page.evaluate("document.querySelector('main h1').nextElementSibling.id") == "now"
    now = page.locator("#now")
    expect(now).to_contain_text("Now (23 Feb 2026")
    expect(now).to_contain_text("Syrian transitional government")
    expect(now).to_contain_text("active since 4 Feb 2026")
    expect(now.locator(".now-left")).to_contain_text("Russian Federation")
    expect(now.locator(".now-left")).to_contain_text("last day there 27 Jan 2026")
    box = now.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    # The rest is folded: its headings show, its tables and map do not.
    expect(page.locator("details.fold")).to_have_count(8)
    expect(page.locator("details.fold[open]")).to_have_count(0)
    expect(page.locator("#deployments")).to_be_hidden()
    expect(page.locator("#site-map")).to_be_hidden()
    phone.shot("phone-site")

    page.locator("summary", has_text="Deployments").click()
    drawdown = page.locator('tr[data-deployment="ru-qamishli-drawdown"]')
    expect(drawdown).to_be_visible()
    expect(drawdown).to_contain_text("drawing down")
    assert page.evaluate(OUT_OF_SIGHT) == []
    drawdown.evaluate("(row) => row.scrollIntoView()")
    phone.shot("phone-site-deployments")

    # The mini map, drawn while folded, fills its box once unfolded.
    page.locator("summary", has_text="Where it is").click()
    site_map = page.locator("#site-map")
    expect(site_map).to_be_visible()
    site_map.click()
    expect(site_map.locator(".leaflet-popup-content")).to_have_text(
        "Qamishli International Airport"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_link_into_a_folded_section_opens_it(phone: UI) -> None:
    page = phone.open("/sites/qamishli-airport#history")
    expect(page.locator("#history details.fold")).to_have_attribute("open", "")
    expect(page.locator("#history-heading")).to_be_visible()
    expect(page.locator("#deployments")).to_be_hidden()


def test_without_javascript_a_phone_sees_every_section_open(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/sites/qamishli-airport")
        expect(page.locator("details.fold:not([open])")).to_have_count(0)
        expect(page.locator('tr[data-deployment="ru-qamishli-drawdown"]')).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_site_page_on_a_desktop_keeps_every_section_open_with_its_tables(ui: UI) -> None:
    page = ui.open("/sites/qamishli-airport")
    expect(page.locator("#now")).to_contain_text("active since 4 Feb 2026")
    expect(page.locator("details.fold:not([open])")).to_have_count(0)
    # Still a table with a header row, not cards.
    table = page.locator("#deployments")
    expect(table).to_be_visible()
    assert table.evaluate("(t) => getComputedStyle(t).display") == "table"
    expect(table.locator("thead th", has_text="Sources and notes")).to_be_visible()
    expect(page.locator('tr[data-deployment="ru-qamishli-active"]')).to_be_visible()
    expect(page.locator("#site-map")).to_be_visible()
    ui.shot("desktop-site")
