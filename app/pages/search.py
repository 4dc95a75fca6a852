"""Finding a record by name: the search results page and the indexes of every site and force.

The search box in every page's header submits here when JavaScript is off (with it, the box
suggests as one types from /api/v1/search and opens the chosen record directly). /sites and
/forces list every record a page at a time, for readers who would rather browse than guess a
spelling.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import search as finder
from app.deps import SessionDep
from app.models import Actor, Force, Site
from app.pages.render import _error, _render
from app.paging import PageNumberError, page_links, rows_page

router = APIRouter()

KIND_TEXT = {"site": "Site", "force": "Force", "actor": "Actor", "event": "Event"}


@router.get("/search", response_class=HTMLResponse)
def read_search_page(
    request: Request, session: SessionDep, q: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """Sites, forces, actors and events whose name or an alias holds every word typed."""
    hits: list[finder.Hit] = []
    if q and q.strip():
        try:
            hits = finder.search(session, q, finder.MAX_LIMIT)
        except finder.SearchQueryError as exc:
            return _error(request, 400, "Cannot search for that", f"q: {exc}.")
    return _render(
        request,
        "search.html",
        {
            "title": f"Search: {q}" if q else "Search",
            "q": q or "",
            "hits": hits,
            "kind_text": KIND_TEXT,
            "most": finder.MAX_LIMIT,
            "nav": "search",
        },
    )


@router.get("/sites", response_class=HTMLResponse)
def read_sites_page(
    request: Request, session: SessionDep, page: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """Every site by name, a page at a time."""
    query = select(Site).order_by(Site.name, Site.id)
    try:
        shown = rows_page(session, query, page)
    except PageNumberError as exc:
        return _error(request, exc.status, "No such page", str(exc))
    return _render(
        request,
        "sites.html",
        {"title": "Sites", "shown": shown, "paging": page_links(request, shown), "nav": "sites"},
    )


@router.get("/forces", response_class=HTMLResponse)
def read_forces_page(
    request: Request, session: SessionDep, page: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """Every force by name with its actor, a page at a time."""
    query = (
        select(Force)
        .join(Actor, Actor.id == Force.actor_id)
        .options(joinedload(Force.actor))
        .order_by(Force.name, Force.id)
    )
    try:
        shown = rows_page(session, query, page)
    except PageNumberError as exc:
        return _error(request, exc.status, "No such page", str(exc))
    return _render(
        request,
        "forces.html",
        {"title": "Forces", "shown": shown, "paging": page_links(request, shown), "nav": "forces"},
    )
