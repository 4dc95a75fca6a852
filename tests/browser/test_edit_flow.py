"""Proposing a change in a browser with JavaScript switched off: sign in, follow "Propose a
change" from the site page, make a mistake, read the message next to the field, fix it, submit.

The server runs on a writable copy of the test database (the session's shared server must not
change), with one contributor account.
"""

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app import accounts
from app.db import Database
from app.models import Role
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, serve

PASSWORD = "a long enough password"
DRAWDOWN = "ru-qamishli-drawdown"
# Elements of the page's own content that reach past the right edge of the window.
NOTHING_WIDER_IN_MAIN = """[...document.querySelectorAll('main, main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => `${e.tagName.toLowerCase()}#${e.id}`)"""


@pytest.fixture
def editable_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The test database copied (SQLite's backup: safe while the shared server reads it), with a
    contributor, served by a server of its own."""
    source = database_url.removeprefix("sqlite:///")
    target = tmp_path / "editable.db"
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    url = f"sqlite:///{target}"
    db = Database(url)
    with db.write_session() as session:
        accounts.create_user(session, "carla", Role.contributor, PASSWORD)
        session.commit()
    db.close()
    with serve(url, tmp_path, ORBAT_REMOTE_TILES="false") as base:
        yield base


def _context(browser: Browser, **options: object) -> BrowserContext:
    context = browser.new_context(locale="en-GB", timezone_id="UTC", **options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


def _watch(page: Page, problems: list[str]) -> None:
    """Console errors would be CSP violations; the status of a refused form (422) is expected,
    and so is a 404 from the change set page while it is not written yet."""

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        if "status of 422" in message.text or (
            "status of 404" in message.text and "/changesets/" in url
        ):
            return
        problems.append(f"{message.text} ({url})")

    page.on("console", on_console)


def _shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    return path


def _below(upper: dict[str, float] | None, lower: dict[str, float] | None) -> bool:
    assert upper is not None and lower is not None
    return upper["y"] + upper["height"] <= lower["y"] + 1


def test_propose_a_later_end_from_the_site_page_without_javascript(
    browser: Browser, editable_url: str
) -> None:
    problems: list[str] = []
    context = _context(browser, java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    _watch(page, problems)
    try:
        page.goto(f"{editable_url}/login?next=/sites/qamishli-airport")
        page.fill("#login-name", "carla")
        page.fill("#login-password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/sites/qamishli-airport$"))

        row = page.locator(f'tr[data-deployment="{DRAWDOWN}"]')
        row.get_by_role("link", name=re.compile("^Propose a change")).click()
        page.wait_for_url(re.compile(rf"/propose/deployment/{DRAWDOWN}$"))
        expect(page.locator("#record-end")).to_have_value("2026-01-28")

        # A mistake first: an end before the start.
        page.fill("#record-end", "2026-01-20")
        page.fill("#source-slug", "example-wire-2026-01-29")
        page.fill("#source-publisher", "Example Wire")
        page.fill("#source-title", "Last Russian aircraft left Qamishli on 28 January")
        page.fill("#source-url", "https://example.org/qamishli-last-plane")
        page.fill("#source-published", "2026-01-29")
        page.select_option("#source-reliability", "B")
        page.select_option("#citation-stance", "supports")
        page.select_option("#citation-credibility", "2")
        page.fill("#citation-claim", "A cargo plane seen leaving on 28 Jan was the last one.")
        page.fill("#comment", "The last plane left on 28 Jan: the first day without is 29 Jan.")
        page.get_by_role("button", name="Propose this change").click()

        error = page.locator("#record-end-error")
        expect(error).to_contain_text("2026-01-20 is not after start 2026-01-23")
        expect(page.locator("#error-summary a[href='#record-end']")).to_be_visible()
        # The message sits between the field's label and its input, in the same column.
        label = page.locator("label[for='record-end']").bounding_box()
        box = error.bounding_box()
        field = page.locator("#record-end").bounding_box()
        assert _below(label, box) and _below(box, field)
        assert box is not None and field is not None and abs(box["x"] - field["x"]) < 2
        # What was typed is still there.
        expect(page.locator("#source-slug")).to_have_value("example-wire-2026-01-29")
        expect(page.locator("#comment")).to_have_value(re.compile("^The last plane left"))
        page.locator("#record-end-field").scroll_into_view_if_needed()
        _shot(page, "edit-form-error-desktop")
        page.screenshot(path=ARTIFACTS / "edit-form-error-full.png", full_page=True)

        # Readable on a phone: one column, no sideways scrolling, the message by its field.
        page.set_viewport_size(PHONE)
        # (The signed-in header is not this page's: only the form is measured.)
        assert page.evaluate(NOTHING_WIDER_IN_MAIN) == []
        end = page.locator("#record-end").bounding_box()
        start = page.locator("#record-start").bounding_box()
        assert end is not None and start is not None and _below(start, end)
        assert end["x"] + end["width"] <= PHONE["width"]
        assert _below(error.bounding_box(), end)
        page.locator("#record-end-field").scroll_into_view_if_needed()
        _shot(page, "edit-form-error-phone")
        page.set_viewport_size(DESKTOP)

        # Fixed, and sent.
        page.fill("#record-end", "2026-01-29")
        page.get_by_role("button", name="Propose this change").click()
        page.wait_for_url(re.compile(r"/changesets/[0-9]+$"))
        assert problems == []
    finally:
        context.close()
