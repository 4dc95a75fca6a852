"""64 readers on /api/v1/snapshot while imports rewrite the data: no errors, no locks, no mixes.

Two versions of one dataset are made: A, a synthetic bundle (`orbat demo-data`), and B, the
same bundle with every deployment's note and every citation's claim reworded. Both hold the same
slugs, so importing B updates every record A wrote (import matches records by slug and replaces
the citations of each record it names), and importing A again restores A exactly; the script
checks that before it starts. The expected answer of each reader's question is taken from the
server for both versions while nothing else runs.

Then `orbat serve` (one uvicorn worker) answers --readers concurrent readers for --seconds while
`orbat import` runs in another process, B, A, B, ... back to back. Every answer must be 200 and,
compared canonically (JSON with sorted keys), equal to A's or B's answer to the same question:
an answer holding deployments of one version and citation claims of the other is "mixed". Errors,
"database is locked" (in answers, in the server's log or the importer's output) and mixed answers
are counted; the script exits 1 when any is above zero.

Run (from the repository root):
  .venv/bin/python bench/load_readers.py [--seconds 60] [--readers 64] [--preset small]
Writes bench/results/load.json. Loopback only; the server is stopped at the end.
"""

import argparse
import csv
import datetime as dt
import hashlib
import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ORBAT,
    RESULTS,
    ROOT,
    Server,
    command_line,
    environment,
    free_port,
    latency_summary,
    machine,
    orbat,
    write_json,
)

LOCKED = "database is locked"
# Seconds one read may take before it counts as an error.
REQUEST_TIMEOUT_S = 60
# Seconds one import may take; past it the import is stopped and counted as failed.
IMPORT_TIMEOUT_S = 900
# Mixed answers kept on disk for diagnosis (the rest are only counted).
KEEP_MIXED = 5


def make_versions(work: Path, preset: str, seed: int, deployments: int | None) -> tuple:
    """Bundle A from demo-data, and B: A with reworded deployment notes and citation claims."""
    version_a, version_b = work / "version-a", work / "version-b"
    for folder in (version_a, version_b):
        shutil.rmtree(folder, ignore_errors=True)
    extra = ["--deployments", str(deployments)] if deployments else []
    orbat("demo-data", str(version_a), "--preset", preset, "--seed", str(seed), *extra)
    shutil.copytree(version_a, version_b)
    _reword(version_b / "deployments.csv", "note", lambda text, slug: f"Version B note on {slug}.")
    _reword(
        version_b / "citations.csv",
        "claim",
        lambda text, _record: f"{text} (version B wording)",
        key="record",
    )
    return version_a, version_b


def _reword(path: Path, column: str, new_text: Any, key: str = "slug") -> None:
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        row[column] = new_text(row[column], row[key])
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def canonical(body: bytes) -> str:
    """A digest of the answer's JSON with sorted keys: equal content, equal digest."""
    text = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def choose_questions(db: Path, date: str | None, dates: int) -> tuple[list[str], list[str]]:
    """Dates spread over the data (or the one given), and the snapshot URLs the readers ask.

    Several dates and actor filters make many distinct questions: an answer cache can serve a
    repeated one, and each import (a new data version) sends every question to the database again.
    """
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        first, last = raw.execute(
            "SELECT min(start_date), max(start_date) FROM deployment"
        ).fetchone()
        actors = [
            row[0]
            for row in raw.execute(
                "SELECT a.slug FROM deployment d JOIN force f ON f.id = d.force_id "
                "JOIN actor a ON a.id = f.actor_id GROUP BY a.slug "
                "ORDER BY count(*) DESC, a.slug LIMIT 2"
            )
        ]
    if first is None:
        raise SystemExit("the dataset holds no deployments")
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    if date:
        days = [date]
    else:
        # Evenly inside the span, never its very ends (where little is present).
        days = [(start + (end - start) * (i + 1) / (dates + 1)).isoformat() for i in range(dates)]
    filters: list[list[tuple[str, str]]] = [[]]
    filters += [[("actor", slug)] for slug in actors]
    if len(actors) == 2:
        filters.append([("actor", actors[0]), ("actor", actors[1])])
    urls = [f"/api/v1/snapshot?{urlencode([('date', on), *f])}" for on in days for f in filters]
    return days, urls


def expected_answers(client: httpx.Client, urls: list[str]) -> dict[str, str]:
    found = {}
    for url in urls:
        answer = client.get(url)
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}: {answer.text[:300]}")
        found[url] = canonical(answer.content)
    return found


def run_import(bundle: Path, url: str) -> dict[str, Any]:
    began = time.perf_counter()
    try:
        done = subprocess.run(
            [*ORBAT, "import", str(bundle), "--database-url", url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=IMPORT_TIMEOUT_S,
            check=False,
        )
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code, output = -1, f"timed out after {IMPORT_TIMEOUT_S} s: {exc}"
    return {
        "version": bundle.name.removeprefix("version-").upper(),
        "seconds": round(time.perf_counter() - began, 2),
        "exit": code,
        "locked": LOCKED in output,
        "output": output[-1000:] if code != 0 else "",
    }


class Tally:
    """What the readers saw; one lock around it, taken once per answer."""

    def __init__(self, work: Path) -> None:
        self.lock = threading.Lock()
        self.latencies_ms: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.versions: Counter[str] = Counter()
        self.errors = 0
        self.error_kinds: Counter[str] = Counter()
        self.locked = 0
        self.mixed = 0
        self.error_samples: list[str] = []
        self.work = work

    def record(self, url: str, latency_ms: float, status: str, version: str | None) -> None:
        with self.lock:
            self.latencies_ms.append(latency_ms)
            self.statuses[status] += 1
            if version:
                self.versions[version] += 1

    def error(self, message: str, kind: str) -> None:
        with self.lock:
            self.errors += 1
            self.error_kinds[kind] += 1
            if LOCKED in message:
                self.locked += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(message[:500])

    def mixed_answer(self, url: str, body: bytes) -> None:
        with self.lock:
            self.mixed += 1
            if self.mixed <= KEEP_MIXED:
                (self.work / f"mixed-{self.mixed}.json").write_bytes(url.encode() + b"\n" + body)


def reader(
    base_url: str,
    urls: list[str],
    expected: dict[str, dict[str, str]],
    offset: int,
    deadline: float,
    tally: Tally,
) -> None:
    turn = offset
    with httpx.Client(
        base_url=base_url, timeout=REQUEST_TIMEOUT_S, headers={"Accept-Encoding": "identity"}
    ) as client:
        while time.monotonic() < deadline:
            url = urls[turn % len(urls)]
            turn += 1
            began = time.perf_counter()
            try:
                answer = client.get(url)
            except httpx.HTTPError as exc:
                tally.error(f"{url}: {type(exc).__name__}: {exc}", type(exc).__name__)
                continue
            latency = (time.perf_counter() - began) * 1000
            if answer.status_code != 200:
                tally.record(url, latency, str(answer.status_code), None)
                tally.error(
                    f"{url}: {answer.status_code}: {answer.text[:300]}",
                    f"HTTP {answer.status_code}",
                )
                continue
            try:
                digest = canonical(answer.content)
            except ValueError:
                tally.record(url, latency, "200", None)
                tally.error(f"{url}: 200 but not JSON: {answer.text[:200]}", "not JSON")
                continue
            version = next((v for v, d in expected.items() if d[url] == digest), None)
            tally.record(url, latency, "200", version)
            if version is None:
                tally.mixed_answer(url, answer.content)


def importer(bundles: list[Path], url: str, deadline: float, imports: list[dict[str, Any]]) -> None:
    """Imports B, A, B, ... back to back until the deadline (the last one is let finish)."""
    turn = 0
    while time.monotonic() < deadline:
        imports.append(run_import(bundles[turn % 2], url))
        turn += 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="How long the readers read.")
    parser.add_argument("--readers", type=int, default=64, help="Concurrent readers.")
    parser.add_argument("--preset", default="small", help="demo-data preset for the two versions.")
    parser.add_argument("--deployments", type=int, help="Override the preset's deployments.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--date", help="Ask only about this date (default: --dates dates).")
    parser.add_argument(
        "--dates", type=int, default=8, help="Dates spread over the data's span to ask about."
    )
    parser.add_argument(
        "--server-command",
        help="Start this instead of `orbat serve` (e.g. to try a fix or more workers); "
        "{port} is replaced by the port; ORBAT_DATABASE_URL is set.",
    )
    parser.add_argument(
        "--no-imports", action="store_true", help="Readers only: tells load from writes apart."
    )
    parser.add_argument("--work", default="/tmp/orbat-load", help="Scratch folder.")
    parser.add_argument("--json", type=Path, help="Results file (default bench/results/load.json).")
    args = parser.parse_args()
    if args.readers < 1 or args.seconds <= 0 or args.dates < 1:
        raise SystemExit("--readers, --seconds and --dates must be positive")
    try:
        if args.date:
            dt.date.fromisoformat(args.date)
    except ValueError:
        raise SystemExit(f"--date: {args.date!r} is not a date written as YYYY-MM-DD") from None

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("mixed-*.json"):
        old.unlink()
    print(f"making versions A and B ({args.preset})...", flush=True)
    version_a, version_b = make_versions(work, args.preset, args.seed, args.deployments)
    db = work / "load.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    orbat("db", "upgrade", "--database-url", url)
    first = run_import(version_a, url)
    if first["exit"] != 0:
        raise SystemExit(f"importing version A failed:\n{first['output']}")
    days, urls = choose_questions(db, args.date, args.dates)
    print(
        f"{len(urls)} questions on {len(days)} date(s); A imported in {first['seconds']} s",
        flush=True,
    )

    port = free_port()
    server = Server(
        "orbat-load",
        (
            [part.replace("{port}", str(port)) for part in shlex.split(args.server_command)]
            if args.server_command
            else [*ORBAT, "serve", "--port", str(port)]
        ),
        port=port,
        ready_path="/healthz",
        log_dir=work,
        env=environment(ORBAT_DATABASE_URL=url, ORBAT_REMOTE_TILES="false"),
    )
    imports: list[dict[str, Any]] = []
    tally = Tally(work)
    with server, httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        # The two versions' answers, read while nothing else runs; then A again must read as A.
        expected = {"A": expected_answers(client, urls)}
        for bundle in (version_b, version_a):
            done = run_import(bundle, url)
            if done["exit"] != 0:
                raise SystemExit(f"importing {bundle.name} failed:\n{done['output']}")
            if bundle is version_b:
                expected["B"] = expected_answers(client, urls)
        again = expected_answers(client, urls)
        if again != expected["A"]:
            raise SystemExit("importing A over B does not give A's answers back; cannot compare")
        # A question both versions answer alike (nothing present that day) cannot show a mix.
        same = [u for u in urls if expected["A"][u] == expected["B"][u]]
        urls = [u for u in urls if u not in same]
        if not urls:
            raise SystemExit("versions A and B answer every question alike; cannot tell mixes")
        if same:
            print(f"left out {len(same)} question(s) both versions answer alike", flush=True)

        print(
            f"{args.readers} readers for {args.seconds:g} s"
            + ("" if args.no_imports else " while importing B, A, B, ..."),
            flush=True,
        )
        deadline = time.monotonic() + args.seconds
        began = time.perf_counter()
        readers = [
            threading.Thread(
                target=reader, args=(server.base_url, urls, expected, i, deadline, tally)
            )
            for i in range(args.readers)
        ]
        writing = threading.Thread(
            target=importer, args=([version_b, version_a], url, deadline, imports)
        )
        if not args.no_imports:
            writing.start()
        for thread in readers:
            thread.start()
        for thread in readers:
            thread.join()
        read_seconds = time.perf_counter() - began
        if not args.no_imports:
            writing.join()
    server_log = server.stderr_text() + server.stdout_text()
    server_locked = server_log.count(LOCKED)
    server_tracebacks = server_log.count("Traceback")
    import_failures = sum(1 for i in imports if i["exit"] != 0)
    import_locked = sum(1 for i in imports if i["locked"])

    requests = len(tally.latencies_ms)
    latency = latency_summary(tally.latencies_ms)
    locked = tally.locked + server_locked + import_locked
    # A failed request also leaves a traceback in the server's log: counted once, as an error.
    errors = tally.errors + import_failures
    summary = {
        "requests": requests,
        "req_per_s": round(requests / read_seconds, 1),
        "errors": errors,
        "locked": locked,
        "mixed": tally.mixed,
        "p50_ms": latency["median_ms"],
        "p99_ms": latency["p99_ms"],
        "max_ms": round(max(tally.latencies_ms), 1) if tally.latencies_ms else None,
        "answers_by_version": dict(tally.versions),
        "statuses": dict(tally.statuses),
        "error_kinds": dict(tally.error_kinds),
        "imports": len(imports),
        "imports_failed": import_failures,
        "import_seconds": [i["seconds"] for i in imports],
        "server_log_locked": server_locked,
        "server_log_tracebacks": server_tracebacks,
    }
    print()
    print(
        f"{'readers':>8} {'seconds':>8} {'requests':>9} {'req/s':>7} {'errors':>7} "
        f"{'locked':>7} {'mixed':>6} {'p50 ms':>8} {'p99 ms':>8} {'imports':>8}"
    )
    print(
        f"{args.readers:>8} {read_seconds:>8.1f} {requests:>9} {summary['req_per_s']:>7} "
        f"{errors:>7} {locked:>7} {tally.mixed:>6} {latency['median_ms']:>8} "
        f"{latency['p99_ms']:>8} {len(imports):>8}"
    )
    print(
        f"answers by version: {dict(tally.versions)}; imports (s): "
        + ", ".join(
            f"{i['version']} {i['seconds']}" + ("" if i["exit"] == 0 else " FAILED")
            for i in imports
        )
    )
    if tally.error_kinds:
        print(f"errors by kind: {dict(tally.error_kinds)}")
    for sample in tally.error_samples:
        print(f"  error: {sample}")
    for failed in (i for i in imports if i["exit"] != 0):
        print(f"  import {failed['version']} failed: {failed['output']}")
    if tally.mixed:
        print(f"  mixed answers kept in {work}/mixed-*.json")
    if server_locked or server_tracebacks:
        print(f"  see the server's log: {server.stderr_path}")

    result = {
        "machine": machine(),
        "commands": [command_line()],
        "method": {
            "readers": args.readers,
            "seconds": args.seconds,
            "preset": args.preset,
            "deployments": args.deployments,
            "seed": args.seed,
            "imports_running": not args.no_imports,
            "server": args.server_command or "orbat serve (uvicorn, 1 worker)",
            "dates": days,
            "questions": urls,
            "versions": "A = demo-data bundle; B = A with deployment notes and citation claims "
            "reworded; imports alternate B, A, ... back to back",
        },
        # One flat row, as the other bench results have, for tables built from them.
        "rows": [
            {
                "readers": args.readers,
                "seconds": round(read_seconds, 1),
                **{
                    k: summary[k]
                    for k in (
                        "requests",
                        "req_per_s",
                        "errors",
                        "locked",
                        "mixed",
                        "p50_ms",
                        "p99_ms",
                        "imports",
                        "imports_failed",
                    )
                },
            }
        ],
        "summary": summary,
        "imports": imports,
        "error_samples": tally.error_samples,
    }
    target = args.json or RESULTS / "load.json"
    write_json(target, result)
    print(f"wrote {target}")
    if errors or locked or tally.mixed or server_tracebacks:
        sys.exit(1)


if __name__ == "__main__":
    main()
