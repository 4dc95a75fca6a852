"""The compare page: what changed between two dates, per site and force, in words, with sources.

It reads `from`, `to` and `actor` as /api/v1/compare does, so the page, its JSON and its CSV
answer the same question. With a date missing it shows only the form; a bad date, an unknown
actor or a stray parameter shows the form again with a 400 and the reason, because a comparison
that silently used other dates would be mistaken for the answer.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app import compare, queries
from app.dates import read_typed_date
from app.deps import SessionDep
from app.models import Deployment, Movement, Site
from app.pages.render import ActorQuery, _render
from app.pages.sites import Cited, cited
from app.paging import PageNumberError, page_links, page_slice, sampled_citations

router = APIRouter(include_in_schema=False)

PARAMETERS = ("from", "to", "actor", "page")
# With more changes than this, each change's records and sources start folded.
OPEN_EVIDENCE_UP_TO = 6


class BadInput(ValueError):
    pass


def _parse_day(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return read_typed_date(value)
    except ValueError as error:
        raise BadInput(f"{name}: “{value}” is not a date; {error}.") from None


@dataclass
class Record:
    """A deployment or movement behind a change, with its citations as the page shows them."""

    deployment: Deployment | None
    movement: Movement | None
    view: Cited


@dataclass
class ChangeView:
    change: compare.Change
    text: str
    records: list[Record]


@dataclass
class SiteGroup:
    site: Site
    changes: list[ChangeView] = field(default_factory=list)


def _groups(
    session: SessionDep, found: compare.Changes, shown: list[compare.Change]
) -> list[SiteGroup]:
    """The shown changes by site (a move listed under its origin), in changes_between's order,
    with the best few citations of each record behind them."""
    deployments = {d.id: d for c in shown for d in c.deployments}
    movements = {m.id: m for c in shown for m in c.movements}
    index = sampled_citations(session, deployment=list(deployments), movement=list(movements))
    groups: dict[int, SiteGroup] = {}
    for change in shown:
        records = [
            Record(d, None, cited(index, "deployment", d.id, d.slug)) for d in change.deployments
        ] + [Record(None, m, cited(index, "movement", m.id, m.slug)) for m in change.movements]
        group = groups.setdefault(change.site.id, SiteGroup(change.site))
        group.changes.append(
            ChangeView(change, compare.sentence(change, found.start, found.end), records)
        )
    return list(groups.values())


@router.get("/compare", response_class=HTMLResponse)
def read_compare_page(
    request: Request,
    session: SessionDep,
    first: Annotated[str | None, Query(alias="from")] = None,
    second: Annotated[str | None, Query(alias="to")] = None,
    actor: ActorQuery = None,
    page: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Two dates compared: who appeared, left, moved or changed, site by site, with sources."""
    actors = queries.list_actors(session)
    slugs = [s for s in (actor or []) if s]
    context: dict[str, Any] = {
        "title": "Compare two dates",
        "actors": actors,
        "selected": set(slugs),
        "given_from": first or "",
        "given_to": second or "",
        "span": queries.dataset_span(session),
        "default_to": queries.default_date(session),
        "error": None,
        "found": None,
        "groups": [],
        "paging": None,
        "nav": "compare",
    }
    try:
        unknown = sorted(set(request.query_params) - set(PARAMETERS))
        if unknown:
            raise BadInput(f"{unknown[0]}: this page takes only from, to, actor and page.")
        start, end = _parse_day("from", first), _parse_day("to", second)
        missing = queries.unknown_actor_slugs(session, slugs)
        if missing:
            names = ", ".join(f"“{s}”" for s in missing)
            raise BadInput(f"actor: no actor with the id {names}.")
    except BadInput as exc:
        context["error"] = str(exc)
        return _render(request, "compare.html", context, status_code=400)
    if start is None or end is None:
        return _render(request, "compare.html", context)

    found = compare.changes_between(session, start, end, slugs, with_citations=False)
    # A worldwide dataset can change at thousands of sites between two years: a page at a time.
    try:
        shown = page_slice(found.changes, page)
    except PageNumberError as exc:
        context["error"] = str(exc)
        return _render(request, "compare.html", context, status_code=exc.status)
    params = urlencode(
        [("from", found.start.isoformat()), ("to", found.end.isoformat())]
        + [("actor", s) for s in found.actors]
    )
    map_params = urlencode(
        [("date", found.end.isoformat()), ("compare", found.start.isoformat())]
        + [("actor", s) for s in found.actors]
    )
    context.update(
        {
            "title": f"Changes from {compare.day_text(found.start)} to "
            f"{compare.day_text(found.end)}",
            "given_from": found.start.isoformat(),
            "given_to": found.end.isoformat(),
            "found": found,
            "counts": found.counts(),
            "kind_text": compare.KIND_TEXT,
            "groups": _groups(session, found, shown.items),
            "paging": page_links(request, shown),
            "open_evidence": len(shown.items) <= OPEN_EVIDENCE_UP_TO,
            "params": params,
            "map_params": map_params,
            "actor_names": [a.name for a in actors if a.slug in found.actors],
        }
    )
    return _render(request, "compare.html", context)
