"""The map in headless Chromium: time until ready, bytes of the first view, and slider steps.

For each database (the bundled Syria data, and a synthetic one such as the `world` preset) it
serves the file with `orbat serve`, opens the map at a date and measures:

- ready: from navigation to body[data-ready="true"] (the state at the URL drawn, nothing pending),
  for the first reader after the server starts (cold) and for a later one (warm);
- first view: bytes on the wire (transferSize of every resource, compressed) until ready;
- a slider step: the median and p90 time from "+1 week" being pressed to the frame after the
  redraw, over steps inside years already loaded, and separately the steps that had to fetch a
  year first;
- play: how far a month-per-step playback gets in a few seconds, loading years as it goes;
- clusters drawn and sites listed, to show what the map looked like.

Prints a table, writes bench/results/browser.json. Asserts nothing; targets are reported as met
or not. Run:
  .venv/bin/python bench/bench_browser.py --db /path/to/world.db --date 2010-06-01
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench._common import (  # noqa: E402
    ORBAT,
    RESULTS,
    Server,
    command_line,
    environment,
    free_port,
    machine,
    orbat,
    percentile,
    write_json,
)

CHROMIUM = "/usr/bin/chromium"
STEPS = 24
PLAY_SECONDS = 8

STEP_SCRIPT = """async (label) => {
    const button = [...document.querySelectorAll("button")].find(
        (b) => b.getAttribute("aria-label") === label);
    const began = performance.now();
    button.click();
    // Drawn: the page says so, and a frame has been painted after it.
    while (document.body.dataset.ready !== "true") {
        await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    return performance.now() - began;
}"""

TRANSFER_SCRIPT = """() => {
    const entries = [...performance.getEntriesByType("navigation"),
                     ...performance.getEntriesByType("resource")];
    return entries.reduce((sum, e) => sum + (e.transferSize || 0), 0);
}"""


def measure(name: str, db: Path, date: str, targets: dict[str, float], work: Path) -> dict:
    port = free_port()
    env = environment(ORBAT_DATABASE_URL=f"sqlite:///{db}", ORBAT_REMOTE_TILES="false")
    command = [*ORBAT, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (
        Server(
            f"orbat-{name}",
            command,
            port=port,
            ready_path="/api/v1/actors",
            log_dir=work,
            env=env,
        ) as server,
        sync_playwright() as driver,
    ):
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            errors: list[str] = []
            # Cold: the first reader after the server started (or the data changed) makes it
            # build the catalogue and years; warm: any later reader, in a fresh browser profile
            # (no HTTP cache), gets them from the server's answer cache.
            ready = {}
            for visit in ("cold", "warm"):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                began = time.perf_counter()
                page.goto(f"{server.base_url}/?date={date}")
                page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=120_000)
                ready[visit] = time.perf_counter() - began
                if visit == "cold":
                    context.close()
            ready_s = ready["warm"]
            first_view = page.evaluate(TRANSFER_SCRIPT)
            clusters = page.locator(".site-cluster").count()
            listed = page.locator("#sites-count").inner_text()
            page.wait_for_load_state("networkidle")
            loaded, fetched = [], []
            for index in range(STEPS):
                before = page.evaluate("() => performance.getEntriesByType('resource').length")
                label = "One week forward" if index % 2 == 0 else "One month forward"
                took = page.evaluate(STEP_SCRIPT, label)
                after = page.evaluate("() => performance.getEntriesByType('resource').length")
                (fetched if after > before else loaded).append(took)
                # The next years load in the background; let them, as a reader pausing would.
                page.wait_for_load_state("networkidle")
            # Play a month per step for a while: how far it gets, and that nothing breaks.
            start_date = page.locator("#date-input").input_value()
            page.locator("#speed").select_option("month")
            page.locator("#play").click()
            page.wait_for_timeout(PLAY_SECONDS * 1000)
            page.locator("#play").click()
            page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=60_000)
            played_to = page.locator("#date-input").input_value()
            page.screenshot(path=str(work / f"{name}.png"))
        finally:
            browser.close()
    row = {
        "data": name,
        "date": date,
        "ready_cold_s": round(ready["cold"], 3),
        "ready_s": round(ready_s, 3),
        "first_view_bytes": first_view,
        "clusters": clusters,
        "sites_listed": listed,
        "step_loaded_median_ms": round(statistics.median(loaded), 1) if loaded else None,
        "step_loaded_p90_ms": round(percentile(loaded, 0.9), 1) if loaded else None,
        "steps_loaded": len(loaded),
        "step_fetching_median_ms": round(statistics.median(fetched), 1) if fetched else None,
        "steps_fetching": len(fetched),
        "played": f"{start_date} to {played_to} in {PLAY_SECONDS} s",
        "errors": errors,
    }
    row["targets"] = {
        "ready_s": targets.get("ready_s"),
        "step_median_ms": targets["step_median_ms"],
        "first_view_bytes": targets.get("first_view_bytes"),
    }
    row["met"] = {
        "ready": targets.get("ready_s") is None or ready_s < targets["ready_s"],
        "step": row["step_loaded_median_ms"] is not None
        and row["step_loaded_median_ms"] < targets["step_median_ms"],
        "first_view": targets.get("first_view_bytes") is None
        or first_view < targets["first_view_bytes"],
    }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="A synthetic database, e.g. the world preset.")
    parser.add_argument("--date", default="2010-06-01", help="The date to open it at.")
    parser.add_argument("--name", default="world", help="What to call it in the table.")
    parser.add_argument("--out", type=Path, default=RESULTS / "browser.json")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="orbat-bench-browser-") as tmp:
        work = Path(tmp)
        syria = work / "syria.db"
        url = f"sqlite:///{syria}"
        orbat("db", "upgrade", "--database-url", url)
        orbat("seed", "--database-url", url)
        rows.append(measure("syria", syria, "2026-01-10", {"step_median_ms": 16}, work))
        if args.db:
            targets = {"ready_s": 2.0, "step_median_ms": 50, "first_view_bytes": 5_000_000}
            rows.append(measure(args.name, args.db, args.date, targets, work))
        shots = RESULTS / "browser"
        shots.mkdir(parents=True, exist_ok=True)
        for png in work.glob("*.png"):
            (shots / png.name).write_bytes(png.read_bytes())

    header = (
        f"{'data':<8} {'cold s':>7} {'ready s':>8} {'1st view MB':>11} {'step ms (p50/p90)':>18} "
        f"{'fetching step ms':>16} {'clusters':>8}  met (ready/step/bytes)"
    )
    print(header)
    for r in rows:
        step = f"{r['step_loaded_median_ms']}/{r['step_loaded_p90_ms']}"
        met = "/".join("yes" if v else "NO" for v in r["met"].values())
        print(
            f"{r['data']:<8} {r['ready_cold_s']:>7.2f} {r['ready_s']:>8.2f} "
            f"{r['first_view_bytes'] / 1e6:>11.2f} "
            f"{step:>18} {str(r['step_fetching_median_ms']):>16} {r['clusters']:>8}  {met}"
        )
        if r["errors"]:
            print(f"  page errors: {r['errors']}")
    write_json(args.out, {"machine": machine(), "command": command_line(), "rows": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
