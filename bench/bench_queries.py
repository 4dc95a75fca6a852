"""Time the temporal core and the map's endpoints on the bundled and a synthetic dataset.

Prints figures; it asserts nothing. Run: `make bench` (or .venv/bin/python bench/bench_queries.py).
Options: --sites N --deployments-per-site N --repeat N.
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from app import queries  # noqa: E402
from app.cli import load, upgrade_database  # noqa: E402
from app.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Actor, Citation, Deployment, Force, Site, Source  # noqa: E402
from app.settings import PROJECT_ROOT, Settings  # noqa: E402


def timed(label: str, repeat: int, action: Callable[[], object]) -> None:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    print(
        f"{label:<48} median {statistics.median(samples):8.2f} ms"
        f"   p90 {sorted(samples)[int(0.9 * (len(samples) - 1))]:8.2f} ms   n={repeat}"
    )


def synthetic(db: Database, sites: int, per_site: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    with db.session() as session:
        actors = [
            Actor(slug=f"a{i}", name=f"Actor {i}", kind="state", color="#0072b2") for i in range(8)
        ]
        session.add_all(actors)
        session.flush()
        forces = [
            Force(slug=f"f{i}", name=f"Force {i}", actor_id=actors[i % 8].id, branch="ground")
            for i in range(80)
        ]
        source = Source(slug="s", publisher="Wire", title="t", reliability="B")
        session.add_all([*forces, source])
        session.flush()
        count = 0
        for i in range(sites):
            site = Site(
                slug=f"s{i}",
                name=f"Site {i}",
                kind="base",
                lat=rng.uniform(32, 37),
                lon=rng.uniform(35, 42),
                geo_precision=1,
            )
            session.add(site)
            session.flush()
            day = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randint(0, 500))
            for j in range(per_site):
                end = day + dt.timedelta(days=rng.randint(30, 900))
                deployment = Deployment(
                    slug=f"d{i}-{j}",
                    force_id=rng.choice(forces).id,
                    site_id=site.id,
                    start_date=day,
                    start_precision="day",
                    end_date=end,
                    end_precision="day",
                    status="active",
                    confidence="high",
                )
                session.add(deployment)
                session.flush()
                session.add(
                    Citation(
                        source_id=source.id, deployment_id=deployment.id, credibility=2, claim="x"
                    )
                )
                day = end
                count += 1
        session.commit()
    return count


def run(label: str, url: str, repeat: int, on: dt.date) -> None:
    db = Database(url)
    with db.session() as session:
        timed(f"[{label}] state_at", repeat, lambda: queries.state_at(session, on))
        timed(
            f"[{label}] deployments_between (all)",
            repeat,
            lambda: queries.deployments_between(session, queries.EARLIEST, queries.LATEST),
        )
        timed(
            f"[{label}] timeline_counts month",
            repeat,
            lambda: queries.timeline_counts(session, queries.EARLIEST, queries.LATEST),
        )
    with TestClient(create_app(Settings(database_url=url, remote_tiles=False))) as client:
        timed(
            f"[{label}] GET /api/v1/snapshot",
            repeat,
            lambda: client.get("/api/v1/snapshot", params={"date": on.isoformat()}),
        )
        timed(
            f"[{label}] GET /api/v1/deployments", repeat, lambda: client.get("/api/v1/deployments")
        )
        size = len(client.get("/api/v1/deployments").content)
        print(f"[{label}] /api/v1/deployments body: {size / 1024:.1f} KiB")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--deployments-per-site", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundled = f"sqlite:///{tmp}/bundled.db"
        upgrade_database(bundled)
        load(Database(bundled), PROJECT_ROOT / "data" / "syria")
        run("bundled", bundled, args.repeat, dt.date(2025, 6, 1))

        big = f"sqlite:///{tmp}/synthetic.db"
        upgrade_database(big)
        made = synthetic(Database(big), args.sites, args.deployments_per_site)
        print(f"synthetic: {args.sites} sites, {made} deployments")
        run("synthetic", big, max(3, args.repeat // 4), dt.date(2014, 6, 1))


if __name__ == "__main__":
    main()
