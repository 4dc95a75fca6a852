"""An actor's page: its forces, every deployment of them, and how many sites it held each month.

The monthly count is drawn on the server (see charts) so the page needs no script.
"""

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import queries
from app.deps import SessionDep
from app.pages.charts import month_ticks, sites_per_month
from app.pages.history import history_view
from app.pages.render import _error, _render

router = APIRouter()


@router.get("/actors/{slug}", response_class=HTMLResponse)
def read_actor_page(request: Request, session: SessionDep, slug: str) -> HTMLResponse:
    """One actor: its forces, the sites it held over time, and a monthly count of them."""
    actor = queries.actor_by_slug(session, slug)
    if actor is None:
        return _error(request, 404, "Actor not found", f"There is no actor with the id “{slug}”.")
    deployments = queries.actor_deployments(session, slug)
    citations = queries.citations_for(session, deployment=[d.id for d in deployments])
    span = queries.dataset_span(session)
    monthly = sites_per_month(deployments, span[1] if span else dt.date.today())
    peak = max((n for _, n in monthly), default=0)
    return _render(
        request,
        "actor.html",
        {
            "title": actor.name,
            "actor": actor,
            "forces": queries.list_forces(session, actors=[slug]),
            "deployments": deployments,
            "summaries": {d.id: citations.summary("deployment", d.id) for d in deployments},
            "shown": {
                d.id: queries.shown_confidence(
                    d.confidence, citations.get(("deployment", d.id), [])
                )
                for d in deployments
            },
            "monthly": monthly,
            "peak": peak,
            "ticks": month_ticks([month for month, _ in monthly]),
            "record_history": history_view(session, "actor", slug),
        },
    )
