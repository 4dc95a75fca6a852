"""How big the pages and API lists that grow with the data are, and how long each takes.

Run against a database that holds a large dataset (e.g. `orbat demo-data /tmp/t --preset theatre`
then `orbat import /tmp/t`); it picks the busiest site, the actor with the most deployments and
the source with the most citations, requests each page in-process (no HTTP server, so the
figures are the app's own) and prints bytes and seconds, then writes the same as JSON.

    .venv/bin/python bench/page_sizes.py --database-url sqlite:////tmp/theatre.db
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Actor, Citation, Deployment, Force, Site, Source  # noqa: E402
from app.settings import Settings  # noqa: E402

# Requests per path; the median is reported, so one slow first request (cold cache) is not.
REPEATS = 3


def busiest(database_url: str) -> dict[str, str]:
    database = Database(database_url)
    try:
        with database.session() as session:
            site = session.execute(
                select(Site.slug, func.count(Citation.id))
                .join(Deployment, Deployment.site_id == Site.id)
                .join(Citation, Citation.deployment_id == Deployment.id)
                .group_by(Site.slug)
                .order_by(func.count(Citation.id).desc())
                .limit(1)
            ).first()
            actor = session.execute(
                select(Actor.slug, func.count(Deployment.id))
                .join(Force, Force.actor_id == Actor.id)
                .join(Deployment, Deployment.force_id == Force.id)
                .group_by(Actor.slug)
                .order_by(func.count(Deployment.id).desc())
                .limit(1)
            ).first()
            source = session.execute(
                select(Source.slug, func.count(Citation.id))
                .join(Citation, Citation.source_id == Source.id)
                .group_by(Source.slug)
                .order_by(func.count(Citation.id).desc())
                .limit(1)
            ).first()
            first, last = session.execute(
                select(func.min(Deployment.start_date), func.max(Deployment.start_date))
            ).one()
    finally:
        database.close()
    assert site and actor and source, "the database holds no cited deployments"
    middle = first + (last - first) / 2
    return {
        "site": site[0],
        "actor": actor[0],
        "source": source[0],
        "date": middle.isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", required=True, help="SQLAlchemy URL of a loaded db.")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results" / "pages" / "page_sizes.json",
        help="Where to write the figures as JSON.",
    )
    args = parser.parse_args()
    picked = busiest(args.database_url)
    paths = [
        f"/sites/{picked['site']}",
        "/sources",
        f"/actors/{picked['actor']}",
        f"/table?date={picked['date']}",
        "/api/v1/sources",
        "/api/v1/sites",
        "/api/v1/forces",
    ]
    app = create_app(Settings(database_url=args.database_url, remote_tiles=False))
    rows = []
    with TestClient(app) as client:
        for path in paths:
            times, size, status = [], 0, 0
            for _ in range(REPEATS):
                started = time.perf_counter()
                answer = client.get(path)
                times.append(time.perf_counter() - started)
                size, status = len(answer.content), answer.status_code
            rows.append(
                {"path": path, "status": status, "bytes": size, "seconds": sorted(times)[1]}
            )
    print(f"{'path':48} {'status':>6} {'bytes':>12} {'median s':>9}")
    for row in rows:
        print(f"{row['path']:48} {row['status']:>6} {row['bytes']:>12,} {row['seconds']:>9.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "database": args.database_url,
                "picked": picked,
                "machine": platform.platform(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
