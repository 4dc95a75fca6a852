"""The map's compact time index: what the browser needs to draw any date, as columns of numbers.

A theatre holds a million deployment intervals; sending each as a GeoJSON feature with its
citations (the old data path) costs tens of megabytes before the first marker is drawn. Instead
the map loads:

- one *catalogue* of names and places (actors, sites, forces), each row once;
- one *year* at a time: every deployment interval that overlaps that calendar year, and the
  movements and events of that year, as parallel arrays of ids and day numbers.

Every interval present on a day D overlaps D's year, so the year of D alone answers "who was where
on D": the slider filters arrays in memory and never waits on the network inside a loaded year.
Notes, strengths and citations are fetched per site or record when one is opened.

Days are counted from 1970-01-01 (as JavaScript's Date.UTC / 86,400,000 gives), and every answer
carries the data version it was read at, so the browser can tell when a year was read from a
different version than its catalogue and start again rather than mix the two.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.dates import certain_from
from app.models import (
    Actor,
    Citation,
    Deployment,
    Event,
    Force,
    Movement,
    Site,
    Source,
    event_actor,
)
from app.queries import DEPLOYMENT_LOADS, WEAK_GRADES, present_during, site_by_slug
from app.records import data_version

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date | None) -> int | None:
    return None if day is None else (day - EPOCH).days


def catalogue(session: Session) -> dict[str, Any]:
    """Actors, sites and forces by id: the names every year's arrays point into."""
    actors = session.execute(select(Actor.id, Actor.slug).order_by(Actor.id)).all()
    sites = session.execute(
        select(Site.id, Site.slug, Site.name, Site.kind, Site.lon, Site.lat).order_by(Site.id)
    ).all()
    forces = session.execute(
        select(Force.id, Force.slug, Force.name, Force.actor_id).order_by(Force.id)
    ).all()
    return {
        "version": data_version(session),
        "epoch": EPOCH.isoformat(),
        "actors": {"id": [a.id for a in actors], "slug": [a.slug for a in actors]},
        "sites": {
            "id": [s.id for s in sites],
            "slug": [s.slug for s in sites],
            "name": [s.name for s in sites],
            "kind": [s.kind for s in sites],
            "lon": [s.lon for s in sites],
            "lat": [s.lat for s in sites],
        },
        "forces": {
            "id": [f.id for f in forces],
            "slug": [f.slug for f in forces],
            "name": [f.name for f in forces],
            "actor": [f.actor_id for f in forces],
        },
    }


def _stance_flags(session: Session, record_column: Any, record_ids: Any) -> dict[int, Any]:
    """Per record: whether a source disputes it, and whether an A-C source supports it."""
    strong = and_(Citation.stance == "supports", Source.reliability.not_in(sorted(WEAK_GRADES)))
    rows = session.execute(
        select(
            record_column.label("record_id"),
            func.max(case((Citation.stance == "disputes", 1), else_=0)).label("disputed"),
            func.max(case((strong, 1), else_=0)).label("strong"),
        )
        .join(Source, Source.id == Citation.source_id)
        .where(record_column.in_(record_ids))
        .group_by(record_column)
    )
    return {row.record_id: row for row in rows}


def _low(recorded: str, strong: int | None) -> int:
    # The confidence shown is never above low without a supporting A-C source (queries.py).
    return int(recorded == "low" or not strong)


def year_index(session: Session, year: int) -> dict[str, Any]:
    """Deployments overlapping `year`, and the movements and events of that year, as columns."""
    first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    # Present on some day of the year, through the temporal index (queries.present_during).
    overlapping = present_during(session, first, after - dt.timedelta(days=1))
    deployments = session.execute(
        select(
            Deployment.id,
            Deployment.slug,
            Deployment.site_id,
            Deployment.force_id,
            Deployment.status,
            Deployment.start_date,
            Deployment.start_precision,
            Deployment.end_date,
            Deployment.present_until,
            Deployment.confidence,
        )
        .where(overlapping)
        .order_by(Deployment.id)
    ).all()
    flags = _stance_flags(session, Citation.deployment_id, select(Deployment.id).where(overlapping))

    moving = and_(
        Movement.start_date < after,
        func.coalesce(Movement.end_date, Movement.start_date) >= first,
    )
    movements = session.execute(
        select(
            Movement.id,
            Movement.slug,
            Movement.force_id,
            Movement.from_site_id,
            Movement.to_site_id,
            Movement.to_label,
            Movement.start_date,
            Movement.start_precision,
            Movement.end_date,
            Movement.end_precision,
            Movement.confidence,
        )
        .where(moving)
        .order_by(Movement.start_date, Movement.id)
    ).all()
    movement_flags = _stance_flags(session, Citation.movement_id, select(Movement.id).where(moving))

    dated = and_(Event.date >= first, Event.date < after)
    events = session.execute(
        select(
            Event.id,
            Event.slug,
            Event.date,
            Event.date_precision,
            Event.kind,
            Event.title,
            Event.site_id,
            Event.confidence,
        )
        .where(dated)
        .order_by(Event.date, Event.id)
    ).all()
    event_flags = _stance_flags(session, Citation.event_id, select(Event.id).where(dated))
    actors_of: dict[int, list[int]] = {}
    for event_id, actor_id in session.execute(
        select(event_actor.c.event_id, event_actor.c.actor_id)
        .where(event_actor.c.event_id.in_(select(Event.id).where(dated)))
        .order_by(event_actor.c.event_id, event_actor.c.actor_id)
    ):
        actors_of.setdefault(event_id, []).append(actor_id)

    def flag(found: dict, record_id: int, name: str) -> int:
        row = found.get(record_id)
        return int(getattr(row, name)) if row is not None else 0

    return {
        "version": data_version(session),
        "year": year,
        "deployments": {
            "id": [d.id for d in deployments],
            "slug": [d.slug for d in deployments],
            "site": [d.site_id for d in deployments],
            "force": [d.force_id for d in deployments],
            "status": [d.status for d in deployments],
            "start": [day_number(d.start_date) for d in deployments],
            # The precision rule (app/dates.py): present on D iff start <= D < until (none: open);
            # dates uncertain on D iff D < sure_from, or there is an end and D >= end.
            "sure_from": [
                day_number(certain_from(d.start_date, d.start_precision)) for d in deployments
            ],
            "end": [day_number(d.end_date) for d in deployments],
            "until": [day_number(d.present_until) for d in deployments],
            "low": [_low(d.confidence, flag(flags, d.id, "strong")) for d in deployments],
            "disputed": [flag(flags, d.id, "disputed") for d in deployments],
        },
        "movements": {
            "id": [m.id for m in movements],
            "slug": [m.slug for m in movements],
            "force": [m.force_id for m in movements],
            "from": [m.from_site_id for m in movements],
            "to": [m.to_site_id for m in movements],
            "to_label": [m.to_label for m in movements],
            "start": [m.start_date.isoformat() for m in movements],
            "start_precision": [m.start_precision for m in movements],
            "end": [m.end_date.isoformat() if m.end_date else None for m in movements],
            "end_precision": [m.end_precision for m in movements],
            "low": [_low(m.confidence, flag(movement_flags, m.id, "strong")) for m in movements],
        },
        "events": {
            "id": [e.id for e in events],
            "slug": [e.slug for e in events],
            "date": [e.date.isoformat() for e in events],
            "date_precision": [e.date_precision for e in events],
            "kind": [e.kind for e in events],
            "title": [e.title for e in events],
            "site": [e.site_id for e in events],
            "actors": [actors_of.get(e.id, []) for e in events],
            "low": [_low(e.confidence, flag(event_flags, e.id, "strong")) for e in events],
        },
    }


def site_state(
    session: Session, slug: str, on: dt.date, *, actors: Sequence[str] = ()
) -> tuple[Site, list[Deployment]] | None:
    """One site and the deployments present there on `on`, loaded for a card with citations."""
    site = site_by_slug(session, slug)
    if site is None:
        return None
    # One site holds few rows, read through its site_id index: the plain presence rule is
    # cheaper here than present_during's whole-table plan.
    query = (
        select(Deployment)
        .join(Deployment.force)
        .join(Force.actor)
        .options(*DEPLOYMENT_LOADS)
        .where(
            Deployment.site_id == site.id,
            Deployment.start_date <= on,
            or_(Deployment.present_until.is_(None), Deployment.present_until > on),
        )
        .order_by(Actor.slug, Deployment.start_date, Deployment.id)
    )
    if actors:
        query = query.where(Actor.slug.in_(actors))
    return site, list(session.scalars(query).unique())
