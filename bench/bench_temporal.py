"""State at a date on a large database: the temporal index options, then the read API's speed.

Prints two tables and writes bench/results/temporal.json; it asserts nothing.

1. Index options. The deployments' (id, force_id, start_date, present_until) are copied into a
   scratch SQLite file and "which rows are present on D" is timed for early, middle and late D
   under each candidate index: the two single-column indexes of migration 0002, per-force latest
   start over (force_id, start_date), a covering (start_date, present_until), the chosen covering
   (present_until, start_date) read as open rows + rows ending after D, and an R*Tree over day
   numbers.
2. The API. GET /api/v1/snapshot (one actor, all actors, a bbox) and GET /api/v1/movements (a
   month), served by uvicorn, against the SQL floor (the same rows and citations fetched through
   sqlite3 and encoded with orjson, no HTTP) and, with --datasette, Datasette serving the same file
   with the same question as a canned query. Median latency of one client, then throughput of
   --clients clients for --seconds each.

Run (the database must be migrated to head, e.g. a copy of a `world` import):
    .venv/bin/python bench/bench_temporal.py /tmp/b-world.db --datasette /tmp/dsvenv/bin/datasette
"""

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "temporal.json"

# The rows present on :d, as the app's SQLite query reads them (app.queries.present_during).
# The API questions ask recent days (after the median start), so this is the until side.
PRESENT = """deployment.id IN (
    SELECT id FROM deployment WHERE present_until IS NULL AND start_date <= :d
    UNION ALL
    SELECT id FROM deployment WHERE unlikely(present_until > :d) AND start_date <= :d)"""

SNAPSHOT_FROM = f"""FROM deployment
    JOIN force ON deployment.force_id = force.id
    JOIN actor ON force.actor_id = actor.id
    JOIN site ON deployment.site_id = site.id
    WHERE {PRESENT} {{extra}}"""

SNAPSHOT_COLUMNS = """deployment.id, deployment.slug, deployment.status, deployment.start_date,
    deployment.start_precision, deployment.end_date, deployment.end_precision,
    deployment.present_until, deployment.strength, deployment.note, deployment.confidence,
    deployment.site_id, site.slug, site.name, site.kind, site.geo_precision, site.lat, site.lon,
    force.slug, force.name, force.branch, actor.slug, actor.name, actor.color"""

CITATION_COLUMNS = """citation.{record}_id, citation.stance, citation.credibility, citation.claim,
    source.id, source.slug, source.publisher, source.title, source.url, source.archive_url,
    source.published_date, source.reliability, source.original_id,
    original.slug, original.publisher, original.original_id"""

CITATIONS_OF = f"""SELECT {CITATION_COLUMNS}
    FROM citation JOIN source ON citation.source_id = source.id
    LEFT JOIN source AS original ON source.original_id = original.id
    WHERE citation.{{record}}_id IN ({{ids}}) ORDER BY citation.credibility, citation.id"""

MOVEMENTS_FROM = """FROM movement
    JOIN force ON movement.force_id = force.id
    JOIN actor ON force.actor_id = actor.id
    JOIN site AS origin ON movement.from_site_id = origin.id
    LEFT JOIN site AS destination ON movement.to_site_id = destination.id
    WHERE movement.start_date <= :end
    AND coalesce(movement.end_date, movement.start_date) >= :start"""

MOVEMENT_COLUMNS = """movement.id, movement.slug, movement.start_date, movement.start_precision,
    movement.end_date, movement.end_precision, movement.description, movement.confidence,
    movement.to_label, force.slug, force.name, actor.slug, actor.name, actor.color,
    origin.slug, origin.name, origin.geo_precision, origin.lat, origin.lon,
    destination.slug, destination.name, destination.geo_precision,
    destination.lat, destination.lon"""

ACTOR = "AND actor.slug = :actor"
BBOX = "AND site.lat BETWEEN :south AND :north AND site.lon BETWEEN :west AND :east"


def median_ms(action: Callable[[int], object], repeat: int) -> tuple[float, object]:
    """Median of `repeat` runs of action(1), action(2), ... and the last result."""
    samples, result = [], None
    for i in range(1, repeat + 1):
        began = time.perf_counter()
        result = action(i)
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), result


# --- 1. Index options -----------------------------------------------------------------------

NAIVE = """SELECT id FROM deployment
    WHERE start_date <= :d AND (present_until IS NULL OR present_until > :d)"""
UNTIL_SIDE = """SELECT id FROM deployment WHERE present_until IS NULL AND start_date <= :d
    UNION ALL SELECT id FROM deployment WHERE unlikely(present_until > :d) AND start_date <= :d"""
# What app.queries.present_during sends: the start side before the median start, else the other.
BY_MEDIAN = "by median"
OPTIONS: list[tuple[str, list[str], str, bool]] = [
    (
        "start_date, present_until indexed apart (0002)",
        [
            "CREATE INDEX a ON deployment (start_date)",
            "CREATE INDEX b ON deployment (present_until)",
        ],
        NAIVE,
        True,
    ),
    (
        "per-force latest start, (force_id, start_date)",
        ["CREATE INDEX a ON deployment (force_id, start_date)"],
        """SELECT d.id FROM force_id AS f JOIN deployment AS d ON d.id = (
            SELECT x.id FROM deployment AS x WHERE x.force_id = f.id AND x.start_date <= :d
            ORDER BY x.start_date DESC LIMIT 1)
           WHERE d.present_until IS NULL OR d.present_until > :d""",
        False,  # exact only when no force has two rows overlapping in time
    ),
    (
        "covering (start_date, present_until)",
        ["CREATE INDEX a ON deployment (start_date, present_until)"],
        NAIVE,
        True,
    ),
    (
        "covering (present_until, start_date), open + ending after D",
        ["CREATE INDEX a ON deployment (present_until, start_date)"],
        UNTIL_SIDE,
        True,
    ),
    (
        "both covering, the side by the median start [chosen]",
        [
            "CREATE INDEX a ON deployment (start_date, present_until)",
            "CREATE INDEX b ON deployment (present_until, start_date)",
        ],
        BY_MEDIAN,
        True,
    ),
    (
        "R*Tree over day numbers (virtual table)",
        [
            "CREATE VIRTUAL TABLE span USING rtree_i32(id, first_day, last_day)",
            """INSERT INTO span SELECT id, CAST(julianday(start_date) AS INTEGER),
               coalesce(CAST(julianday(present_until) AS INTEGER) - 1, 2147483647)
               FROM deployment""",
        ],
        """SELECT id FROM span WHERE first_day <= CAST(julianday(:d) AS INTEGER)
           AND last_day >= CAST(julianday(:d) AS INTEGER)""",
        True,
    ),
]


def index_options(database: Path, days: list[str], repeat: int) -> list[dict]:
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        copy = sqlite3.connect(Path(scratch) / "index.db")
        copy.execute("ATTACH DATABASE ? AS src", (f"file:{database}?mode=ro",))
        truth: dict[str, int] = {}
        for label, setup, query, exact in OPTIONS:
            for table in ("deployment", "force_id", "span"):
                copy.execute(f"DROP TABLE IF EXISTS main.{table}")
            copy.execute(
                "CREATE TABLE main.deployment (id INTEGER PRIMARY KEY, force_id INTEGER,"
                " start_date DATE, present_until DATE)"
            )
            copy.execute(
                "INSERT INTO main.deployment SELECT id, force_id, start_date, present_until"
                " FROM src.deployment"
            )
            copy.execute("CREATE TABLE main.force_id AS SELECT id FROM src.force")
            began = time.perf_counter()
            for statement in setup:
                copy.execute(statement)
            copy.execute("ANALYZE main")
            copy.commit()
            build = time.perf_counter() - began
            median = copy.execute(
                "SELECT start_date FROM deployment ORDER BY start_date LIMIT 1"
                " OFFSET (SELECT count(*) / 2 FROM deployment)"
            ).fetchone()[0]
            for day in days:
                asked = query
                if query is BY_MEDIAN:
                    asked = NAIVE if day < median else UNTIL_SIDE
                ms, rows = median_ms(
                    lambda _i, q=asked, d=day: copy.execute(q, {"d": d}).fetchall(), repeat
                )
                count = len(rows)  # type: ignore[arg-type]
                if exact and day not in truth:
                    truth[day] = count
                row = {
                    "option": label,
                    "date": day,
                    "median_ms": round(ms, 2),
                    "rows": count,
                    "same_rows_as_exact": count == truth.get(day),
                    "build_s": round(build, 1),
                }
                found.append(row)
                print(
                    f"  {label:<70} {day}  {ms:8.2f} ms  {count:>7} rows"
                    f"{'' if row['same_rows_as_exact'] else '  (differs)'}"
                )
    return found


# --- 2. The API against the SQL floor and Datasette ------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not answer in {seconds} s")


def get(connection: http.client.HTTPConnection, path: str) -> bytes:
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
    except (http.client.RemoteDisconnected, ConnectionError):
        # The server closed an idle keep-alive connection: open a new one.
        connection.close()
        connection.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    return body


def throughput(port: int, paths: list[str], clients: int, seconds: float) -> float:
    """Requests per second of `clients` keep-alive clients; each request takes the next path."""
    done = [0] * clients
    stop = time.monotonic() + seconds
    turn = iter(range(10**9))
    lock = threading.Lock()

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while time.monotonic() < stop:
            with lock:
                path = paths[next(turn) % len(paths)]
            get(connection, path)
            done[slot] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - began)


def floor_snapshot(db: sqlite3.Connection, extra: str, params: dict) -> bytes:
    rows = db.execute(
        f"SELECT {SNAPSHOT_COLUMNS} {SNAPSHOT_FROM.format(extra=extra)}"
        " ORDER BY site.name, actor.slug, deployment.start_date",
        params,
    ).fetchall()
    ids = f"SELECT deployment.id {SNAPSHOT_FROM.format(extra=extra)}"
    cites = db.execute(CITATIONS_OF.format(record="deployment", ids=ids), params).fetchall()
    return orjson.dumps({"deployments": rows, "citations": cites})


def floor_movements(db: sqlite3.Connection, params: dict) -> bytes:
    rows = db.execute(
        f"SELECT {MOVEMENT_COLUMNS} {MOVEMENTS_FROM} ORDER BY movement.start_date, movement.slug",
        params,
    ).fetchall()
    ids = f"SELECT movement.id {MOVEMENTS_FROM}"
    cites = db.execute(CITATIONS_OF.format(record="movement", ids=ids), params).fetchall()
    return orjson.dumps({"movements": rows, "citations": cites})


# Datasette answers one query per request, so its canned queries carry each record's citations
# as a JSON array built by SQLite: the same content in one statement.
CITATIONS_JSON = """(SELECT json_group_array(json_object('source', source.slug, 'publisher',
    source.publisher, 'title', source.title, 'url', source.url, 'archive_url', source.archive_url,
    'published', source.published_date, 'reliability', source.reliability, 'original_id',
    source.original_id, 'stance', citation.stance, 'credibility', citation.credibility, 'claim',
    citation.claim)) FROM citation JOIN source ON citation.source_id = source.id
    WHERE citation.{record}_id = {record}.id) AS citations"""


def canned_queries() -> dict[str, str]:
    snapshot = (
        f"SELECT {SNAPSHOT_COLUMNS}, {CITATIONS_JSON.format(record='deployment')}"
        f" {SNAPSHOT_FROM} ORDER BY site.name, actor.slug, deployment.start_date"
    )
    return {
        "snapshot_actor": snapshot.format(extra=ACTOR),
        "snapshot_all": snapshot.format(extra=""),
        "snapshot_bbox": snapshot.format(extra=BBOX),
        "movements_month": f"SELECT {MOVEMENT_COLUMNS}, {CITATIONS_JSON.format(record='movement')}"
        f" {MOVEMENTS_FROM} ORDER BY movement.start_date, movement.slug",
    }


def defaults(db: sqlite3.Connection, args: argparse.Namespace) -> None:
    last = dt.date.fromisoformat(db.execute("SELECT max(start_date) FROM deployment").fetchone()[0])
    first = dt.date.fromisoformat(
        db.execute("SELECT min(start_date) FROM deployment").fetchone()[0]
    )
    args.date = args.date or (last - dt.timedelta(days=45)).isoformat()
    span = (last - first).days
    (median,) = db.execute(
        "SELECT start_date FROM deployment ORDER BY start_date LIMIT 1"
        " OFFSET (SELECT count(*) / 2 FROM deployment)"
    ).fetchone()
    # The median start is the chosen index's worst day: either side reads half of it.
    args.index_dates = [
        (first + dt.timedelta(days=int(span * share))).isoformat() for share in (0.25, 0.5)
    ] + [median, args.date]
    args.actor = (
        args.actor
        or db.execute(
            "SELECT actor.slug FROM actor JOIN force ON force.actor_id = actor.id"
            " GROUP BY actor.id ORDER BY count(*) DESC, actor.slug LIMIT 1"
        ).fetchone()[0]
    )
    if not args.bbox:
        # The middle half of the sites' extent in each direction.
        (n,) = db.execute("SELECT count(*) FROM site WHERE lat IS NOT NULL").fetchone()

        def quartile(column: str, share: float) -> float:
            return db.execute(
                f"SELECT {column} FROM site WHERE {column} IS NOT NULL ORDER BY {column}"
                " LIMIT 1 OFFSET ?",
                (int(n * share),),
            ).fetchone()[0]

        args.bbox = ",".join(
            f"{quartile(c, s):.3f}"
            for c, s in (("lon", 0.25), ("lat", 0.25), ("lon", 0.75), ("lat", 0.75))
        )
    month = dt.date.fromisoformat(args.date).replace(day=1)
    after = (month + dt.timedelta(days=32)).replace(day=1)
    args.month = (month.isoformat(), (after - dt.timedelta(days=1)).isoformat())


def shifted(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) - dt.timedelta(days=days)).isoformat()


def api_against_floor(database: Path, args: argparse.Namespace) -> list[dict]:
    """Cold figures ask a different day each time (the app's answer cache cannot help, as for a
    reader dragging the slider); warm ones repeat one URL (many readers opening the same view)."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    west, south, east, north = (float(v) for v in args.bbox.split(","))
    box = {"west": west, "south": south, "east": east, "north": north}
    start, end = args.month

    # Each question: (label, canned query, API route, params of variant i for the API and SQL).
    def snapshot_params(extra: dict, sql_extra: dict) -> Callable[[int], tuple[dict, dict]]:
        return lambda i: (
            {"date": shifted(args.date, i), **extra},
            {"d": shifted(args.date, i), **sql_extra},
        )

    def month(i: int) -> tuple[dict, dict]:
        window = {"start": shifted(start, i), "end": shifted(end, i)}
        return window, window

    questions = [
        (
            "snapshot, one actor",
            "snapshot_actor",
            ACTOR,
            snapshot_params({"actor": args.actor}, {"actor": args.actor}),
        ),
        ("snapshot, all actors", "snapshot_all", "", snapshot_params({}, {})),
        ("snapshot, bbox", "snapshot_bbox", BBOX, snapshot_params({"bbox": args.bbox}, box)),
        ("movements in a month", "movements_month", None, month),
    ]
    servers: dict[str, tuple[int, subprocess.Popen]] = {}
    env = {**os.environ, "ORBAT_DATABASE_URL": f"sqlite:///{database}"}
    port = free_port()
    servers["api"] = (
        port,
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.asgi:app",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        ),
    )
    scratch = tempfile.mkdtemp()
    try:
        wait_until_up(port, "/healthz", servers["api"][1])
        if args.datasette:
            metadata = Path(scratch) / "metadata.json"
            metadata.write_text(
                json.dumps(
                    {
                        "databases": {
                            database.stem: {
                                "queries": {
                                    name: {"sql": sql} for name, sql in canned_queries().items()
                                }
                            }
                        }
                    }
                )
            )
            ds_port = free_port()
            servers["datasette"] = (
                ds_port,
                subprocess.Popen(
                    [
                        args.datasette,
                        "serve",
                        str(database),
                        "--port",
                        str(ds_port),
                        "--metadata",
                        str(metadata),
                        "--setting",
                        "max_returned_rows",
                        "1000000",
                        "--setting",
                        "sql_time_limit_ms",
                        "600000",
                        "--setting",
                        "num_sql_threads",
                        "2",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
            )
            wait_until_up(ds_port, "/-/versions.json", servers["datasette"][1])
        found = []
        for label, canned, extra, variant in questions:
            route = "movements" if extra is None else "snapshot"

            def api_path(i: int, r: str = route, v: Callable = variant) -> str:
                return f"/api/v1/{r}?{urllib.parse.urlencode(v(i)[0])}"

            def ds_path(i: int, c: str = canned, v: Callable = variant) -> str:
                return f"/{database.stem}/{c}.json?_shape=array&{urllib.parse.urlencode(v(i)[1])}"

            def floor(i: int, e: str | None = extra, v: Callable = variant) -> bytes:
                if e is None:
                    return floor_movements(db, v(i)[1])
                return floor_snapshot(db, e, v(i)[1])

            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            get(connection, api_path(0))  # warms both the page cache and the answer cache
            floor(0)
            api_cold, body = median_ms(
                lambda i, c=connection, p=api_path: get(c, p(i)), args.repeat
            )
            floor_ms, floor_body = median_ms(floor, args.repeat)
            api_warm, _ = median_ms(lambda _i, c=connection, p=api_path(0): get(c, p), args.repeat)
            many = [api_path(i) for i in range(100, 1100)]
            row = {
                "question": label,
                "api_path": api_path(0),
                "features": len(orjson.loads(body)["features"]),  # type: ignore[arg-type]
                "api_bytes": len(body),  # type: ignore[arg-type]
                "floor_bytes": len(floor_body),  # type: ignore[arg-type]
                "floor_median_ms": round(floor_ms, 1),
                "api_cold_median_ms": round(api_cold, 1),
                "api_warm_median_ms": round(api_warm, 1),
                "cold_latency_ratio": round(api_cold / floor_ms, 2),
                "warm_latency_ratio": round(api_warm / floor_ms, 2),
                "latency_target_met_cold": api_cold <= 1.5 * floor_ms,
                "api_cold_requests_per_s": round(
                    throughput(port, many, args.clients, args.seconds), 2
                ),
                "api_warm_requests_per_s": round(
                    throughput(port, [api_path(0)], args.clients, args.seconds), 2
                ),
            }
            if "datasette" in servers:
                ds_port = servers["datasette"][0]
                ds_connection = http.client.HTTPConnection("127.0.0.1", ds_port, timeout=600)
                get(ds_connection, ds_path(0))
                ds_ms, _ = median_ms(
                    lambda i, c=ds_connection, p=ds_path: get(c, p(i)), args.repeat
                )
                ds_rate = throughput(ds_port, [ds_path(0)], args.clients, args.seconds)
                row["datasette_median_ms"] = round(ds_ms, 1)
                row["datasette_requests_per_s"] = round(ds_rate, 2)
                row["cold_throughput_ratio"] = round(row["api_cold_requests_per_s"] / ds_rate, 2)
                row["warm_throughput_ratio"] = round(row["api_warm_requests_per_s"] / ds_rate, 2)
                row["throughput_target_met_warm"] = row["warm_throughput_ratio"] >= 2
            found.append(row)
            print(
                f"  {label:<21} {row['features']:>6} features {len(body) / 1e6:6.2f} MB"  # type: ignore[arg-type]
                f" | floor {floor_ms:7.1f} ms | api cold {api_cold:7.1f} ms"
                f" (x{row['cold_latency_ratio']}) warm {api_warm:6.1f} ms"
                f" | api {row['api_cold_requests_per_s']:6.2f}/s cold"
                f" {row['api_warm_requests_per_s']:7.2f}/s warm"
                + (
                    f" | datasette {row['datasette_median_ms']:7.1f} ms"
                    f" {row['datasette_requests_per_s']:6.2f}/s"
                    if "datasette_median_ms" in row
                    else ""
                )
            )
        return found
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path, help="SQLite file migrated to head (not modified)")
    parser.add_argument("--date", help="the day asked (default: 45 days before the last start)")
    parser.add_argument("--actor", help="actor of the one-actor snapshot (default: most forces)")
    parser.add_argument("--bbox", help="w,s,e,n (default: the middle half of the sites' extent)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (throughput)")
    parser.add_argument("--seconds", type=float, default=10, help="throughput run per question")
    parser.add_argument("--datasette", help="the datasette executable, to compare against it")
    parser.add_argument("--skip-index", action="store_true", help="skip the index options")
    parser.add_argument("--skip-api", action="store_true", help="skip the API measurements")
    args = parser.parse_args()
    database = args.database.resolve()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        defaults(db, args)
        counts = {
            t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("deployment", "force", "site", "movement", "citation")
        }
    print(f"{database}: {counts}")
    print(f"date {args.date}, actor {args.actor}, bbox {args.bbox}, month {args.month}")
    results: dict = {
        "database": str(database),
        "counts": counts,
        "date": args.date,
        "actor": args.actor,
        "bbox": args.bbox,
        "month": args.month,
        "machine": {
            "cpus": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version,
            "load_average_at_start": os.getloadavg(),
        },
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if not args.skip_index:
        print("\nWhich deployments are present on D (all actors), by index:")
        results["index_options"] = index_options(database, args.index_dates, args.repeat)
    if not args.skip_api:
        print(
            "\nThe read API against the SQL floor" + (" and Datasette:" if args.datasette else ":")
        )
        results["api"] = api_against_floor(database, args)
    results["load_average_at_end"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
