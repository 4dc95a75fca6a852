"""The catalogues: sites, actors, forces, sources; one site's whole history.

Each catalogue grows with the data, so it answers one window of rows: `limit` (at most
API_MAX_LIMIT) from `offset`. The body keeps its old shape (a list, or a FeatureCollection) so
existing clients read the first window unchanged; how many rows there are and where the next
window starts travel in headers (`X-Total-Count`, and `Link: <...>; rel="next"` while rows remain),
and the sites FeatureCollection also says `total` and `next` as members of its own.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app import queries
from app.api.errors import ERROR_RESPONSES, NOT_FOUND_RESPONSE
from app.api.windows import WindowDep, next_url, say_where, slice_window
from app.deps import ActorFilter, SessionDep, Slug, reject_unknown_parameters
from app.io import geojson
from app.models import Actor, Force, Site, Source
from app.paging import page_of, sampled_citations, sources_with_counts

router = APIRouter(
    prefix="/api/v1",
    tags=["catalogue"],
    dependencies=[Depends(reject_unknown_parameters)],
    responses=ERROR_RESPONSES,
)


@router.get("/sites", summary="Sites, by name, a window at a time (GeoJSON)")
def read_sites(
    request: Request, response: Response, session: SessionDep, window: WindowDep
) -> dict[str, Any]:
    """Sites by name; a site whose coordinates are not known has a null geometry."""
    page = page_of(
        session, select(Site).order_by(Site.name, Site.id), offset=window.offset, limit=window.limit
    )
    say_where(request, response, page)
    collection = geojson.feature_collection(geojson.site_feature(s) for s in page.items)
    # Foreign members (RFC 7946, section 6.1): GeoJSON readers that do not know them skip them.
    collection.update(total=page.total, next=next_url(request, page))
    return collection


# Citations of each stance listed per record in one site's answer; the counts, grades and
# confidence beside them always cover every citation.
SITE_CITATION_SAMPLE = 100


@router.get(
    "/sites/{slug}",
    summary="One site with its presence history (GeoJSON Feature), a window at a time",
    responses=NOT_FOUND_RESPONSE,
)
def read_site(
    session: SessionDep,
    slug: Annotated[Slug, Path(description="The site's slug.")],
    window: WindowDep,
) -> dict[str, Any]:
    """A site, its deployments, movements to or from it and events at it, with sources.

    `limit` and `offset` window each of the three lists (oldest first); `deployment_total`,
    `movement_total` and `event_total` say how long each is. A record lists at most
    SITE_CITATION_SAMPLE citations of each stance, best graded first, and `citations_total`
    says how many it has; its counts and grade are over all of them.
    """
    site = queries.site_by_slug(session, slug)
    if site is None:
        raise HTTPException(404, f"no site with slug {slug!r}")
    records = queries.records_at_site(site.id)
    deployments = page_of(session, records.deployments, offset=window.offset, limit=window.limit)
    movements = page_of(session, records.movements, offset=window.offset, limit=window.limit)
    events = page_of(session, records.events, offset=window.offset, limit=window.limit)
    cites = sampled_citations(
        session,
        sample=SITE_CITATION_SAMPLE,
        deployment=[d.id for d in deployments.items],
        movement=[m.id for m in movements.items],
        event=[e.id for e in events.items],
        site=[site.id],
    )

    def with_total(kind: str, record_id: int, properties: dict[str, Any]) -> dict[str, Any]:
        properties["citations_total"] = cites.total(kind, record_id)
        return properties

    feature = geojson.site_feature(site)
    feature["properties"].update(
        deployments=[
            with_total("deployment", d.id, geojson.deployment_properties(d, cites))
            for d in deployments.items
        ],
        movements=[
            with_total("movement", m.id, geojson.movement_properties(m, cites))
            for m in movements.items
        ],
        events=[
            with_total("event", e.id, geojson.event_properties(e, cites)) for e in events.items
        ],
        citations=[
            geojson.citation_dict(c, cites.original_of(c.source))
            for c in cites.get(("site", site.id), [])
        ],
        citations_total=cites.total("site", site.id),
        deployment_total=deployments.total,
        movement_total=movements.total,
        event_total=events.total,
    )
    return feature


@router.get("/actors", summary="Actors, by name, a window at a time")
def read_actors(
    request: Request, response: Response, session: SessionDep, window: WindowDep
) -> list[dict[str, Any]]:
    """Actors with their map colours, sorted by name ("Actor 2" before "Actor 10")."""
    # Sorted in Python (see queries.list_actors), so the window is cut from the sorted list;
    # actors are few.
    page = slice_window(queries.list_actors(session), window)
    say_where(request, response, page)
    return [geojson.actor_dict(a) for a in page.items]


@router.get("/forces", summary="Forces, optionally of some actors, a window at a time")
def read_forces(
    request: Request,
    response: Response,
    session: SessionDep,
    actors: ActorFilter,
    window: WindowDep,
) -> list[dict[str, Any]]:
    """Forces with their actor and parent, by actor then name."""
    query = (
        select(Force)
        .join(Force.actor)
        .options(joinedload(Force.actor), joinedload(Force.parent))
        .order_by(Actor.name, Force.name, Force.id)
    )
    if actors:
        query = query.where(Actor.slug.in_(actors))
    page = page_of(session, query, offset=window.offset, limit=window.limit)
    say_where(request, response, page)
    return [geojson.force_dict(f) for f in page.items]


def _source_slugs(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Source.id, Source.slug).where(Source.id.in_(ids)))
    return {source_id: slug for source_id, slug in rows}


@router.get("/sources", summary="Sources with their grades and how many records each backs")
def read_sources(
    request: Request, response: Response, session: SessionDep, window: WindowDep
) -> list[dict[str, Any]]:
    """Sources, most reliable first; `original` names the source a reprint relays."""
    query = sources_with_counts()
    page = page_of(session, query, offset=window.offset, limit=window.limit, scalars=False)
    say_where(request, response, page)
    originals = _source_slugs(session, {s.original_id for s, _n in page.items if s.original_id})
    return [
        {
            "slug": s.slug,
            "publisher": s.publisher,
            "title": s.title,
            "url": s.url,
            "archive_url": s.archive_url,
            "published": s.published_date.isoformat() if s.published_date else None,
            "reliability": s.reliability,
            "scale": s.scale,
            "original": originals.get(s.original_id) if s.original_id else None,
            "description": s.description,
            "citation_count": int(n),
        }
        for s, n in page.items
    ]
