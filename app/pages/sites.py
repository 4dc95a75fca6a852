"""A site's page: who is there now, where it is, who was there when, and the sources behind it.

It starts with the answer (the forces present on `date`, else on the data's last day, each with
since when it has been there, and the forces that left last); the records behind it follow, in
sections a phone shows folded.

The page groups each record's citations by stance and names the originals behind reprints here,
so the template only lays them out. A busy site can hold thousands of deployments and each
record hundreds of citations, so the page shows its records a page at a time (`page` for the
deployments, `movements_page`, `events_page`) and, beside each record, its citation counts and
best grade over every citation with only the best few listed; "show all" leads to /citations.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app import queries
from app.deps import SessionDep
from app.models import Citation, Source
from app.pages.charts import presence_lanes
from app.pages.history import history_view
from app.pages.render import _error, _render, _tiles
from app.pages.table import _parse_date
from app.paging import PageNumberError, SampledCitations, page_links, rows_page, sampled_citations

router = APIRouter()

PAGE_PARAMETERS = ("page", "movements_page", "events_page")


@dataclass
class Cited:
    """A record's citations as a page shows them: by stance, with the originals behind reprints.

    The lists may be the best few of many; `summary` and `total` count every citation.
    """

    supporting: list[Citation]
    disputing: list[Citation]
    context: list[Citation]
    summary: queries.CitationSummary
    originals: dict[int, Source]
    total: int = 0
    all_href: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.supporting or self.disputing or self.context)

    @property
    def listed(self) -> int:
        return len(self.supporting) + len(self.disputing) + len(self.context)

    @property
    def more(self) -> bool:
        return self.total > self.listed

    def relays(self, citation: Citation) -> Source | None:
        """The original a cited source reprints, or None when it is an original itself."""
        original = self.originals.get(citation.source_id)
        return original if original is not None and original.id != citation.source_id else None


def cited(index: SampledCitations, record_type: str, record_id: int, slug: str) -> Cited:
    found = index.get((record_type, record_id), [])
    return Cited(
        supporting=[c for c in found if c.stance == "supports"],
        disputing=[c for c in found if c.stance == "disputes"],
        context=[c for c in found if c.stance == "context"],
        summary=index.summary(record_type, record_id),
        originals=index.originals,
        total=index.total(record_type, record_id),
        all_href="/citations?" + urlencode({record_type: slug}),
    )


@router.get("/sites/{slug}", response_class=HTMLResponse)
def read_site_page(
    request: Request,
    session: SessionDep,
    slug: str,
    page: Annotated[str | None, Query()] = None,
    movements_page: Annotated[str | None, Query()] = None,
    events_page: Annotated[str | None, Query()] = None,
    date: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """One site: who is there now, who was there when, and which sources say so."""
    site = queries.site_by_slug(session, slug)
    if site is None:
        return _error(request, 404, "Site not found", f"There is no site with the id “{slug}”.")
    try:
        asked = _parse_date(date)
    except ValueError as error:
        return _error(request, 400, "Not a date", f"date: “{date}” is not a date; {error}.")
    # The answer the page starts with: the state on the asked date, else on the data's last day
    # (today when the data runs past it).
    span = queries.dataset_span(session)
    presence = queries.site_presence(session, site.id, asked or queries.default_date(session))
    try:
        records = queries.records_at_site(site.id)
        deployments = rows_page(session, records.deployments, page)
        movements = rows_page(
            session, records.movements, movements_page, field_name="movements_page"
        )
        events = rows_page(session, records.events, events_page, field_name="events_page")
    except PageNumberError as exc:
        return _error(request, exc.status, "No such page", str(exc))
    cites = sampled_citations(
        session,
        # The forces present now are cited in the answer at the top, even when on another page.
        deployment=list(
            dict.fromkeys(
                [d.id for d in deployments.items] + [p.deployment.id for p in presence.present]
            )
        ),
        movement=[m.id for m in movements.items],
        event=[e.id for e in events.items],
        site=[site.id],
    )
    # The site's source list is whole only when every record and citation is on this page.
    complete = all(p.pages == 1 for p in (deployments, movements, events)) and all(
        n == len(cites.get(key, [])) for key, n in cites.counts.items()
    )
    today = dt.date.today()
    axis, lanes = (None, []) if not deployments.items else presence_lanes(deployments.items, today)
    return _render(
        request,
        "site.html",
        {
            "title": site.name,
            "site": site,
            "presence": presence,
            "presence_asked": asked is not None,
            "data_ends": span[1] if span else None,
            "deployments": deployments,
            "movements": movements,
            "events": events,
            "deployment_pages": page_links(request, deployments),
            "movement_pages": page_links(request, movements, "movements_page"),
            "event_pages": page_links(request, events, "events_page"),
            "axis": axis,
            "lanes": lanes,
            "cites": lambda kind, record: cited(cites, kind, record.id, record.slug),
            "shown_confidence": lambda kind, record: queries.shown_confidence(
                record.confidence, cites.get((kind, record.id), [])
            ),
            "site_citations": cited(cites, "site", site.id, site.slug),
            "sources_complete": complete,
            "sources": queries.distinct_sources(c for found in cites.values() for c in found),
            "today_percent": axis.percent(today) if axis else None,
            "record_history": history_view(session, "site", slug),
            **_tiles(request),
        },
    )
