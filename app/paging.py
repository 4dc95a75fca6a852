"""Bounded answers: a page of a query's rows with the total, and citations summed in SQL.

A list that grows with the data (sources, a busy site's deployments, the citations behind one
record) is never sent whole: pages and API lists take one page of rows plus the total, and a
record's citations are counted and graded in the database with only the first few loaded, so an
answer's size depends on the page, not on how much was imported.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from app import queries
from app.models import Citation, Source, Stance

T = TypeVar("T")
# A query of any columns (SQLAlchemy types a Select by the tuple of what it returns).
AnySelect = Select[*tuple[Any, ...]]

# Rows per page on HTML pages: a page stays a few hundred kilobytes even with every citation
# sample filled.
PAGE_ROWS = 100
# API lists: what a client gets without asking, and the most it may ask for at once.
API_DEFAULT_LIMIT = 1000
API_MAX_LIMIT = 10_000
# Far past any dataset, and well inside the 64-bit OFFSET both databases take.
API_MAX_OFFSET = 1_000_000_000
# Citations of each stance shown beside a record before "show all N".
CITATION_SAMPLE = 3
# SQLite refuses statements with more bound parameters than this (32766 since 3.32).
IN_CHUNK = 10_000


class PageNumberError(ValueError):
    """A page number that is not a whole number from 1 up to the last page.

    `status` is what a page answers: 400 for something that is not a page number, 404 for a
    page past the last one (the address is well formed; there is just nothing there).
    """

    def __init__(self, field_name: str, message: str, status: int = 400) -> None:
        self.field_name = field_name
        self.message = message
        self.status = status
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows: `items` start at row `offset` (0-based) of `total`."""

    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.items)
        return following if following < self.total else None

    @property
    def first_row(self) -> int:
        """1-based number of the first row shown, for "rows 101–200 of 350"."""
        return self.offset + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        return self.offset + len(self.items)


def count_rows(session: Session, query: AnySelect) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(session.scalar(counted) or 0)


def page_of(
    session: Session,
    query: AnySelect,
    *,
    offset: int,
    limit: int,
    scalars: bool = True,
    total: int | None = None,
) -> Page[Any]:
    """Rows `offset` to `offset + limit` of a query and how many rows it has in all.

    The query must order its rows completely (end with a unique column), or pages may overlap.
    """
    if total is None:
        total = count_rows(session, query)
    window = query.limit(limit).offset(offset)
    items: list[Any] = (
        list(session.scalars(window).unique()) if scalars else list(session.execute(window).all())
    )
    return Page(items=items, total=total, offset=offset, limit=limit)


def page_number(value: str | None, field_name: str = "page") -> int:
    """A page number from a URL: absent means 1; anything but 1, 2, 3 ... is refused."""
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise PageNumberError(field_name, f"“{value}” is not a page number; pages count from 1.")
    return int(value)


def check_in_range(page: Page[Any], field_name: str = "page") -> None:
    """A page past the last one is an error rather than an empty list mistaken for no data."""
    if page.number > page.pages:
        last = page.pages
        raise PageNumberError(
            field_name,
            f"there is no page {page.number}; the last page is {last} "
            f"({page.total} row{'' if page.total == 1 else 's'}).",
            status=404,
        )


def rows_page(
    session: Session,
    query: AnySelect,
    requested: str | None,
    *,
    field_name: str = "page",
    rows: int = PAGE_ROWS,
    scalars: bool = True,
) -> Page[Any]:
    """The page a reader asked for in `?{field_name}=`, checked: for HTML sections."""
    number = page_number(requested, field_name)
    total = count_rows(session, query)
    # Checked before the rows are asked for: a page number past the end may be too large for
    # the database's OFFSET (a 64-bit integer).
    check_in_range(Page(items=[], total=total, offset=(number - 1) * rows, limit=rows), field_name)
    return page_of(
        session, query, offset=(number - 1) * rows, limit=rows, scalars=scalars, total=total
    )


def page_slice(items: Sequence[T], requested: str | None, *, rows: int = PAGE_ROWS) -> Page[T]:
    """The same for a list already in memory (an answer a query function returns whole)."""
    number = page_number(requested)
    offset = (number - 1) * rows
    page = Page(
        items=list(items[offset : offset + rows]), total=len(items), offset=offset, limit=rows
    )
    check_in_range(page)
    return page


def page_links(request: Request, page: Page[Any], field_name: str = "page") -> dict[str, Any]:
    """What templates/_pager.html needs: the rows shown and the URLs of the pages around."""

    def url(number: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != field_name]
        if number > 1:
            params.append((field_name, str(number)))
        query = urlencode(params)
        return f"{request.url.path}?{query}" if query else request.url.path

    return {
        "page": page,
        "previous": url(page.number - 1) if page.number > 1 else None,
        "next": url(page.number + 1) if page.number < page.pages else None,
        "first": url(1) if page.number > 2 else None,
        "last": url(page.pages) if page.number < page.pages - 1 else None,
    }


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    id_list = sorted(set(ids))
    for start in range(0, len(id_list), IN_CHUNK):
        yield id_list[start : start + IN_CHUNK]


class SampledCitations(queries.CitationIndex):
    """A CitationIndex holding only the first few citations of each stance per record, with
    summaries (counts, independent originals, best grade) worked out over all of them.

    The sample is best first (reliability, then credibility), so the confidence a reader is
    shown (queries.shown_confidence: low unless some supporting source is graded A-C) reads the
    same from the sample as from every citation.
    """

    def __init__(self) -> None:
        super().__init__()
        self.summaries: dict[tuple[str, int], queries.CitationSummary] = {}
        self.counts: dict[tuple[str, int], int] = {}

    def summary(self, record_type: str, record_id: int) -> queries.CitationSummary:
        found = self.summaries.get((record_type, record_id))
        if found is None:
            return queries.CitationSummary()
        # Disputing citations are listed from the sample; the count stays the full one.
        sample = self.get((record_type, record_id), [])
        found.disputed_by = [c for c in sample if c.stance == Stance.disputes]
        return found

    def total(self, record_type: str, record_id: int) -> int:
        """Every citation of the record, whatever its stance."""
        return self.counts.get((record_type, record_id), 0)


def sampled_citations(
    session: Session, *, sample: int = CITATION_SAMPLE, **ids_by_type: Iterable[int]
) -> SampledCitations:
    """Summaries of many records' citations, and the best `sample` of each stance per record."""
    found = SampledCitations()
    grouped: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    # (record, source) -> [supporting, disputing, context, best supporting credibility]
    per_source: dict[tuple[str, int], dict[int, list[int]]] = defaultdict(dict)
    for record_type, ids in ids_by_type.items():
        column = getattr(Citation, f"{record_type}_id")
        for chunk in _chunks(ids):
            rank = (
                func.row_number()
                .over(
                    partition_by=(column, Citation.stance),
                    order_by=(Source.reliability, Citation.credibility, Citation.id),
                )
                .label("rank")
            )
            ranked = (
                select(Citation.id.label("id"), rank)
                .join(Source, Source.id == Citation.source_id)
                .where(column.in_(chunk))
                .subquery()
            )
            rows = session.scalars(
                select(Citation)
                .join(ranked, ranked.c.id == Citation.id)
                .join(Source, Source.id == Citation.source_id)
                .where(ranked.c.rank <= sample)
                .options(joinedload(Citation.source))
                .order_by(Source.reliability, Citation.credibility, Citation.id)
            )
            for citation in rows:
                grouped[(record_type, getattr(citation, f"{record_type}_id"))].append(citation)
            totals = session.execute(
                select(
                    column,
                    Citation.source_id,
                    Citation.stance,
                    func.count(),
                    func.min(Citation.credibility),
                )
                .where(column.in_(chunk))
                # Stance before source: grouped by source first, SQLite walks the whole
                # citation table through its source index for records whose column has no
                # index of its own (site, force, actor): 0.36 s instead of 0.03 s on 160k rows.
                .group_by(column, Citation.stance, Citation.source_id)
            )
            for record_id, source_id, stance, n, best in totals:
                tally = per_source[(record_type, record_id)].setdefault(source_id, [0, 0, 0, 7])
                tally[("supports", "disputes", "context").index(stance)] += n
                if stance == Stance.supports:
                    tally[3] = min(tally[3], best)
    found.update(grouped)
    cited = _sources(session, {s for tallies in per_source.values() for s in tallies})
    found.originals = queries.original_sources(session, cited)
    for key, tallies in per_source.items():
        found.summaries[key] = _summary(tallies, cited, found.originals)
        found.counts[key] = sum(t[0] + t[1] + t[2] for t in tallies.values())
    return found


def _sources(session: Session, source_ids: set[int]) -> dict[int, Source]:
    sources: dict[int, Source] = {}
    for chunk in _chunks(source_ids):
        found = session.scalars(select(Source).where(Source.id.in_(chunk)))
        sources.update((s.id, s) for s in found)
    return sources


def _summary(
    tallies: Mapping[int, list[int]], cited: Mapping[int, Source], originals: Mapping[int, Source]
) -> queries.CitationSummary:
    supporting = {source_id: t for source_id, t in tallies.items() if t[0]}
    summary = queries.CitationSummary(
        count=sum(t[0] for t in supporting.values()),
        independent=len({originals[s].id for s in supporting}),
        disputing=sum(t[1] for t in tallies.values()),
        context=sum(t[2] for t in tallies.values()),
    )
    if supporting:
        # The same rule as queries.summarize: the single best supporting citation, by the cited
        # source's letter first and then the claim's number (A6 and E1 make A6).
        best = min((cited[s].reliability, t[3]) for s, t in supporting.items())
        summary.best_reliability, summary.best_credibility = best
    return summary


def sources_with_counts() -> Select[Source, Any]:
    """Every source with how many citations it has, most reliable first, completely ordered."""
    counts = (
        select(Citation.source_id, func.count(Citation.id).label("n"))
        .group_by(Citation.source_id)
        .subquery()
    )
    return (
        select(Source, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.source_id == Source.id)
        .order_by(*SOURCE_ORDER)
    )


SOURCE_ORDER = (Source.reliability, Source.publisher, Source.title, Source.id)
