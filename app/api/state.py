"""The map's data: state at a date, intervals, movements, events, and histogram counts."""

import datetime as dt
import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from app import queries
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
from app.preview import PARAMETER as PREVIEW
from app.records import data_version


class FastJSON(JSONResponse):
    """JSON encoded by orjson, with no validation pass over the answer.

    The map's snapshot can hold tens of thousands of deployments with their citations: checking
    and encoding that through the response model costs several times orjson's encoding alone.
    """

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# Encoded answers kept per process, by data version and URL. Published data changes only with a
# new data version (every publish and import bumps it), so an answer built once can be sent again
# to every reader asking the same question until then. Bounded in bytes, least recently used out.
ANSWER_CACHE_BYTES = 256 * 1024 * 1024
# Answers larger than this share of the cache are never kept (they would evict everything).
LARGEST_CACHED_SHARE = 4


class AnswerCache:
    def __init__(self, limit_bytes: int = ANSWER_CACHE_BYTES) -> None:
        self.limit_bytes = limit_bytes
        self.size = 0
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._answers.get(key)
            if body is not None:
                self._answers.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) * LARGEST_CACHED_SHARE > self.limit_bytes:
            return
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = body
            self.size += len(body)
            while self.size > self.limit_bytes:
                _, dropped = self._answers.popitem(last=False)
                self.size -= len(dropped)


def answer_cache(request: Request) -> AnswerCache:
    cache = getattr(request.app.state, "answer_cache", None)
    if cache is None:
        cache = request.app.state.answer_cache = AnswerCache()
    return cache


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector while building a large answer.

    A world snapshot allocates about a million small dicts and lists, none of them in a cycle;
    meanwhile the collector would walk the growing heap again and again (a third of the build's
    time, measured). It runs again afterwards and on every other path.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cached_answer(
    request: Request, session: Session, build: Callable[[], dict[str, Any]], *key: Hashable
) -> Response:
    """The answer `build` makes, encoded, from the cache when this data version has it.

    The version is read in the request's own transaction, so a cached answer is exactly what the
    queries would read now. A preview (a change set applied for its reviewers) is never cached.
    """
    if PREVIEW in request.query_params:
        with collector_paused():
            return FastJSON(build())
    cache = answer_cache(request)
    full_key = (data_version(session), request.url.path, request.url.query, *key)
    body = cache.get(full_key)
    if body is None:
        with collector_paused():
            body = orjson.dumps(build())
        cache.put(full_key, body)
    return Response(body, media_type="application/json")


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


@router.get("/timeline", summary="Counts of events and movements per bucket")
def read_timeline(
    session: SessionDep,
    actors: ActorFilter,
    period: DateRange,
    bucket: Literal["day", "week", "month", "year"] = "month",
) -> dict[str, Any]:
    """Counts for the histogram under the map; empty buckets are left out."""
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
