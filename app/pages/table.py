"""The table page: the map's state at a date as a plain table, with download links.

It is the map's no-script twin, so it reads the same `date` and `actor` parameters; unlike the
map it refuses a bad date, an unknown actor or a stray parameter with a 400, because a table that
silently showed something else would be mistaken for the answer. A date in a worldwide dataset
has tens of thousands of forces present, so the table shows them a page at a time (`page`), with
the totals above it and the downloads carrying the whole state.
"""

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app import queries
from app.dates import read_typed_date
from app.deps import SessionDep
from app.io import geojson
from app.pages.render import ActorQuery, _error, _render
from app.paging import PageNumberError, page_links, page_slice, sampled_citations

router = APIRouter()


def _parse_date(value: str | None) -> dt.date | None:
    """A date as a person types it (dates.TYPED_DATE_FORMS), never a guess: not fromisoformat,
    which would also take 20260125 or 2026-W04. ValueError says how to write it."""
    if not value:
        return None
    return read_typed_date(value)


@router.get("/table", response_class=HTMLResponse)
def read_table(
    request: Request,
    session: SessionDep,
    date: Annotated[str | None, Query()] = None,
    actor: ActorQuery = None,
    page: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The map's state at a date as a plain, sortable table, with download links."""
    actors = queries.list_actors(session)
    unknown_parameters = sorted(set(request.query_params) - {"date", "actor", "page"})
    if unknown_parameters:
        return _error(
            request,
            400,
            "Unknown parameter",
            f"{unknown_parameters[0]}: this page takes only date, actor and page.",
            actors=actors,
        )
    try:
        on = _parse_date(date) or queries.default_date(session)
    except ValueError as error:
        return _error(
            request, 400, "Not a date", f"date: “{date}” is not a date; {error}.", actors=actors
        )
    slugs = [s for s in (actor or []) if s]
    # No `actor` at all means every actor; `actor=` with no slug (the map with none ticked) means
    # none, as on the map.
    none_selected = actor is not None and not slugs
    unknown = queries.unknown_actor_slugs(session, slugs)
    if unknown:
        return _error(
            request,
            400,
            "Unknown actor",
            "actor: no actor with the id " + ", ".join(f"“{s}”" for s in unknown) + ".",
            actors=actors,
        )
    # state_at answers the whole state; only one page of it is rendered and cited.
    present = [] if none_selected else queries.state_at(session, on, actors=slugs)
    try:
        shown_page = page_slice(present, page)
    except PageNumberError as exc:
        return _error(request, exc.status, "No such page", str(exc), actors=actors)
    deployments = shown_page.items
    citations = sampled_citations(session, deployment=[d.id for d in deployments])
    chosen = [("actor", "")] if none_selected else [("actor", s) for s in slugs]
    params = urlencode([("date", on.isoformat()), *chosen])
    return _render(
        request,
        "table.html",
        {
            "title": "Table",
            "on": on,
            "actors": actors,
            "selected": set(slugs),
            "none_selected": none_selected,
            "deployments": deployments,
            "present": shown_page,
            "paging": page_links(request, shown_page),
            "site_count": len({d.site_id for d in present}),
            "summaries": {d.id: citations.summary("deployment", d.id) for d in deployments},
            "shown": {
                d.id: queries.shown_confidence(
                    d.confidence, citations.get(("deployment", d.id), [])
                )
                for d in deployments
            },
            "uncertain": {d.id: geojson.dates_uncertain(d, on) for d in deployments},
            "params": params,
            "span": queries.dataset_span(session),
        },
    )
