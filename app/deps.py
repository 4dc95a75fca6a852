"""Request dependencies: the database session and the shared query filters, checked once."""

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from app.queries import EARLIEST, LATEST, BBox, check_actor_slugs


class BadParameter(ValueError):
    """A query parameter that parsed but makes no sense; answered as 422 naming it."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field_name = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


def reject_unknown_parameters(request: Request) -> None:
    """A misspelt parameter (`actr=russia`) must not silently answer for every actor."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return
    allowed = _query_parameters(request.app.openapi(), path)
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        accepted = ", ".join(sorted(allowed)) or "none"
        raise BadParameter(unknown[0], f"unknown parameter; this endpoint takes: {accepted}")


def _query_parameters(schema: dict, path: str) -> set[str]:
    operation = schema.get("paths", {}).get(path, {}).get("get", {})
    return {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}


def get_session(request: Request) -> Iterator[Session]:
    yield from request.app.state.db.sessions()


SessionDep = Annotated[Session, Depends(get_session)]


def actor_filter(
    session: SessionDep,
    actor: Annotated[
        list[str] | None,
        Query(description="Actor slug; repeat for several (`actor=russia&actor=sdf`)."),
    ] = None,
) -> list[str]:
    slugs = actor or []
    check_actor_slugs(session, slugs)
    return slugs


ActorFilter = Annotated[list[str], Depends(actor_filter)]


def date_range(
    start: Annotated[dt.date | None, Query(description="First day, YYYY-MM-DD.")] = None,
    end: Annotated[dt.date | None, Query(description="Last day (inclusive), YYYY-MM-DD.")] = None,
) -> tuple[dt.date, dt.date]:
    first, last = start or EARLIEST, end or LATEST
    if first > last:
        raise BadParameter("start", f"{first} is after end {last}")
    return first, last


DateRange = Annotated[tuple[dt.date, dt.date], Depends(date_range)]


def parse_bbox(value: str | None) -> BBox | None:
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise BadParameter("bbox", "give four numbers: west,south,east,north")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise BadParameter("bbox", f"{value!r} holds something that is not a number") from None
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise BadParameter("bbox", "longitudes must be within -180..180")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise BadParameter("bbox", "latitudes must be within -90..90")
    if west > east or south > north:
        raise BadParameter("bbox", "west must not exceed east, nor south north")
    return BBox(west, south, east, north)


def bbox_filter(
    bbox: Annotated[
        str | None, Query(description="west,south,east,north in degrees (WGS84).")
    ] = None,
) -> BBox | None:
    return parse_bbox(bbox)


BBoxFilter = Annotated[BBox | None, Depends(bbox_filter)]
