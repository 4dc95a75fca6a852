"""An actor's page: its forces, every deployment of them, and how many sites it held each month.

The monthly count is drawn on the server (see charts) so the page needs no script. An actor of a
worldwide dataset fields thousands of forces and tens of thousands of deployments, so both lists
are shown a page at a time (`forces_page`, `page`), each deployment with its citations summed in
the database; the chart alone reads every deployment, as four plain columns.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import queries
from app.deps import SessionDep
from app.models import Deployment, Force, Site
from app.pages.charts import month_ticks, sites_per_month
from app.pages.history import history_view
from app.pages.render import _error, _render
from app.paging import PageNumberError, page_links, rows_page, sampled_citations

router = APIRouter()


@router.get("/actors/{slug}", response_class=HTMLResponse)
def read_actor_page(
    request: Request,
    session: SessionDep,
    slug: str,
    page: Annotated[str | None, Query()] = None,
    forces_page: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """One actor: its forces, the sites it held over time, and a monthly count of them."""
    actor = queries.actor_by_slug(session, slug)
    if actor is None:
        return _error(request, 404, "Actor not found", f"There is no actor with the id “{slug}”.")
    try:
        forces = rows_page(
            session,
            select(Force)
            .where(Force.actor_id == actor.id)
            .options(joinedload(Force.actor), joinedload(Force.parent))
            .order_by(Force.name, Force.id),
            forces_page,
            field_name="forces_page",
        )
        deployments = rows_page(
            session,
            select(Deployment)
            .join(Deployment.force)
            .join(Deployment.site)
            .where(Force.actor_id == actor.id)
            .options(*queries.DEPLOYMENT_LOADS)
            .order_by(Deployment.start_date, Site.name, Deployment.id),
            page,
        )
    except PageNumberError as exc:
        return _error(request, exc.status, "No such page", str(exc))
    # One citation per record is enough here: the table shows counts and the best grade, which
    # the summaries carry, and the best citation decides the confidence shown.
    citations = sampled_citations(session, sample=1, deployment=[d.id for d in deployments.items])
    held = session.execute(
        select(
            Deployment.site_id, Deployment.start_date, Deployment.present_until, Deployment.status
        )
        .join(Deployment.force)
        .where(Force.actor_id == actor.id)
    ).all()
    span = queries.dataset_span(session)
    # sites_per_month reads only these four attributes, which the rows carry by name.
    monthly = sites_per_month(
        cast(Sequence[Deployment], held), span[1] if span else dt.date.today()
    )
    peak = max((n for _, n in monthly), default=0)
    return _render(
        request,
        "actor.html",
        {
            "title": actor.name,
            "actor": actor,
            "forces": forces,
            "deployments": deployments,
            "force_pages": page_links(request, forces, "forces_page"),
            "deployment_pages": page_links(request, deployments),
            "summaries": {d.id: citations.summary("deployment", d.id) for d in deployments.items},
            "shown": {
                d.id: queries.shown_confidence(
                    d.confidence, citations.get(("deployment", d.id), [])
                )
                for d in deployments.items
            },
            "monthly": monthly,
            "peak": peak,
            "ticks": month_ticks([month for month, _ in monthly]),
            "record_history": history_view(session, "actor", slug),
        },
    )
