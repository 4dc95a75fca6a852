"""The map page: only a shell, since the browser draws the map from the API.

The server still works out the date the map opens on, the timeline's default range, the title
line that says what the dataset covers, and which `actor` slugs in the URL name no one, so that a
mistyped link says so in the page before any script has run.
"""

import zoneinfo
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app import queries
from app.deps import SessionDep
from app.pages.render import ActorQuery, _render, _tiles
from app.preview import PARAMETER as PREVIEW
from app.records import data_version
from app.settings import get_settings

router = APIRouter()


@lru_cache
def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 code -> English short name, from the time zone database's iso3166.tab.

    Every system with time zone data has that table; where it is missing the title shows the
    code itself, which is still true.
    """
    for directory in zoneinfo.TZPATH:
        table = Path(directory) / "iso3166.tab"
        if table.is_file():
            names = {}
            for line in table.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#") and "\t" in line:
                    code, name = line.split("\t", 1)
                    names[code.strip().upper()] = name.strip()
            return names
    return {}


def theatre_name(scope: queries.Scope) -> str:
    """The place the dataset is about: the country most of its sites are in, named in English;
    the site's configured name when no site carries a country."""
    if scope.country:
        return country_names().get(scope.country.upper(), scope.country.upper())
    return get_settings().site_name


def map_scope(request: Request, session: Session) -> queries.Scope | None:
    """The title line's figures, worked out once per data version in each process: they count
    every record per year, a scan of the whole dataset that every map page would otherwise pay.
    A preview (a change set applied for its reviewers) is counted afresh."""
    if PREVIEW in request.query_params:
        return queries.dataset_scope(session)
    version = data_version(session)
    kept = getattr(request.app.state, "map_scope", None)
    if kept is None or kept[0] != version:
        kept = request.app.state.map_scope = (version, queries.dataset_scope(session))
    return kept[1]


@router.get("/", response_class=HTMLResponse)
def read_map(request: Request, session: SessionDep, actor: ActorQuery = None) -> HTMLResponse:
    """The map; the browser fetches the data from the API and keeps the view in the URL."""
    span = queries.dataset_span(session)
    scope = map_scope(request, session)
    slugs = [s for s in (actor or []) if s]
    return _render(
        request,
        "map.html",
        {
            "title": "Map",
            "span": span,
            "scope": scope,
            "theatre": theatre_name(scope) if scope else None,
            "default_date": queries.default_date(session),
            "unknown_actors": queries.unknown_actor_slugs(session, slugs),
            **_tiles(request),
        },
    )
