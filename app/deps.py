"""Request dependencies: the database session and the shared query filters, checked once.

Every rule a filter's value must follow is also written into the OpenAPI schema (a pattern, an
enum), so a client that builds its request from the schema is never refused, and one that does not
is told which parameter is wrong. Only rules that relate two values (start before end, west of
east) or name data (an actor that exists) cannot be said there.
"""

import datetime as dt
import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from app.models import EVENT_KINDS, SLUG_LENGTH
from app.preview import PARAMETER as PREVIEW
from app.preview import preview_session
from app.queries import EARLIEST, LATEST, BBox, check_actor_slugs


class BadParameter(ValueError):
    """A query parameter that parsed but makes no sense; answered as 422 naming it."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field_name = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


def reject_unknown_parameters(request: Request) -> None:
    """A misspelt parameter (`actr=russia`) must not silently answer for every actor, and a
    repeated single-valued one (`date=2020-01-01&date=2021-01-01`) must not silently take the
    last value: either would answer a question the caller did not ask."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return
    method = "get" if request.method == "HEAD" else request.method.lower()
    declared = _query_parameters(request.app.openapi(), path, method)
    # `preview` (a reviewer's view with a change set applied) is understood by every read.
    unknown = [name for name in request.query_params if name not in declared and name != PREVIEW]
    if unknown:
        accepted = ", ".join(sorted(declared)) or "none"
        raise BadParameter(unknown[0], f"unknown parameter; this endpoint takes: {accepted}")
    for name, schema in declared.items():
        given = len(request.query_params.getlist(name))
        if given > 1 and not _is_array(schema):
            raise BadParameter(name, f"given {given} times; it takes one value")


def _query_parameters(schema: dict, path: str, method: str) -> dict[str, dict[str, Any]]:
    operation = schema.get("paths", {}).get(path, {}).get(method, {})
    return {
        p["name"]: p.get("schema", {})
        for p in operation.get("parameters", [])
        if p.get("in") == "query"
    }


def _is_array(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(_is_array(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def get_session(request: Request) -> Iterator[Session]:
    preview = request.query_params.get(PREVIEW)
    if preview is not None:
        yield from preview_session(request, preview)
        return
    yield from request.app.state.db.sessions()


SessionDep = Annotated[Session, Depends(get_session)]

# `[0-9]`, not `\d`: Python's `\d` takes any script's digits, JSON Schema's only ASCII ones.
SLUG_PATTERN = rf"^[a-z0-9][a-z0-9-]{{0,{SLUG_LENGTH - 1}}}$"
# Year 0000 has the right shape but no Python date; the day's range within its month is
# left to `format: date`, which the schema states too.
ISO_DATE_PATTERN = r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_ISO_DATE = re.compile(ISO_DATE_PATTERN)

# A slug in a path: the schema gives its form, and one of another form is simply not found (404).
Slug = Annotated[str, WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN})]


def _only_iso_date(value: object) -> object:
    # Pydantic alone also takes `0`, `86400` (seconds since 1970) and datetimes with an offset,
    # each a different day than a reader of the URL would guess.
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "Input should be a valid date written as YYYY-MM-DD")


IsoDate = Annotated[
    dt.date,
    BeforeValidator(_only_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": ISO_DATE_PATTERN}),
]

ActorSlugs = Annotated[
    list[str],
    WithJsonSchema({"type": "array", "items": {"type": "string", "pattern": SLUG_PATTERN}}),
]

EventKinds = Annotated[
    list[str],
    WithJsonSchema({"type": "array", "items": {"type": "string", "enum": list(EVENT_KINDS)}}),
]


def actor_filter(
    session: SessionDep,
    actor: Annotated[
        ActorSlugs | None,
        Query(description="Actor slug; repeat for several (`actor=russia&actor=sdf`)."),
    ] = None,
) -> list[str]:
    slugs = actor or []
    check_actor_slugs(session, slugs)
    return slugs


ActorFilter = Annotated[list[str], Depends(actor_filter)]


def date_range(
    start: Annotated[IsoDate | None, Query(description="First day, YYYY-MM-DD.")] = None,
    end: Annotated[IsoDate | None, Query(description="Last day (inclusive), YYYY-MM-DD.")] = None,
) -> tuple[dt.date, dt.date]:
    first, last = start or EARLIEST, end or LATEST
    if first > last:
        raise BadParameter("start", f"{first} is after end {last}")
    return first, last


DateRange = Annotated[tuple[dt.date, dt.date], Depends(date_range)]

# Plain decimals only: float() would also take `1e1`, `inf`, `5_0`, ` 5` and other scripts'
# digits, none of which the schema's pattern allows.
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_LONGITUDE = r"-?0*(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)"
_LATITUDE = r"-?0*(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)"
BBOX_PATTERN = rf"^{_LONGITUDE},{_LATITUDE},{_LONGITUDE},{_LATITUDE}$"
BBoxText = Annotated[str, WithJsonSchema({"type": "string", "pattern": BBOX_PATTERN})]


def parse_bbox(value: str | None) -> BBox | None:
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise BadParameter("bbox", "give four numbers: west,south,east,north")
    if not all(_DECIMAL.fullmatch(p) for p in parts):
        raise BadParameter(
            "bbox", f"{value!r} holds something that is not a number (write e.g. -3.5)"
        )
    west, south, east, north = (float(p) for p in parts)
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise BadParameter("bbox", "longitudes must be within -180..180")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise BadParameter("bbox", "latitudes must be within -90..90")
    if west > east or south > north:
        raise BadParameter("bbox", "west must not exceed east, nor south north")
    return BBox(west, south, east, north)


def bbox_filter(
    bbox: Annotated[
        BBoxText | None,
        Query(description="west,south,east,north in degrees (WGS84), e.g. `35.5,32,42.5,37.5`."),
    ] = None,
) -> BBox | None:
    return parse_bbox(bbox)


BBoxFilter = Annotated[BBox | None, Depends(bbox_filter)]
