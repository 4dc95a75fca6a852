"""Small builders for records, so a test states only what it is about."""

import datetime as dt
from itertools import count

from sqlalchemy.orm import Session

from app.models import Actor, Citation, Deployment, Event, Force, Movement, Site, Source

_ids = count(1)


def _slug(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def actor(session: Session, slug: str | None = None, **fields: object) -> Actor:
    obj = Actor(
        slug=slug or _slug("actor"),
        name=str(fields.pop("name", slug or "Actor")),
        kind=str(fields.pop("kind", "state")),
        color=str(fields.pop("color", "#0072b2")),
        **fields,
    )
    session.add(obj)
    session.flush()
    return obj


def site(session: Session, slug: str | None = None, **fields: object) -> Site:
    obj = Site(
        slug=slug or _slug("site"),
        name=str(fields.pop("name", slug or "Site")),
        kind=str(fields.pop("kind", "air_base")),
        lat=fields.pop("lat", 35.0),
        lon=fields.pop("lon", 36.0),
        geo_precision=fields.pop("geo_precision", 1),
        **fields,
    )
    session.add(obj)
    session.flush()
    return obj


def force(session: Session, of: Actor, slug: str | None = None, **fields: object) -> Force:
    obj = Force(
        slug=slug or _slug("force"),
        name=str(fields.pop("name", slug or "Force")),
        actor_id=of.id,
        branch=str(fields.pop("branch", "air")),
        **fields,
    )
    session.add(obj)
    session.flush()
    return obj


def deployment(
    session: Session,
    of: Force,
    at: Site,
    start: dt.date,
    end: dt.date | None = None,
    **fields: object,
) -> Deployment:
    obj = Deployment(
        slug=str(fields.pop("slug", _slug("deployment"))),
        force_id=of.id,
        site_id=at.id,
        start_date=start,
        start_precision=str(fields.pop("start_precision", "day")),
        end_date=end,
        end_precision=fields.pop("end_precision", "day" if end else None),
        status=str(fields.pop("status", "active")),
        confidence=str(fields.pop("confidence", "high")),
        **fields,
    )
    session.add(obj)
    session.flush()
    return obj


def movement(
    session: Session,
    of: Force,
    origin: Site,
    destination: Site | None,
    start: dt.date,
    end: dt.date | None = None,
    **fields: object,
) -> Movement:
    obj = Movement(
        slug=str(fields.pop("slug", _slug("movement"))),
        force_id=of.id,
        from_site_id=origin.id,
        to_site_id=destination.id if destination else None,
        to_label=fields.pop("to_label", None),
        start_date=start,
        start_precision="day",
        end_date=end,
        end_precision="day" if end else None,
        description=str(fields.pop("description", "moved")),
        confidence=str(fields.pop("confidence", "high")),
    )
    session.add(obj)
    session.flush()
    return obj


def event(session: Session, on: dt.date, actors: list[Actor] = (), **fields: object) -> Event:  # type: ignore[assignment]
    obj = Event(
        slug=str(fields.pop("slug", _slug("event"))),
        date=on,
        date_precision=str(fields.pop("date_precision", "day")),
        kind=str(fields.pop("kind", "agreement")),
        title=str(fields.pop("title", "Something happened")),
        confidence=str(fields.pop("confidence", "high")),
        **fields,
    )
    obj.actors = list(actors)
    session.add(obj)
    session.flush()
    return obj


def source(session: Session, reliability: str = "B", **fields: object) -> Source:
    obj = Source(
        slug=str(fields.pop("slug", _slug("source"))),
        publisher=str(fields.pop("publisher", "Wire")),
        title=str(fields.pop("title", "A report")),
        reliability=reliability,
        **fields,
    )
    session.add(obj)
    session.flush()
    return obj


def cite(
    session: Session,
    src: Source,
    credibility: int = 2,
    stance: str = "supports",
    **record: object,
) -> Citation:
    ((kind, obj),) = record.items()
    citation = Citation(
        source_id=src.id,
        stance=stance,
        credibility=credibility,
        claim="says so",
        **{f"{kind}_id": obj.id},  # type: ignore[attr-defined]
    )
    session.add(citation)
    session.flush()
    return citation
