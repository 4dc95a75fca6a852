"""The timeline fits the data and dates cannot be misread (issue 9, items 1 and 6): slider and
histogram on one axis over a visible range kept in the URL, play within that range, typed dates
read in a documented order with an echo, and a title line saying what the dataset covers."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.conftest import UI


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def span_end(page: Page) -> str:
    return page.locator("#app").get_attribute("data-span-end") or ""


def slider_range(page: Page) -> tuple[dt.date, int]:
    """The visible range's first day and its length in days, as the slider spans them."""
    start = page.locator("#range-start").inner_text()
    days = int(page.locator("#date-slider").get_attribute("max") or "0")
    return dt.datetime.strptime(start, "%d %b %Y").date(), days


def bar_centre(page: Page, month: str) -> tuple[float, float]:
    box = page.locator(f'.histogram-bar[data-month="{month}"]').bounding_box()
    assert box is not None, month
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


# ---- one axis over a range that fits the data


def test_the_slider_above_a_bar_is_at_that_bars_month(wide: UI) -> None:
    page = wide.open("/?date=2025-06-01")
    slider = page.locator("#date-slider").bounding_box()
    assert slider is not None
    # An early and a late month: the two axes agree at both ends, so in offset and in scale.
    for month in ("2016-03-01", "2026-01-01"):
        x, _ = bar_centre(page, month)
        page.mouse.click(x, slider["y"] + slider["height"] / 2)
        expect(page).to_have_url(re.compile(rf"date={month[:7]}-\d\d"))
        day = dt.date.fromisoformat(params(page)["date"][0])
        # The middle of the month, within a few pixels (each about four days wide here).
        assert abs(day.day - 15) <= 10, (month, day)
    wide.shot("timeline-shared-axis")


def test_the_default_range_is_where_the_data_is_dense(wide: UI) -> None:
    page = wide.open("/")
    first, days = slider_range(page)
    # Not the lone 1971 record: the range opens with the dense years and ends with the data.
    assert first == dt.date(2015, 1, 1)
    expect(page.locator("#range-end")).to_have_text("23 Feb 2026")
    width = page.locator("#date-slider").bounding_box()
    assert width is not None
    # At 1440 px at least a pixel per week, so the last two years take 104 px or more.
    px_per_week = (width["width"] - 16) / (days / 7)
    assert px_per_week >= 1, px_per_week
    ticks = page.locator(".histogram-tick").all_inner_texts()
    assert "2015" in ticks and "1971" not in ticks
    # A shared link without from/to says nothing about the range.
    assert "from" not in params(page)
    wide.shot("timeline-default-range")


def test_a_brush_on_the_histogram_narrows_the_range_and_survives_reload(wide: UI) -> None:
    page = wide.open("/?date=2025-06-01")
    x1, y = bar_centre(page, "2024-12-01")
    x2, _ = bar_centre(page, "2026-01-01")
    page.mouse.move(x1, y)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, y, steps=4)
    page.mouse.move(x2, y, steps=4)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"from=2024-12-\d\d&to=2026-01-\d\d"))
    # The drag was not taken for a click on the bar it ended on.
    assert params(page)["date"] == ["2025-06-01"]
    chosen = params(page)
    first, days = slider_range(page)
    assert first.isoformat() == chosen["from"][0]
    assert days == (dt.date.fromisoformat(chosen["to"][0]) - first).days
    # Bars now a few times wider, and only the brushed months are drawn.
    assert page.locator('.histogram-bar[data-month="2019-10-01"]').count() == 0
    box = page.locator('.histogram-bar[data-month="2026-01-01"]').bounding_box()
    assert box is not None and box["width"] >= 30
    wide.shot("timeline-brushed")
    page.reload()
    wide.wait_ready()
    assert slider_range(page) == (first, days)
    # Back goes to the range before the brush.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"from="))
    assert slider_range(page)[0] == dt.date(2015, 1, 1)


def test_zoom_buttons_and_the_whole_span(wide: UI) -> None:
    page = wide.open("/?date=2025-06-01")
    page.get_by_role("button", name=re.compile(r"^Whole span")).click()
    expect(page).to_have_url(re.compile(r"from=1971-01-01&to=" + span_end(page)))
    expect(page.locator("#range-start")).to_have_text("1 Jan 1971")
    expect(page.locator(".histogram-tick", has_text="1971")).to_have_count(1)
    wide.shot("timeline-whole-span")
    before = slider_range(page)[1]
    page.get_by_role("button", name="Zoom timeline in").click()
    expect(page).not_to_have_url(re.compile(r"from=1971-01-01"))
    first, days = slider_range(page)
    assert abs(days - before / 2) <= 2
    # Zooming in keeps the date shown inside the range.
    assert first <= dt.date(2025, 6, 1) <= first + dt.timedelta(days=days)
    assert params(page)["date"] == ["2025-06-01"]
    page.get_by_role("button", name="Zoom timeline out").click()
    assert slider_range(page)[1] > days
    # The map's own zoom buttons are still there, and still the only "Zoom in".
    expect(page.get_by_role("button", name="Zoom in", exact=True)).to_have_count(1)


# ---- play within the range


def record_dates(page: Page) -> None:
    """Keep every date the page writes to the URL, in order, to read the frames played."""
    page.evaluate(
        """() => {
            window.playedDates = [];
            for (const name of ["pushState", "replaceState"]) {
                const original = history[name].bind(history);
                history[name] = (state, title, url) => {
                    const date = new URL(url, location.href).searchParams.get("date");
                    if (date) window.playedDates.push(date);
                    return original(state, title, url);
                };
            }
        }"""
    )


def test_play_at_the_range_end_starts_from_the_range_start_and_stops_at_its_end(
    wide: UI,
) -> None:
    page = wide.open("/?from=2025-01-01&to=2025-04-30&date=2025-04-30")
    page.locator("#speed").select_option("month")
    record_dates(page)
    page.get_by_role("button", name="▶ Play").click()
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false", timeout=15_000)
    frames = page.evaluate("window.playedDates")
    assert frames == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-04-30"]
    expect(page.locator("#date-input")).to_have_value("2025-04-30")


def test_play_on_the_default_range_never_goes_back_to_1971(wide: UI) -> None:
    page = wide.open("/")
    page = wide.open(f"/?date={span_end(page)}")
    page.locator("#speed").select_option("year")
    record_dates(page)
    page.get_by_role("button", name="▶ Play").click()
    expect(page.locator("#date-input")).to_have_value("2016-01-01", timeout=5000)
    page.locator("#play").click()
    assert page.evaluate("window.playedDates")[0] == "2015-01-01"


# ---- typed dates


def test_a_typed_date_is_echoed_and_applied_on_enter(wide: UI) -> None:
    page = wide.open("/?date=2026-01-10")
    field = page.get_by_role("textbox", name="Date")
    field.fill("1 Jun 2025")
    echo = page.locator("#date-echo")
    expect(echo).to_contain_text("1 June 2025")
    # Echoed, not moved: the map still shows the date in the URL.
    assert params(page)["date"] == ["2026-01-10"]
    assert field.get_attribute("aria-describedby") == "date-echo date-hint"
    wide.shot("timeline-typed-echo")
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"date=2025-06-01"))
    expect(field).to_have_value("2025-06-01")
    expect(page.locator("#sites-date")).to_have_text("1 Jun 2025")
    # The other documented forms, through the Go button.
    for typed, date in (
        ("Jun 2024", "2024-06-01"),
        ("2019", "2019-01-01"),
        ("June 5, 2020", "2020-06-05"),
    ):
        field.fill(typed)
        page.get_by_role("button", name="Go", exact=True).click()
        expect(page).to_have_url(re.compile(rf"date={date}"))
        wide.wait_ready()
        expect(field).to_have_value(date)


def test_an_ambiguous_number_is_refused_not_guessed(wide: UI) -> None:
    page = wide.open("/?date=2026-01-10")
    field = page.get_by_role("textbox", name="Date")
    for typed in ("06012025", "06/01/2025", "31 Feb 2025"):
        field.fill(typed)
        field.press("Enter")
        echo = page.locator("#date-echo")
        expect(echo).to_be_visible()
        if typed == "31 Feb 2025":
            expect(echo).to_have_text("There is no day 31 in February 2025.")
        else:
            expect(echo).to_contain_text("2025-06-01, 1 Jun 2025, Jun 2025 or 2025")
            expect(echo).to_contain_text("not guessed")
        assert params(page)["date"] == ["2026-01-10"]
        # The text stays for the reader to correct.
        expect(field).to_have_value(typed)
    wide.shot("timeline-typed-refused")
    # Escape puts the shown date back.
    field.press("Escape")
    expect(field).to_have_value("2026-01-10")
    expect(page.locator("#date-echo")).to_be_hidden()


def test_the_accepted_forms_are_written_on_the_page(wide: UI) -> None:
    page = wide.open("/")
    expect(page.locator("#date-hint")).to_be_visible()
    expect(page.locator("#date-hint")).to_have_text(
        "Type 2025-06-01, 1 Jun 2025, Jun 2025 or 2025, then Enter"
    )


# ---- outside the data, and what the data is


def test_a_link_dated_2030_says_the_data_ends_earlier(wide: UI) -> None:
    page = wide.open("/?date=2030-01-01")
    expect(page.locator("#date-note")).to_be_visible()
    expect(page.locator("#date-note")).to_contain_text("The data ends on 23 Feb 2026")
    # The sites heading names the last recorded day, not 2030 as if it were known.
    heading = page.locator("#sites-heading")
    expect(heading).to_contain_text("23 Feb 2026, the last day recorded")
    expect(heading).not_to_contain_text("2030")
    wide.shot("timeline-2030")


def test_the_title_and_scope_are_one_line_at_1440(wide: UI) -> None:
    page = wide.open("/")
    title = page.get_by_role("heading", level=1)
    expect(title).to_be_visible()
    expect(title).to_have_text(re.compile(r"^Syria, 2015–2026"))
    scope = page.locator("#map-scope")
    expect(scope).to_have_text(re.compile(r"^data up to 23 Feb 2026 · \d+ actors, \d+ sites$"))
    a = title.bounding_box()
    b = scope.bounding_box()
    assert a is not None and b is not None
    # One line: side by side, each a single line high.
    assert b["x"] > a["x"] + a["width"] and b["height"] < 30 and a["height"] < 30


def test_on_a_phone_the_title_wraps_and_bars_stay_tappable(phone: UI) -> None:
    page = phone.open("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#map-scope")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The default range on a narrow screen fits its months at a finger's width.
    box = page.locator('.histogram-bar[data-month="2026-01-01"]').bounding_box()
    assert box is not None and box["width"] >= 8
    first, days = slider_range(page)
    assert first >= dt.date(2015, 1, 1)
    phone.shot("timeline-phone", full_page=True)
