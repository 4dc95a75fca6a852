"""Downloads: deployments, movements and events as CSV or GeoJSON, with the map's filters."""

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from app import queries
from app.api.errors import ERROR_RESPONSES
from app.deps import (
    ActorFilter,
    BadParameter,
    BBoxFilter,
    DateRange,
    EventKinds,
    IsoDate,
    SessionDep,
    reject_unknown_parameters,
)
from app.io import geojson
from app.io.csv_safety import neutralise

router = APIRouter(
    prefix="/export",
    tags=["export"],
    dependencies=[Depends(reject_unknown_parameters)],
    responses=ERROR_RESPONSES,
)

Format = Literal["csv", "geojson"]

# The answer is a file, not JSON: say which, so a client (or Schemathesis) knows what to expect.
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`.csv`: one row per record, with a header line. "
        "`.geojson`: a FeatureCollection.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/geo+json": {
                "schema": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                        "features": {"type": "array", "items": {"type": "object"}},
                    },
                }
            },
        },
    }
}


# More actors than this in a file name are counted rather than listed.
NAMED_ACTORS = 4


def file_name(
    kind: str,
    fmt: str,
    *,
    actors: Sequence[str] = (),
    date: dt.date | None = None,
    period: tuple[dt.date, dt.date] = (queries.EARLIEST, queries.LATEST),
) -> str:
    """`deployments-2026-01-10-russia-sdf.csv`: a saved file says what it holds.

    Slugs and ISO dates hold only [a-z0-9-], so the name needs no quoting.
    """
    parts = [kind]
    if date is not None:
        parts.append(date.isoformat())
    else:
        start, end = period
        if start != queries.EARLIEST:
            parts.append(f"from-{start.isoformat()}")
        if end != queries.LATEST:
            parts.append(f"to-{end.isoformat()}")
    chosen = sorted(actors)
    parts += chosen[:NAMED_ACTORS]
    if len(chosen) > NAMED_ACTORS:
        parts.append(f"and-{len(chosen) - NAMED_ACTORS}-more")
    return f"{'-'.join(parts)}.{fmt}"


def with_last_day(properties: dict[str, Any]) -> dict[str, Any]:
    """`last_day` beside `end`: the last day present, where `end` is the first day absent (a
    coarse end counts to its period's end, as the map draws it)."""
    until = properties.get("present_until")
    last_day = (dt.date.fromisoformat(until) - dt.timedelta(days=1)).isoformat() if until else None
    out: dict[str, Any] = {}
    for key, value in properties.items():
        out[key] = value
        if key == "end":
            out["last_day"] = last_day
    return out


def _file(features: list[dict[str, Any]], filename: str, fmt: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "geojson":
        body = json.dumps(geojson.feature_collection(features), ensure_ascii=False)
        return Response(body, media_type="application/geo+json", headers=headers)
    return Response(_csv(features), media_type="text/csv; charset=utf-8", headers=headers)


def _csv(features: list[dict[str, Any]]) -> str:
    """Flat rows; a Point's coordinates become lon/lat columns, a line's its endpoints."""
    rows = []
    for feature in features:
        row: dict[str, Any] = {}
        geometry = feature["geometry"]
        if geometry and geometry["type"] == "Point":
            row["lon"], row["lat"] = geometry["coordinates"]
        elif geometry and geometry["type"] == "LineString":
            (row["from_lon"], row["from_lat"]), (row["to_lon"], row["to_lat"]) = geometry[
                "coordinates"
            ]
        for key, value in feature["properties"].items():
            row[key] = ";".join(value) if isinstance(value, list) else value
        rows.append(row)
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns or ["slug"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {key: neutralise(value) if isinstance(value, str) else value for key, value in row.items()}
        for row in rows
    )
    return buffer.getvalue()


@router.get(
    "/deployments.{fmt}",
    summary="Deployments as CSV or GeoJSON",
    response_class=Response,
    responses=FILE_RESPONSES,
)
def export_deployments(
    session: SessionDep,
    fmt: Format,
    actors: ActorFilter,
    bbox: BBoxFilter,
    period: DateRange,
    date: Annotated[
        IsoDate | None, Query(description="Only what was present on this day (a snapshot).")
    ] = None,
) -> Response:
    """One row per deployment interval; with `date`, only those present on that day."""
    if date is not None and period != (queries.EARLIEST, queries.LATEST):
        raise BadParameter("date", "give either date (a snapshot) or start/end (a range)")
    if date is not None:
        deployments = queries.state_at(session, date, actors=actors, bbox=bbox)
    else:
        deployments = queries.deployments_between(session, *period, actors=actors, bbox=bbox)
    citations = queries.citations_for(session, deployment=[d.id for d in deployments])
    features = [geojson.deployment_feature(d, citations, nested=False) for d in deployments]
    for feature in features:
        feature["properties"] = with_last_day(feature["properties"])
    name = file_name("deployments", fmt, actors=actors, date=date, period=period)
    return _file(features, name, fmt)


@router.get(
    "/movements.{fmt}",
    summary="Movements as CSV or GeoJSON",
    response_class=Response,
    responses=FILE_RESPONSES,
)
def export_movements(
    session: SessionDep, fmt: Format, actors: ActorFilter, period: DateRange
) -> Response:
    """One row per movement overlapping [start, end]."""
    movements = queries.movements_between(session, *period, actors=actors)
    citations = queries.citations_for(session, movement=[m.id for m in movements])
    features = [geojson.movement_feature(m, citations, nested=False) for m in movements]
    return _file(features, file_name("movements", fmt, actors=actors, period=period), fmt)


@router.get(
    "/events.{fmt}",
    summary="Events as CSV or GeoJSON",
    response_class=Response,
    responses=FILE_RESPONSES,
)
def export_events(
    session: SessionDep,
    fmt: Format,
    actors: ActorFilter,
    period: DateRange,
    kind: Annotated[EventKinds | None, Query(description="Event kind; repeatable.")] = None,
) -> Response:
    """One row per event dated in [start, end]."""
    kinds = kind or []
    queries.check_event_kinds(kinds)
    events = queries.events_between(session, *period, actors=actors, kinds=kinds)
    citations = queries.citations_for(session, event=[e.id for e in events])
    features = [geojson.event_feature(e, citations, nested=False) for e in events]
    return _file(features, file_name("events", fmt, actors=actors, period=period), fmt)
