"""The map's data: state at a date, intervals, movements, events, and histogram counts."""

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app import queries
from app.api.answers import FastJSON, cached_answer
from app.api.errors import ERROR_RESPONSES
from app.deps import (
    ActorFilter,
    BBoxFilter,
    DateRange,
    EventKinds,
    IsoDate,
    SessionDep,
    reject_unknown_parameters,
)
from app.io import geojson

router = APIRouter(
    prefix="/api/v1",
    tags=["state"],
    dependencies=[Depends(reject_unknown_parameters)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "/snapshot",
    summary="Sites with forces present on a date (GeoJSON)",
    response_model=dict[str, Any],
    response_class=FastJSON,
)
def read_snapshot(
    request: Request,
    session: SessionDep,
    actors: ActorFilter,
    bbox: BBoxFilter,
    date: Annotated[IsoDate | None, Query(description="The day; default today.")] = None,
) -> Response:
    """One Point per site with at least one deployment present on the date, with citations."""
    on = date or dt.date.today()

    def build() -> dict[str, Any]:
        found = queries.snapshot(session, on, actors=actors, bbox=bbox)
        return geojson.snapshot_collection(found, on)

    # The day is part of the key: without `date=` the answer is today's, which moves.
    return cached_answer(request, session, build, on)


@router.get("/deployments", summary="Deployment intervals overlapping a range (GeoJSON)")
def read_deployments(
    session: SessionDep, actors: ActorFilter, bbox: BBoxFilter, period: DateRange
) -> dict[str, Any]:
    """Every deployment present on some day of [start, end], one Point each with start and end.

    The map loads these once and redraws any date inside the range without asking again.
    """
    start, end = period
    deployments = queries.deployments_between(session, start, end, actors=actors, bbox=bbox)
    citations = queries.citations_for(session, deployment=[d.id for d in deployments])
    return geojson.feature_collection(geojson.deployment_feature(d, citations) for d in deployments)


@router.get(
    "/movements",
    summary="Movements overlapping a range (GeoJSON LineStrings)",
    response_model=dict[str, Any],
    response_class=FastJSON,
)
def read_movements(
    request: Request, session: SessionDep, actors: ActorFilter, period: DateRange
) -> Response:
    """Movements from origin to destination; an off-map destination has only its origin point."""
    start, end = period

    def build() -> dict[str, Any]:
        return geojson.movement_collection(
            *queries.movement_rows(session, start, end, actors=actors)
        )

    return cached_answer(request, session, build)


@router.get("/events", summary="Events in a range, with citations (GeoJSON)")
def read_events(
    session: SessionDep,
    actors: ActorFilter,
    period: DateRange,
    kind: Annotated[EventKinds | None, Query(description="Event kind; repeatable.")] = None,
) -> dict[str, Any]:
    """Events dated in [start, end]; those without a located site have a null geometry."""
    kinds = kind or []
    queries.check_event_kinds(kinds)
    start, end = period
    events = queries.events_between(session, start, end, actors=actors, kinds=kinds)
    citations = queries.citations_for(session, event=[e.id for e in events])
    return geojson.feature_collection(geojson.event_feature(e, citations) for e in events)


@router.get(
    "/timeline",
    summary="Counts of events and movements per bucket",
    response_model=dict[str, Any],
    response_class=FastJSON,
)
def read_timeline(
    request: Request,
    session: SessionDep,
    actors: ActorFilter,
    period: DateRange,
    bucket: Literal["day", "week", "month", "year"] = "month",
) -> Response:
    """Counts for the histogram under the map; empty buckets are left out."""

    def build() -> dict[str, Any]:
        start, end = period
        span = queries.dataset_span(session)
        if span is not None and max(start, span[0]) <= min(end, span[1]):
            # Open ranges shrink to the data, so the histogram's axis is the dataset's span.
            start, end = max(start, span[0]), min(end, span[1])
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "bucket": bucket,
            "span": [span[0].isoformat(), span[1].isoformat()] if span else None,
            "buckets": queries.timeline_counts(session, start, end, bucket=bucket, actors=actors),
        }

    return cached_answer(request, session, build)
