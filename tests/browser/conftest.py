"""Browser tests: the real server on a free port, driven by Debian's Chromium through Playwright.

One server and one browser for the whole session; each test gets a fresh browser context whose
console errors, page errors and dialogs are recorded, and must stay empty.
"""

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "syria"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Seconds the server gets to answer /healthz before the session gives up.
SERVER_START_TIMEOUT_S = 30
DESKTOP = {"width": 1280, "height": 800}
# The issue-9 acceptance sizes: a laptop and a phone.
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_SLUG = "xss-test-site"
HOSTILE_DEPLOYMENT = "xss-test-deployment"
HOSTILE_CLAIM = "<img src=y onerror=alert(3)> claims the base exists"


def append_row(path: Path, extra: dict[str, str]) -> None:
    """Append one row to a dataset CSV, keeping its header (and so its column order)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    rows.append({name: extra.get(name, "") for name in fieldnames})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def first_row(path: Path, **where: str) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if all(row.get(key) == value for key, value in where.items()):
            return row
    return rows[0]


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/syria plus one site whose name is an HTML injection attempt."""
    folder = tmp_path_factory.mktemp("dataset") / "syria"
    shutil.copytree(DATASET, folder)
    force = first_row(folder / "forces.csv", actor="united-states")
    source = first_row(folder / "sources.csv")
    append_row(
        folder / "sites.csv",
        {
            "slug": HOSTILE_SLUG,
            "name": HOSTILE_NAME,
            "kind": "outpost",
            "lat": "35.3",
            "lon": "39.4",
            "geo_precision": "1",
            "country": "SY",
            "description": "<script>alert(2)</script> test site",
        },
    )
    append_row(
        folder / "deployments.csv",
        {
            "slug": HOSTILE_DEPLOYMENT,
            "force": force["slug"],
            "site": HOSTILE_SLUG,
            "start": "2000-01-01",
            "start_precision": "year",
            "status": "active",
            "strength": "<b>bold</b>",
            "confidence": "low",
            "note": "<svg onload=alert(4)>",
        },
    )
    append_row(
        folder / "citations.csv",
        {
            "source": source["slug"],
            "record_type": "deployment",
            "record": HOSTILE_DEPLOYMENT,
            "stance": "supports",
            "credibility": "6",
            "claim": HOSTILE_CLAIM,
        },
    )
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_health(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer /healthz in time:\n{log.read_text()}")


@pytest.fixture(scope="session")
def database_url(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database loaded with the test dataset."""
    work = tmp_path_factory.mktemp("database")
    url = f"sqlite:///{work / 'orbat.db'}"
    env = {**os.environ, "ORBAT_DATABASE_URL": url}
    for command in (
        ["db", "upgrade", "--database-url", url],
        ["import", str(dataset), "--database-url", url],
    ):
        subprocess.run(
            [sys.executable, "-m", "app", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return url


@contextmanager
def serve(database_url: str, work: Path, **settings: str) -> Iterator[str]:
    """Uvicorn on a free port serving the database, with extra ORBAT_* settings; yields its URL."""
    env = {**os.environ, "ORBAT_DATABASE_URL": database_url, **settings}
    port = _free_port()
    log = work / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_health(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def base_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The loaded database served by uvicorn, remote tiles off."""
    with serve(database_url, tmp_path_factory.mktemp("server"), ORBAT_REMOTE_TILES="false") as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


@dataclass
class UI:
    """A browser tab on the test server, recording what would show up in a user's console."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    # Pages a test asks for knowing they answer 4xx; Chrome logs their status as a console error.
    expected_failures: set[str] = field(default_factory=set)
    # Addresses a test expects to fail to load (a closed port standing in for no network).
    expected_failure_prefixes: tuple[str, ...] = ()

    def open(self, path: str) -> Page:
        """Go to a path and wait until its page says it has drawn."""
        self.page.goto(f"{self.base_url}{path}")
        self.wait_ready()
        return self.page

    def open_failing(self, path: str, status: int) -> Page:
        """Go to a path that must answer an error page with this status."""
        url = f"{self.base_url}{path}"
        self.expected_failures.add(url)
        answer = self.page.goto(url)
        assert answer is not None and answer.status == status, path
        self.wait_ready()
        return self.page

    def wait_ready(self) -> None:
        self.page.wait_for_selector('body[data-ready="true"]', state="attached")

    @property
    def query(self) -> str:
        return self.page.evaluate("window.location.search")

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=full_page)
        return path

    def assert_clean(self) -> None:
        assert self.errors == [], f"JavaScript errors: {self.errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"


def open_ui(browser: Browser, base_url: str, viewport: dict[str, int]) -> Iterator[UI]:
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(10_000)
    page = context.new_page()
    ui = UI(page=page, base_url=base_url)

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        expected = url in ui.expected_failures or (
            bool(ui.expected_failure_prefixes) and url.startswith(ui.expected_failure_prefixes)
        )
        if not (expected and message.text.startswith("Failed to load resource")):
            ui.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        ui.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: ui.errors.append(f"pageerror: {error}"))
    page.on("dialog", on_dialog)
    try:
        yield ui
        ui.assert_clean()
    finally:
        context.close()


@pytest.fixture
def ui(browser: Browser, base_url: str) -> Iterator[UI]:
    """A desktop-sized tab."""
    yield from open_ui(browser, base_url, DESKTOP)


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[UI]:
    """A phone-sized tab (390 x 844 CSS pixels)."""
    yield from open_ui(browser, base_url, PHONE)


@pytest.fixture
def wide(browser: Browser, base_url: str) -> Iterator[UI]:
    """A laptop-sized tab (1440 x 900), the size issue 9's checks are made at."""
    yield from open_ui(browser, base_url, WIDE)


def close_open_popup(page: Page) -> None:
    """Click the open popup's close button once the popup has stopped moving.

    A popup pans the map once when it opens and again when its sources arrive and it grows; on a
    loaded machine the second pan can start between Playwright's stability check and its click,
    which then lands where the button was. A reader never clicks within that tenth of a second.
    """
    page.evaluate("window.__popupWasAt = null")
    page.wait_for_function(
        """() => {
            const popup = document.querySelector(".leaflet-popup");
            if (!popup || document.querySelector(".leaflet-popup .loading-sources")) return false;
            const box = popup.getBoundingClientRect();
            const at = `${box.left},${box.top}`;
            const still = window.__popupWasAt === at;
            window.__popupWasAt = at;
            return still;
        }""",
        polling=400,
    )
    page.locator(".leaflet-popup-close-button").click()
