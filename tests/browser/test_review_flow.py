"""The review flow in Chromium: an editor opens a proposed change set, publishes it with the page's
button, and finds the change in /changes; a second proposal on the same record then shows its
conflict. Runs on its own server over a writable copy of the test database.
"""

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from app import accounts, changesets
from app.db import Database
from app.models import Role, User
from tests.browser.conftest import DESKTOP, PHONE, UI, open_ui, serve

PASSWORD = "a long enough password"
DRAWDOWN = "ru-qamishli-drawdown"


@dataclass
class ReviewServer:
    url: str
    first: int
    second: int


def _propose(db: Database, author_id: int, end: str, source: str) -> int:
    with db.write_session() as s:
        author = s.get(User, author_id)
        assert author is not None
        cs = changesets.create_change_set(s, author, f"Drawdown ends on {end}, says {source}")
        changesets.add_operation(
            s,
            cs,
            author,
            "create",
            "source",
            None,
            {
                "slug": source,
                "publisher": "Example Wire",
                "title": "Last Russian plane left late in January",
                "url": "https://example.org/report",
                "reliability": "B",
            },
        )
        changesets.add_operation(
            s, cs, author, "update", "deployment", DRAWDOWN, {"end": end, "end_precision": "day"}
        )
        changesets.add_operation(
            s,
            cs,
            author,
            "create",
            "citation",
            None,
            {
                "source": source,
                "record_type": "deployment",
                "record": DRAWDOWN,
                "stance": "supports",
                "credibility": "2",
                "claim": f"The last plane left the day before {end}.",
            },
        )
        changesets.propose(s, cs, author)
        s.commit()
        return cs.id


@pytest.fixture
def review_server(database_url: str, tmp_path: Path) -> Iterator[ReviewServer]:
    """The test database copied (consistently, via SQLite's backup) so it can be written."""
    target = tmp_path / "review.db"
    with (
        sqlite3.connect(database_url.removeprefix("sqlite:///")) as original,
        sqlite3.connect(target) as copy,
    ):
        original.backup(copy)
    url = f"sqlite:///{target}"
    db = Database(url)
    with db.write_session() as s:
        carla = accounts.create_user(s, "carla", Role.contributor, PASSWORD)
        accounts.create_user(s, "eddie", Role.editor, PASSWORD)
        s.commit()
        carla_id = carla.id
    first = _propose(db, carla_id, "2026-01-29", "wire-report-29")
    second = _propose(db, carla_id, "2026-01-30", "wire-report-30")
    db.close()
    with serve(url, tmp_path, ORBAT_REMOTE_TILES="false") as served:
        yield ReviewServer(served, first, second)


def _sign_in(ui: UI, name: str) -> None:
    page = ui.open("/login")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click("form.form button[type=submit]")
    ui.wait_ready()
    expect(page.locator(".account-name")).to_contain_text(name)


@pytest.fixture
def editor(browser: Browser, review_server: ReviewServer) -> Iterator[UI]:
    yield from open_ui(browser, review_server.url, DESKTOP)


@pytest.fixture
def editor_phone(browser: Browser, review_server: ReviewServer) -> Iterator[UI]:
    yield from open_ui(browser, review_server.url, PHONE)


def test_an_editor_publishes_a_change_set_and_finds_it_in_changes(
    editor: UI, review_server: ReviewServer
) -> None:
    ui, first = editor, review_server.first
    _sign_in(ui, "eddie")
    page = ui.open("/review")
    waiting = page.locator("#waiting")
    expect(waiting.locator(f'[data-change-set="{first}"]')).to_contain_text("carla")
    ui.shot("review-desktop")
    page.click(f'#waiting [data-change-set="{first}"] a')
    ui.wait_ready()
    expect(page).to_have_url(re.compile(rf"/changesets/{first}$"))
    update = page.locator("#op-2")
    expect(update).to_contain_text(f"Changed deployment {DRAWDOWN}")
    expect(update.locator("del")).to_have_text("2026-01-28")
    expect(update.locator("ins").first).to_have_text("2026-01-29")
    expect(page.locator("#conflicts")).to_have_count(0)
    ui.shot("changeset-proposed-desktop", full_page=True)

    page.click("#publish")
    ui.wait_ready()
    expect(page).to_have_url(re.compile(rf"/changesets/{first}\?done=published$"))
    expect(page.locator("#done")).to_contain_text("Published")
    expect(page.locator("#state")).to_have_text("published")
    expect(page.locator("#reviewer")).to_contain_text("eddie")

    page = ui.open("/changes")
    group = page.locator(f'.change-group[data-change-set="{first}"]')
    expect(group.locator('[data-role="proposed"]')).to_have_text("carla")
    expect(group.locator('[data-role="published"]')).to_have_text("eddie")
    changed = group.locator(f'.history-entry[data-key="{DRAWDOWN}"]')
    expect(changed.locator("del")).to_have_text("2026-01-28")
    expect(changed.locator("ins").first).to_have_text("2026-01-29")
    ui.shot("changes-desktop", full_page=True)

    # The site's page ends with its history, which names the change.
    page = ui.open("/sites/qamishli-airport")
    history = page.locator("#history")
    expect(history.locator(f'.history-entry[data-key="{DRAWDOWN}"]')).to_contain_text("2026-01-29")
    expect(history.locator('[data-role="published"]').first).to_have_text("eddie")
    history.scroll_into_view_if_needed()
    ui.shot("site-history-desktop")

    # The second proposal was written against the old end: its page says so and will not publish.
    page = ui.open(f"/changesets/{review_server.second}")
    expect(page.locator("#conflicts")).to_contain_text(
        "end was 2026-01-28 when proposed, is now 2026-01-29"
    )
    expect(page.locator("#publish")).to_be_disabled()
    ui.shot("changeset-conflict-desktop", full_page=True)


def _too_wide(ui: UI) -> list[str]:
    """Elements of the page's content (the header is base.html's) reaching past the screen."""
    return list(
        ui.page.evaluate(
            """(width) => [...document.querySelectorAll("main *")]
                .map((e) => [e, Math.round(e.getBoundingClientRect().right)])
                .filter(([, right]) => right > width + 1)
                .map(([e, right]) => `${e.tagName}.${e.className} ${right}`)""",
            PHONE["width"],
        )
    )


def test_the_review_pages_fit_a_phone(editor_phone: UI, review_server: ReviewServer) -> None:
    ui = editor_phone
    _sign_in(ui, "eddie")
    page = ui.open(f"/changesets/{review_server.first}")
    expect(page.locator("#publish")).to_be_visible()
    # Nothing in the content is wider than the screen: long values wrap, diff rows stack.
    assert _too_wide(ui) == []
    ui.shot("changeset-proposed-phone", full_page=True)
    page.click("#publish")
    ui.wait_ready()
    expect(page.locator("#state")).to_have_text("published")
    page = ui.open("/changes")
    expect(page.locator(f'.change-group[data-change-set="{review_server.first}"]')).to_be_visible()
    assert _too_wide(ui) == []
    ui.shot("changes-phone", full_page=True)
