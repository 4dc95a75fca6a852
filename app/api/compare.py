"""Comparing two dates as JSON and CSV: what appeared, left, moved or changed between them.

Served at /api/v1/compare rather than /api/v1/changes (the path issue 9 names): that path already
answers the published edit history (app/api/changesets.py), which clients and docs rely on.
"""

import csv
import datetime as dt
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app import compare
from app.api.answers import FastJSON, cached_answer
from app.api.errors import ERROR_RESPONSES
from app.api.export import file_name
from app.api.windows import Window, WindowDep, next_url, slice_window
from app.deps import ActorFilter, IsoDate, SessionDep, reject_unknown_parameters
from app.io import geojson
from app.io.csv_safety import neutralise

router = APIRouter(
    prefix="/api/v1",
    tags=["state"],
    dependencies=[Depends(reject_unknown_parameters)],
    responses=ERROR_RESPONSES,
)


def compared_days(
    first: Annotated[
        IsoDate,
        Query(alias="from", description="The earlier day, YYYY-MM-DD (the state compared from)."),
    ],
    second: Annotated[
        IsoDate,
        Query(alias="to", description="The later day, YYYY-MM-DD (the state compared with)."),
    ],
) -> tuple[dt.date, dt.date]:
    """Both days, as given; changes_between puts them in time order and says if it had to."""
    return first, second


ComparedDays = Annotated[tuple[dt.date, dt.date], Depends(compared_days)]


def change_dict(found: compare.Changes, change: compare.Change) -> dict[str, Any]:
    """One change with the deployments and movements behind it, each with its citations."""
    citations = found.citations
    force, site, to_site = change.force, change.site, change.to_site
    return {
        "kind": change.kind,
        "summary": compare.sentence(change, found.start, found.end),
        "site": site.slug,
        "site_name": site.name,
        "to_site": to_site.slug if to_site else None,
        "to_site_name": to_site.name if to_site else None,
        "force": force.slug,
        "force_name": force.name,
        "actor": force.actor.slug,
        "actor_name": force.actor.name,
        "before": _presence(change.before),
        "after": _presence(change.after),
        "deployments": [geojson.deployment_properties(d, citations) for d in change.deployments],
        "movements": [geojson.movement_properties(m, citations) for m in change.movements],
    }


def _presence(presence: compare.Presence | None) -> dict[str, Any] | None:
    if presence is None:
        return None
    return {
        "statuses": presence.statuses,
        "strengths": presence.strengths,
        "deployments": [d.slug for d in presence.rows],
    }


def changes_answer(found: compare.Changes, request: Request, window: Window) -> dict[str, Any]:
    """The comparison's dates and counts, and one window of its changes (a theatre's year can
    hold tens of thousands, each with its citations)."""
    page = slice_window(found.changes, window)
    return {
        "from": found.start.isoformat(),
        "to": found.end.isoformat(),
        "swapped": found.swapped,
        "actors": found.actors,
        "counts": found.counts(),
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "next": next_url(request, page),
        "changes": [change_dict(found, c) for c in page.items],
    }


def window_headers(answer: dict[str, Any]) -> dict[str, str]:
    """As the catalogues say it: the total, and the next window's URL while changes remain."""
    headers = {"X-Total-Count": str(answer["total"])}
    if answer["next"]:
        headers["Link"] = f'<{answer["next"]}>; rel="next"'
    return headers


@router.get(
    "/compare",
    summary="What changed between two dates, per site and force, with citations",
    response_model=dict[str, Any],
    response_class=FastJSON,
)
def read_changes_between(
    request: Request,
    session: SessionDep,
    actors: ActorFilter,
    days: ComparedDays,
    window: WindowDep,
) -> Response:
    """The state on `from` against the state on `to`: forces that appeared, left, moved between
    sites, or changed status or recorded strength, each with the deployments and movements that
    show it and their sources. Given the later day first, the two are compared in time order
    and `swapped` is true. Changes come `limit` at a time from `offset`; `total`, `next` and the
    `X-Total-Count` and `Link` headers say how many there are and where the next window is."""

    def build() -> dict[str, Any]:
        found = compare.changes_between(session, *days, actors)
        return changes_answer(found, request, window)

    return cached_answer(request, session, build, headers_of=window_headers)


# The CSV's columns, in order: one row per change, sources joined with " | ".
CSV_COLUMNS = (
    "kind",
    "summary",
    "site",
    "site_name",
    "to_site",
    "to_site_name",
    "actor",
    "actor_name",
    "force",
    "force_name",
    "status_before",
    "status_after",
    "strength_before",
    "strength_after",
    "deployments",
    "movements",
    "source_urls",
    "source_titles",
)
SEPARATOR = " | "


def changes_csv(found: compare.Changes) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for change in found.changes:
        row = change_dict(found, change)
        cited = [c for record in row["deployments"] + row["movements"] for c in record["citations"]]
        sources = list({c["source"]: c for c in cited}.values())
        before, after = row["before"] or {}, row["after"] or {}
        flat = {
            **{k: row[k] for k in CSV_COLUMNS if k in row},
            "status_before": SEPARATOR.join(before.get("statuses", [])),
            "status_after": SEPARATOR.join(after.get("statuses", [])),
            "strength_before": SEPARATOR.join(before.get("strengths", [])),
            "strength_after": SEPARATOR.join(after.get("strengths", [])),
            "deployments": SEPARATOR.join(d["slug"] for d in row["deployments"]),
            "movements": SEPARATOR.join(m["slug"] for m in row["movements"]),
            "source_urls": SEPARATOR.join(s["url"] for s in sources if s["url"]),
            "source_titles": SEPARATOR.join(f"{s['publisher']}: {s['title']}" for s in sources),
        }
        writer.writerow({k: neutralise(v) if isinstance(v, str) else v for k, v in flat.items()})
    return buffer.getvalue()


def csv_name(found: compare.Changes) -> str:
    """`changes-2026-01-01-to-2026-02-10-russia.csv`, actors named as the other exports do."""
    days = f"changes-{found.start.isoformat()}-to-{found.end.isoformat()}"
    return file_name(days, "csv", actors=found.actors)


@router.get(
    "/compare.csv",
    summary="What changed between two dates, as CSV (one row per change)",
    response_class=Response,
    responses={
        200: {
            "description": "One row per change, with a header line; sources joined by ` | `.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_changes_between(
    session: SessionDep, actors: ActorFilter, days: ComparedDays
) -> Response:
    """The same comparison as /api/v1/compare, as a file named by its dates and actors."""
    found = compare.changes_between(session, *days, actors)
    headers = {"Content-Disposition": f'attachment; filename="{csv_name(found)}"'}
    return Response(changes_csv(found), media_type="text/csv; charset=utf-8", headers=headers)
