"""The sources page: the sources, their grades, the original each reprints, and what they back.

It is where a reader checks the evidence as a whole, so every backed record is named and linked
in words (a deployment reads as whose, where and when) rather than by its slug alone. It shows
one page of sources at a time and, under each, the first records it backs: after a large import
a source may back thousands of records, and the whole list would be a page of a hundred
megabytes. What needs every citation (which originals some record rests on alone) is counted in
the database. `/citations` lists every record one source backs, a page at a time.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import CTE, ColumnElement, Select, exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from app import queries
from app.deps import SessionDep
from app.models import (
    RECORD_TYPES,
    Actor,
    Citation,
    Deployment,
    Event,
    Force,
    Movement,
    Site,
    Source,
    Stance,
)
from app.pages.render import RELIABILITY, STATUS_TEXT, _error, _render, format_when
from app.paging import (
    PAGE_ROWS,
    SOURCE_ORDER,
    PageNumberError,
    count_rows,
    page_links,
    rows_page,
    sources_with_counts,
)

router = APIRouter()

SOURCE_FILTERS = {
    "no-link": "sources with no link recorded",
    "single-original": "sources that are the only original behind a record",
}
# Records listed under each source on /sources; the rest are a link away.
BACKED_SAMPLE = 10
# Reprints named under an original before "and N more".
RELAYS_SHOWN = 20
# A search longer than this is refused rather than turned into a very long query.
MAX_SEARCH = 200


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


def backed_entries(session: Session, citations: Sequence[Citation]) -> list[Backed]:
    """The records some citations back, named and linked: one query per record type."""
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for citation in citations:
        ids_by_type[citation.record_type].add(getattr(citation, f"{citation.record_type}_id"))
    slugs = {kind: queries.record_slugs(session, kind, ids) for kind, ids in ids_by_type.items()}
    hrefs = {kind: _record_hrefs(session, kind, list(ids)) for kind, ids in ids_by_type.items()}
    names = {kind: _record_names(session, kind, list(ids)) for kind, ids in ids_by_type.items()}
    entries = []
    for citation in citations:
        kind = citation.record_type
        record_id = getattr(citation, f"{kind}_id")
        slug = slugs[kind].get(record_id, "?")
        entries.append(
            Backed(
                kind, slug, hrefs[kind].get(record_id), citation, names[kind].get(record_id, slug)
            )
        )
    return entries


def source_roots() -> CTE:
    """Each source's id beside the original it ultimately relays (itself for an original).

    Built outward from the originals, so a cycle of relays (which import refuses, but a hand-
    edited database could hold) simply never joins and cannot loop.
    """
    base = (
        select(Source.id.label("id"), Source.id.label("root"))
        .where(Source.original_id.is_(None))
        .cte("source_root", recursive=True)
    )
    relay = aliased(Source)
    return base.union_all(select(relay.id, base.c.root).join(base, relay.original_id == base.c.id))


def _sole_roots(roots: CTE) -> Select[Any]:
    """(original, how many records rest on it alone): records whose supporting citations all
    go back to one original."""
    record_columns = [getattr(Citation, f"{kind}_id") for kind in RECORD_TYPES]
    per_record = (
        select(func.min(roots.c.root).label("root"))
        .select_from(Citation)
        .join(roots, roots.c.id == Citation.source_id)
        .where(Citation.stance == Stance.supports.value)
        .group_by(*record_columns)
        .having(func.count(func.distinct(roots.c.root)) == 1)
        .subquery()
    )
    return select(per_record.c.root, func.count()).group_by(per_record.c.root)


def _linked() -> ColumnElement[bool]:
    """The SQL form of render.web_url: only http(s) links count as links."""
    lowered = func.lower(Source.url)
    return or_(lowered.like("http://%"), lowered.like("https://%"))


def _matching(words: Sequence[str]) -> list[ColumnElement[bool]]:
    """Each word, ignoring case, in the id, publisher, title, description or a claim it backs."""
    conditions = []
    for word in words:
        wanted = word.lower()
        conditions.append(
            or_(
                Source.slug.contains(wanted, autoescape=True),
                func.lower(Source.publisher).contains(wanted, autoescape=True),
                func.lower(Source.title).contains(wanted, autoescape=True),
                func.lower(Source.description).contains(wanted, autoescape=True),
                exists().where(
                    Citation.source_id == Source.id,
                    func.lower(Citation.claim).contains(wanted, autoescape=True),
                ),
            )
        )
    return conditions


def _positions(session: Session, ids: set[int]) -> dict[int, int]:
    """Where sources stand in the unfiltered list (0-based), for links to another page."""
    if not ids:
        return {}
    ranked = select(
        Source.id.label("id"), (func.row_number().over(order_by=SOURCE_ORDER) - 1).label("at")
    ).subquery()
    rows = session.execute(select(ranked.c.id, ranked.c.at).where(ranked.c.id.in_(ids)))
    return {source_id: int(at) for source_id, at in rows}


def _backed_sample(session: Session, source_ids: list[int]) -> dict[int, list[Citation]]:
    """The first BACKED_SAMPLE citations of each source, oldest first."""
    if not source_ids:
        return {}
    rank = (
        func.row_number().over(partition_by=Citation.source_id, order_by=Citation.id).label("rank")
    )
    ranked = (
        select(Citation.id.label("id"), rank).where(Citation.source_id.in_(source_ids)).subquery()
    )
    grouped: dict[int, list[Citation]] = defaultdict(list)
    rows = session.scalars(
        select(Citation)
        .join(ranked, ranked.c.id == Citation.id)
        .where(ranked.c.rank <= BACKED_SAMPLE)
        .order_by(Citation.id)
    )
    for citation in rows:
        grouped[citation.source_id].append(citation)
    return grouped


@router.get("/sources", response_class=HTMLResponse)
def read_sources_page(
    request: Request,
    session: SessionDep,
    show: Annotated[str | None, Query()] = None,
    page: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The sources, a page at a time, with their grades, originals and the records they back."""
    unknown_parameters = sorted(set(request.query_params) - {"show", "page", "q"})
    if unknown_parameters:
        return _error(
            request,
            400,
            "Unknown parameter",
            f"{unknown_parameters[0]}: this page takes only show, page and q.",
        )
    if q is not None and len(q) > MAX_SEARCH:
        return _error(
            request, 400, "Search too long", f"q: at most {MAX_SEARCH} characters, please."
        )
    words = (q or "").split()
    if show not in (None, "", *SOURCE_FILTERS):
        return _error(
            request,
            400,
            "Unknown filter",
            f"show: “{show}” is not one of " + ", ".join(SOURCE_FILTERS) + ".",
        )
    roots = source_roots()
    sole_query = _sole_roots(roots)
    sole = {int(root): int(n) for root, n in session.execute(sole_query)}
    query = sources_with_counts()
    if show == "no-link":
        query = query.where(or_(Source.url.is_(None), not_(_linked())))
    elif show == "single-original":
        query = query.where(
            Source.id.in_(
                select(roots.c.id).where(roots.c.root.in_(select(sole_query.subquery().c.root)))
            )
        )
    if words:
        query = query.where(*_matching(words))
    try:
        shown = rows_page(session, query, page, scalars=False)
    except PageNumberError as exc:
        return _error(request, exc.status, "No such page", str(exc))
    sources: list[tuple[Source, int]] = [(s, int(n)) for s, n in shown.items]
    by_id = {source.id: source for source, _n in sources}
    originals = queries.original_sources(session, by_id)
    # Reprints of the originals on this page, wherever they are in the list.
    reprinted_by: dict[int, list[Source]] = defaultdict(list)
    reprint_counts: dict[int, int] = defaultdict(int)
    relays = session.execute(
        select(Source, roots.c.root)
        .join(roots, roots.c.id == Source.id)
        .where(roots.c.root.in_(list(by_id)), Source.id != roots.c.root)
        .order_by(*SOURCE_ORDER)
    )
    for relay, root in relays:
        reprint_counts[root] += 1
        if len(reprinted_by[root]) < RELAYS_SHOWN:
            reprinted_by[root].append(relay)
    # A link to a source on another page goes to that page.
    elsewhere = {o.id for o in originals.values()} | {
        r.id for found in reprinted_by.values() for r in found
    }
    positions = _positions(session, elsewhere - set(by_id))

    def source_href(source: Source) -> str:
        if source.id in by_id:
            return f"#source-{source.slug}"
        number = positions.get(source.id, 0) // PAGE_ROWS + 1
        return f"/sources{f'?page={number}' if number > 1 else ''}#source-{source.slug}"

    sample = _backed_sample(session, list(by_id))
    entries = backed_entries(session, [c for found in sample.values() for c in found])
    backed: dict[int, list[Backed]] = defaultdict(list)
    for entry in entries:
        backed[entry.citation.source_id].append(entry)
    total = count_rows(session, select(Source.id))
    linked = count_rows(session, select(Source.id).where(_linked()))
    return _render(
        request,
        "sources.html",
        {
            "title": "Sources",
            "sources": sources,
            "shown": shown,
            "paging": page_links(request, shown),
            "total": total,
            "linked": linked,
            "show": show or "",
            "q": q or "",
            "filters": SOURCE_FILTERS,
            "backed": backed,
            "reliability": RELIABILITY,
            "originals": originals,
            "reprinted_by": reprinted_by,
            "reprint_counts": reprint_counts,
            "source_href": source_href,
            "sole": sole,
        },
    )


# What /citations can list the citations of: a source, or one record of these kinds.
CITED_RECORDS = {
    "deployment": Deployment,
    "movement": Movement,
    "event": Event,
    "site": Site,
    "force": Force,
    "actor": Actor,
}


@router.get("/citations", response_class=HTMLResponse)
def read_citations_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Every citation of one source (`?source=`) or of one record (`?deployment=` ...), paged."""
    accepted = {"source", *CITED_RECORDS}
    unknown_parameters = sorted(set(request.query_params) - accepted - {"page"})
    if unknown_parameters:
        return _error(
            request,
            400,
            "Unknown parameter",
            f"{unknown_parameters[0]}: this page takes page and one of "
            + ", ".join(sorted(accepted))
            + ".",
        )
    chosen = [name for name in request.query_params if name in accepted]
    if len(chosen) != 1 or not request.query_params[chosen[0]]:
        return _error(
            request,
            400,
            "Whose citations?",
            "source: give one source or record, e.g. ?source=… or ?deployment=….",
        )
    kind, slug = chosen[0], request.query_params[chosen[0]]
    requested = request.query_params.get("page")
    if kind == "source":
        found = session.scalar(select(Source).where(Source.slug == slug))
        if found is None:
            return _error(request, 404, "Not found", f"source: no source with the id “{slug}”.")
        query = select(Citation).where(Citation.source_id == found.id).order_by(Citation.id)
        try:
            shown = rows_page(session, query, requested)
        except PageNumberError as exc:
            return _error(request, exc.status, "No such page", str(exc))
        return _render(
            request,
            "citations.html",
            {
                "title": f"Records backed by {found.publisher}",
                "source": found,
                "entries": backed_entries(session, shown.items),
                "shown": shown,
                "paging": page_links(request, shown),
                "nav": "sources",
            },
        )
    model = CITED_RECORDS[kind]
    record_id = session.scalar(select(model.id).where(model.slug == slug))  # type: ignore[attr-defined]
    if record_id is None:
        return _error(request, 404, "Not found", f"{kind}: no {kind} with the id “{slug}”.")
    query = (
        select(Citation)
        .join(Citation.source)
        .options(joinedload(Citation.source))
        .where(getattr(Citation, f"{kind}_id") == record_id)
        .order_by(Source.reliability, Citation.credibility, Citation.id)
    )
    try:
        shown = rows_page(session, query, requested)
    except PageNumberError as exc:
        return _error(request, exc.status, "No such page", str(exc))
    named = backed_entries(session, shown.items[:1])
    record = named[0] if named else None
    originals = queries.original_sources(session, {c.source_id: c.source for c in shown.items})
    return _render(
        request,
        "citations.html",
        {
            "title": f"Citations of {kind} {slug}",
            "source": None,
            "record": record,
            "kind": kind,
            "slug": slug,
            "citations": shown.items,
            "originals": originals,
            "shown": shown,
            "paging": page_links(request, shown),
            "nav": "sources",
        },
    )
