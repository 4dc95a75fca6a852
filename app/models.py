"""The domain model: actors, sites, forces, and dated, cited records of where forces were."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    func,
)
from sqlalchemy.dialects import postgresql
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
    # Indexed with present_until below (ix_deployment_start_date_present_until).
    start_date: Mapped[dt.date] = mapped_column(Date)
    start_precision: Mapped[str] = _precision_column()
    end_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    end_precision: Mapped[str | None] = mapped_column(String(8))
    # Derived from end_date and end_precision on every write (see _set_present_until); the
    # temporal queries compare against it so that a coarse end counts to its period's end.
    # Indexed with start_date below (ix_deployment_present_until_start_date).
    present_until: Mapped[dt.date | None] = mapped_column(Date)
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


# "State at D" on SQLite reads one of these two indexes and never the table: before the median
# start, the rows that started by D (few); after it, the rows still open or ending after D (few
# again). docs/temporal-index.md has the measurements against the alternatives.
Index("ix_deployment_start_date_present_until", Deployment.start_date, Deployment.present_until)
Index("ix_deployment_present_until_start_date", Deployment.present_until, Deployment.start_date)

# The half-open interval [start_date, present_until) as a PostgreSQL range (a NULL upper bound is
# unbounded); queries compare with this same expression so that the GiST index below serves them.
DEPLOYMENT_PERIOD = func.daterange(
    Deployment.start_date, Deployment.present_until, type_=postgresql.DATERANGE
)
Index("ix_deployment_period", DEPLOYMENT_PERIOD, postgresql_using="gist").ddl_if(
    dialect="postgresql"
)


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
    # Indexed with end_date below (ix_movement_start_date_end_date).
    start_date: Mapped[dt.date] = mapped_column(Date)
    start_precision: Mapped[str] = _precision_column()
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    end_precision: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(8))

    force: Mapped[Force] = relationship(lazy="raise")
    from_site: Mapped[Site] = relationship(foreign_keys=[from_site_id], lazy="raise")
    to_site: Mapped[Site | None] = relationship(foreign_keys=[to_site_id], lazy="raise")


# Movements in a range test start_date and end_date together; with both in the index SQLite reads
# no table row to reject one (a month of a world dataset: 223 ms to 20 ms).
Index("ix_movement_start_date_end_date", Movement.start_date, Movement.end_date)


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


# --- Editing: accounts, change sets under review, and the history of what was published ---------


class Role(StrEnum):
    """What an account may do; each role may do everything the roles before it may.

    A viewer account reads like an anonymous visitor (it exists so a team can list who has
    access before granting more).
    """

    viewer = "viewer"
    contributor = "contributor"
    editor = "editor"
    admin = "admin"


ROLE_RANK = {Role.viewer: 0, Role.contributor: 1, Role.editor: 2, Role.admin: 3}


class ChangeStatus(StrEnum):
    draft = "draft"
    proposed = "proposed"
    published = "published"
    rejected = "rejected"


class Action(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"


# The entities a change set can touch, in the order a publish applies creations (a citation's
# record and source must exist before it).
ENTITIES = ("actor", "site", "force", "source", "deployment", "movement", "event", "citation")


def utcnow() -> dt.datetime:
    """Naive UTC: SQLite keeps no time zone, so every timestamp is stored as UTC without one."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'contributor', 'editor', 'admin')", name="role_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(200))
    # A revoked account can neither sign in nor use a token until an admin enables it again.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def may(self, role: Role) -> bool:
        return self.active and ROLE_RANK[Role(self.role)] >= ROLE_RANK[role]


class ApiToken(Base):
    """A bearer token; only its SHA-256 is kept, so a database leak gives no usable token."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginSession(Base):
    """A signed-in browser: the cookie holds a random key whose SHA-256 is this row's key."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """One failed sign-in, counted per account name and per address to slow guessing."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class ChangeSet(Base):
    """Operations proposed together with one comment; nothing reaches the data until published."""

    __tablename__ = "change_set"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'proposed', 'published', 'rejected')", name="status_value"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=ChangeStatus.draft.value, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    proposed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set on the change set that undoes a published one.
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("change_set.id", ondelete="SET NULL"))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    operations: Mapped[list["ChangeOperation"]] = relationship(
        back_populates="change_set",
        order_by="ChangeOperation.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    comments: Mapped[list["ChangeComment"]] = relationship(
        order_by="ChangeComment.id", cascade="all, delete-orphan", lazy="selectin"
    )


class ChangeOperation(Base):
    """One create, update or delete, in exchange-format terms (docs/format.md columns as text).

    `before` is the record as it was when the operation was added: at publish, a record that no
    longer looks like it is a conflict, reported rather than overwritten.
    """

    __tablename__ = "change_operation"
    __table_args__ = (
        CheckConstraint("action IN ('create', 'update', 'delete')", name="action_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_set_id: Mapped[int] = mapped_column(
        ForeignKey("change_set.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(12))
    # The record's slug; a citation (which has none) is named by its id, or empty when created.
    key: Mapped[str | None] = mapped_column(String(SLUG_LENGTH))
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    before: Mapped[dict | None] = mapped_column(JSON)

    change_set: Mapped[ChangeSet] = relationship(back_populates="operations", lazy="raise")


class ChangeComment(Base):
    __tablename__ = "change_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_set_id: Mapped[int] = mapped_column(
        ForeignKey("change_set.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship(lazy="joined")


class RecordChange(Base):
    """History: one published operation, with the row before and after and who made it so."""

    __tablename__ = "record_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_set_id: Mapped[int] = mapped_column(
        ForeignKey("change_set.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    # The record a citation backs, so a record's history lists changes to its evidence too.
    subject_type: Mapped[str] = mapped_column(String(12))
    subject_key: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    published_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id], lazy="joined")
    published_by: Mapped[User] = relationship(foreign_keys=[published_by_id], lazy="joined")


Index("ix_record_change_subject", RecordChange.subject_type, RecordChange.subject_key)


class DataVersion(Base):
    """One row counting writes to the published data; read answers carry it as their ETag."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
