"""Accessibility: axe-core finds no violations on any page, and nothing off-screen takes focus.

axe-core (vendored by scripts/vendor.sh into tests/vendor/axe-core, never served by the app) is
evaluated in the page through DevTools, which the page's Content-Security-Policy does not cover,
so every page is checked under its real policy. axe runs its default rule set: WCAG 2 A and AA
plus its best practices (landmarks, headings, regions).

Public pages are checked on the session's server; pages behind a sign-in on a server of their own
over a copy of the database with an admin account and one proposed change set.
"""

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser

from app import accounts, changesets
from app.db import Database
from app.models import Role, User
from tests.browser.conftest import PHONE, ROOT, UI, WIDE, open_ui, serve

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "a long enough password"
# How many Tab presses the focus walk may take before it must have come round to the start.
MAX_TAB_STOPS = 400

PUBLIC_PAGES = [
    "/",
    "/?date=2026-01-25&actor=russia&site=qamishli-airport",
    "/table",
    "/sources",
    "/about",
    "/changes",
    "/sites",
    "/forces",
    "/search?q=qamishli",
    "/sites/qamishli-airport",
    "/actors/russia",
    "/citations?source=xinhua-chinagate-2017-01-21",
    "/compare?from=2026-01-01&to=2026-02-10",
    "/login",
]
# The phone layout differs most on these: the map's drawer, stacked tables, folded site page.
PHONE_PAGES = [
    "/",
    "/sites/qamishli-airport",
    "/table",
    "/search?q=qamishli",
    "/compare?from=2026-01-01&to=2026-02-10",
    "/sources",
]


def violations(ui: UI) -> list[dict[str, Any]]:
    """axe.run on the whole document; each violation with its rule, help text and nodes."""
    page = ui.page
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return list(
        page.evaluate(
            """async () => {
                const result = await axe.run(document, { resultTypes: ["violations"] });
                return result.violations.map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    nodes: v.nodes.map((n) => ({
                        target: n.target.join(" "),
                        summary: n.failureSummary,
                    })),
                }));
            }"""
        )
    )


def report(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            summary = " ".join(str(node["summary"]).split())[:300]
            lines.append(f"    {node['target']}: {summary}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def open_ok(ui: UI, path: str) -> None:
    """Open a page that must exist: a 404 page checked in its place would prove nothing."""
    answer = ui.page.goto(f"{ui.base_url}{path}")
    assert answer is not None and answer.status == 200, path
    ui.wait_ready()


def assert_no_violations(ui: UI, path: str) -> None:
    found = violations(ui)
    assert found == [], f"axe on {path}:\n{report(found)}"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_axe_violations_at_1440(wide: UI, path: str) -> None:
    open_ok(wide, path)
    assert_no_violations(wide, path)


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_public_page_has_no_axe_violations_on_a_phone(phone: UI, path: str) -> None:
    open_ok(phone, path)
    assert_no_violations(phone, path)


def test_the_map_with_its_drawer_open_has_no_axe_violations_on_a_phone(phone: UI) -> None:
    page = phone.open("/?date=2026-01-25")
    page.get_by_role("button", name="Sites, filters & events").click()
    assert_no_violations(phone, "/ (drawer open)")


def test_an_error_page_has_no_axe_violations(wide: UI) -> None:
    wide.open_failing("/sites/no-such-site", 404)
    assert_no_violations(wide, "/sites/no-such-site")


# ---- signed in


@dataclass
class EditServer:
    url: str
    change_set: int


@pytest.fixture(scope="module")
def edit_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EditServer]:
    """A writable copy of the test database with an admin and one proposed change set."""
    work = tmp_path_factory.mktemp("axe-edit")
    target = work / "axe.db"
    with (
        sqlite3.connect(database_url.removeprefix("sqlite:///")) as original,
        sqlite3.connect(target) as copy,
    ):
        original.backup(copy)
    url = f"sqlite:///{target}"
    db = Database(url)
    with db.write_session() as s:
        accounts.create_user(s, "ada", Role.admin, PASSWORD)
        carla = accounts.create_user(s, "carla", Role.contributor, PASSWORD)
        s.commit()
        carla_id = carla.id
    with db.write_session() as s:
        author = s.get(User, carla_id)
        assert author is not None
        cs = changesets.create_change_set(s, author, "Qamishli drawdown ends a day later")
        changesets.add_operation(
            s,
            cs,
            author,
            "update",
            "deployment",
            "ru-qamishli-drawdown",
            {"end": "2026-01-29", "end_precision": "day"},
        )
        changesets.propose(s, cs, author)
        s.commit()
        change_set = cs.id
    db.close()
    with serve(url, work, ORBAT_REMOTE_TILES="false") as served:
        yield EditServer(served, change_set)


def _signed_in(browser: Browser, server: EditServer, viewport: dict[str, int]) -> Iterator[UI]:
    for ui in open_ui(browser, server.url, viewport):
        page = ui.open("/login")
        page.fill("#login-name", "ada")
        page.fill("#login-password", PASSWORD)
        page.click("form.form button[type=submit]")
        ui.wait_ready()
        yield ui


@pytest.fixture
def admin(browser: Browser, edit_server: EditServer) -> Iterator[UI]:
    yield from _signed_in(browser, edit_server, WIDE)


@pytest.fixture
def admin_phone(browser: Browser, edit_server: EditServer) -> Iterator[UI]:
    yield from _signed_in(browser, edit_server, PHONE)


SIGNED_IN_PAGES = [
    "/",
    "/review",
    "/changesets/{change_set}",
    "/import",
    "/admin/accounts",
    "/propose/site/new",
    "/propose/site/qamishli-airport",
    "/propose/deployment/ru-qamishli-drawdown",
    "/propose/site/qamishli-airport/delete",
    "/history/site/qamishli-airport",
]


def test_signed_in_pages_have_no_axe_violations_at_1440(admin: UI, edit_server: EditServer) -> None:
    failures = []
    for template in SIGNED_IN_PAGES:
        path = template.format(change_set=edit_server.change_set)
        open_ok(admin, path)
        found = violations(admin)
        if found:
            failures.append(f"axe on {path}:\n{report(found)}")
    assert failures == [], "\n\n".join(failures)


def test_signed_in_pages_have_no_axe_violations_on_a_phone(
    admin_phone: UI, edit_server: EditServer
) -> None:
    failures = []
    for template in ["/review", "/changesets/{change_set}", "/propose/site/qamishli-airport"]:
        path = template.format(change_set=edit_server.change_set)
        open_ok(admin_phone, path)
        found = violations(admin_phone)
        if found:
            failures.append(f"axe on {path}:\n{report(found)}")
    assert failures == [], "\n\n".join(failures)


# ---- focus: every element Tab reaches is on the screen when it has focus

OFF_SCREEN = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const words = (element.getAttribute("aria-label") || element.textContent || "").trim();
    const name = () =>
        `${element.tagName.toLowerCase()}#${element.id}.${element.className}` +
        ` "${words.slice(0, 40)}"`;
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return `${name()}: no size`;
    // The part of it that can be seen: within the window and within each clipping ancestor.
    let left = Math.max(box.left, 0);
    let top = Math.max(box.top, 0);
    let right = Math.min(box.right, window.innerWidth);
    let bottom = Math.min(box.bottom, window.innerHeight);
    for (let up = element.parentElement; up; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (style.overflowX === "visible" && style.overflowY === "visible") continue;
        const clip = up.getBoundingClientRect();
        left = Math.max(left, clip.left);
        top = Math.max(top, clip.top);
        right = Math.min(right, clip.right);
        bottom = Math.min(bottom, clip.bottom);
    }
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || Number(style.opacity) === 0) return `${name()}: hidden`;
    if (right - left < 1 || bottom - top < 1) {
        return `${name()}: off-screen at ${Math.round(box.left)},${Math.round(box.top)}`;
    }
    return null;
}"""


def off_screen_focus(ui: UI) -> tuple[list[str], int]:
    """Tab from the top of the page until focus comes round again: what was focused unseen, and
    how many stops there were."""
    page = ui.page
    problems: list[str] = []
    seen: list[str] = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        key = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return e ? e.outerHTML.slice(0, 200) + '@' + [...document.querySelectorAll('*')]"
            ".indexOf(e) : ''; })()"
        )
        if seen and key == seen[0]:
            return problems, len(seen)
        seen.append(key)
        problem = page.evaluate(OFF_SCREEN)
        if problem:
            problems.append(problem)
    raise AssertionError(f"focus did not come round in {MAX_TAB_STOPS} Tab presses")


@pytest.mark.parametrize("size", ["wide", "phone"])
@pytest.mark.parametrize("path", ["/?date=2026-01-25", "/sites/qamishli-airport"])
def test_nothing_off_screen_takes_focus(
    size: str, path: str, request: pytest.FixtureRequest
) -> None:
    ui: UI = request.getfixturevalue(size)
    ui.open(path)
    problems, stops = off_screen_focus(ui)
    assert problems == []
    # The walk reached the page's controls, not just the header.
    assert stops > 15


def test_nothing_off_screen_takes_focus_in_the_open_drawer(phone: UI) -> None:
    page = phone.open("/?date=2026-01-25")
    page.get_by_role("button", name="Sites, filters & events").click()
    problems, stops = off_screen_focus(phone)
    assert problems == []
    assert stops > 15


def test_axe_is_the_copy_vendor_sh_wrote() -> None:
    # vendor.sh checks the tarball's hash and records the files' sums; a hand-edited or truncated
    # copy would check less than it claims.
    for line in (AXE.parent / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((AXE.parent / name).read_bytes()).hexdigest() == digest, name
    assert AXE.read_text(encoding="utf-8").startswith("/*! axe v4.")


# ---- the checks themselves can fail


def test_axe_reports_a_planted_violation(wide: UI) -> None:
    page = wide.open("/about")
    page.evaluate(
        """() => {
            const image = document.createElement("img");
            image.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
            document.querySelector("main").append(image);
        }"""
    )
    assert "image-alt" in [v["id"] for v in violations(wide)]


def test_the_focus_walk_reports_a_planted_off_screen_button(wide: UI) -> None:
    page = wide.open("/about")
    page.evaluate(
        """() => {
            const button = document.createElement("button");
            button.textContent = "Lost";
            button.style.position = "absolute";
            button.style.left = "-9999px";
            document.querySelector("main").append(button);
        }"""
    )
    problems, _ = off_screen_focus(wide)
    assert any('"Lost"' in problem for problem in problems), problems
