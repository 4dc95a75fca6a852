"""Records as exchange-format rows: read one as text, write one from parsed values, find citers.

Import, export and change sets all speak the format of docs/format.md, so a change set's "before"
and "after" are the same rows an export would write, and a revert restores exactly those.
Lookups go through `Slugs`, which either resolves one id or slug at a time (an edit touches a few
records) or is filled in bulk first (an import or export touches all of them).
"""

import datetime as dt
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.models import (
    ENTITIES,
    RECORD_TYPES,
    Actor,
    Base,
    Citation,
    DataVersion,
    Deployment,
    Event,
    Force,
    Movement,
    Site,
    Source,
    event_actor,
    utcnow,
)

MODEL_OF: dict[str, type[Base]] = {
    "actor": Actor,
    "site": Site,
    "force": Force,
    "deployment": Deployment,
    "movement": Movement,
    "event": Event,
    "source": Source,
    "citation": Citation,
}
FILE_OF = {entity: f"{entity}s.csv" for entity in ENTITIES}
ENTITY_OF_FILE = {filename: entity for entity, filename in FILE_OF.items()}


class Slugs:
    """Slug <-> id of every kind of record, cached as they are looked up."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._slug: dict[tuple[str, int], str] = {}
        self._id: dict[tuple[str, str], int] = {}

    def fill(self, entity: str) -> None:
        model = MODEL_OF[entity]
        for id_, slug in self.session.execute(select(model.id, model.slug)):  # type: ignore[attr-defined]
            self._slug[(entity, id_)] = slug
            self._id[(entity, slug)] = id_

    def slug(self, entity: str, id_: int | None) -> str:
        if id_ is None:
            return ""
        if (entity, id_) not in self._slug:
            model = MODEL_OF[entity]
            slug = self.session.scalar(select(model.slug).where(model.id == id_))  # type: ignore[attr-defined]
            self._slug[(entity, id_)] = slug or ""
        return self._slug[(entity, id_)]

    def id(self, entity: str, slug: str | None) -> int | None:
        if not slug:
            return None
        if (entity, slug) not in self._id:
            model = MODEL_OF[entity]
            id_ = self.session.scalar(select(model.id).where(model.slug == slug))  # type: ignore[attr-defined]
            if id_ is None:
                raise LookupError(f"no {entity} with slug {slug!r}")
            self._id[(entity, slug)] = id_
        return self._id[(entity, slug)]

    def forget(self, entity: str, slug: str) -> None:
        id_ = self._id.pop((entity, slug), None)
        if id_ is not None:
            self._slug.pop((entity, id_), None)


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


ACTOR_COLUMNS = ("slug", "name", "short_name", "kind", "color", "aliases", "description")
SITE_COLUMNS = (
    "slug",
    "name",
    "aliases",
    "kind",
    "lat",
    "lon",
    "geo_precision",
    "country",
    "admin1",
    "description",
)


def record_key(entity: str, record: Base) -> str:
    """How a change names a record: its slug, or a citation's id."""
    if entity == "citation":
        return str(record.id)  # type: ignore[attr-defined]
    return record.slug  # type: ignore[attr-defined]


def row_of(entity: str, record: Any, slugs: Slugs) -> dict[str, str]:
    """The record as its exchange-format row (every column, as text)."""
    r = record
    if entity == "actor":
        return {n: _cell(getattr(r, n)) for n in ACTOR_COLUMNS}
    if entity == "site":
        return {n: _cell(getattr(r, n)) for n in SITE_COLUMNS}
    if entity == "force":
        return {
            "slug": r.slug,
            "name": r.name,
            "actor": slugs.slug("actor", r.actor_id),
            "branch": r.branch,
            "parent": slugs.slug("force", r.parent_id),
            "sidc": _cell(r.sidc),
            "description": _cell(r.description),
        }
    if entity == "deployment":
        return {
            "slug": r.slug,
            "force": slugs.slug("force", r.force_id),
            "site": slugs.slug("site", r.site_id),
            "start": _date(r.start_date),
            "start_precision": r.start_precision,
            "end": _date(r.end_date),
            "end_precision": _cell(r.end_precision),
            "status": r.status,
            "strength": _cell(r.strength),
            "confidence": r.confidence,
            "note": _cell(r.note),
            "took_over_from": slugs.slug("actor", r.took_over_from_id),
        }
    if entity == "movement":
        return {
            "slug": r.slug,
            "force": slugs.slug("force", r.force_id),
            "from_site": slugs.slug("site", r.from_site_id),
            "to_site": slugs.slug("site", r.to_site_id),
            "to_label": _cell(r.to_label),
            "start": _date(r.start_date),
            "start_precision": r.start_precision,
            "end": _date(r.end_date),
            "end_precision": _cell(r.end_precision),
            "description": r.description,
            "confidence": r.confidence,
        }
    if entity == "event":
        return {
            "slug": r.slug,
            "date": _date(r.date),
            "date_precision": r.date_precision,
            "kind": r.kind,
            "title": r.title,
            "description": _cell(r.description),
            "site": slugs.slug("site", r.site_id),
            "actors": ";".join(sorted(a.slug for a in r.actors)),
            "confidence": r.confidence,
        }
    if entity == "source":
        return {
            "slug": r.slug,
            "publisher": r.publisher,
            "title": r.title,
            "url": _cell(r.url),
            "archive_url": _cell(r.archive_url),
            "published": _date(r.published_date),
            "reliability": r.reliability,
            "scale": _cell(r.scale),
            "original": slugs.slug("source", r.original_id),
            "description": _cell(r.description),
        }
    if entity == "citation":
        kind = r.record_type
        return {
            "source": slugs.slug("source", r.source_id),
            "record_type": kind,
            "record": slugs.slug(kind, getattr(r, f"{kind}_id")),
            "stance": r.stance,
            "credibility": str(r.credibility),
            "claim": r.claim,
        }
    raise ValueError(f"unknown entity {entity!r}")


def fields_of(entity: str, values: dict[str, Any], slugs: Slugs) -> dict[str, Any]:
    """Parsed exchange-format values (see app.validation) as the model's attributes."""
    v = values

    def plain(*names: str) -> dict[str, Any]:
        return {n: v[n] for n in names}

    if entity == "actor":
        return plain("name", "short_name", "kind", "color", "aliases", "description")
    if entity == "site":
        return {
            **plain("name", "aliases", "kind", "lat", "lon", "country", "admin1", "description"),
            "geo_precision": v["geo_precision"] or (1 if v["lat"] is not None else None),
        }
    if entity == "force":
        return {
            **plain("name", "branch", "sidc", "description"),
            "actor_id": slugs.id("actor", v["actor"]),
            "parent_id": slugs.id("force", v["parent"]),
        }
    if entity == "deployment":
        return {
            **plain("status", "strength", "confidence", "note", "start_precision"),
            "force_id": slugs.id("force", v["force"]),
            "site_id": slugs.id("site", v["site"]),
            "start_date": v["start"],
            "end_date": v["end"],
            "end_precision": v["end_precision"] if v["end"] else None,
            "took_over_from_id": slugs.id("actor", v["took_over_from"]),
        }
    if entity == "movement":
        return {
            **plain("description", "confidence", "start_precision", "to_label"),
            "force_id": slugs.id("force", v["force"]),
            "from_site_id": slugs.id("site", v["from_site"]),
            "to_site_id": slugs.id("site", v["to_site"]),
            "start_date": v["start"],
            "end_date": v["end"],
            "end_precision": v["end_precision"] if v["end"] else None,
        }
    if entity == "event":
        return plain("date", "date_precision", "kind", "title", "description", "confidence") | {
            "site_id": slugs.id("site", v["site"])
        }
    if entity == "source":
        return {
            **plain("publisher", "title", "url", "archive_url", "reliability", "scale"),
            "description": v["description"],
            "published_date": v["published"],
            "original_id": slugs.id("source", v["original"]),
        }
    if entity == "citation":
        kind = v["record_type"]
        return {
            "source_id": slugs.id("source", v["source"]),
            "stance": v["stance"],
            "credibility": v["credibility"],
            "claim": v["claim"],
            **{f"{k}_id": None for k in RECORD_TYPES},
            f"{kind}_id": slugs.id(kind, v["record"]),
        }
    raise ValueError(f"unknown entity {entity!r}")


def find_record(session: Session, entity: str, key: str) -> Any | None:
    """The record a change names by slug (or a citation by id), or None."""
    model: Any = MODEL_OF[entity]
    query = select(model)
    if entity == "event":
        query = query.options(selectinload(Event.actors))
    if entity == "citation":
        if not key.isdigit():
            return None
        return session.scalar(query.where(Citation.id == int(key)))
    return session.scalar(query.where(model.slug == key))


def write_record(
    session: Session,
    entity: str,
    values: dict[str, Any],
    slugs: Slugs,
    record: Any | None = None,
    flush: bool = True,
) -> Any:
    """Insert (record None) or update a record from parsed values; not committed.

    A bulk writer passes flush=False and flushes once at the end, then refills its Slugs.
    """
    fields = fields_of(entity, values, slugs)
    if record is None:
        model: Any = MODEL_OF[entity]
        record = model(**fields) if entity == "citation" else model(slug=values["slug"], **fields)
        if entity == "event":
            record.actors = []
        session.add(record)
    else:
        for name, value in fields.items():
            setattr(record, name, value)
    if entity == "event":
        wanted = values.get("actors") or []
        actors = {a.slug: a for a in session.scalars(select(Actor).where(Actor.slug.in_(wanted)))}
        record.actors = [actors[s] for s in wanted]
    if not flush:
        return record
    session.flush()
    if entity != "citation":
        slugs._id[(entity, record.slug)] = record.id
        slugs._slug[(entity, record.id)] = record.slug
    return record


def citers_of(session: Session, entity: str, record: Any) -> list[str]:
    """What still names this record, in words; a record is only deleted when this is empty."""
    found: list[str] = []
    id_ = record.id

    def add(kind: str, rows: Any) -> None:
        found.extend(f"{kind} {slug}" for slug in rows)

    if entity in RECORD_TYPES:
        for citation in session.scalars(
            select(Citation).where(getattr(Citation, f"{entity}_id") == id_).order_by(Citation.id)
        ):
            source = session.scalar(select(Source.slug).where(Source.id == citation.source_id))
            found.append(f"citation {citation.id} (from source {source})")
    if entity == "source":
        for citation in session.scalars(
            select(Citation).where(Citation.source_id == id_).order_by(Citation.id)
        ):
            kind = citation.record_type
            model = MODEL_OF[kind]
            slug = session.scalar(
                select(model.slug).where(model.id == getattr(citation, f"{kind}_id"))  # type: ignore[attr-defined]
            )
            found.append(f"citation {citation.id} (of {kind} {slug})")
        add("source", session.scalars(select(Source.slug).where(Source.original_id == id_)))
    if entity == "site":
        add("deployment", session.scalars(select(Deployment.slug).where(Deployment.site_id == id_)))
        add(
            "movement",
            session.scalars(
                select(Movement.slug).where(
                    or_(Movement.from_site_id == id_, Movement.to_site_id == id_)
                )
            ),
        )
        add("event", session.scalars(select(Event.slug).where(Event.site_id == id_)))
    if entity == "force":
        add(
            "deployment", session.scalars(select(Deployment.slug).where(Deployment.force_id == id_))
        )
        add("movement", session.scalars(select(Movement.slug).where(Movement.force_id == id_)))
        add("force", session.scalars(select(Force.slug).where(Force.parent_id == id_)))
    if entity == "actor":
        add("force", session.scalars(select(Force.slug).where(Force.actor_id == id_)))
        add(
            "deployment",
            session.scalars(select(Deployment.slug).where(Deployment.took_over_from_id == id_)),
        )
        add(
            "event",
            session.scalars(
                select(Event.slug).join(event_actor).where(event_actor.c.actor_id == id_)
            ),
        )
    return found


def bump_data_version(session: Session) -> None:
    """Every write to published data calls this in its transaction, so cached answers expire."""
    session.execute(
        update(DataVersion)
        .where(DataVersion.id == 1)
        .values(version=DataVersion.version + 1, changed_at=utcnow())
    )


def data_version(session: Session) -> int:
    return session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0
