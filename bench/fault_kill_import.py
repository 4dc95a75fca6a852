"""Kill an import with SIGKILL part-way and check the database: whole, and all of it or none.

An import is one transaction, so a process killed in the middle must leave the database exactly as
it was before, and SQLite's integrity check must pass. This script makes a synthetic bundle
(`orbat demo-data`), seeds a database with the bundled Syria data, starts `orbat import` of the
bundle, kills it with SIGKILL after a delay, and reports what the database holds. It repeats for
several delays, then once lets the import finish, and prints a table (and JSON with --json).

Run: .venv/bin/python bench/fault_kill_import.py [--preset theatre] [--delays 2,5,10]
Loopback only; bounded: each import is killed or finishes within --timeout seconds.
"""

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORBAT = (
    [sys.executable, "-m", "app.cli"]
    if not (ROOT / ".venv/bin/orbat").exists()
    else [str(ROOT / ".venv/bin/orbat")]
)


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([*ORBAT, *args], cwd=ROOT, capture_output=True, text=True, check=check)


def counts(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as raw:
        integrity = raw.execute("PRAGMA integrity_check").fetchone()[0]
        rows = {
            table: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("site", "force", "deployment", "citation")
        }
    return {"integrity": integrity, **rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="theatre")
    parser.add_argument(
        "--delays",
        default="1,2.5,4",
        help="seconds before SIGKILL, comma-separated (a theatre import takes about 5 s)",
    )
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="orbat-fault-"))
    bundle = work / "bundle"
    started = time.perf_counter()
    run("demo-data", str(bundle), "--preset", args.preset)
    print(f"bundle ({args.preset}) written in {time.perf_counter() - started:.1f} s")

    base = work / "base.db"
    url = f"sqlite:///{base}"
    run("db", "upgrade", "--database-url", url)
    run("seed", "--database-url", url)
    before = counts(base)

    results = []
    for delay in [float(d) for d in args.delays.split(",")] + [None]:
        db = work / f"run-{delay}.db"
        db.write_bytes(base.read_bytes())
        process = subprocess.Popen(
            [*ORBAT, "import", str(bundle), "--database-url", f"sqlite:///{db}"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = time.perf_counter()
        try:
            process.wait(timeout=delay if delay is not None else args.timeout)
            outcome = f"finished (exit {process.returncode})"
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            outcome = f"killed after {delay:g} s"
        elapsed = time.perf_counter() - started
        results.append({"run": outcome, "seconds": round(elapsed, 1), **counts(db)})

    # The last run was never killed: what it holds is "all of it". A kill that came after the
    # import had committed also holds all of it; anything between the two is a half-applied import.
    full = {k: results[-1][k] for k in before}
    for r in results:
        held = {k: r[k] for k in before}
        r["holds"] = "none of it" if held == before else "all of it" if held == full else "PARTIAL"
    if full == before:
        results[-1]["holds"] = "PARTIAL"  # the uninterrupted import wrote nothing: a failure

    print(f"before: {before}")
    print(f"{'run':<26} {'s':>7} {'integrity':>10} {'deployments':>12} {'citations':>10}  holds")
    for r in results:
        print(
            f"{r['run']:<26} {r['seconds']:>7} {r['integrity']:>10} {r['deployment']:>12}"
            f" {r['citation']:>10}  {r['holds']}"
        )
    if args.json:
        args.json.write_text(json.dumps({"before": before, "runs": results}, indent=2))
    bad = [r for r in results if r["integrity"] != "ok" or r["holds"] == "PARTIAL"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
