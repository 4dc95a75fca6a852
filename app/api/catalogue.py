"""The catalogues: sites, actors, forces, sources; one site's whole history."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path

from app import queries
from app.api.errors import ERROR_RESPONSES, NOT_FOUND_RESPONSE
from app.deps import ActorFilter, SessionDep, Slug, reject_unknown_parameters
from app.io import geojson

router = APIRouter(
    prefix="/api/v1",
    tags=["catalogue"],
    dependencies=[Depends(reject_unknown_parameters)],
    responses=ERROR_RESPONSES,
)


@router.get("/sites", summary="Every site (GeoJSON)")
def read_sites(session: SessionDep) -> dict[str, Any]:
    """All sites; a site whose coordinates are not known has a null geometry."""
    return geojson.feature_collection(geojson.site_feature(s) for s in queries.list_sites(session))


@router.get(
    "/sites/{slug}",
    summary="One site with its full presence history (GeoJSON Feature)",
    responses=NOT_FOUND_RESPONSE,
)
def read_site(
    session: SessionDep, slug: Annotated[Slug, Path(description="The site's slug.")]
) -> dict[str, Any]:
    """A site, every deployment there, movements to or from it and events at it, with sources."""
    history = queries.site_history(session, slug)
    if history is None:
        raise HTTPException(404, f"no site with slug {slug!r}")
    feature = geojson.site_feature(history.site)
    cites = history.citations
    feature["properties"].update(
        deployments=[geojson.deployment_properties(d, cites) for d in history.deployments],
        movements=[geojson.movement_properties(m, cites) for m in history.movements],
        events=[geojson.event_properties(e, cites) for e in history.events],
        citations=[
            geojson.citation_dict(c, cites.original_of(c.source))
            for c in cites.get(("site", history.site.id), [])
        ],
    )
    return feature


@router.get("/actors", summary="Every actor")
def read_actors(session: SessionDep) -> list[dict[str, Any]]:
    """Actors with their map colours."""
    return [geojson.actor_dict(a) for a in queries.list_actors(session)]


@router.get("/forces", summary="Every force, optionally of some actors")
def read_forces(session: SessionDep, actors: ActorFilter) -> list[dict[str, Any]]:
    """Forces with their actor and parent."""
    return [geojson.force_dict(f) for f in queries.list_forces(session, actors=actors)]


@router.get("/sources", summary="Every source with its grade and how many records it backs")
def read_sources(session: SessionDep) -> list[dict[str, Any]]:
    """Sources, most reliable first; `original` names the source a reprint relays."""
    sources = queries.list_sources(session)
    slugs = {s.id: s.slug for s, _n in sources}
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
            "original": slugs.get(s.original_id) if s.original_id else None,
            "description": s.description,
            "citation_count": n,
        }
        for s, n in sources
    ]
