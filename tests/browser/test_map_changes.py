"""What changed on the map (issue 9, item 2): marks and a "Changes" list per step or play frame,
and compare mode (`compare=YYYY-MM-DD`), at the issue's two screen sizes.

Russia's contingent at Qamishli airport drew down from 23 Jan 2026 (status active -> drawdown) and
was gone on 28 Jan 2026, the first day absent (data/syria/deployments.csv, ru-qamishli-*); the SDF
guard stayed at the airport until 4 Feb 2026, so the site itself is still drawn on 28 Jan.
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    ARTIFACTS,
    ROOT,
    UI,
    WIDE,
    append_row,
    first_row,
    open_ui,
    serve,
)
from tests.browser.test_axe import report, violations

# The airport close up, so its marker is not crowded by the city's.
QAMISHLI_VIEW = "z=10&lat=37.0206&lon=41.1914"
AIRPORT = "qamishli-airport"


def entries(ui: UI) -> list[dict[str, str]]:
    """The Changes list as the user reads it, with the site, actor and kind of each entry."""
    return ui.page.eval_on_selector_all(
        "#change-list .change-entry",
        """buttons => buttons.map(b => ({site: b.dataset.site, actor: b.dataset.actor,
            change: b.dataset.change, text: b.textContent}))""",
    )


def marked_sites(ui: UI) -> dict[str, str]:
    """Each site marked on the map, with the kind of its mark (its ring style)."""
    return ui.page.eval_on_selector_all(
        ".leaflet-changes-pane .change-mark",
        """marks => Object.fromEntries(marks.map(m => [m.dataset.site,
            ['left', 'arrived', 'changed'].find(k => m.classList.contains('change-' + k))]))""",
    )


def step_day(ui: UI) -> None:
    ui.page.locator('button[data-step="1"][data-unit="day"]').click()
    ui.wait_ready()


def russia_at_airport(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [row for row in rows if row["site"] == AIRPORT and row["actor"] == "russia"]


def test_stepping_through_january_2026_marks_each_change_as_it_happens(wide: UI) -> None:
    page = wide.open(f"/?date=2026-01-01&{QAMISHLI_VIEW}")
    # Nothing to compare with on the first drawing: the list says how to get one.
    expect(page.locator("#change-list-empty")).to_contain_text("Step or play")
    expect(page.locator(".leaflet-changes-pane .change-mark")).to_have_count(0)

    seen: dict[str, list[dict[str, str]]] = {}
    for day in range(2, 32):
        step_day(wide)
        date = f"2026-01-{day:02d}"
        assert f"date={date}" in wide.query
        rows = entries(wide)
        marks = marked_sites(wide)
        seen[date] = rows
        previous = f"{day - 1} Jan 2026"
        expect(page.locator("#changes-since")).to_have_text(f"since {previous}")
        if rows:
            # Every site in the list is marked on the map, with its most telling change.
            for row in rows:
                assert row["site"] in marks, (date, row)
        else:
            expect(page.locator("#change-list-empty")).to_have_text(f"No change since {previous}.")
            assert marks == {}, date
        if date == "2026-01-23":
            expect(page.locator("#changes-status")).to_contain_text("Qamishli")
            assert marks[AIRPORT] == "changed"
            wide.shot("changes-2026-01-23-drawdown-wide")
        if date == "2026-01-28":
            assert marks[AIRPORT] == "left"
            # The SDF guard is still there, so the site is still drawn; the mark around it takes
            # no click, so what is under it (the marker) still gets one.
            expect(page.locator(f'#site-list [data-site="{AIRPORT}"]')).to_have_count(1)
            mark = page.locator(f'.change-mark[data-site="{AIRPORT}"]')
            box = mark.bounding_box()
            assert box is not None
            hit = page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-changes-pane')",
                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
            )
            assert hit is None
            wide.shot("changes-2026-01-28-russia-left-wide")

    # Russia's pull-out, each step on the day it happened, and on no other day.
    drawdown = russia_at_airport(seen["2026-01-23"])
    assert [row["change"] for row in drawdown] == ["changed"]
    assert "Russian Federation: active → drawing down" in drawdown[0]["text"]
    left = russia_at_airport(seen["2026-01-28"])
    assert [row["change"] for row in left] == ["left"]
    assert (
        "Qamishli International Airport: Russian Federation left (was drawing down)"
        in (left[0]["text"])
    )
    other_days = [date for date, rows in seen.items() if russia_at_airport(rows)]
    assert other_days == ["2026-01-23", "2026-01-28"]


def test_a_change_in_the_list_goes_to_its_site(wide: UI) -> None:
    page = wide.open(f"/?date=2026-01-27&{QAMISHLI_VIEW}")
    step_day(wide)
    page.locator(f'#change-list [data-site="{AIRPORT}"][data-actor="russia"]').click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Qamishli International Airport")
    expect(page).to_have_url(re.compile(rf"[?&]site={AIRPORT}"))


def test_stepping_back_compares_with_the_later_day(wide: UI) -> None:
    page = wide.open(f"/?date=2026-01-28&{QAMISHLI_VIEW}")
    page.locator('button[data-step="-1"][data-unit="day"]').click()
    wide.wait_ready()
    expect(page.locator("#changes-since")).to_have_text("from 28 Jan 2026 back to this day")
    rows = russia_at_airport(entries(wide))
    # Going back, Russia is there again: it "arrived" relative to the later day.
    assert [row["change"] for row in rows] == ["arrived"]


def test_playing_day_by_day_on_a_phone_marks_russia_leaving_qamishli(phone: UI) -> None:
    page = phone.open(f"/?date=2026-01-25&{QAMISHLI_VIEW}")
    # Every frame's list and announcement, as drawn, whatever the pace of playback.
    page.evaluate(
        """() => {
            window.frames_seen = [];
            window.announced = [];
            const list = document.getElementById('change-list');
            const status = document.getElementById('changes-status');
            new MutationObserver(() => window.frames_seen.push({
                date: new URLSearchParams(location.search).get('date'),
                since: document.getElementById('changes-since').textContent,
                entries: [...list.querySelectorAll('.change-entry')].map(b => ({
                    site: b.dataset.site, actor: b.dataset.actor, change: b.dataset.change,
                    text: b.textContent})),
                marks: [...document.querySelectorAll('.leaflet-changes-pane .change-mark')]
                    .map(m => m.dataset.site + ':' + m.className),
            })).observe(list, {childList: true});
            new MutationObserver(() => window.announced.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.locator("#speed").select_option("day")
    page.locator("#play").click()
    expect(page).to_have_url(re.compile(r"date=2026-01-(29|3\d)"), timeout=30_000)
    page.locator("#play").click()
    phone.wait_ready()
    frames = page.evaluate("window.frames_seen")
    left = [
        frame
        for frame in frames
        if any(
            e["site"] == AIRPORT and e["actor"] == "russia" and e["change"] == "left"
            for e in frame["entries"]
        )
    ]
    assert left, frames
    assert left[0]["date"] == "2026-01-28"
    assert left[0]["since"] == "since 27 Jan 2026"
    assert any(m.startswith(f"{AIRPORT}:") and "change-left" in m for m in left[0]["marks"])
    # While playing, each frame that changed something is announced as a count, not read out.
    announced = page.evaluate("window.announced")
    assert "28 Jan 2026: 1 change" in announced or any(
        re.fullmatch(r"28 Jan 2026: \d+ changes", text) for text in announced
    ), announced
    assert all(re.fullmatch(r"\d+ \w+ 2026: \d+ changes?", text) for text in announced[:-1]), (
        announced
    )

    # The same day stepped to by hand: the mark on the map, and the list in the drawer.
    phone.open(f"/?date=2026-01-27&{QAMISHLI_VIEW}")
    step_day(phone)
    expect(page.locator(f'.change-mark.change-left[data-site="{AIRPORT}"]')).to_be_visible()
    phone.shot("changes-2026-01-28-phone")
    page.locator("#drawer-toggle").click()
    entry = page.locator(f'#change-list [data-site="{AIRPORT}"][data-actor="russia"]')
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Russian Federation left (was drawing down)")
    # The list's entry takes the reader to the site: the drawer closes and its popup opens.
    entry.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Qamishli International Airport")
    phone.shot("changes-list-phone-chosen")


def test_compare_mode_lists_russia_leaving_qamishli_airport(wide: UI) -> None:
    page = wide.open(f"/?date=2026-02-10&compare=2026-01-01&{QAMISHLI_VIEW}")
    banner = page.locator("#compare-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Comparing with 1 Jan 2026")
    expect(page.locator("#compare-page")).to_have_attribute(
        "href", "/compare?from=2026-01-01&to=2026-02-10"
    )
    expect(page.locator("#changes-since")).to_have_text("since 1 Jan 2026")
    rows = russia_at_airport(entries(wide))
    assert [row["change"] for row in rows] == ["left"]
    assert "Russian Federation left (was active)" in rows[0]["text"]
    assert marked_sites(wide)[AIRPORT] == "left"
    wide.shot("changes-compare-wide")

    # Stepping on keeps comparing with the same day, not the previous step.
    step_day(wide)
    expect(page.locator("#changes-since")).to_have_text("since 1 Jan 2026")
    assert "compare=2026-01-01" in wide.query

    page.locator("#compare-clear").click()
    wide.wait_ready()
    expect(banner).to_be_hidden()
    assert "compare=" not in wide.query


def test_compare_mode_names_the_chosen_actors_and_loads_an_earlier_year(phone: UI) -> None:
    page = phone.open("/?date=2026-02-10&compare=2019-06-01&actor=russia")
    expect(page.locator("#compare-page")).to_have_attribute(
        "href", "/compare?from=2019-06-01&to=2026-02-10&actor=russia"
    )
    # Russia came to Qamishli airport in Nov 2019 and left in Jan 2026: no change between.
    assert russia_at_airport(entries(phone)) == []
    # It was at the Golan line in June 2019 (Aug 2018 - Dec 2024) and gone by 2026.
    assert any(row["change"] == "left" for row in entries(phone))
    # Hmeimim was held throughout and drawn down after Dec 2024: a change, said as "was → is".
    hmeimim = [row for row in entries(phone) if row["site"] == "hmeimim"]
    assert [row["change"] for row in hmeimim] == ["changed"], hmeimim
    assert "Russian Federation: active → drawing down" in hmeimim[0]["text"], hmeimim
    phone.shot("changes-compare-phone")


def test_compare_control_sets_the_compare_date(wide: UI) -> None:
    page = wide.open(f"/?date=2026-02-10&{QAMISHLI_VIEW}")
    page.locator("#compare-open").click()
    expect(page.locator("#compare-form")).to_be_visible()
    # A date in numbers only is refused in words, not guessed, and nothing moves.
    page.locator("#compare-input").fill("06012025")
    page.locator("#compare-form button[type=submit]").click()
    expect(page.locator("#compare-error")).to_contain_text("not guessed")
    assert "compare=" not in wide.query
    page.locator("#compare-input").fill("1 Jan 2026")
    page.locator("#compare-form button[type=submit]").click()
    wide.wait_ready()
    expect(page.locator("#compare-form")).to_be_hidden()
    assert "compare=2026-01-01" in wide.query
    expect(page.locator("#compare-banner")).to_contain_text("Comparing with 1 Jan 2026")
    assert [row["change"] for row in russia_at_airport(entries(wide))] == ["left"]


def test_an_invalid_compare_date_is_ignored_with_a_visible_note(wide: UI) -> None:
    page = wide.open("/?date=2026-02-10&compare=2026-02-31")
    note = page.locator("#compare-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("“2026-02-31”, which is not a date")
    expect(page.locator("#compare-banner")).to_be_hidden()
    assert "compare=" not in wide.query
    wide.shot("changes-invalid-compare")


def test_the_changes_list_and_compare_controls_have_no_axe_violations(wide: UI) -> None:
    page = wide.open(f"/?date=2026-01-27&compare=2026-01-01&{QAMISHLI_VIEW}")
    step_day(wide)
    page.locator("#compare-open").click()
    expect(page.locator("#compare-form")).to_be_visible()
    expect(page.locator("#change-list .change-entry").first).to_be_visible()
    found = violations(wide)
    assert found == [], report(found)
    # The Key explains each mark in words beside a drawing of it.
    key = page.locator("#key")
    for words in ("arrived since the last step", "left: dashed ring", "double ring, “Δ”"):
        expect(key).to_contain_text(words)
    key.screenshot(path=ARTIFACTS / "changes-key.png")


def test_a_change_in_the_number_of_forces_is_said_in_words(wide: UI) -> None:
    # Russian military police came to Qamishli airport in late Oct 2019 and the helicopter group
    # on 14 Nov 2019: one force, then two.
    page = wide.open(f"/?date=2019-12-01&compare=2019-11-01&actor=russia&{QAMISHLI_VIEW}")
    expect(page.locator("#changes-since")).to_have_text("since 1 Nov 2019")
    rows = russia_at_airport(entries(wide))
    assert [row["change"] for row in rows] == ["changed"], rows
    assert "Russian Federation: 1 force → 2 forces" in rows[0]["text"]
    assert marked_sites(wide)[AIRPORT] == "changed"


# A base whose one force is recorded twice in a row with the same status, the second record
# revising its strength: a step across the seam changes no status and no count, only the record.
REVISED_SITE = "revised-strength-base"
REVISED_FORCE = "revised-strength-force"
REVISED_DAY = "2019-06-01"


@pytest.fixture(scope="module")
def revised_url(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on the test dataset plus that base (kept out of the shared one's counts)."""
    work = tmp_path_factory.mktemp("revised")
    folder = work / "syria"
    shutil.copytree(dataset, folder)
    source = first_row(folder / "sources.csv")
    append_row(
        folder / "forces.csv",
        {
            "slug": REVISED_FORCE,
            "name": "Revised strength test force",
            "actor": "united-states",
            "branch": "ground",
        },
    )
    append_row(
        folder / "sites.csv",
        {
            "slug": REVISED_SITE,
            "name": "Revised strength test base",
            "kind": "outpost",
            "lat": "34.5",
            "lon": "40.5",
            "geo_precision": "1",
            "country": "SY",
        },
    )
    for slug, start, end, strength in (
        ("revised-strength-first", "2019-01-01", REVISED_DAY, "about 200"),
        ("revised-strength-second", REVISED_DAY, "2019-12-01", "about 50"),
    ):
        append_row(
            folder / "deployments.csv",
            {
                "slug": slug,
                "force": REVISED_FORCE,
                "site": REVISED_SITE,
                "start": start,
                "start_precision": "day",
                "end": end,
                "end_precision": "day",
                "status": "active",
                "strength": strength,
                "confidence": "medium",
            },
        )
        append_row(
            folder / "citations.csv",
            {
                "source": source["slug"],
                "record_type": "deployment",
                "record": slug,
                "stance": "supports",
                "credibility": "3",
                "claim": "test record",
            },
        )
    url = f"sqlite:///{work / 'orbat.db'}"
    env = {**os.environ, "ORBAT_DATABASE_URL": url}
    for command in (["db", "upgrade"], ["import", str(folder)]):
        subprocess.run(
            [sys.executable, "-m", "app", *command, "--database-url", url],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    with serve(url, work, ORBAT_REMOTE_TILES="false") as served:
        yield served


@pytest.fixture
def revised(browser: Browser, revised_url: str) -> Iterator[UI]:
    yield from open_ui(browser, revised_url, WIDE)


def test_a_revised_record_with_the_same_status_is_marked_as_a_change(revised: UI) -> None:
    page = revised.open("/?date=2019-05-31&actor=united-states&z=8&lat=34.5&lon=40.5")
    step_day(revised)
    rows = [row for row in entries(revised) if row["site"] == REVISED_SITE]
    assert [row["change"] for row in rows] == ["changed"], entries(revised)
    assert "new record (strength or details)" in rows[0]["text"]
    assert marked_sites(revised).get(REVISED_SITE) == "changed"
    revised.shot("changes-revised-record")
    # The day after, nothing changed there.
    step_day(revised)
    assert not [row for row in entries(revised) if row["site"] == REVISED_SITE]
    expect(page.locator(f'.change-mark[data-site="{REVISED_SITE}"]')).to_have_count(0)
