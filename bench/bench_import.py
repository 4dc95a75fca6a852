"""`orbat import` against the floor: sqlite3's own `.import` of the same CSV files.

Makes a synthetic bundle with `orbat demo-data` (not timed), then times, each into a fresh
database file:

- the floor: the `sqlite3` command-line shell importing every CSV file into a bare table per file
  (`.import --csv --skip 1`, no types, no indexes, no checks);
- `orbat db upgrade` (the schema), then `orbat import` of the bundle: every check, all or nothing.

Each is a child process, so its wall time and its own peak resident memory (from wait4) are
measured exactly. The target (issue 8) is an import within 10x of the floor and under 1 GB.
Prints a table and writes bench/results/import-<preset>.json.

Run: .venv/bin/python bench/bench_import.py [--preset small|theatre|world] [--keep DIR]
"""

import argparse
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.validation import FILES  # noqa: E402
from bench._common import ORBAT, RESULTS, ROOT, command_line, machine, write_json  # noqa: E402

# The targets for the importer.
TARGET_RATIO = 10.0
TARGET_PEAK_MB = 1024.0


def run_measured(command: list[str], *, stdin: str | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child, from wait4's rusage for it.

    CPU seconds say what the work costs when other processes share the machine's cores.
    """
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if stdin is not None:
        assert child.stdin is not None
        child.stdin.write(stdin)
        child.stdin.close()
    assert child.stderr is not None
    errors = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed ({child.returncode}):\n{errors[-2000:]}")
    # ru_maxrss is in KiB on Linux.
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def floor_script(bundle: Path) -> str:
    """The sqlite3 shell commands: one bare table per file, then .import of each."""
    lines = []
    for name in FILES:
        with open(bundle / name, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        table = name.removesuffix(".csv")
        columns = ", ".join('"' + column.replace('"', '""') + '"' for column in header)
        lines.append(f'CREATE TABLE "{table}" ({columns});')
        lines.append(f".import --csv --skip 1 {bundle / name} {table}")
    return "\n".join(lines) + "\n"


def floor_in_python(bundle: Path, database: Path) -> None:
    """The fallback floor when the sqlite3 shell is missing: csv.reader into executemany."""
    connection = sqlite3.connect(database)
    for name in FILES:
        with open(bundle / name, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            table = name.removesuffix(".csv")
            columns = ", ".join(f'"{c}"' for c in header)
            connection.execute(f'CREATE TABLE "{table}" ({columns})')
            marks = ", ".join("?" for _ in header)
            connection.executemany(f'INSERT INTO "{table}" VALUES ({marks})', reader)  # noqa: S608
    connection.commit()
    connection.close()


def row_counts(database: Path, tables: list[str]) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return {
            t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", choices=["small", "theatre", "world"], default="world")
    parser.add_argument("--keep", type=Path, help="keep the bundle and databases in this folder")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="orbat-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    bundle = work / f"bundle-{args.preset}"
    floor_db = work / "floor.db"
    orbat_db = work / "orbat.db"
    url = f"sqlite:///{orbat_db}"
    try:
        if not all((bundle / name).exists() for name in FILES):
            print(f"writing the {args.preset} bundle (not timed)...", flush=True)
            subprocess.run(
                [*ORBAT, "demo-data", str(bundle), "--preset", args.preset],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        size_mb = sum((bundle / name).stat().st_size for name in FILES) / 1e6
        lines = sum(
            max(0, sum(1 for _ in open(bundle / n, "rb")) - 1)  # noqa: SIM115
            for n in FILES
        )
        for leftover in (floor_db, orbat_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{leftover}{suffix}").unlink(missing_ok=True)

        sqlite_shell = shutil.which("sqlite3")
        if sqlite_shell:
            floor_tool = "sqlite3 shell .import --csv --skip 1"
            floor_command = [sqlite_shell, str(floor_db)]
            floor_s, floor_cpu, floor_mb = run_measured(floor_command, stdin=floor_script(bundle))
        else:
            floor_tool = "python sqlite3 module, csv.reader + executemany (no sqlite3 shell)"
            started = time.perf_counter()
            floor_in_python(bundle, floor_db)
            floor_s = time.perf_counter() - started
            floor_cpu, floor_mb = time.process_time(), float("nan")
        floor_rows = sum(row_counts(floor_db, [n.removesuffix(".csv") for n in FILES]).values())

        upgrade = [*ORBAT, "db", "upgrade", "--database-url", url]
        upgrade_s, upgrade_cpu, upgrade_mb = run_measured(upgrade)
        importing = [*ORBAT, "import", str(bundle), "--database-url", url]
        import_s, import_cpu, import_mb = run_measured(importing)
        load = os.getloadavg()[0]
        imported = row_counts(
            orbat_db,
            ["actor", "site", "force", "source", "deployment", "movement", "event", "citation"],
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    if floor_rows != lines or sum(imported.values()) != lines:
        raise SystemExit(
            f"row counts differ: files {lines}, floor {floor_rows}, orbat {sum(imported.values())}"
        )

    def row(what: str, seconds: float, cpu: float, peak: float, judged: bool) -> dict[str, Any]:
        ratio = seconds / floor_s
        met = None
        # The issue sets the target for the world bundle; on smaller ones the interpreter's
        # start-up alone outweighs the floor, so they are shown without a verdict.
        if judged and args.preset == "world":
            met = ratio <= TARGET_RATIO and peak <= TARGET_PEAK_MB
        return {
            "what": what,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "peak_mb": round(peak, 1),
            "ratio_to_floor": round(ratio, 2),
            "target_met": met,
        }

    rows = [
        row(f"floor: {floor_tool}", floor_s, floor_cpu, floor_mb, False),
        row("orbat db upgrade (fresh file)", upgrade_s, upgrade_cpu, upgrade_mb, False),
        row("orbat import (every check, one transaction)", import_s, import_cpu, import_mb, True),
        row(
            "orbat db upgrade + import",
            upgrade_s + import_s,
            upgrade_cpu + import_cpu,
            max(upgrade_mb, import_mb),
            False,
        ),
    ]
    print(
        f"\nimport of the {args.preset} bundle: {lines:,} rows in {size_mb:.0f} MB of CSV"
        f" (target: import within {TARGET_RATIO:g}x of the floor, under {TARGET_PEAK_MB:g} MB)\n"
    )
    print(f"{'what':<56} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} {'x floor':>8}  target met?")
    for r in rows:
        met = {None: "", True: "yes", False: "NO"}[r["target_met"]]
        if r["what"].startswith("orbat import") and args.preset != "world":
            met = "(set for world)"
        print(
            f"{r['what']:<56} {r['seconds']:>8.2f} {r['cpu_seconds']:>8.2f} {r['peak_mb']:>8.1f}"
            f" {r['ratio_to_floor']:>8.2f}  {met}"
        )
    print(f"\nload average (1 min) when the import ended: {load:.1f} on {os.cpu_count()} cores")
    result = {
        "machine": machine(),
        "commands": {
            "run": command_line(),
            "bundle": f"orbat demo-data BUNDLE --preset {args.preset}",
            "floor": floor_tool,
            "upgrade": "orbat db upgrade --database-url sqlite:///orbat.db",
            "import": "orbat import BUNDLE --database-url sqlite:///orbat.db",
        },
        "preset": args.preset,
        "rows_in_files": lines,
        "csv_mb": round(size_mb, 1),
        "imported": imported,
        "load_average_at_end": round(load, 2),
        "rows": rows,
    }
    out = RESULTS / f"import-{args.preset}.json"
    write_json(out, result)
    print(f"\nwritten: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
