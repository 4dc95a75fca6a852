"""What was changed, by whom: recent published changes (a page and an Atom feed) and each record's
history.

Published changes are public, like the data they changed: every RecordChange names who proposed
it and which editor published it, with the row before and after. The change set behind it (its
discussion, any rejected alternatives) stays for signed-in accounts, so these pages link to it
and say so. A site's history also lists the deployments, movements and events there (that is
what its page shows), an actor's the forces and deployments on its page.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.changesets import record_diff
from app.deps import SessionDep
from app.models import (
    ENTITIES,
    Actor,
    Deployment,
    Event,
    Force,
    Movement,
    RecordChange,
    Site,
    Source,
)
from app.pages.render import MONTHS, _error, _render, _settings, templates
from app.records import find_record

router = APIRouter()

RECENT = 100
HISTORY_LIMIT = 200
# How many changes a record's own page lists before linking to its full history.
SECTION_LIMIT = 10
ACTION_WORD = {"create": "new", "update": "changed", "delete": "deleted"}
CLAIM_TYPES = ("deployment", "movement", "event")
PAGE_OF = {"site": "/sites/{}", "actor": "/actors/{}", "source": "/sources#source-{}"}
PAGE_MODELS: dict[str, type[Site] | type[Actor] | type[Source]] = {
    "site": Site,
    "actor": Actor,
    "source": Source,
}
# XML 1.0 allows tab, newline, carriage return and everything from U+0020 on, except the
# surrogates and U+FFFE/U+FFFF; anything else in the data would make the feed unreadable.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SUMMARY_VALUE = 300


def format_moment(value: dt.datetime | None) -> str:
    """A stored (naive UTC) time for people: "3 Feb 2026, 14:05 UTC"."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}, {value:%H:%M} UTC"


def format_age(value: dt.datetime | None, now: dt.datetime) -> str:
    """How long ago, roughly: "just now", "5 minutes ago", "3 days ago"."""
    if value is None:
        return ""
    seconds = max(0, int((now - value).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def rfc3339(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def xml_safe(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return XML_FORBIDDEN.sub("\ufffd", text)


def history_href(entity: str, key: str) -> str:
    return f"/history/{entity}/{quote(key, safe='')}"


def record_words(entity: str, key: str | None, row: dict[str, str] | None) -> str:
    """How a record is named in a heading: "deployment ru-x", "citation 12 (supports ...)"."""
    if entity != "citation":
        return f"{entity} {key}"
    row = row or {}
    name = f"citation {key}" if key else "citation"
    if row.get("record_type"):
        stance = row.get("stance") or "about"
        name += f" ({stance} {row['record_type']} {row.get('record', '')}"
        name += f", from source {row['source']})" if row.get("source") else ")"
    return name


def _page_target(change: RecordChange) -> tuple[str, str] | None:
    """The page a changed record is shown on, as (kind, slug), if it has one of its own."""
    row = change.after or change.before or {}
    if change.entity in PAGE_OF:
        return (change.entity, change.key)
    if change.entity == "force" and row.get("actor"):
        return ("actor", row["actor"])
    return None


def _existing(session: Session, targets: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (kind, slug) pages exist now: one query per kind, never one per row."""
    wanted: dict[str, set[str]] = {}
    for kind, slug in targets:
        wanted.setdefault(kind, set()).add(slug)
    found: set[tuple[str, str]] = set()
    for kind, slugs in wanted.items():
        model = PAGE_MODELS[kind]
        found.update(
            (kind, s) for s in session.scalars(select(model.slug).where(model.slug.in_(slugs)))
        )
    return found


@dataclass
class Entry:
    """One published change as the pages and the feed show it."""

    change: RecordChange
    title: str
    record: str
    href: str
    history_href: str
    when: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.change.action

    @property
    def verb(self) -> str:
        return ACTION_WORD.get(self.change.action, self.change.action).capitalize()

    def summary(self) -> str:
        """The field diff as one line of text (for the feed)."""
        parts = []
        for column, before, after in self.rows:
            was, now = _short(before), _short(after)
            if self.change.action == "create":
                parts.append(f"{column}: {now}")
            elif self.change.action == "delete":
                parts.append(f"{column} was {was}")
            else:
                parts.append(f"{column}: {was or '(empty)'} → {now or '(empty)'}")
        return "; ".join(parts) or "no column changed"


def _short(value: str) -> str:
    return value if len(value) <= SUMMARY_VALUE else value[: SUMMARY_VALUE - 1] + "…"


def entries(session: Session, changes: list[RecordChange]) -> list[Entry]:
    targets = {t for t in (_page_target(c) for c in changes) if t is not None}
    existing = _existing(session, targets)
    out = []
    for change in changes:
        row = change.after or change.before
        record = record_words(change.entity, change.key, row)
        target = _page_target(change)
        own_history = history_href(change.entity, change.key)
        href = own_history
        if target is not None and target in existing:
            href = PAGE_OF[target[0]].format(quote(target[1], safe=""))
        out.append(
            Entry(
                change=change,
                title=f"{ACTION_WORD.get(change.action, change.action).capitalize()} {record}",
                record=record,
                href=href,
                history_href=own_history,
                when=format_moment(change.published_at),
                rows=record_diff(change),
            )
        )
    return out


@dataclass
class Group:
    """Consecutive changes published together by one change set."""

    change_set_id: int
    proposed_by: str
    published_by: str
    when: str
    entries: list[Entry]


def grouped(items: list[Entry]) -> list[Group]:
    groups: list[Group] = []
    for entry in items:
        change = entry.change
        if not groups or groups[-1].change_set_id != change.change_set_id:
            groups.append(
                Group(
                    change.change_set_id,
                    change.proposed_by.name,
                    change.published_by.name,
                    entry.when,
                    [],
                )
            )
        groups[-1].entries.append(entry)
    # Newest change set first, but each one's records in the order it changed them.
    for group in groups:
        group.entries.reverse()
    return groups


# ---- which changes belong to a record's history


def _changes(session: Session, condition: ColumnElement[bool], limit: int) -> list[RecordChange]:
    query = select(RecordChange).where(condition).order_by(RecordChange.id.desc()).limit(limit)
    return list(session.scalars(query))


def _about(subjects: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    """Changes to these records and to the citations that back them."""
    by_kind: dict[str, set[str]] = {}
    for kind, slug in subjects:
        by_kind.setdefault(kind, set()).add(slug)
    return or_(
        *(
            and_(RecordChange.subject_type == kind, RecordChange.subject_key.in_(sorted(slugs)))
            for kind, slugs in by_kind.items()
        )
    )


def site_condition(session: Session, slug: str) -> ColumnElement[bool]:
    """The site, what is recorded there now, and claims that named it before they were changed
    or deleted (so a deleted deployment stays in the site's history)."""
    subjects = [("site", slug)]
    site_id = session.scalar(select(Site.id).where(Site.slug == slug))
    if site_id is not None:
        subjects += [
            ("deployment", s)
            for s in session.scalars(select(Deployment.slug).where(Deployment.site_id == site_id))
        ]
        subjects += [
            ("movement", s)
            for s in session.scalars(
                select(Movement.slug).where(
                    or_(Movement.from_site_id == site_id, Movement.to_site_id == site_id)
                )
            )
        ]
        subjects += [
            ("event", s)
            for s in session.scalars(select(Event.slug).where(Event.site_id == site_id))
        ]
    named_here = [
        RecordChange.before[column].as_string() == slug
        for column in ("site", "from_site", "to_site")
    ]
    return or_(
        _about(subjects),
        and_(RecordChange.entity.in_(CLAIM_TYPES), or_(*named_here)),
    )


def actor_condition(session: Session, slug: str) -> ColumnElement[bool]:
    """The actor, its forces and their deployments."""
    subjects = [("actor", slug)]
    actor_id = session.scalar(select(Actor.id).where(Actor.slug == slug))
    if actor_id is not None:
        forces = list(
            session.execute(select(Force.id, Force.slug).where(Force.actor_id == actor_id))
        )
        subjects += [("force", s) for _, s in forces]
        force_ids = [i for i, _ in forces]
        if force_ids:
            subjects += [
                ("deployment", s)
                for s in session.scalars(
                    select(Deployment.slug).where(Deployment.force_id.in_(force_ids))
                )
            ]
    return _about(subjects)


def record_condition(session: Session, entity: str, key: str) -> ColumnElement[bool]:
    if entity == "citation":
        # A citation is the subject of nothing: its history is its own changes.
        return and_(RecordChange.entity == "citation", RecordChange.key == key)
    if entity == "site":
        return site_condition(session, key)
    if entity == "actor":
        return actor_condition(session, key)
    # As app.changesets.history_of: the record and the citations that back it.
    return _about([(entity, key)])


@dataclass
class HistoryView:
    """A record's history as the "History" section of its page shows it."""

    entity: str
    key: str
    entries: list[Entry]
    more: bool
    href: str


def history_view(
    session: Session, entity: str, key: str, limit: int = SECTION_LIMIT
) -> HistoryView:
    """The newest changes for a record's page, with a link to the rest."""
    found = _changes(session, record_condition(session, entity, key), limit + 1)
    return HistoryView(
        entity=entity,
        key=key,
        entries=entries(session, found[:limit]),
        more=len(found) > limit,
        href=history_href(entity, key),
    )


def _record_page(session: Session, entity: str, key: str) -> tuple[str, str | None]:
    """The record's name and its page, if it still exists and has a page of its own."""
    record = find_record(session, entity, key)
    if record is None:
        return "", None
    if entity == "site":
        return record.name, f"/sites/{quote(key, safe='')}"
    if entity == "actor":
        return record.name, f"/actors/{quote(key, safe='')}"
    if entity == "source":
        return f"{record.publisher}: {record.title}", f"/sources#source-{quote(key, safe='')}"
    if entity == "event":
        return record.title, None
    if entity in ("force", "movement"):
        return getattr(record, "name", "") or getattr(record, "description", ""), None
    return "", None


@router.get("/history/{entity}/{key}", response_class=HTMLResponse)
def read_history_page(request: Request, session: SessionDep, entity: str, key: str) -> Response:
    """Every published change to one record (and to the citations that back it), newest first."""
    if entity not in ENTITIES or not key or len(key) > 80:
        return _error(
            request,
            404,
            "No such record kind",
            f"“{entity}” is not one of {', '.join(ENTITIES)}.",
        )
    found = _changes(session, record_condition(session, entity, key), HISTORY_LIMIT)
    name, page = _record_page(session, entity, key)
    view = HistoryView(
        entity=entity,
        key=key,
        entries=entries(session, found),
        more=False,
        href=history_href(entity, key),
    )
    return _render(
        request,
        "history.html",
        {
            "title": f"History of {entity} {key}",
            "entity": entity,
            "key": key,
            "name": name,
            "page": page,
            "exists": find_record(session, entity, key) is not None,
            "record_history": view,
            "limit": HISTORY_LIMIT,
            "nav": "changes",
        },
    )


@router.get("/changes", response_class=HTMLResponse)
def read_changes_page(request: Request, session: SessionDep) -> Response:
    """Recently published changes, grouped by the change set that published them."""
    found = list(
        session.scalars(select(RecordChange).order_by(RecordChange.id.desc()).limit(RECENT))
    )
    return _render(
        request,
        "changes.html",
        {
            "title": "Recent changes",
            "groups": grouped(entries(session, found)),
            "shown": len(found),
            "limit": RECENT,
        },
    )


@router.get("/changes.atom")
def read_changes_feed(request: Request, session: SessionDep) -> Response:
    """The same changes as an Atom 1.0 feed, one entry per changed record."""
    found = list(
        session.scalars(select(RecordChange).order_by(RecordChange.id.desc()).limit(RECENT))
    )
    base = str(request.base_url).rstrip("/")
    authority = request.url.hostname or "localhost"
    items = entries(session, found)
    updated = found[0].published_at if found else dt.datetime(2026, 1, 1)
    body = templates.get_template("changes.atom").render(
        {
            "site_name": _settings(request).site_name,
            "base": base,
            "feed_id": f"tag:{authority},2026:changes",
            "entry_id": lambda e: f"tag:{authority},2026:record-change/{e.change.id}",
            "updated": rfc3339(updated),
            "rfc3339": rfc3339,
            "entries": items,
        }
    )
    return Response(xml_safe(body), media_type="application/atom+xml")
