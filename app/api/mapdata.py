"""The map's own data path (app/map_index.py): a catalogue, one year of intervals at a time, and
one card's evidence when a site, movement or event is opened.

These answers are shaped for the map page, not for reuse; the GeoJSON endpoints in state.py are
the general API. Both read the same tables in one snapshot per request.
"""

import logging
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from app import map_index, queries
from app.api.answers import FastJSON, cached_answer, keep_answer
from app.api.errors import ERROR_RESPONSES, NOT_FOUND_RESPONSE
from app.deps import ActorFilter, IsoDate, SessionDep, Slug, reject_unknown_parameters
from app.io import geojson
from app.records import data_version

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/v1/map",
    tags=["map"],
    dependencies=[Depends(reject_unknown_parameters)],
    responses=ERROR_RESPONSES,
)


# Every reader of a theatre asks for the same catalogue and the same few years: each is built
# once per data version and process, then sent as the bytes already encoded.


@router.get(
    "/catalogue",
    summary="Actors, sites and forces by id, for the map's year index",
    response_model=dict[str, Any],
    response_class=FastJSON,
)
def read_catalogue(request: Request, session: SessionDep) -> Response:
    """Names and places once; each year's arrays refer to these ids."""
    return cached_answer(request, session, lambda: map_index.catalogue(session))


@router.get(
    "/years/{year}",
    summary="One calendar year of intervals, movements and events",
    response_model=dict[str, Any],
    response_class=FastJSON,
)
def read_year(
    request: Request,
    session: SessionDep,
    year: Annotated[int, Path(ge=1, le=9998, description="The calendar year, e.g. 2026.")],
) -> Response:
    """Every deployment interval overlapping the year (day numbers from 1970-01-01), and the
    movements and events of the year, as parallel arrays."""
    return cached_answer(request, session, lambda: map_index.year_index(session, year))


@router.get(
    "/sites/{slug}",
    summary="The forces at one site on a date, with their sources (GeoJSON Feature)",
    responses=NOT_FOUND_RESPONSE,
)
def read_site_on(
    session: SessionDep,
    slug: Annotated[Slug, Path(description="The site's slug.")],
    actors: ActorFilter,
    date: Annotated[IsoDate, Query(description="The day.")],
) -> dict[str, Any]:
    """The site's card on the map: present deployments with notes and citations."""
    found = map_index.site_state(session, slug, date, actors=actors)
    if found is None:
        raise HTTPException(404, f"no site with slug {slug!r}")
    site, deployments = found
    citations = queries.citations_for(session, deployment=[d.id for d in deployments])
    feature = geojson.site_feature(site)
    feature["properties"]["date"] = date.isoformat()
    feature["properties"]["deployments"] = [
        geojson.deployment_properties(d, citations, on=date) for d in deployments
    ]
    return feature


@router.get(
    "/movements/{slug}",
    summary="One movement with its sources (GeoJSON Feature)",
    responses=NOT_FOUND_RESPONSE,
)
def read_movement(
    session: SessionDep, slug: Annotated[Slug, Path(description="The movement's slug.")]
) -> dict[str, Any]:
    movement = queries.movement_by_slug(session, slug)
    if movement is None:
        raise HTTPException(404, f"no movement with slug {slug!r}")
    citations = queries.citations_for(session, movement=[movement.id])
    return geojson.movement_feature(movement, citations)


@router.get(
    "/events/{slug}",
    summary="One event with its sources (GeoJSON Feature)",
    responses=NOT_FOUND_RESPONSE,
)
def read_event(
    session: SessionDep, slug: Annotated[Slug, Path(description="The event's slug.")]
) -> dict[str, Any]:
    event = queries.event_by_slug(session, slug)
    if event is None:
        raise HTTPException(404, f"no event with slug {slug!r}")
    citations = queries.citations_for(session, event=[event.id])
    return geojson.event_feature(event, citations)


def warm(app: Any) -> None:
    """Build what the map's default view asks for (the catalogue, the default date's year and the
    one before it) into the answer cache, so the first reader of the map after a start waits no
    longer than the next one; a link to another date still builds its years when first asked.
    Run in a thread at start-up; a failure costs only the head start."""
    try:
        with app.state.db.session() as session:
            version = data_version(session)
            if queries.dataset_span(session) is None:
                return
            year = queries.default_date(session).year
            keep_answer(app, version, "/api/v1/map/catalogue", lambda: map_index.catalogue(session))
            for y in (year, year - 1):
                build = partial(map_index.year_index, session, y)
                keep_answer(app, version, f"/api/v1/map/years/{y}", build)
    except Exception:  # noqa: BLE001 - a warm-up must never stop the server
        log.warning("could not prepare the map's first answers", exc_info=True)
