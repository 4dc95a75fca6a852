"""The pages work under the Content-Security-Policy, and /docs and /redoc work offline.

Chromium reports each blocked script, style, image or connection as a `securitypolicyviolation`
event; a page that needed something the policy forbids would fire one (and lose that feature).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HOSTILE_SLUG, UI

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ${event.sample || ""}`
  );
});
"""


@dataclass
class Watch:
    ui: UI
    requests: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return self.ui.page.evaluate("window.__violations")

    def left_the_server(self) -> list[str]:
        local = (self.ui.base_url + "/", "data:", "blob:" + self.ui.base_url + "/")
        return [url for url in self.requests if not url.startswith(local)]

    def policy(self, path: str) -> dict[str, str]:
        answer = self.ui.page.request.get(f"{self.ui.base_url}{path}")
        pairs = (
            p.strip().split(" ", 1) for p in answer.headers["content-security-policy"].split(";")
        )
        return {name: value for name, value in pairs}


@pytest.fixture
def watch(ui: UI) -> Iterator[Watch]:
    ui.page.add_init_script(RECORD_VIOLATIONS)
    recorder = Watch(ui)
    ui.page.on("request", lambda request: recorder.requests.append(request.url))
    yield recorder


def test_the_map_runs_under_the_policy_without_a_violation(watch: Watch) -> None:
    assert watch.policy("/")["script-src"] == "'self'"
    page = watch.ui.open("/?date=2025-06-01")
    # The popup, the details panel and the histogram all build markup at run time.
    page.locator(f'#site-list [data-site="{HOSTILE_SLUG}"]').click()
    expect(page.locator(".leaflet-popup-content")).to_be_visible()
    page.locator("#date-input").fill("2026-01-25")
    page.locator("#date-input").press("Enter")
    expect(page.locator("#sites-date")).to_have_text("25 Jan 2026")
    assert watch.violations() == []
    assert watch.left_the_server() == []


@pytest.mark.parametrize(
    "path",
    [
        "/sites/qamishli-airport",
        f"/sites/{HOSTILE_SLUG}",
        "/table?date=2025-06-01",
        "/actors/russia",
        "/sources",
        "/about",
    ],
)
def test_each_page_runs_under_the_policy_without_a_violation(watch: Watch, path: str) -> None:
    assert watch.policy(path)["script-src"] == "'self'"
    page = watch.ui.open(path)
    # Every stylesheet, script and image has loaded (or been blocked) by "load".
    page.wait_for_load_state("load")
    assert watch.violations() == []
    assert watch.left_the_server() == []


def test_the_not_found_page_runs_under_the_policy_too(watch: Watch) -> None:
    watch.ui.open_failing("/sites/atlantis", 404)
    assert watch.violations() == []


def test_an_injected_inline_script_is_blocked_and_reported(watch: Watch) -> None:
    """The detector above can fail: a script the policy forbids is seen, and does not run."""
    page = watch.ui.open("/about")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.append(script);
        }"""
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src-elem blocked inline") for v in watch.violations())
    # Chromium also logs the block to the console, which this test expects.
    watch.ui.errors[:] = [e for e in watch.ui.errors if "Content Security Policy" not in e]


def test_swagger_ui_lists_every_operation_and_runs_one_offline(watch: Watch) -> None:
    page = watch.ui.open("/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    schema = page.request.get(f"{watch.ui.base_url}/openapi.json").json()
    count = sum(len(methods) for methods in schema["paths"].values())
    expect(operations).to_have_count(count)
    # A small answer: Swagger UI highlights the whole body, which is slow for a big one.
    actors = page.locator("#operations-catalogue-read_actors_api_v1_actors_get")
    actors.locator(".opblock-summary").click()
    actors.get_by_role("button", name="Try it out").click()
    actors.get_by_role("button", name="Execute").click()
    status = actors.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200", timeout=15_000)
    expect(actors.locator(".live-responses-table")).to_contain_text("russia")
    assert watch.violations() == []
    assert watch.left_the_server() == []
    watch.ui.shot("docs-swagger-ui")


def test_redoc_renders_and_searches_offline(watch: Watch) -> None:
    page = watch.ui.open("/redoc")
    expect(page.get_by_role("heading", name="Sites with forces present on a date")).to_be_visible()
    # Search runs in ReDoc's blob: worker, the one thing its relaxed policy adds.
    page.get_by_placeholder("Search...").fill("timeline")
    results = page.get_by_role("search").get_by_role("menuitem")
    expect(results.first).to_have_text(re.compile("Counts of events and movements per bucket"))
    assert watch.violations() == []
    assert watch.left_the_server() == []
    watch.ui.shot("docs-redoc")
