"""The map page: only a shell, since the browser draws the map from the API.

The server still works out the date the map opens on and which `actor` slugs in the URL name no
one, so that a mistyped link says so in the page before any script has run.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import queries
from app.deps import SessionDep
from app.pages.render import ActorQuery, _render, _tiles

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def read_map(request: Request, session: SessionDep, actor: ActorQuery = None) -> HTMLResponse:
    """The map; the browser fetches the data from the API and keeps the view in the URL."""
    span = queries.dataset_span(session)
    slugs = [s for s in (actor or []) if s]
    return _render(
        request,
        "map.html",
        {
            "title": "Map",
            "span": span,
            "default_date": queries.default_date(session),
            "unknown_actors": queries.unknown_actor_slugs(session, slugs),
            **_tiles(request),
        },
    )
