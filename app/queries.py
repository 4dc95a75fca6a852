"""The temporal core: what was where on a date, what changed over a range, one site's history.

Plain functions over a session, shared by the JSON API, the pages, the exports and the CLI.
Intervals are half-open: a deployment [start, end) is present on `start` and absent on `end`;
an open end is present forever.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    Select,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from app.models import (
    DEPLOYMENT_PERIOD,
    EVENT_KINDS,
    Actor,
    Citation,
    Confidence,
    Deployment,
    Event,
    Force,
    Movement,
    Site,
    Source,
    Stance,
)

EARLIEST = dt.date(1, 1, 1)
LATEST = dt.date(9999, 12, 31)
BUCKETS = ("day", "week", "month", "year")


class UnknownSlugs(ValueError):
    """A filter named records that do not exist (a typo must not answer an empty result)."""

    def __init__(self, field_name: str, slugs: Sequence[str]) -> None:
        self.field_name = field_name
        self.slugs = list(slugs)
        super().__init__(f"unknown {field_name}: {', '.join(self.slugs)}")


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float


@dataclass
class CitationSummary:
    """What a record's citations add up to. Only supporting citations grade and count it."""

    count: int = 0  # supporting citations
    independent: int = 0  # distinct originals among the supporting sources
    disputing: int = 0
    context: int = 0
    best_reliability: str | None = None
    best_credibility: int | None = None
    disputed_by: list[Citation] = field(default_factory=list)

    @property
    def disputed(self) -> bool:
        return self.disputing > 0

    @property
    def single_sourced(self) -> bool:
        return self.independent == 1

    def sources_text(self) -> str:
        """'2 independent sources', '3 reports of 1 original', 'no supporting source'."""
        if self.count == 0:
            return "no supporting source"
        if self.count == self.independent:
            noun = "source" if self.count == 1 else "sources"
            if self.independent == 1:
                return f"1 {noun} (single-sourced)"
            return f"{self.independent} independent {noun}"
        originals = "original" if self.independent == 1 else "independent originals"
        text = f"{self.count} reports of {self.independent} {originals}"
        return f"{text} (single-sourced)" if self.independent == 1 else text


class CitationIndex(dict[tuple[str, int], list[Citation]]):
    """Citations keyed by (record type, record id), with the original behind each source."""

    def __init__(self) -> None:
        super().__init__()
        # source id -> the source it ultimately reprints (itself when it is an original)
        self.originals: dict[int, Source] = {}

    def summary(self, record_type: str, record_id: int) -> "CitationSummary":
        return summarize(self.get((record_type, record_id), []), self.originals)

    def original_of(self, source: Source) -> Source:
        return self.originals.get(source.id, source)


@dataclass
class SiteHistory:
    site: Site
    deployments: list[Deployment]
    movements: list[Movement]
    events: list[Event]
    citations: "CitationIndex" = field(default_factory=lambda: CitationIndex())


def check_actor_slugs(session: Session, slugs: Sequence[str]) -> None:
    _check_slugs(session, Actor, "actor", slugs)


def check_event_kinds(kinds: Sequence[str]) -> None:
    unknown = [k for k in kinds if k not in EVENT_KINDS]
    if unknown:
        raise UnknownSlugs("kind", unknown)


def _check_slugs(session: Session, model: type, field_name: str, slugs: Sequence[str]) -> None:
    if not slugs:
        return
    found = set(session.scalars(select(model.slug).where(model.slug.in_(set(slugs)))))  # type: ignore[attr-defined]
    unknown = [s for s in dict.fromkeys(slugs) if s not in found]
    if unknown:
        raise UnknownSlugs(field_name, unknown)


# The day by which half of the deployments had started, by database and highest deployment id.
# Only which index is read depends on it, never the answer, so a value a few writes old is fine.
_median_starts: dict[tuple[str, int | None], dt.date | None] = {}
MEDIAN_STARTS_KEPT = 16  # databases per process (tests open many)


def median_start(session: Session) -> dt.date | None:
    """The day by which half of the deployments had started (one walk of the index, cached)."""
    last_id = session.scalar(select(func.max(Deployment.id)))
    key = (str(session.get_bind().engine.url), last_id)
    if key not in _median_starts:
        total = session.scalar(select(func.count()).select_from(Deployment)) or 0
        median = session.scalar(
            select(Deployment.start_date)
            .order_by(Deployment.start_date)
            .offset(total // 2)
            .limit(1)
        )
        if len(_median_starts) >= MEDIAN_STARTS_KEPT:
            _median_starts.clear()
        _median_starts[key] = median
    return _median_starts[key]


def present_during(session: Session, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """Deployments present on some day of [first, last]: start <= last and present_until > first.

    PostgreSQL asks the GiST index over the daterange. SQLite reads one covering index and never
    the table: before the median start, the rows that started by `last` in (start_date,
    present_until); after it, the open rows and those ending after `first` in (present_until,
    start_date). Either way it reads the smaller side; a plain `start <= D AND (end IS NULL OR
    end > D)` walks every row that started before D, most of the table for a recent D.
    docs/temporal-index.md has the figures.
    """
    if session.get_bind().dialect.name == "postgresql":
        if first == last:
            # Cast: an untyped literal would be read as a range, not as a day.
            return DEPLOYMENT_PERIOD.contains(cast(first, Date))
        return DEPLOYMENT_PERIOD.overlaps(Range(first, last, bounds="[]"))
    median = median_start(session)
    if median is not None and last < median:
        started = select(Deployment.id).where(
            Deployment.start_date <= last,
            or_(Deployment.present_until.is_(None), Deployment.present_until > first),
        )
        return Deployment.id.in_(started)
    still_open = select(Deployment.id).where(
        Deployment.present_until.is_(None), Deployment.start_date <= last
    )
    ending_later = select(Deployment.id).where(
        # unlikely(): tells SQLite's planner this side is the selective one (it is, after the
        # median start), or it would walk the start_date index instead.
        func.unlikely(Deployment.present_until > first),
        Deployment.start_date <= last,
    )
    return Deployment.id.in_(union_all(still_open, ending_later))


def _narrowed(query: Select, actors: Sequence[str], bbox: BBox | None) -> Select:
    if actors:
        query = query.where(Actor.slug.in_(actors))
    if bbox is not None:
        query = query.where(
            Site.lat.between(bbox.south, bbox.north), Site.lon.between(bbox.west, bbox.east)
        )
    return query


# What a card names beside each kind of record, loaded with the records rather than one by one.
DEPLOYMENT_LOADS = (
    joinedload(Deployment.force).joinedload(Force.actor),
    joinedload(Deployment.site),
)
MOVEMENT_LOADS = (
    joinedload(Movement.force).joinedload(Force.actor),
    joinedload(Movement.from_site),
    joinedload(Movement.to_site),
)
EVENT_LOADS = (selectinload(Event.actors), joinedload(Event.site))


def _deployments_query(actors: Sequence[str] = (), bbox: BBox | None = None) -> Select[Deployment]:
    query = (
        select(Deployment)
        .join(Deployment.force)
        .join(Force.actor)
        .join(Deployment.site)
        .options(*DEPLOYMENT_LOADS)
        .order_by(Site.name, Actor.slug, Deployment.start_date)
    )
    return _narrowed(query, actors, bbox)


def state_at(
    session: Session, on: dt.date, *, actors: Sequence[str] = (), bbox: BBox | None = None
) -> list[Deployment]:
    """Every deployment present on `on`: start <= on < end (an open end never ends).

    An end known only to its week, month or year counts to that period's end (present_until).
    """
    query = _deployments_query(actors, bbox).where(present_during(session, on, on))
    return list(session.scalars(query).unique())


def deployments_between(
    session: Session,
    start: dt.date,
    end: dt.date,
    *,
    actors: Sequence[str] = (),
    bbox: BBox | None = None,
) -> list[Deployment]:
    """Deployments present on at least one day of the closed range [start, end]."""
    query = _deployments_query(actors, bbox).where(present_during(session, start, end))
    return list(session.scalars(query).unique())


# What the snapshot shows of a deployment, its site, force and actor, read as plain rows: building
# ORM objects for tens of thousands of deployments costs several times the query itself.
SNAPSHOT_COLUMNS = (
    Deployment.id,
    Deployment.slug,
    Deployment.status,
    Deployment.start_date,
    Deployment.start_precision,
    Deployment.end_date,
    Deployment.end_precision,
    Deployment.present_until,
    Deployment.strength,
    Deployment.note,
    Deployment.confidence,
    Deployment.site_id,
    Site.slug.label("site_slug"),
    Site.name.label("site_name"),
    Site.kind.label("site_kind"),
    Site.geo_precision,
    Site.lat,
    Site.lon,
    Force.slug.label("force_slug"),
    Force.name.label("force_name"),
    Force.branch,
    Actor.slug.label("actor_slug"),
    Actor.name.label("actor_name"),
    Actor.color,
)


def _state_select(
    session: Session, on: dt.date, actors: Sequence[str], bbox: BBox | None, *columns: object
) -> Select:
    query = (
        select(*columns)  # type: ignore[call-overload]
        .select_from(Deployment)
        .join(Force, Deployment.force_id == Force.id)
        .join(Actor, Force.actor_id == Actor.id)
        .join(Site, Deployment.site_id == Site.id)
        .where(present_during(session, on, on))
    )
    return _narrowed(query, actors, bbox)


@dataclass
class Snapshot:
    """State at a date as plain rows: deployments (ordered by site, actor, start) and citations."""

    deployments: Sequence[Row]
    citations: "CitationRows"


def snapshot(
    session: Session, on: dt.date, *, actors: Sequence[str] = (), bbox: BBox | None = None
) -> Snapshot:
    """What GET /api/v1/snapshot shows, in two queries (three when sources relay relays)."""
    rows = session.execute(
        _state_select(session, on, actors, bbox, *SNAPSHOT_COLUMNS).order_by(
            Site.name, Actor.slug, Deployment.start_date
        )
    ).all()
    ids = _state_select(session, on, actors, bbox, Deployment.id)
    citations = citation_rows(session, Citation.deployment_id, ids) if rows else CitationRows()
    return Snapshot(deployments=rows, citations=citations)


CITATION_COLUMNS = (
    Citation.stance,
    Citation.credibility,
    Citation.claim,
    Citation.source_id,
    Source.slug.label("source_slug"),
    Source.publisher,
    Source.title,
    Source.url,
    Source.archive_url,
    Source.published_date,
    Source.reliability,
    Source.original_id,
)


@dataclass(frozen=True)
class Root:
    """The original a source goes back to (the source itself when it is one)."""

    id: int
    slug: str
    publisher: str


class CitationRows(dict[int, list[Row]]):
    """Citation rows (with their source's columns) by record id, best credibility first."""

    def __init__(self) -> None:
        super().__init__()
        self.roots: dict[int, Root] = {}  # source id -> its original


def citation_rows(session: Session, record_column: object, ids: Select) -> CitationRows:
    """The citations of every record whose id `ids` selects, with the original behind each source.

    `ids` is a query rather than a list so that tens of thousands of records need no bound
    parameter each; the database runs it again inside the citations' query.
    """
    found = CitationRows()
    record = record_column.label("record_id")  # type: ignore[attr-defined]
    original = aliased(Source)
    rows = session.execute(
        select(
            record,
            *CITATION_COLUMNS,
            original.slug.label("original_slug"),
            original.publisher.label("original_publisher"),
            original.original_id.label("original_original_id"),
        )
        .join(Source, Citation.source_id == Source.id)
        .outerjoin(original, Source.original_id == original.id)
        .where(record_column.in_(ids))  # type: ignore[attr-defined]
        .order_by(Citation.credibility, Citation.id)
    )
    deeper: dict[int, int] = {}  # source id -> the original's original, to follow further
    roots = found.roots
    for row in rows:
        found.setdefault(row[0], []).append(row)
        # Unpacked by position: a Row's fields by name cost ten times as much (see geojson).
        source_id, slug, publisher, original_id = row[4], row[5], row[6], row[12]
        if source_id in roots or source_id in deeper:
            continue
        if original_id is None:
            roots[source_id] = Root(source_id, slug, publisher)
        elif row[15] is None:
            roots[source_id] = Root(original_id, row[13], row[14])
        else:
            deeper[source_id] = original_id
    if deeper:
        # Relays of relays are rare: follow them the way original_sources does.
        followed = original_sources(
            session, {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(deeper)))}
        )
        for source_id, root in followed.items():
            roots[source_id] = Root(root.id, root.slug, root.publisher)
    return found


def _movements_filter(query: Select, start: dt.date, end: dt.date, actors: Sequence[str]) -> Select:
    query = query.where(
        Movement.start_date <= end,
        func.coalesce(Movement.end_date, Movement.start_date) >= start,
    )
    if actors:
        query = query.where(Actor.slug.in_(actors))
    return query


def movement_rows(
    session: Session, start: dt.date, end: dt.date, *, actors: Sequence[str] = ()
) -> tuple[Sequence[Row], CitationRows]:
    """What GET /api/v1/movements shows, as plain rows, with their citations."""
    origin, destination = aliased(Site), aliased(Site)

    def base(*columns: object) -> Select:
        query = (
            select(*columns)  # type: ignore[call-overload]
            .select_from(Movement)
            .join(Force, Movement.force_id == Force.id)
            .join(Actor, Force.actor_id == Actor.id)
        )
        return _movements_filter(query, start, end, actors)

    rows = session.execute(
        base(
            Movement.id,
            Movement.slug,
            Movement.start_date,
            Movement.start_precision,
            Movement.end_date,
            Movement.end_precision,
            Movement.description,
            Movement.confidence,
            Movement.to_label,
            Force.slug.label("force_slug"),
            Force.name.label("force_name"),
            Actor.slug.label("actor_slug"),
            Actor.name.label("actor_name"),
            Actor.color,
            origin.slug.label("from_slug"),
            origin.name.label("from_name"),
            origin.geo_precision.label("from_geo_precision"),
            origin.lat.label("from_lat"),
            origin.lon.label("from_lon"),
            destination.slug.label("to_slug"),
            destination.name.label("to_name"),
            destination.geo_precision.label("to_geo_precision"),
            destination.lat.label("to_lat"),
            destination.lon.label("to_lon"),
        )
        .join(origin, Movement.from_site_id == origin.id)
        .outerjoin(destination, Movement.to_site_id == destination.id)
        .order_by(Movement.start_date, Movement.slug)
    ).all()
    citations = (
        citation_rows(session, Citation.movement_id, base(Movement.id)) if rows else CitationRows()
    )
    return rows, citations


def movements_between(
    session: Session, start: dt.date, end: dt.date, *, actors: Sequence[str] = ()
) -> list[Movement]:
    """Movements whose [start, end] days overlap the closed range; an unknown end is the start."""
    query = (
        select(Movement)
        .join(Movement.force)
        .join(Force.actor)
        .options(*MOVEMENT_LOADS)
        .order_by(Movement.start_date, Movement.slug)
    )
    return list(session.scalars(_movements_filter(query, start, end, actors)).unique())


def events_between(
    session: Session,
    start: dt.date,
    end: dt.date,
    *,
    actors: Sequence[str] = (),
    kinds: Sequence[str] = (),
) -> list[Event]:
    """Events dated within the closed range, oldest first."""
    query = (
        select(Event)
        .options(*EVENT_LOADS)
        .where(Event.date.between(start, end))
        .order_by(Event.date, Event.slug)
    )
    if actors:
        query = query.where(Event.actors.any(Actor.slug.in_(actors)))
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    return list(session.scalars(query).unique())


def dataset_span(session: Session) -> tuple[dt.date, dt.date] | None:
    """First and last dates any record mentions, for the time slider's range (one round trip)."""
    row = session.execute(
        select(
            select(func.min(Deployment.start_date)).scalar_subquery(),
            select(func.min(Event.date)).scalar_subquery(),
            select(func.min(Movement.start_date)).scalar_subquery(),
            select(func.max(Deployment.start_date)).scalar_subquery(),
            select(func.max(Deployment.end_date)).scalar_subquery(),
            select(func.max(Event.date)).scalar_subquery(),
            select(func.max(Movement.start_date)).scalar_subquery(),
            select(func.max(Movement.end_date)).scalar_subquery(),
        )
    ).one()
    known_firsts = [d for d in row[:3] if d is not None]
    known_lasts = [d for d in row[3:] if d is not None]
    if not known_firsts or not known_lasts:
        return None
    return min(known_firsts), max(known_lasts)


def bucket_start(day: dt.date, bucket: str) -> dt.date:
    """The first day of the bucket holding `day` (weeks start on Monday, as ISO weeks do)."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    if bucket == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown bucket {bucket!r}")


def timeline_counts(
    session: Session,
    start: dt.date,
    end: dt.date,
    *,
    bucket: str = "month",
    actors: Sequence[str] = (),
) -> list[dict[str, object]]:
    """Events and movements per bucket in [start, end], following the actor filter.

    Only buckets with something in them are returned; the histogram fills the gaps.
    """
    # Dates only, not records: a theatre has a hundred thousand movements, and loading each
    # with its force and actor to count it took seconds.
    event_dates = select(Event.date).where(Event.date.between(start, end))
    if actors:
        event_dates = event_dates.where(Event.actors.any(Actor.slug.in_(actors)))
    movement_starts = (
        select(Movement.start_date)
        .join(Movement.force)
        .join(Force.actor)
        .where(
            Movement.start_date <= end,
            func.coalesce(Movement.end_date, Movement.start_date) >= start,
        )
    )
    if actors:
        movement_starts = movement_starts.where(Actor.slug.in_(actors))
    counts: dict[dt.date, dict[str, int]] = defaultdict(lambda: {"events": 0, "movements": 0})
    for day in session.scalars(event_dates):
        counts[bucket_start(day, bucket)]["events"] += 1
    for day in session.scalars(movement_starts):
        counts[bucket_start(max(day, start), bucket)]["movements"] += 1
    return [
        {"bucket": key.isoformat(), **value, "total": value["events"] + value["movements"]}
        for key, value in sorted(counts.items())
    ]


def site_by_slug(session: Session, slug: str) -> Site | None:
    return session.scalar(select(Site).where(Site.slug == slug))


@dataclass(frozen=True)
class SiteRecords:
    """The queries for what happened at one site, for a caller to page or to read whole."""

    deployments: Select[Deployment]
    movements: Select[Movement]
    events: Select[Event]


def records_at_site(site_id: int) -> SiteRecords:
    """Every deployment at a site, every movement from or to it and every event there, oldest
    first (ids break ties, so pages never overlap)."""
    return SiteRecords(
        deployments=select(Deployment)
        .where(Deployment.site_id == site_id)
        .options(*DEPLOYMENT_LOADS)
        .order_by(Deployment.start_date, Deployment.slug, Deployment.id),
        movements=select(Movement)
        .where(or_(Movement.from_site_id == site_id, Movement.to_site_id == site_id))
        .options(*MOVEMENT_LOADS)
        .order_by(Movement.start_date, Movement.id),
        events=select(Event)
        .where(Event.site_id == site_id)
        .options(*EVENT_LOADS)
        .order_by(Event.date, Event.id),
    )


def site_history(session: Session, slug: str) -> SiteHistory | None:
    """A site with every deployment, movement and event there, oldest first, and citations."""
    site = site_by_slug(session, slug)
    if site is None:
        return None
    records = records_at_site(site.id)
    deployments = list(session.scalars(records.deployments).unique())
    movements = list(session.scalars(records.movements).unique())
    events = list(session.scalars(records.events).unique())
    history = SiteHistory(site=site, deployments=deployments, movements=movements, events=events)
    history.citations = citations_for(
        session,
        deployment=[d.id for d in deployments],
        movement=[m.id for m in movements],
        event=[e.id for e in events],
        site=[site.id],
    )
    return history


def movement_by_slug(session: Session, slug: str) -> Movement | None:
    return session.scalar(select(Movement).options(*MOVEMENT_LOADS).where(Movement.slug == slug))


def event_by_slug(session: Session, slug: str) -> Event | None:
    return session.scalar(select(Event).options(*EVENT_LOADS).where(Event.slug == slug))


def citations_for(session: Session, **ids_by_type: Iterable[int]) -> CitationIndex:
    """Citations (with their sources and originals) of many records at once."""
    found = CitationIndex()
    conditions = []
    for record_type, ids in ids_by_type.items():
        id_list = list(ids)
        if id_list:
            conditions.append(getattr(Citation, f"{record_type}_id").in_(id_list))
    if not conditions:
        return found
    rows = session.scalars(
        select(Citation)
        .options(joinedload(Citation.source))
        .where(or_(*conditions))
        .order_by(Citation.credibility, Citation.id)
    )
    grouped: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    for citation in rows:
        kind = citation.record_type
        grouped[(kind, getattr(citation, f"{kind}_id"))].append(citation)
    found.update(grouped)
    found.originals = original_sources(
        session, {c.source_id: c.source for cs in grouped.values() for c in cs}
    )
    return found


# Import refuses cycles; this bound only keeps a database edited by hand from looping forever.
MAX_RELAY_DEPTH = 32


def original_sources(session: Session, sources: dict[int, Source]) -> dict[int, Source]:
    """For each source, the original it reprints or relays (following relays of relays)."""
    known: dict[int, Source] = dict(sources)
    for _ in range(MAX_RELAY_DEPTH):
        missing = {
            s.original_id
            for s in known.values()
            if s.original_id is not None and s.original_id not in known
        }
        if not missing:
            break
        for source in session.scalars(select(Source).where(Source.id.in_(missing))):
            known[source.id] = source
    roots: dict[int, Source] = {}
    for source_id, source in sources.items():
        current, steps = source, 0
        while current.original_id is not None and current.original_id in known:
            current = known[current.original_id]
            steps += 1
            if steps > MAX_RELAY_DEPTH:
                break
        roots[source_id] = current
    return roots


def summarize(
    citations: Sequence[Citation], originals: dict[int, Source] | None = None
) -> CitationSummary:
    """Counts by stance and the grade of the single best supporting citation.

    A6 and E1 make A6, never A1; a disputing citation never raises the grade; reprints of one
    original count as one independent source.
    """
    roots = originals or {}
    supporting = [c for c in citations if c.stance == Stance.supports]
    disputing = [c for c in citations if c.stance == Stance.disputes]
    summary = CitationSummary(
        count=len(supporting),
        independent=len(
            {(roots.get(c.source_id) or c.source).id for c in supporting}
            if roots
            else {c.source.original_id or c.source_id for c in supporting}
        ),
        disputing=len(disputing),
        context=sum(1 for c in citations if c.stance == Stance.context),
        disputed_by=disputing,
    )
    if supporting:
        best = min(supporting, key=lambda c: (c.source.reliability, c.credibility))
        summary.best_reliability = best.source.reliability
        summary.best_credibility = best.credibility
    return summary


# Reliability grades that cannot by themselves carry more than low confidence.
WEAK_GRADES = frozenset("DEF")


def shown_confidence(recorded: str, citations: Sequence[Citation]) -> str:
    """The confidence a reader is shown: never above low without a supporting A-C source."""
    supporting = [c for c in citations if c.stance == Stance.supports]
    if not supporting or all(c.source.reliability in WEAK_GRADES for c in supporting):
        return Confidence.low.value
    return recorded


def natural_key(text: str) -> tuple:
    """Sort key reading digit runs as numbers and ignoring case: "Actor 2" before "Actor 10"."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.split(r"(\d+)", text)
        if part
    )


def list_actors(session: Session) -> list[Actor]:
    # Sorted here rather than in SQL: collations differ between SQLite and PostgreSQL and
    # neither orders numbers inside names naturally. Actors are few.
    return sorted(session.scalars(select(Actor)), key=lambda a: natural_key(a.name))


def list_sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.name)))


def list_forces(session: Session, *, actors: Sequence[str] = ()) -> list[Force]:
    query = (
        select(Force)
        .join(Force.actor)
        .options(joinedload(Force.actor), joinedload(Force.parent))
        .order_by(Actor.name, Force.name)
    )
    if actors:
        query = query.where(Actor.slug.in_(actors))
    return list(session.scalars(query).unique())


def list_sources(session: Session) -> list[tuple[Source, int]]:
    """Every source with how many records it backs."""
    counts = (
        select(Citation.source_id, func.count(Citation.id).label("n"))
        .group_by(Citation.source_id)
        .subquery()
    )
    rows = session.execute(
        select(Source, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.source_id == Source.id)
        .order_by(Source.reliability, Source.publisher, Source.title)
    )
    return [(source, int(n)) for source, n in rows]


def source_citations(session: Session) -> dict[int, list[Citation]]:
    """All citations grouped by source id, for the sources page."""
    grouped: dict[int, list[Citation]] = defaultdict(list)
    for citation in session.scalars(select(Citation).order_by(Citation.id)):
        grouped[citation.source_id].append(citation)
    return dict(grouped)


def actor_by_slug(session: Session, slug: str) -> Actor | None:
    return session.scalar(select(Actor).where(Actor.slug == slug))


def actor_deployments(session: Session, slug: str) -> list[Deployment]:
    """Every deployment of one actor's forces, oldest first."""
    query = _deployments_query([slug]).order_by(None).order_by(Deployment.start_date, Site.name)
    return list(session.scalars(query).unique())


def record_slugs(session: Session, record_type: str, ids: Iterable[int]) -> dict[int, str]:
    """Slugs of records by id, for naming what a citation backs."""
    model = {
        "deployment": Deployment,
        "movement": Movement,
        "event": Event,
        "site": Site,
        "force": Force,
        "actor": Actor,
    }[record_type]
    id_list = list(set(ids))
    if not id_list:
        return {}
    rows = session.execute(select(model.id, model.slug).where(model.id.in_(id_list)))  # type: ignore[attr-defined]
    return {row[0]: row[1] for row in rows}


@dataclass
class Overview:
    """What the loaded dataset holds, for the about page."""

    span: tuple[dt.date, dt.date] | None
    counts: dict[str, int]
    sources_linked: int
    actors: list[Actor]
    countries: list[tuple[str, int]]  # host country code and how many sites it has


def dataset_overview(session: Session) -> Overview:
    models = {
        "actors": Actor,
        "sites": Site,
        "forces": Force,
        "deployments": Deployment,
        "movements": Movement,
        "events": Event,
        "sources": Source,
        "citations": Citation,
    }
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in models.items()
    }
    linked = session.scalar(
        select(func.count()).select_from(Source).where(Source.url.is_not(None), Source.url != "")
    )
    # Grouped by the labelled column: PostgreSQL treats two bound "?" as different expressions.
    country = func.coalesce(Site.country, literal_column("'?'")).label("country")
    countries = session.execute(
        select(country, func.count()).group_by(country).order_by(func.count().desc())
    )
    return Overview(
        span=dataset_span(session),
        counts=counts,
        sources_linked=linked or 0,
        actors=list_actors(session),
        countries=[(str(code), int(n)) for code, n in countries],
    )


# --- Questions the HTML pages ask -------------------------------------------------------------
# Kept here rather than in app/pages so that page modules only route and assemble view data, and
# so that each question can be answered (and tested) over a bare session. The wording of what
# comes back (dates, statuses, links) stays with the pages: nothing here knows about the web.


def default_date(session: Session) -> dt.date:
    """Today, unless the dataset ends earlier (then its last day) or starts later."""
    today = dt.date.today()
    span = dataset_span(session)
    if span is None:
        return today
    return min(max(today, span[0]), span[1])


def unknown_actor_slugs(session: Session, slugs: Sequence[str]) -> list[str]:
    """The given slugs that name no actor; a page lists them all rather than failing on one."""
    try:
        check_actor_slugs(session, slugs)
    except UnknownSlugs as exc:
        return exc.slugs
    return []


def distinct_sources(citations: Iterable[Citation]) -> list[Source]:
    """Each cited source once, however often it is cited, the most reliable first."""
    seen: dict[int, Source] = {}
    for citation in citations:
        seen.setdefault(citation.source_id, citation.source)
    return sorted(seen.values(), key=lambda s: (s.reliability, s.publisher, s.title))


def record_site_slugs(session: Session, record_type: str, ids: Sequence[int]) -> dict[int, str]:
    """The site each record belongs to (deployments, movements by origin, events and sites)."""
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


def force_actor_slugs(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The actor each force belongs to, by slug."""
    rows = session.execute(
        select(Force.id, Actor.slug)
        .join(Actor, Force.actor_id == Actor.id)
        .where(Force.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class DeploymentName:
    """What a deployment is called by: it has no name of its own, so whose, where, when."""

    force: str
    site: str
    status: str
    start_date: dt.date
    start_precision: str
    end_date: dt.date | None
    end_precision: str | None


def deployment_names(session: Session, ids: Sequence[int]) -> dict[int, DeploymentName]:
    """The parts each deployment is named by, in one query (never one per row)."""
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
    return {row[0]: DeploymentName(*row[1:]) for row in rows}


@dataclass(frozen=True)
class MovementName:
    """What a movement is called by: whose, from where, to where."""

    force: str
    origin: str
    destination: str | None  # the destination site's name, when it is a known site
    to_label: str | None  # the destination as the source words it, when it is not


def movement_names(session: Session, ids: Sequence[int]) -> dict[int, MovementName]:
    """The parts each movement is named by, in one query (never one per row)."""
    origin, destination = aliased(Site), aliased(Site)
    rows = session.execute(
        select(Movement.id, Force.name, origin.name, destination.name, Movement.to_label)
        .join(Force, Movement.force_id == Force.id)
        .join(origin, Movement.from_site_id == origin.id)
        .outerjoin(destination, Movement.to_site_id == destination.id)
        .where(Movement.id.in_(ids))
    )
    return {row[0]: MovementName(*row[1:]) for row in rows}


def record_names(session: Session, record_type: str, ids: Sequence[int]) -> dict[int, str]:
    """Names of events, sites, forces and actors by id, in one query (never one per row).

    Deployments and movements have no name column; see deployment_names and movement_names.
    """
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


# The timeline's default view starts with the first year holding at least this share of the
# busiest year's records: a lone 1971 treaty or a 1977 footnote must not squash a decade of
# reporting into a sliver of the slider, and a share of the peak (not a count) suits a dataset of
# a hundred records as well as one of a hundred thousand.
DENSE_YEAR_SHARE = 0.05


@dataclass(frozen=True)
class Scope:
    """What the map's title line says about the dataset, all counted in the database."""

    dense_start: dt.date  # 1 January of the year the dense part of the record begins
    last_date: dt.date  # the last day any record mentions
    actors: int
    sites: int
    country: str | None  # the host country code most sites carry, if any carry one


def dataset_scope(session: Session) -> Scope | None:
    """The dataset's dense span, last date, counts and main host country (None when empty).

    The dense span starts on 1 January of the first year whose records (deployment starts,
    movement starts, event dates) reach DENSE_YEAR_SHARE of the busiest year's, and ends on the
    last recorded day. Counted per year in SQL, not by loading dates: a theatre holds a hundred
    thousand movements.
    """
    span = dataset_span(session)
    if span is None:
        return None
    dates = union_all(
        select(Deployment.start_date.label("day")),
        select(Movement.start_date.label("day")),
        select(Event.date.label("day")),
    ).subquery()
    year = func.extract("year", dates.c.day).label("year")
    per_year = [
        (int(y), int(n))
        for y, n in session.execute(select(year, func.count()).group_by(year).order_by(year))
    ]
    peak = max((n for _, n in per_year), default=0)
    dense_year = next((y for y, n in per_year if n >= peak * DENSE_YEAR_SHARE), span[0].year)
    country = session.execute(
        select(Site.country, func.count().label("n"))
        .where(Site.country.is_not(None))
        .group_by(Site.country)
        .order_by(func.count().desc(), Site.country)
        .limit(1)
    ).first()
    return Scope(
        dense_start=max(span[0], dt.date(dense_year, 1, 1)),
        last_date=span[1],
        actors=session.scalar(select(func.count()).select_from(Actor)) or 0,
        sites=session.scalar(select(func.count()).select_from(Site)) or 0,
        country=str(country[0]) if country else None,
    )


# --- Who is at a site now: the answer a site page starts with --------------------------------


@dataclass
class Presence:
    """One force at a site on a day: its row on that day and since when it has been there."""

    deployment: Deployment
    # The start of the unbroken presence: earlier rows of the force at the site (active, then
    # drawing down) count while each ends on the day the next begins.
    since: dt.date
    since_precision: str


@dataclass
class SitePresence:
    on: dt.date
    present: list[Presence]
    left: list[Deployment]  # the last row of each force gone by `on`, the latest to leave first


def site_presence(
    session: Session, site_id: int, on: dt.date, *, left_kept: int = 3
) -> SitePresence:
    """Who is at a site on `on` and since when, and the forces that left it last before `on`.

    Bounded for a busy site: it reads the rows present on the day, the earlier rows of those
    forces at this site, and a few of the latest departures.
    """
    at_site = select(Deployment).where(Deployment.site_id == site_id).options(*DEPLOYMENT_LOADS)
    rows = session.scalars(
        at_site.where(present_during(session, on, on)).order_by(
            Deployment.start_date, Deployment.id
        )
    ).unique()
    present = list(rows)
    forces = {d.force_id for d in present}
    starts_by_end: dict[tuple[int, dt.date], tuple[dt.date, str]] = {}
    if forces:
        earlier = session.execute(
            select(
                Deployment.force_id,
                Deployment.end_date,
                Deployment.start_date,
                Deployment.start_precision,
            ).where(
                Deployment.site_id == site_id,
                Deployment.force_id.in_(forces),
                Deployment.start_date < on,
                Deployment.end_date.is_not(None),
            )
        )
        for force_id, end, start, precision in earlier:
            if end is not None:
                starts_by_end[(force_id, end)] = (start, precision)
    presences = []
    for d in present:
        since, precision = d.start_date, d.start_precision
        # Each step goes strictly back in time, so the walk ends.
        while (earlier_row := starts_by_end.get((d.force_id, since))) and earlier_row[0] < since:
            since, precision = earlier_row
        presences.append(Presence(deployment=d, since=since, since_precision=precision))
    gone = session.scalars(
        at_site.where(Deployment.present_until <= on, Deployment.force_id.not_in(forces))
        .order_by(Deployment.present_until.desc(), Deployment.id.desc())
        .limit(left_kept * 4)
    ).unique()
    left: list[Deployment] = []
    for d in gone:
        if len(left) < left_kept and all(other.force_id != d.force_id for other in left):
            left.append(d)
    return SitePresence(on=on, present=presences, left=left)
