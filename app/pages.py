"""HTML pages; they call the same query functions as the API.

Everything a page shows is rendered here on the server (tables stay readable without JavaScript);
the map page only hands the browser its settings and lets static/js fetch the API.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app import queries
from app.deps import SessionDep
from app.io import geojson
from app.models import Actor, Citation, Deployment, Event, Force, Movement, Site, Source
from app.settings import PROJECT_ROOT, Settings

router = APIRouter(include_in_schema=False)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
STATUS_TEXT = {
    "active": "active",
    "drawdown": "drawing down",
    "contested": "contested",
    "withdrawn": "withdrawn",
}
GEO_PRECISION = {1: "the place itself", 2: "near a known place", 3: "only the region is known"}
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Bars narrower than this (percent of the axis) would vanish; a one-week stay must still show.
MIN_BAR_PERCENT = 0.6


def format_when(day: dt.date | None, precision: str | None = "day") -> str:
    """A date as precisely as it is known: "23 Jan 2026", "week of 19 Jan 2026", "Jan 2026"."""
    if day is None:
        return ""
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"week of {text}" if precision == "week" else text


def format_last_present(end: dt.date | None, precision: str | None = "day") -> str:
    """A deployment's end as readers count it: the last day there, not the first day gone.

    Stored ends are exclusive (first day absent); a coarse end names the period it fell in.
    """
    if end is None:
        return ""
    if precision in (None, "day"):
        return format_when(end - dt.timedelta(days=1))
    return f"{format_when(end, precision)} (end known only to the {precision})"


def format_grade(reliability: str | None, credibility: int | None = None) -> str:
    return f"{reliability or '?'}{credibility if credibility is not None else ''}"


def describe_grade(reliability: str | None, credibility: int | None = None) -> str:
    """The Admiralty grade spelt out, for a title attribute."""
    parts = [f"source {RELIABILITY.get(reliability or '', 'ungraded')}"]
    if credibility is not None:
        parts.append(f"claim {CREDIBILITY.get(credibility, 'ungraded')}")
    return "; ".join(parts)


def hex_color(value: str | None) -> str:
    """Only #rrggbb reaches a style attribute."""
    return value if value and HEX_COLOR.match(value) else "#777777"


def web_url(value: str | None) -> str | None:
    """Only http(s) links become hrefs; anything else is shown as text."""
    if value and value.lower().startswith(("http://", "https://")):
        return value
    return None


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


def _make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = format_when
    env.filters["grade"] = format_grade
    env.filters["last_present"] = format_last_present
    env.filters["hex_color"] = hex_color
    env.filters["web_url"] = web_url
    env.globals["describe_grade"] = describe_grade
    env.globals["geo_precision_text"] = lambda code: GEO_PRECISION.get(code or 1, "unknown")
    env.globals["status_text"] = lambda value: STATUS_TEXT.get(value, value.replace("_", " "))
    env.globals["label"] = lambda value: (value or "").replace("_", " ")
    env.globals["plural"] = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"
    return Jinja2Templates(env=env)


templates = _make_templates()


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _tiles(request: Request) -> dict[str, str]:
    """Remote tile settings for a page's map; an empty URL means the offline basemap alone."""
    settings = _settings(request)
    return {
        "tile_url": settings.tile_url if settings.remote_tiles else "",
        "tile_attribution": settings.tile_attribution,
    }


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    context.setdefault("site_name", _settings(request).site_name)
    context.setdefault("nav", name.removesuffix(".html"))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _error(
    request: Request, status_code: int, title: str, message: str, **extra: Any
) -> HTMLResponse:
    template = "404.html" if status_code == 404 else "error.html"
    context = {"title": title, "message": message, "status_code": status_code, **extra}
    return _render(request, template, context, status_code=status_code)


def not_found_page(request: Request) -> HTMLResponse:
    """The HTML 404 for a path no route matches (for an exception handler in main.py)."""
    return _error(request, 404, "Page not found", f"Nothing lives at {request.url.path}.")


def default_date(session: Session) -> dt.date:
    """Today, unless the dataset ends earlier (then its last day) or starts later."""
    today = dt.date.today()
    span = queries.dataset_span(session)
    if span is None:
        return today
    return min(max(today, span[0]), span[1])


def _parse_date(value: str | None) -> dt.date | None:
    """YYYY-MM-DD only: fromisoformat alone would also take 20260125 or 2026-W04."""
    if not value:
        return None
    if not ISO_DATE.match(value):
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def _unknown_actors(session: Session, slugs: Sequence[str]) -> list[str]:
    try:
        queries.check_actor_slugs(session, slugs)
    except queries.UnknownSlugs as exc:
        return exc.slugs
    return []


ActorQuery = Annotated[list[str] | None, Query()]


@router.get("/", response_class=HTMLResponse)
def read_map(request: Request, session: SessionDep, actor: ActorQuery = None) -> HTMLResponse:
    """The map; the browser fetches the data from the API and keeps the view in the URL."""
    span = queries.dataset_span(session)
    slugs = [s for s in (actor or []) if s]
    return _render(
        request,
        "map.html",
        {
            "title": "Map",
            "span": span,
            "default_date": default_date(session),
            "unknown_actors": _unknown_actors(session, slugs),
            **_tiles(request),
        },
    )


@dataclass
class Bar:
    """One deployment as a bar on a presence timeline, in percent of the axis."""

    deployment: Deployment
    left: float
    width: float
    open_end: bool


@dataclass
class Lane:
    label: str
    actor: Actor
    bars: list[Bar]


@dataclass
class Axis:
    start: dt.date
    end: dt.date
    ticks: list[tuple[float, str]]

    def percent(self, day: dt.date) -> float:
        total = (self.end - self.start).days or 1
        return max(0.0, min(100.0, (day - self.start).days * 100 / total))


def _tick_step(years: int) -> int:
    """Years between labelled ticks, so that about a dozen labels fit however long the span."""
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if years / candidate <= 12:
            return candidate
    return max(1, -(-years // 12))


def year_axis(first: dt.date, last: dt.date) -> Axis:
    """Whole years around [first, last], with a tick every 1, 2, 5 or 10 years."""
    start = dt.date(first.year, 1, 1)
    end = dt.date(last.year + 1, 1, 1)
    years = end.year - start.year
    step = _tick_step(years)
    axis = Axis(start, end, [])
    first_tick = start.year + (-start.year) % step
    axis.ticks = [
        (axis.percent(dt.date(year, 1, 1)), str(year)) for year in range(first_tick, end.year, step)
    ]
    return axis


def presence_lanes(deployments: Sequence[Deployment], today: dt.date) -> tuple[Axis, list[Lane]]:
    """One lane per force, its deployments as bars; an open end runs to today."""
    firsts = [d.start_date for d in deployments]
    lasts = [d.present_until or max(today, d.start_date) for d in deployments]
    axis = year_axis(min(firsts), max(lasts))
    lanes: dict[int, Lane] = {}
    for deployment in deployments:
        force = deployment.force
        lane = lanes.setdefault(force.id, Lane(force.name, force.actor, []))
        end = deployment.present_until or max(today, deployment.start_date)
        left = axis.percent(deployment.start_date)
        width = max(MIN_BAR_PERCENT, axis.percent(end) - left)
        lane.bars.append(Bar(deployment, left, min(width, 100 - left), deployment.end_date is None))
    return axis, sorted(lanes.values(), key=lambda lane: (lane.actor.name, lane.label))


def _unique_sources(citations: Iterable[Citation]) -> list[Source]:
    seen: dict[int, Source] = {}
    for citation in citations:
        seen.setdefault(citation.source_id, citation.source)
    return sorted(seen.values(), key=lambda s: (s.reliability, s.publisher, s.title))


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
            "sources": _unique_sources(c for found in cites.values() for c in found),
            "today_percent": axis.percent(today) if axis else None,
            **_tiles(request),
        },
    )


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def sites_per_month(deployments: Sequence[Deployment], last: dt.date) -> list[tuple[dt.date, int]]:
    """How many distinct sites had this actor's forces on some day of each month, up to `last`.

    Withdrawn rows record that a site was vacated, so they do not count as holding it; the chart
    stops at the dataset's last dated record rather than running open ends on to today.
    """
    held = [d for d in deployments if d.status != "withdrawn" and d.start_date <= last]
    if not held:
        return []
    counts = []
    for month in _month_starts(min(d.start_date for d in held), last):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        sites = {
            d.site_id
            for d in held
            if d.start_date < following and (d.present_until is None or d.present_until > month)
        }
        counts.append((month, len(sites)))
    return counts


def month_ticks(months: Sequence[dt.date]) -> list[tuple[float, str]]:
    """Year labels under a chart of one bar per month, in percent of its width."""
    if not months:
        return []
    years = months[-1].year - months[0].year + 1
    step = _tick_step(years)
    return [
        (index * 100 / len(months), str(month.year))
        for index, month in enumerate(months)
        if month.month == 1 and month.year % step == 0
    ]


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
        },
    )


@dataclass
class Backed:
    """One record a source backs, named and linked for the sources page."""

    record_type: str
    slug: str
    href: str | None
    citation: Citation
    name: str = ""


def _record_sites(session: Session, record_type: str, ids: Sequence[int]) -> dict[int, str]:
    """The site page each record belongs on (deployments, movements, events and sites)."""
    if record_type == "deployment":
        query = select(Deployment.id, Site.slug).join(Site, Deployment.site_id == Site.id)
        query = query.where(Deployment.id.in_(ids))
    elif record_type == "movement":
        query = select(Movement.id, Site.slug).join(Site, Movement.from_site_id == Site.id)
        query = query.where(Movement.id.in_(ids))
    elif record_type == "event":
        query = select(Event.id, Site.slug).join(Site, Event.site_id == Site.id)
        query = query.where(Event.id.in_(ids))
    elif record_type == "site":
        query = select(Site.id, Site.slug).where(Site.id.in_(ids))
    else:
        return {}
    return {row[0]: row[1] for row in session.execute(query)}


def _record_hrefs(session: Session, record_type: str, ids: Sequence[int]) -> dict[int, str]:
    if record_type == "actor":
        return {i: f"/actors/{s}" for i, s in queries.record_slugs(session, "actor", ids).items()}
    if record_type == "force":
        rows = session.execute(
            select(Force.id, Actor.slug)
            .join(Actor, Force.actor_id == Actor.id)
            .where(Force.id.in_(ids))
        )
        return {row[0]: f"/actors/{row[1]}" for row in rows}
    return {i: f"/sites/{s}" for i, s in _record_sites(session, record_type, ids).items()}


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
        rows = session.execute(
            select(
                Deployment.id,
                Force.name,
                Site.name,
                Deployment.status,
                Deployment.start_date,
                Deployment.start_precision,
                Deployment.end_date,
                Deployment.end_precision,
            )
            .join(Force, Deployment.force_id == Force.id)
            .join(Site, Deployment.site_id == Site.id)
            .where(Deployment.id.in_(ids))
        )
        return {
            row[0]: f"{row[1]} at {row[2]} ({STATUS_TEXT.get(row[3], row[3])}, "
            f"{_span_text(row[4], row[5], row[6], row[7])})"
            for row in rows
        }
    if record_type == "movement":
        origin, destination = aliased(Site), aliased(Site)
        rows = session.execute(
            select(Movement.id, Force.name, origin.name, destination.name, Movement.to_label)
            .join(Force, Movement.force_id == Force.id)
            .join(origin, Movement.from_site_id == origin.id)
            .outerjoin(destination, Movement.to_site_id == destination.id)
            .where(Movement.id.in_(ids))
        )
        return {
            row[0]: f"{row[1]} {row[2]} → {row[3] or row[4] or 'unknown destination'}"
            for row in rows
        }
    columns = {
        "event": (Event.id, Event.title),
        "site": (Site.id, Site.name),
        "force": (Force.id, Force.name),
        "actor": (Actor.id, Actor.name),
    }.get(record_type)
    if columns is None:
        return {}
    key, name = columns
    return {row[0]: row[1] for row in session.execute(select(key, name).where(key.in_(ids)))}


@router.get("/about", response_class=HTMLResponse)
def read_about_page(request: Request, session: SessionDep) -> HTMLResponse:
    """What the dataset covers, up to when, and how grades and confidence are worked out."""
    return _render(
        request,
        "about.html",
        {
            "title": "About the data",
            "overview": queries.dataset_overview(session),
            "reliability": RELIABILITY,
            "credibility": CREDIBILITY,
        },
    )


SOURCE_FILTERS = {
    "no-link": "sources with no link recorded",
    "single-original": "sources that are the only original behind a record",
}


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


@router.get("/table", response_class=HTMLResponse)
def read_table(
    request: Request,
    session: SessionDep,
    date: Annotated[str | None, Query()] = None,
    actor: ActorQuery = None,
) -> HTMLResponse:
    """The map's state at a date as a plain, sortable table, with download links."""
    actors = queries.list_actors(session)
    unknown_parameters = sorted(set(request.query_params) - {"date", "actor"})
    if unknown_parameters:
        return _error(
            request,
            400,
            "Unknown parameter",
            f"{unknown_parameters[0]}: this page takes only date and actor.",
            actors=actors,
        )
    try:
        on = _parse_date(date) or default_date(session)
    except ValueError:
        return _error(
            request,
            400,
            "Not a date",
            f"date: “{date}” is not a date; write it as YYYY-MM-DD, e.g. 2026-01-25.",
            actors=actors,
        )
    slugs = [s for s in (actor or []) if s]
    # No `actor` at all means every actor; `actor=` with no slug (the map with none ticked) means
    # none, as on the map.
    none_selected = actor is not None and not slugs
    unknown = _unknown_actors(session, slugs)
    if unknown:
        return _error(
            request,
            400,
            "Unknown actor",
            "actor: no actor with the id " + ", ".join(f"“{s}”" for s in unknown) + ".",
            actors=actors,
        )
    deployments = [] if none_selected else queries.state_at(session, on, actors=slugs)
    citations = queries.citations_for(session, deployment=[d.id for d in deployments])
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
