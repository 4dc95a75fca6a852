"""The domain model: actors, sites, forces, and dated, cited records of where forces were."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.dates import present_until

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Precision(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"


# ACLED's time_precision codes; ACLED stops at 3, year is ours.
PRECISION_CODES = {Precision.day: 1, Precision.week: 2, Precision.month: 3, Precision.year: 4}


class Status(StrEnum):
    active = "active"
    drawdown = "drawdown"
    contested = "contested"
    withdrawn = "withdrawn"


class Confidence(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


ACTOR_KINDS = ("state", "armed_group", "coalition", "other")
SITE_KINDS = (
    "air_base",
    "naval_base",
    "airport",
    "base",
    "outpost",
    "town",
    "city",
    "oil_field",
    "crossing",
    "other",
)
BRANCHES = ("air", "naval", "ground", "military_police", "special", "air_defence", "mixed")
EVENT_KINDS = (
    "agreement",
    "ceasefire",
    "offensive",
    "base_established",
    "withdrawal",
    "transfer_of_territory",
    "government_regains_territory",
    "statement",
    "patrol",
    "political",
    "other",
)
RELIABILITY_GRADES = ("A", "B", "C", "D", "E", "F")
SOURCE_SCALES = ("local", "subnational", "national", "regional", "international", "other")
RECORD_TYPES = ("deployment", "movement", "event", "site", "force", "actor")


class Stance(StrEnum):
    """What a citation does to its record: only supporting citations grade and count it."""

    supports = "supports"
    disputes = "disputes"
    context = "context"


SLUG_LENGTH = 80


def _precision_column() -> Mapped[str]:
    return mapped_column(String(8), default=Precision.day.value)


event_actor = Table(
    "event_actor",
    Base.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", ForeignKey("actor.id", ondelete="CASCADE"), primary_key=True),
)


class Actor(Base):
    __tablename__ = "actor"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    color: Mapped[str] = mapped_column(String(7))
    aliases: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)

    forces: Mapped[list["Force"]] = relationship(back_populates="actor", lazy="raise")


class Site(Base):
    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint("(lat IS NULL) = (lon IS NULL)", name="lat_lon_together"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))
    admin1: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)


class Force(Base):
    __tablename__ = "force"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="RESTRICT"), index=True)
    branch: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("force.id", ondelete="SET NULL"))
    sidc: Mapped[str | None] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Actor] = relationship(back_populates="forces", lazy="raise")
    parent: Mapped["Force | None"] = relationship(remote_side=[id], lazy="raise")


class Deployment(Base):
    """A force at a site over the half-open interval [start_date, end_date)."""

    __tablename__ = "deployment"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="RESTRICT"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    start_precision: Mapped[str] = _precision_column()
    end_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    end_precision: Mapped[str | None] = mapped_column(String(8))
    # Derived from end_date and end_precision on every write (see _set_present_until); the
    # temporal queries compare against it so that a coarse end counts to its period's end.
    present_until: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12))
    strength: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    # The actor this presence took the site over from; its open presence there is then suspect.
    took_over_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("actor.id", ondelete="SET NULL")
    )

    force: Mapped[Force] = relationship(lazy="raise")
    site: Mapped[Site] = relationship(lazy="raise")
    took_over_from: Mapped[Actor | None] = relationship(lazy="raise")


@event.listens_for(Deployment, "before_insert")
@event.listens_for(Deployment, "before_update")
def _set_present_until(_mapper: object, _connection: object, deployment: Deployment) -> None:
    deployment.present_until = present_until(deployment.end_date, deployment.end_precision)


class Movement(Base):
    __tablename__ = "movement"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_not_before_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="RESTRICT"), index=True)
    from_site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    to_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    to_label: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    start_precision: Mapped[str] = _precision_column()
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    end_precision: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(8))

    force: Mapped[Force] = relationship(lazy="raise")
    from_site: Mapped[Site] = relationship(foreign_keys=[from_site_id], lazy="raise")
    to_site: Mapped[Site | None] = relationship(foreign_keys=[to_site_id], lazy="raise")


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    date_precision: Mapped[str] = _precision_column()
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    confidence: Mapped[str] = mapped_column(String(8))

    site: Mapped[Site | None] = relationship(lazy="raise")
    actors: Mapped[list[Actor]] = relationship(secondary=event_actor, lazy="raise")


class Source(Base):
    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, index=True)
    publisher: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    archive_url: Mapped[str | None] = mapped_column(Text)
    published_date: Mapped[dt.date | None] = mapped_column(Date)
    reliability: Mapped[str] = mapped_column(String(1))
    scale: Mapped[str | None] = mapped_column(String(20))
    # The source this one reprints or relays: reports of one original are not independent.
    original_id: Mapped[int | None] = mapped_column(
        ForeignKey("source.id", ondelete="SET NULL"), index=True
    )
    # Why a link is missing (print only, paywalled, removed) and other notes on the source.
    description: Mapped[str | None] = mapped_column(Text)

    original: Mapped["Source | None"] = relationship(remote_side=[id], lazy="raise")


class Citation(Base):
    """One source backing one record; exactly one of the record columns is set."""

    __tablename__ = "citation"
    __table_args__ = (
        CheckConstraint("credibility BETWEEN 1 AND 6", name="credibility_range"),
        CheckConstraint("stance IN ('supports', 'disputes', 'context')", name="stance_value"),
        CheckConstraint(
            "(CASE WHEN deployment_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN movement_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN event_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN site_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN force_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN actor_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_record",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[int | None] = mapped_column(
        ForeignKey("deployment.id", ondelete="CASCADE"), index=True
    )
    movement_id: Mapped[int | None] = mapped_column(
        ForeignKey("movement.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    force_id: Mapped[int | None] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"))
    stance: Mapped[str] = mapped_column(String(12), default=Stance.supports.value)
    credibility: Mapped[int] = mapped_column(Integer)
    claim: Mapped[str] = mapped_column(Text)

    source: Mapped[Source] = relationship(lazy="raise")

    @property
    def record_type(self) -> str:
        for kind in RECORD_TYPES:
            if getattr(self, f"{kind}_id") is not None:
                return kind
        raise ValueError("citation backs no record")
