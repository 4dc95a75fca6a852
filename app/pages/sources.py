"""The sources page: every source, its grade, the original it reprints, and what it backs.

It is where a reader checks the evidence as a whole, so every backed record is named and linked
in words (a deployment reads as whose, where and when) rather than by its slug alone; the names
are fetched one query per record type so the page stays fast however many sources there are.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app import queries
from app.deps import SessionDep
from app.models import Citation, Source
from app.pages.render import RELIABILITY, STATUS_TEXT, _error, _render, format_when, web_url

router = APIRouter()

SOURCE_FILTERS = {
    "no-link": "sources with no link recorded",
    "single-original": "sources that are the only original behind a record",
}


@dataclass
class Backed:
    """One record a source backs, named and linked for the sources page."""

    record_type: str
    slug: str
    href: str | None
    citation: Citation
    name: str = ""


def _record_hrefs(session: Session, record_type: str, ids: Sequence[int]) -> dict[int, str]:
    """The page each record is shown on: its actor's for actors and forces, else its site's."""
    if record_type == "actor":
        return {i: f"/actors/{s}" for i, s in queries.record_slugs(session, "actor", ids).items()}
    if record_type == "force":
        return {i: f"/actors/{s}" for i, s in queries.force_actor_slugs(session, ids).items()}
    sites = queries.record_site_slugs(session, record_type, ids)
    return {i: f"/sites/{s}" for i, s in sites.items()}


def _span_text(
    start: dt.date, start_precision: str | None, end: dt.date | None, end_precision: str | None
) -> str:
    """A deployment's dates, its end as the last day there (stored ends are the first day gone)."""
    first = format_when(start, start_precision)
    if end is None:
        return f"from {first}"
    if end_precision in (None, "day"):
        return f"{first}–{format_when(end - dt.timedelta(days=1))}"
    return f"{first}–{format_when(end, end_precision)}"


def _record_names(session: Session, record_type: str, ids: Sequence[int]) -> dict[int, str]:
    """Readable names of records by id, one query per record type (never one per row)."""
    if not ids:
        return {}
    if record_type == "deployment":
        return {
            i: f"{d.force} at {d.site} ({STATUS_TEXT.get(d.status, d.status)}, "
            f"{_span_text(d.start_date, d.start_precision, d.end_date, d.end_precision)})"
            for i, d in queries.deployment_names(session, ids).items()
        }
    if record_type == "movement":
        return {
            i: f"{m.force} {m.origin} → {m.destination or m.to_label or 'unknown destination'}"
            for i, m in queries.movement_names(session, ids).items()
        }
    return queries.record_names(session, record_type, ids)


@router.get("/sources", response_class=HTMLResponse)
def read_sources_page(
    request: Request, session: SessionDep, show: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """Every source with its grade, its original if it is a reprint, and the records it backs."""
    unknown_parameters = sorted(set(request.query_params) - {"show"})
    if unknown_parameters:
        return _error(
            request,
            400,
            "Unknown parameter",
            f"{unknown_parameters[0]}: this page takes only show.",
        )
    if show not in (None, "", *SOURCE_FILTERS):
        return _error(
            request,
            400,
            "Unknown filter",
            f"show: “{show}” is not one of " + ", ".join(SOURCE_FILTERS) + ".",
        )
    sources = queries.list_sources(session)
    by_id = {source.id: source for source, _n in sources}
    originals = queries.original_sources(session, by_id)
    grouped = queries.source_citations(session)
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for found in grouped.values():
        for citation in found:
            ids_by_type[citation.record_type].add(getattr(citation, f"{citation.record_type}_id"))
    slugs = {kind: queries.record_slugs(session, kind, ids) for kind, ids in ids_by_type.items()}
    hrefs = {kind: _record_hrefs(session, kind, list(ids)) for kind, ids in ids_by_type.items()}
    names = {kind: _record_names(session, kind, list(ids)) for kind, ids in ids_by_type.items()}
    backed: dict[int, list[Backed]] = {}
    # Which originals each record's supporting citations go back to.
    record_originals: dict[tuple[str, int], set[int]] = defaultdict(set)
    for source_id, found in grouped.items():
        entries = []
        for citation in found:
            kind = citation.record_type
            record_id = getattr(citation, f"{kind}_id")
            slug = slugs[kind].get(record_id, "?")
            entries.append(
                Backed(
                    kind,
                    slug,
                    hrefs[kind].get(record_id),
                    citation,
                    names[kind].get(record_id, slug),
                )
            )
            if citation.stance == "supports":
                record_originals[(kind, record_id)].add(originals[source_id].id)
        backed[source_id] = entries
    # A source is a "single original" when some record it supports rests on it (or its
    # reprints) alone.
    sole: dict[int, int] = defaultdict(int)
    for roots in record_originals.values():
        if len(roots) == 1:
            sole[next(iter(roots))] += 1
    reprinted_by: dict[int, list[Source]] = defaultdict(list)
    for source, _n in sources:
        if originals[source.id].id != source.id:
            reprinted_by[originals[source.id].id].append(source)
    total = len(sources)
    if show == "no-link":
        sources = [(s, n) for s, n in sources if not web_url(s.url)]
    elif show == "single-original":
        sources = [(s, n) for s, n in sources if sole.get(originals[s.id].id)]
    linked = sum(1 for s in by_id.values() if web_url(s.url))
    return _render(
        request,
        "sources.html",
        {
            "title": "Sources",
            "sources": sources,
            "total": total,
            "linked": linked,
            "show": show or "",
            "filters": SOURCE_FILTERS,
            "backed": backed,
            "reliability": RELIABILITY,
            "originals": originals,
            "reprinted_by": reprinted_by,
            "sole": sole,
        },
    )
