"""Four map questions asked three ways in one run: the raw SQL floor, Datasette, and our API.

The questions: the snapshot of one actor on a date, of all actors, of a bounding box, and the
movements of one month. For each:

- floor: the best single SQL statement we could write for the question, run through Python's
  sqlite3 module in this process (no HTTP), plus json.dumps of its rows. Each row is one
  deployment (or movement) with its site, force, actor and its citations (with source, stance,
  credibility, claim and the original a reprint goes back to) as a JSON array built by SQLite.
  It leaves out what our API derives from those facts (confidence shown, counts, best grade).
- Datasette serving the same file with the same SQL as canned queries, asked for
  `.json?_shape=array`. It runs in immutable mode (`-i`): Datasette's fastest, the mode it
  recommends for publishing a file that does not change; being generous to it makes our
  "2x Datasette" target harder, not easier. Its row limit and time limit are raised so that it
  answers the whole question, as our API does.
- orbat: `orbat serve` (uvicorn, one worker) on the same file, over /api/v1.

Both servers are asked with `Accept-Encoding: identity` (Datasette does not compress; our app
would gzip large answers), so the figures compare the work of answering, not of compressing;
--gzip asks ours for gzip instead. Before timing, the script checks that the three answer with
the same deployments (or movements) and the same citations, and says so.

Each question is measured twice. "distinct": every request asks about another date (the middle
date moved by a scattered number of days within the data's span; the movements window moves the
same way), so no server can answer from an answer it kept; this is the cost of the question.
"repeated": the same request again and again, which a server's answer cache may serve; this is
what many readers of one map view cost. Targets are judged on each; say which when quoting.

Latency: sequential requests from one client after two warm-up requests, the ways of asking
taking turns request by request (so other load on the machine falls on all of them alike);
median and p99. Throughput: --clients concurrent clients (threads, keep-alive) for
--load-seconds per server, cut into --load-bursts bursts alternating between the servers;
requests still running at a burst's end finish and count, over the whole time taken.
The content check runs on the middle date; distinct dates are not checked one by one.

With --postgres and ORBAT_TEST_POSTGRES_URL set, the bundle the database was made from
(--bundle, or --preset to make one) is also imported into a fresh PostgreSQL database, which is
dropped at the end; our app and a psycopg floor are measured on it as well.

Run (from the repository root):
  .venv/bin/python bench/bench_api.py [--db /tmp/world/world.db] [--postgres --bundle DIR]
  .venv/bin/python bench/bench_api.py --preset theatre [--postgres]
Writes bench/results/api-<dbname>.json. Loopback only; every server is stopped at the end.
"""

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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

BENCH_VENV = ROOT / ".venv-bench"
DATASETTE = BENCH_VENV / "bin" / "datasette"
# Relays of relays are followed this many steps in SQL; the script checks the data needs no more.
RELAY_STEPS = 8
# Seconds one HTTP request may take before it counts as an error.
REQUEST_TIMEOUT_S = 300
MEDIAN_TARGET = 1.5  # our median latency at most this many times the floor's
THROUGHPUT_TARGET = 2.0  # our requests per second at least this many times Datasette's


# --- The SQL: one statement per question, shared by the floor and Datasette -------------------
# Composed from fixed fragments only; every value arrives as a bound parameter.


def _citations(record_column: str, record_id: str, dialect: str) -> str:
    """A JSON array of a record's citations, ordered as our API orders them."""
    joins = " ".join(
        f"LEFT JOIN source o{i} ON o{i}.id = {'so' if i == 1 else f'o{i - 1}'}.original_id"
        for i in range(1, RELAY_STEPS + 1)
    )
    root_slug = "COALESCE(" + ", ".join(f"o{i}.slug" for i in range(RELAY_STEPS, 0, -1)) + ")"
    root_publisher = (
        "COALESCE(" + ", ".join(f"o{i}.publisher" for i in range(RELAY_STEPS, 0, -1)) + ")"
    )
    pairs = (
        "'source', so.slug, 'publisher', so.publisher, 'title', so.title, 'url', so.url, "
        "'archive_url', so.archive_url, 'published', so.published_date, "
        "'reliability', so.reliability, 'stance', c.stance, 'credibility', c.credibility, "
        f"'claim', c.claim, 'original', {root_slug}, 'original_publisher', {root_publisher}"
    )
    body = (
        f"FROM citation c JOIN source so ON so.id = c.source_id {joins} "
        f"WHERE c.{record_column} = {record_id}"
    )
    if dialect == "postgresql":
        return (
            f"(SELECT COALESCE(json_agg(json_build_object({pairs}) "
            f"ORDER BY c.credibility, c.id), '[]'::json) {body})"
        )
    # SQLite before 3.44 cannot order inside an aggregate: order a subquery, then aggregate.
    return (
        f"(SELECT json_group_array(json(item)) FROM "
        f"(SELECT json_object({pairs}) AS item {body} ORDER BY c.credibility, c.id))"
    )


def snapshot_sql(dialect: str, *, actor: bool = False, bbox: bool = False) -> str:
    filters = ""
    if actor:
        filters += " AND a.slug = :actor"
    if bbox:
        filters += (
            " AND s.lat BETWEEN CAST(:south AS DOUBLE PRECISION)"
            " AND CAST(:north AS DOUBLE PRECISION)"
            " AND s.lon BETWEEN CAST(:west AS DOUBLE PRECISION)"
            " AND CAST(:east AS DOUBLE PRECISION)"
        )
    on = "CAST(:date AS DATE)" if dialect == "postgresql" else ":date"
    return (
        "SELECT d.slug AS slug, s.slug AS site, s.name AS site_name, s.kind AS site_kind, "
        "s.lon AS lon, s.lat AS lat, s.geo_precision AS geo_precision, "
        "f.slug AS force, f.name AS force_name, f.branch AS branch, "
        "a.slug AS actor, a.name AS actor_name, a.color AS color, d.status AS status, "
        'd.start_date AS start, d.start_precision AS start_precision, d.end_date AS "end", '
        "d.end_precision AS end_precision, d.present_until AS present_until, "
        "d.strength AS strength, d.note AS note, d.confidence AS confidence, "
        f"{_citations('deployment_id', 'd.id', dialect)} AS citations "
        "FROM deployment d JOIN force f ON f.id = d.force_id "
        "JOIN actor a ON a.id = f.actor_id JOIN site s ON s.id = d.site_id "
        f"WHERE d.start_date <= {on} "
        f"AND (d.present_until IS NULL OR d.present_until > {on}){filters} "
        "ORDER BY s.name, a.slug, d.start_date"
    )


def movements_sql(dialect: str) -> str:
    start, end = (
        ("CAST(:start AS DATE)", "CAST(:end AS DATE)")
        if dialect == "postgresql"
        else (":start", ":end")
    )
    return (
        "SELECT m.slug AS slug, f.slug AS force, f.name AS force_name, "
        "a.slug AS actor, a.name AS actor_name, a.color AS color, "
        "fs.slug AS from_site, fs.name AS from_name, fs.lon AS from_lon, fs.lat AS from_lat, "
        "fs.geo_precision AS from_geo_precision, ts.slug AS to_site, "
        "COALESCE(ts.name, m.to_label) AS to_name, ts.lon AS to_lon, ts.lat AS to_lat, "
        "ts.geo_precision AS to_geo_precision, m.start_date AS start, "
        'm.start_precision AS start_precision, m.end_date AS "end", '
        "m.end_precision AS end_precision, m.description AS description, "
        "m.confidence AS confidence, "
        f"{_citations('movement_id', 'm.id', dialect)} AS citations "
        "FROM movement m JOIN force f ON f.id = m.force_id JOIN actor a ON a.id = f.actor_id "
        "JOIN site fs ON fs.id = m.from_site_id LEFT JOIN site ts ON ts.id = m.to_site_id "
        f"WHERE m.start_date <= {end} AND COALESCE(m.end_date, m.start_date) >= {start} "
        "ORDER BY m.start_date, m.slug"
    )


def to_psycopg(sql: str) -> str:
    """`:name` placeholders as psycopg's `%(name)s`."""
    import re

    return re.sub(r"(?<!:):([a-z]+)\b", r"%(\1)s", sql)


@dataclass
class Question:
    key: str
    title: str
    sql_params: dict[str, str]
    api_path: str
    api_params: list[tuple[str, str]]
    kind: str  # "snapshot" or "movements"
    sql: dict[str, str] = field(default_factory=dict)  # by dialect

    def api_url(self) -> str:
        return f"{self.api_path}?{urlencode(self.api_params)}"

    def shifted(self, days: int) -> "Question":
        """The same question about a date (or window) `days` later."""

        def move(name: str, value: str) -> str:
            if name not in DATE_PARAMETERS:
                return value
            return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()

        return replace(
            self,
            sql_params={k: move(k, v) for k, v in self.sql_params.items()},
            api_params=[(k, move(k, v)) for k, v in self.api_params],
        )


DATE_PARAMETERS = ("date", "start", "end")
# Distinct questions: request i asks about the middle date moved by a scattered number of days
# within the data's span (a prime step, so no date repeats before the span is used up).
SCATTER_STEP = 7919


def scatter(span_days: int) -> Callable[[int], int]:
    half = span_days // 2

    def offset(index: int) -> int:
        return (index * SCATTER_STEP) % max(1, span_days) - half

    return offset


def questions(date: str, actor: str, bbox: tuple[float, ...], month: tuple[str, str]) -> list:
    west, south, east, north = bbox
    box = {"west": str(west), "south": str(south), "east": str(east), "north": str(north)}
    found = [
        Question(
            "snapshot_actor",
            f"snapshot, one actor ({actor})",
            {"date": date, "actor": actor},
            "/api/v1/snapshot",
            [("date", date), ("actor", actor)],
            "snapshot",
        ),
        Question(
            "snapshot_all",
            "snapshot, all actors",
            {"date": date},
            "/api/v1/snapshot",
            [("date", date)],
            "snapshot",
        ),
        Question(
            "snapshot_bbox",
            f"snapshot, bbox {west},{south},{east},{north}",
            {"date": date, **box},
            "/api/v1/snapshot",
            [("date", date), ("bbox", f"{west},{south},{east},{north}")],
            "snapshot",
        ),
        Question(
            "movements_month",
            f"movements, {month[0]}..{month[1]}",
            {"start": month[0], "end": month[1]},
            "/api/v1/movements",
            [("start", month[0]), ("end", month[1])],
            "movements",
        ),
    ]
    for q in found:
        for dialect in ("sqlite", "postgresql"):
            if q.kind == "movements":
                q.sql[dialect] = movements_sql(dialect)
            else:
                q.sql[dialect] = snapshot_sql(
                    dialect, actor="actor" in q.sql_params, bbox="west" in q.sql_params
                )
    return found


# --- Choosing the question's parameters from the data ------------------------------------------


def choose_parameters(db: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A date in the middle of the data, its busiest actor, a box around its busiest site."""
    for name, value, form, shown in (
        ("--date", args.date, "%Y-%m-%d", "YYYY-MM-DD"),
        ("--month", args.month, "%Y-%m", "YYYY-MM"),
    ):
        try:
            if value:
                dt.datetime.strptime(value, form)
        except ValueError:
            raise SystemExit(f"{name}: {value!r} is not written as {shown}") from None
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        first, last = raw.execute(
            "SELECT min(start_date), max(start_date) FROM deployment"
        ).fetchone()
        if first is None:
            raise SystemExit(f"--db: {db} holds no deployments")
        middle = (
            dt.date.fromisoformat(first)
            + (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)) / 2
        )
        date = args.date or middle.isoformat()
        actor = (
            args.actor
            or raw.execute(
                "SELECT a.slug FROM deployment d JOIN force f ON f.id = d.force_id "
                "JOIN actor a ON a.id = f.actor_id GROUP BY a.slug ORDER BY count(*) DESC, a.slug "
                "LIMIT 1"
            ).fetchone()[0]
        )
        if (
            args.actor
            and not raw.execute("SELECT 1 FROM actor WHERE slug = ?", (args.actor,)).fetchone()
        ):
            raise SystemExit(f"--actor: no actor {args.actor!r} in {db}")
        if args.bbox:
            try:
                bbox = tuple(float(v) for v in args.bbox.split(","))
            except ValueError:
                raise SystemExit("--bbox: give four numbers west,south,east,north") from None
            if len(bbox) != 4:
                raise SystemExit("--bbox: give four numbers west,south,east,north")
        else:
            lat, lon = raw.execute(
                "SELECT s.lat, s.lon FROM deployment d JOIN site s ON s.id = d.site_id "
                "WHERE s.lat IS NOT NULL GROUP BY s.id ORDER BY count(*) DESC, s.slug LIMIT 1"
            ).fetchone()
            half = args.bbox_half_degrees
            bbox = (
                round(max(-180.0, lon - half), 2),
                round(max(-90.0, lat - half), 2),
                round(min(180.0, lon + half), 2),
                round(min(90.0, lat + half), 2),
            )
        (moved,) = raw.execute("SELECT count(*) FROM movement").fetchone()
        found = raw.execute(
            "SELECT start_date FROM movement ORDER BY start_date LIMIT 1 OFFSET ?", (moved // 2,)
        ).fetchone()
        middle_movement = found[0] if found else None
        depth = raw.execute(
            "WITH RECURSIVE chain(id, step) AS ("
            " SELECT id, 0 FROM source WHERE original_id IS NULL"
            " UNION ALL SELECT s.id, chain.step + 1 FROM source s JOIN chain"
            " ON s.original_id = chain.id WHERE chain.step < 64)"
            " SELECT max(step) FROM chain"
        ).fetchone()[0]
    # The month of the middle movement: a month of the date itself may hold none in small data.
    day = dt.date.fromisoformat(args.month + "-01" if args.month else middle_movement or date)
    month_start = day.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if (depth or 0) > RELAY_STEPS:
        print(
            f"warning: sources relay others {depth} deep; the floor follows {RELAY_STEPS} steps"
            " and its `original` may differ from the API's"
        )
    return {
        "date": date,
        "actor": actor,
        "bbox": bbox,
        "month": (month_start.isoformat(), month_end.isoformat()),
        "relay_depth": depth,
        # Distinct questions move the date this far at most either way (the data's span).
        "span_days": (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days,
    }


# --- The three ways of asking --------------------------------------------------------------


def sqlite_floor(db: Path) -> Callable[[Question], bytes]:
    # Read-only, as the servers read; not immutable, so SQLite still takes its read locks.
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)

    def ask(question: Question) -> bytes:
        cursor = connection.execute(question.sql["sqlite"], question.sql_params)
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor]
        return json.dumps(rows).encode()

    return ask


def postgres_floor(url: str) -> Callable[[Question], bytes]:
    import psycopg

    connection = psycopg.connect(url, autocommit=True)

    def ask(question: Question) -> bytes:
        with connection.cursor() as cursor:
            cursor.execute(to_psycopg(question.sql["postgresql"]), question.sql_params)
            columns = [c.name for c in cursor.description or []]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor]
        return json.dumps(rows, default=str).encode()

    return ask


HEADERS = {"Accept-Encoding": "identity"}


def http_asker(base_url: str, url_of: Callable[[Question], str], gzip: bool = False):
    headers = {"Accept-Encoding": "gzip"} if gzip else HEADERS
    client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S, headers=headers)

    def ask(question: Question) -> bytes:
        answer = client.get(url_of(question))
        if answer.status_code != 200:
            raise RuntimeError(f"{answer.status_code} from {url_of(question)}: {answer.text[:300]}")
        return answer.content

    return ask


def datasette_url(db_name: str) -> Callable[[Question], str]:
    def url(question: Question) -> str:
        query = urlencode({**question.sql_params, "_shape": "array"})
        return f"/{db_name}/{question.key}.json?{query}"

    return url


def orbat_url(question: Question) -> str:
    return question.api_url()


# --- Same content? ---------------------------------------------------------------------------


def canonical_rows(body: bytes, source: str, kind: str) -> dict[str, list]:
    """Record slug -> its citations as sorted (source, stance, credibility, original) tuples."""
    data = json.loads(body)
    out: dict[str, list] = {}
    if source == "orbat":
        records = (
            [d for f in data["features"] for d in f["properties"]["deployments"]]
            if kind == "snapshot"
            else [f["properties"] for f in data["features"]]
        )
        for record in records:
            out[record["slug"]] = sorted(
                (c["source"], c["stance"], c["credibility"], c["original"] or "")
                for c in record["citations"]
            )
        return out
    for row in data:
        citations = row["citations"]
        if isinstance(citations, str):
            citations = json.loads(citations)
        # Our API names an original only for a reprint; the SQL gives NULL for an original too.
        out[row["slug"]] = sorted(
            (c["source"], c["stance"], c["credibility"], c["original"] or "") for c in citations
        )
    return out


def compare_answers(question: Question, answers: dict[str, bytes]) -> tuple[bool, str]:
    canon = {name: canonical_rows(body, name, question.kind) for name, body in answers.items()}
    reference_name = "orbat" if "orbat" in canon else next(iter(canon))
    reference = canon[reference_name]
    notes = []
    for name, rows in canon.items():
        if rows == reference:
            continue
        missing = set(reference) - set(rows)
        extra = set(rows) - set(reference)
        differing = [k for k in set(rows) & set(reference) if rows[k] != reference[k]]
        notes.append(
            f"{name} differs from {reference_name}: {len(missing)} missing, {len(extra)} extra, "
            f"{len(differing)} with other citations"
            + (f" (e.g. {differing[0]})" if differing else "")
        )
    return not notes, "; ".join(notes) or f"same {len(reference)} records"


# --- Measuring ---------------------------------------------------------------------------------


def sequential(
    askers: dict[str, Callable[[Question], bytes]],
    question_for: Callable[[int], Question],
    requests: int,
    max_seconds: float,
) -> dict[str, dict[str, Any]]:
    """Latency of each way of asking, one request at a time, the ways taking turns.

    Round i asks every way question_for(i). Taking turns (in a rotating order) spreads whatever
    else the machine is doing evenly over the ways compared, instead of letting it fall on
    whichever was measured at that moment.
    """
    names = list(askers)
    for warm_up in (-1, -2):
        for name in names:
            askers[name](question_for(warm_up))
    samples: dict[str, list[float]] = {name: [] for name in names}
    sizes: dict[str, list[int]] = {name: [] for name in names}
    deadline = time.monotonic() + max_seconds * len(names)
    rounds = 0
    while rounds < requests and (rounds < 3 or time.monotonic() < deadline):
        question = question_for(rounds)
        for name in names[rounds % len(names) :] + names[: rounds % len(names)]:
            began = time.perf_counter()
            sizes[name].append(len(askers[name](question)))
            samples[name].append((time.perf_counter() - began) * 1000)
        rounds += 1
    return {
        name: {
            **latency_summary(samples[name]),
            "median_bytes": int(statistics.median(sizes[name])),
        }
        for name in names
    }


def _load_burst(
    base_url: str, path_for: Callable[[int], str], clients: int, seconds: float, gzip: bool
) -> tuple:
    headers = {"Accept-Encoding": "gzip"} if gzip else HEADERS
    done = [0] * clients
    failed = [0] * clients
    started = time.perf_counter()
    deadline = time.monotonic() + seconds

    def client_loop(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S, headers=headers) as c:
            turn = 0
            while time.monotonic() < deadline:
                try:
                    # Clients take interleaved turns, so no two ask the same question.
                    answer = c.get(path_for(turn * clients + index))
                    turn += 1
                    if answer.status_code == 200:
                        done[index] += 1
                    else:
                        failed[index] += 1
                except httpx.HTTPError:
                    failed[index] += 1

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), sum(failed), time.perf_counter() - started


def throughput(
    targets: dict[str, tuple[str, Callable[[int], str], bool]],
    clients: int,
    seconds: float,
    bursts: int,
) -> dict[str, dict[str, Any]]:
    """Requests per second of each server (base URL, path maker, gzip), in alternating bursts.

    Each server gets `bursts` bursts of seconds/bursts; a request still running at a burst's
    end finishes and counts, and the rate is over the whole time taken.
    """
    totals = {name: [0, 0, 0.0] for name in targets}
    for burst in range(bursts):
        order = list(targets)
        if burst % 2:
            order.reverse()
        for name in order:
            base_url, path_for, gzip = targets[name]
            # Each burst goes on where the last left off: a distinct question stays distinct.
            begun = totals[name][0] + totals[name][1]
            ok, failed, elapsed = _load_burst(
                base_url, lambda i, b=begun, p=path_for: p(b + i), clients, seconds / bursts, gzip
            )
            totals[name][0] += ok
            totals[name][1] += failed
            totals[name][2] += elapsed
    return {
        name: {
            "clients": clients,
            "seconds": round(elapsed, 2),
            "requests": ok,
            "errors": failed,
            "req_per_s": round(ok / elapsed, 2) if elapsed else 0.0,
        }
        for name, (ok, failed, elapsed) in totals.items()
    }


# --- Setting up the databases and servers ---------------------------------------------------


def ensure_datasette() -> None:
    if DATASETTE.exists():
        return
    print("installing Datasette into .venv-bench (once)...", flush=True)
    subprocess.run(["python3", "-m", "venv", str(BENCH_VENV)], check=True)
    subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "--quiet", "datasette"], check=True)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API; the source is only read."""
    if not source.exists():
        raise SystemExit(f"--db: {source} does not exist")
    target.unlink(missing_ok=True)
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        with copy:
            origin.backup(copy)
    finally:
        copy.close()
        origin.close()


def prepare_sqlite(args: argparse.Namespace, work: Path) -> tuple[Path, Path | None]:
    """The database file to measure (a copy, migrated) and the bundle it holds, if known."""
    if args.preset:
        bundle = work / f"bundle-{args.preset}"
        if not bundle.exists():
            print(f"writing the {args.preset} bundle...", flush=True)
            orbat("demo-data", str(bundle), "--preset", args.preset)
        db = work / f"{args.preset}.db"
        if not (args.reuse and db.exists()):
            db.unlink(missing_ok=True)
            orbat("db", "upgrade", "--database-url", f"sqlite:///{db}")
            print(f"importing the {args.preset} bundle into SQLite...", flush=True)
            began = time.perf_counter()
            orbat("import", str(bundle), "--database-url", f"sqlite:///{db}")
            print(f"  imported in {time.perf_counter() - began:.0f} s", flush=True)
        return db, bundle
    db = work / Path(args.db).name
    if not (args.reuse and db.exists()):
        print(f"copying {args.db} to {db}...", flush=True)
        copy_database(Path(args.db), db)
    # Other work adds migrations (indexes, tables); the copy gets them, the original is untouched.
    orbat("db", "upgrade", "--database-url", f"sqlite:///{db}")
    return db, Path(args.bundle) if args.bundle else None


def prepare_postgres(base_url: str, bundle: Path) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database holding the bundle; and how to drop it."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"orbat_bench_api_{os.getpid()}"
    admin_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    bench_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        orbat("db", "upgrade", "--database-url", bench_url)
        print(f"importing {bundle} into PostgreSQL ({name})...", flush=True)
        began = time.perf_counter()
        orbat("import", str(bundle), "--database-url", bench_url)
        print(f"  imported in {time.perf_counter() - began:.0f} s", flush=True)
        # Fresh tables have no statistics until autovacuum gets to them; without them the
        # planner guesses, for the floor and for our app alike. An operator would ANALYZE.
        with psycopg.connect(
            url.set(drivername="postgresql", database=name).render_as_string(hide_password=False),
            autocommit=True,
        ) as fresh:
            fresh.execute("ANALYZE")
    except BaseException:
        drop()
        raise
    return bench_url, drop


def datasette_metadata(db_name: str, found: list[Question]) -> dict[str, Any]:
    return {
        "databases": {
            db_name: {"queries": {q.key: {"sql": q.sql["sqlite"], "title": q.title} for q in found}}
        }
    }


def orbat_server(name: str, url: str, work: Path) -> Server:
    port = free_port()
    return Server(
        name,
        [*ORBAT, "serve", "--port", str(port)],
        port=port,
        ready_path="/healthz",
        log_dir=work,
        env=environment(ORBAT_DATABASE_URL=url, ORBAT_REMOTE_TILES="false"),
    )


def datasette_server(db: Path, metadata: Path, work: Path, mode: str) -> Server:
    port = free_port()
    command = [
        str(DATASETTE),
        "serve",
        "-i" if mode == "immutable" else "",
        str(db),
        "--metadata",
        str(metadata),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        # The whole answer, however long it takes, as our API gives it.
        "--setting",
        "max_returned_rows",
        "10000000",
        "--setting",
        "sql_time_limit_ms",
        str(REQUEST_TIMEOUT_S * 1000),
    ]
    return Server(
        "datasette",
        [part for part in command if part],
        port=port,
        ready_path="/-/versions.json",
        log_dir=work,
    )


# --- Reporting -----------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


def result_row(
    q: Question,
    mode: str,
    cells: dict[str, dict[str, Any]],
    loads: dict[str, dict[str, Any]],
    answers: dict[str, bytes],
    same: bool,
    note: str,
) -> dict[str, Any]:
    floor_cell, theirs_cell, ours_cell = cells["floor"], cells["datasette"], cells["orbat"]
    theirs_load, ours_load = loads["datasette"], loads["orbat"]
    row: dict[str, Any] = {
        "key": q.key,
        "mode": mode,
        "question": q.title,
        "records": len(json.loads(answers["floor"])),
        "same_content": same,
        "content_check": note,
        "floor": floor_cell,
        "datasette": theirs_cell,
        "orbat": ours_cell,
        "datasette_load": theirs_load,
        "orbat_load": ours_load,
        "orbat_over_floor": ratio(ours_cell["median_ms"], floor_cell["median_ms"]),
        "orbat_over_datasette_req_per_s": ratio(ours_load["req_per_s"], theirs_load["req_per_s"]),
        "median_target_met": ours_cell["median_ms"] <= MEDIAN_TARGET * floor_cell["median_ms"],
        "throughput_target_met": (
            ours_load["req_per_s"] >= THROUGHPUT_TARGET * theirs_load["req_per_s"]
        ),
    }
    if "pg_floor" in cells:
        row["pg_floor"], row["pg_orbat"] = cells["pg_floor"], cells["pg_orbat"]
        row["pg_orbat_load"] = loads["pg_orbat"]
        row["pg_orbat_over_floor"] = ratio(
            row["pg_orbat"]["median_ms"], row["pg_floor"]["median_ms"]
        )
    return row


MODE_TITLES = {
    "distinct": "Each request a different date (no answer can be reused)",
    "repeated": "The same request repeated (answer caches may serve it)",
}


def print_table(rows: list[dict[str, Any]], postgres: bool) -> None:
    head = (
        f"{'question':<38} {'records':>7} {'floor ms':>9} {'datasette ms':>12} {'orbat ms':>9} "
        f"{'datasette req/s':>15} {'orbat req/s':>11} {'median<=1.5x floor':>18} "
        f"{'req/s>=2x datasette':>19}"
    )
    if postgres:
        head += f" {'pg floor ms':>11} {'pg orbat ms':>11} {'pg orbat req/s':>14}"

    def ms(cell: dict | None) -> str:
        return f"{cell['median_ms']:.1f}" if cell else "-"

    def rps(cell: dict | None) -> str:
        return f"{cell['req_per_s']:.1f}" if cell else "-"

    def met(value: bool | None) -> str:
        return "-" if value is None else ("yes" if value else "NO")

    for mode, title in MODE_TITLES.items():
        chosen = [r for r in rows if r["mode"] == mode]
        if not chosen:
            continue
        print(f"{title}; medians of sequential requests, req/s under load:")
        print(head)
        for r in chosen:
            line = (
                f"{r['question']:<38} {r['records']:>7} {ms(r['floor']):>9} "
                f"{ms(r['datasette']):>12} {ms(r['orbat']):>9} "
                f"{rps(r['datasette_load']):>15} {rps(r['orbat_load']):>11} "
                f"{met(r['median_target_met']):>18} {met(r['throughput_target_met']):>19}"
            )
            if postgres:
                line += (
                    f" {ms(r.get('pg_floor')):>11} {ms(r.get('pg_orbat')):>11}"
                    f" {rps(r.get('pg_orbat_load')):>14}"
                )
            print(line)
        print(
            "p99 ms (floor / datasette / orbat): "
            + "; ".join(
                f"{r['key']} {r['floor']['p99_ms']} / {r['datasette']['p99_ms']} / "
                f"{r['orbat']['p99_ms']}"
                for r in chosen
            )
        )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="/tmp/world/world.db", help="SQLite file to copy.")
    parser.add_argument(
        "--preset", help="Make the database from `orbat demo-data --preset P` instead of --db."
    )
    parser.add_argument(
        "--bundle", help="The dataset folder --db was imported from (for --postgres)."
    )
    parser.add_argument("--postgres", action="store_true", help="Also measure PostgreSQL.")
    parser.add_argument("--work", default="/tmp/orbat-bench-api", help="Scratch folder.")
    parser.add_argument("--reuse", action="store_true", help="Reuse a copy left in --work.")
    parser.add_argument("--date", help="Snapshot date (default: middle of the data).")
    parser.add_argument("--actor", help="Actor slug (default: the one with most deployments).")
    parser.add_argument("--bbox", help="west,south,east,north (default: around the busiest site).")
    parser.add_argument("--bbox-half-degrees", type=float, default=3.0)
    parser.add_argument("--month", help="YYYY-MM for movements (default: the middle movement's).")
    parser.add_argument("--requests", type=int, default=30, help="Sequential requests per cell.")
    parser.add_argument(
        "--cell-seconds", type=float, default=30, help="Stop a latency cell after this (min 3)."
    )
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients for load.")
    parser.add_argument(
        "--load-seconds", type=float, default=10, help="Load time per server and question."
    )
    parser.add_argument(
        "--load-bursts", type=int, default=2, help="Alternating bursts the load time is cut in."
    )
    parser.add_argument("--datasette-mode", choices=("immutable", "mutable"), default="immutable")
    parser.add_argument("--gzip", action="store_true", help="Let our app gzip its answers.")
    parser.add_argument("--json", type=Path, help="Results file (default bench/results/...).")
    args = parser.parse_args()

    postgres_url = os.environ.get("ORBAT_TEST_POSTGRES_URL")
    if args.postgres and not postgres_url:
        raise SystemExit("--postgres: set ORBAT_TEST_POSTGRES_URL to a PostgreSQL server")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ensure_datasette()
    db, bundle = prepare_sqlite(args, work)
    if args.postgres and bundle is None:
        default_bundle = Path(args.db).parent / "bundle"
        if not default_bundle.is_dir():
            raise SystemExit("--postgres: give --bundle, the folder --db was imported from")
        bundle = default_bundle
    chosen = choose_parameters(db, args)
    found = questions(chosen["date"], chosen["actor"], chosen["bbox"], chosen["month"])
    db_name = db.stem
    metadata = work / "datasette-metadata.json"
    metadata.write_text(json.dumps(datasette_metadata(db_name, found), indent=2))
    print(
        f"database {db} ({db.stat().st_size / 1e6:.0f} MB); date {chosen['date']}, "
        f"actor {chosen['actor']}, bbox {chosen['bbox']}, month {chosen['month'][0]}",
        flush=True,
    )

    rows: list[dict[str, Any]] = []
    consistent = True
    stack: list[Callable[[], None]] = []
    try:
        ours = orbat_server("orbat", f"sqlite:///{db}", work)
        ours.start()
        stack.append(ours.stop)
        theirs = datasette_server(db, metadata, work, args.datasette_mode)
        theirs.start()
        stack.append(theirs.stop)
        pg_server = None
        pg_ask = None
        if args.postgres and postgres_url and bundle is not None:
            pg_url, drop = prepare_postgres(postgres_url, bundle)
            stack.append(drop)
            pg_server = orbat_server("orbat-pg", pg_url, work)
            pg_server.start()
            stack.append(pg_server.stop)
            pg_ask = postgres_floor(pg_url.replace("postgresql+psycopg", "postgresql"))

        floor = sqlite_floor(db)
        ask_theirs = http_asker(theirs.base_url, datasette_url(db_name))
        ask_ours = http_asker(ours.base_url, orbat_url, gzip=args.gzip)
        ask_pg = http_asker(pg_server.base_url, orbat_url, gzip=args.gzip) if pg_server else None

        for q in found:
            print(f"{q.title}...", flush=True)
            answers = {"floor": floor(q), "datasette": ask_theirs(q), "orbat": ask_ours(q)}
            same, note = compare_answers(q, answers)
            if pg_ask and ask_pg:
                # The PostgreSQL floor against our SQLite answer, and our two answers together.
                pg_same, pg_note = compare_answers(
                    q, {"orbat": answers["orbat"], "floor": pg_ask(q)}
                )
                pg_api_same = canonical_rows(ask_pg(q), "orbat", q.kind) == canonical_rows(
                    answers["orbat"], "orbat", q.kind
                )
                same = same and pg_same and pg_api_same
                note += f"; PostgreSQL floor: {pg_note}; PostgreSQL API as SQLite API: "
                note += "yes" if pg_api_same else "NO"
            consistent = consistent and same
            print(f"  content: {note}", flush=True)
            askers: dict[str, Callable[[Question], bytes]] = {
                "floor": floor,
                "datasette": ask_theirs,
                "orbat": ask_ours,
            }
            if pg_ask and ask_pg:
                askers["pg_floor"] = pg_ask
                askers["pg_orbat"] = ask_pg
            offset = scatter(chosen["span_days"])
            modes: dict[str, Callable[[int], Question]] = {
                "distinct": lambda i, q=q, o=offset: q.shifted(o(i)),
                "repeated": lambda _i, q=q: q,
            }
            for mode, question_for in modes.items():
                cells = sequential(askers, question_for, args.requests, args.cell_seconds)
                targets = {
                    "datasette": (
                        theirs.base_url,
                        lambda i, f=question_for: datasette_url(db_name)(f(i)),
                        False,
                    ),
                    "orbat": (ours.base_url, lambda i, f=question_for: f(i).api_url(), args.gzip),
                }
                if pg_server:
                    targets["pg_orbat"] = (
                        pg_server.base_url,
                        lambda i, f=question_for: f(i).api_url(),
                        args.gzip,
                    )
                loads = throughput(targets, args.clients, args.load_seconds, args.load_bursts)
                row = result_row(q, mode, cells, loads, answers, same, note)
                failed_loads = [name for name, cell in loads.items() if cell["errors"]]
                if failed_loads:
                    consistent = False
                    print(f"  requests failed under load: {', '.join(failed_loads)}", flush=True)
                rows.append(row)
                print(
                    f"  {mode}: floor {cells['floor']['median_ms']} ms, datasette "
                    f"{cells['datasette']['median_ms']} ms / {loads['datasette']['req_per_s']} "
                    f"req/s, orbat {cells['orbat']['median_ms']} ms / "
                    f"{loads['orbat']['req_per_s']} req/s",
                    flush=True,
                )
        for server in [ours, theirs, *([pg_server] if pg_server else [])]:
            text = server.stderr_text()
            if "Traceback" in text or "database is locked" in text:
                consistent = False
                print(f"warning: {server.name} logged errors; see {server.stderr_path}")
    finally:
        for undo in reversed(stack):
            try:
                undo()
            except Exception as exc:  # noqa: BLE001 - report and go on stopping the rest
                print(f"cleanup: {exc}")

    print()
    print_table(rows, bool(args.postgres))
    result = {
        "machine": machine(),
        "commands": [command_line()],
        "database": {
            "file": str(db),
            "bytes": db.stat().st_size,
            "source": args.preset and f"orbat demo-data --preset {args.preset}" or args.db,
        },
        "parameters": {**chosen, "bbox": list(chosen["bbox"]), "month": list(chosen["month"])},
        "method": {
            "requests_per_cell": args.requests,
            "cell_seconds": args.cell_seconds,
            "clients": args.clients,
            "load_seconds": args.load_seconds,
            "load_bursts": args.load_bursts,
            "interleaved": "latency requests take turns across the ways of asking; load "
            "alternates between servers in bursts",
            "datasette_mode": args.datasette_mode,
            "accept_encoding": "gzip" if args.gzip else "identity",
            "datasette_version": subprocess.run(
                [str(DATASETTE), "--version"], capture_output=True, text=True
            ).stdout.strip(),
        },
        "targets": {
            "median": f"orbat median <= {MEDIAN_TARGET}x floor",
            "throughput": f"orbat req/s >= {THROUGHPUT_TARGET}x datasette",
        },
        "rows": rows,
    }
    target = args.json or RESULTS / f"api-{db_name}.json"
    write_json(target, result)
    print(f"\nwrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    if not consistent:
        print("the three answers differ or a server logged errors: see content_check above")
        sys.exit(1)


if __name__ == "__main__":
    main()
