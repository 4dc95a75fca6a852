"""The header's search box in Chromium: a combobox that suggests as one types, moved through
with the arrow keys, opened with Enter, closed with Escape; and the index pages on a phone."""

from playwright.sync_api import expect

from tests.browser.conftest import HOSTILE_NAME, HOSTILE_SLUG, UI

BOX = "#site-search-q"
LIST = "#site-search-list"


def _type(ui: UI, text: str) -> None:
    box = ui.page.locator(BOX)
    box.click()
    box.press_sequentially(text, delay=20)


def test_typing_khmeimim_on_the_map_suggests_hmeimim_and_arrow_enter_opens_its_page(
    ui: UI,
) -> None:
    ui.open("/")
    _type(ui, "Khmeimim")
    box = ui.page.locator(BOX)
    first = ui.page.locator(f"{LIST} [role=option]").first
    expect(first).to_contain_text("Hmeimim Air Base")
    expect(first).to_contain_text("also spelt Khmeimim")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "site-search-list")
    ui.shot("search-suggestions")
    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-option-0")
    box.press("Enter")
    ui.page.wait_for_url("**/sites/hmeimim")
    ui.wait_ready()
    expect(ui.page.locator("h1")).to_contain_text("Hmeimim")


def test_every_spelling_suggests_the_same_base(ui: UI) -> None:
    ui.open("/sources")
    box = ui.page.locator(BOX)
    for spelling in ("Hmeymim", "hmeimim", "KHMEÏMIM"):
        box.fill("")
        _type(ui, spelling)
        option = ui.page.locator(f'{LIST} [role=option][data-slug="hmeimim"]')
        expect(option).to_have_count(1)


def test_escape_closes_the_suggestions_then_clears_the_box(ui: UI) -> None:
    ui.open("/about")
    _type(ui, "tartus")
    box = ui.page.locator(BOX)
    expect(ui.page.locator(LIST)).to_be_visible()
    box.press("Escape")
    expect(ui.page.locator(LIST)).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("tartus")
    box.press("Escape")
    expect(box).to_have_value("")


def test_arrow_keys_move_through_suggestions_and_wrap(ui: UI) -> None:
    ui.open("/about")
    _type(ui, "qamishli")
    options = ui.page.locator(f"{LIST} [role=option]")
    expect(options.first).to_be_visible()
    count = options.count()
    assert count >= 2
    box = ui.page.locator(BOX)
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    box.press("ArrowUp")
    expect(options.nth(count - 1)).to_have_attribute("aria-selected", "true")


def test_enter_without_a_choice_opens_the_results_page(ui: UI) -> None:
    ui.open("/")
    _type(ui, "Khmeimim")
    expect(ui.page.locator(f"{LIST} [role=option]").first).to_be_visible()
    ui.page.locator(BOX).press("Enter")
    ui.page.wait_for_url("**/search?q=Khmeimim")
    ui.wait_ready()
    expect(ui.page.locator('#search-results li[data-slug="hmeimim"] a')).to_have_attribute(
        "href", "/sites/hmeimim"
    )


def test_a_hostile_name_is_suggested_as_text(ui: UI) -> None:
    ui.open("/")
    _type(ui, "img onerror")
    option = ui.page.locator(f'{LIST} [role=option][data-slug="{HOSTILE_SLUG}"]')
    expect(option.locator(".site-search-name")).to_have_text(HOSTILE_NAME)
    assert ui.page.locator(f"{LIST} img").count() == 0


def test_search_box_and_index_pages_fit_a_phone(phone: UI) -> None:
    for path in ("/sites", "/forces", "/search?q=qamishli"):
        phone.open(path)
        expect(phone.page.locator(BOX)).to_be_visible()
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    phone.shot("sites-phone")
    _type(phone, "Hmeymim")
    option = phone.page.locator(f'{LIST} [role=option][data-slug="hmeimim"]')
    option.click()
    phone.page.wait_for_url("**/sites/hmeimim")
