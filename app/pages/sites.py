"""A site's page: where it is, who was there when, and the sources behind each claim.

The page groups each record's citations by stance and names the originals behind reprints here,
so the template only lays them out.
"""

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import queries
from app.deps import SessionDep
from app.models import Citation, Source
from app.pages.charts import presence_lanes
from app.pages.history import history_view
from app.pages.render import _error, _render, _tiles

router = APIRouter()


@dataclass
class Cited:
    """A record's citations as a page shows them: by stance, with the originals behind reprints."""

    supporting: list[Citation]
    disputing: list[Citation]
    context: list[Citation]
    summary: queries.CitationSummary
    originals: dict[int, Source]

    @property
    def empty(self) -> bool:
        return not (self.supporting or self.disputing or self.context)

    def relays(self, citation: Citation) -> Source | None:
        """The original a cited source reprints, or None when it is an original itself."""
        original = self.originals.get(citation.source_id)
        return original if original is not None and original.id != citation.source_id else None


def cited(index: queries.CitationIndex, record_type: str, record_id: int) -> Cited:
    found = index.get((record_type, record_id), [])
    return Cited(
        supporting=[c for c in found if c.stance == "supports"],
        disputing=[c for c in found if c.stance == "disputes"],
        context=[c for c in found if c.stance == "context"],
        summary=index.summary(record_type, record_id),
        originals=index.originals,
    )


@router.get("/sites/{slug}", response_class=HTMLResponse)
def read_site_page(request: Request, session: SessionDep, slug: str) -> HTMLResponse:
    """One site: where it is, who was there when, and which sources say so."""
    history = queries.site_history(session, slug)
    if history is None:
        return _error(request, 404, "Site not found", f"There is no site with the id “{slug}”.")
    today = dt.date.today()
    axis, lanes = (
        (None, []) if not history.deployments else presence_lanes(history.deployments, today)
    )
    cites = history.citations
    return _render(
        request,
        "site.html",
        {
            "title": history.site.name,
            "site": history.site,
            "history": history,
            "axis": axis,
            "lanes": lanes,
            "cites": lambda kind, record: cited(cites, kind, record.id),
            "shown_confidence": lambda kind, record: queries.shown_confidence(
                record.confidence, cites.get((kind, record.id), [])
            ),
            "site_citations": cited(cites, "site", history.site.id),
            "sources": queries.distinct_sources(c for found in cites.values() for c in found),
            "today_percent": axis.percent(today) if axis else None,
            "record_history": history_view(session, "site", slug),
            **_tiles(request),
        },
    )
