"""Finding sites, forces, actors and events by name, alias or transliteration.

Migration 0007 keeps an index of every record's name and aliases (an event's title) in step with
its table by triggers, so every writer (the importer, change sets, a hand-run SQL script) keeps it
current without knowing it exists. On SQLite it is FTS5 with accents folded by the tokenizer; on
PostgreSQL a trigram index over an unaccented copy. Spellings such as Khmeimim and Hmeymim are
found because the dataset lists them as aliases; what is typed is matched word by word, each word
as the start of a word in the name or an alias, so a half-typed word already finds its record.

What a user types never becomes query syntax: it is cut into words of letters and digits, and
each word travels as a bound parameter (on SQLite inside an FTS5 string, quotes doubled), so
`"`, `*`, `NEAR(`, `OR` or `-` are searched for as the plain text they are.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, column, func, literal, select, table, text
from sqlalchemy.orm import Session

from app.models import Actor, Event, Force, Site

KINDS = ("site", "force", "actor", "event")
# Each kind's code in the SQLite index's rowid (record id * 4 + code); migration 0007 uses the
# same numbers.
KIND_CODE = {"site": 0, "force": 1, "actor": 2, "event": 3}
# The order kinds are listed in (the SQLite query spells the same order out).
KIND_ORDER = {"site": 0, "actor": 1, "force": 2, "event": 3}
# The index is not a model: these are the tables migration 0007 makes for it (an FTS5 table
# keeps its data in shadow tables named after it), which a comparison of the migrated schema
# with the models must leave out.
SEARCH_TABLES = frozenset(
    {
        "search_index",
        "search_index_data",
        "search_index_idx",
        "search_index_content",
        "search_index_docsize",
        "search_index_config",
    }
)
# Longer than any name; a longer query is refused rather than sent on.
MAX_QUERY_LENGTH = 200
# Words searched at once; a name rarely needs more to be told apart.
MAX_WORDS = 8
DEFAULT_LIMIT = 10
MAX_LIMIT = 50

# What FTS5's unicode61 tokenizer takes for a word: runs of letters and digits.
_WORD = re.compile(r"[^\W_]+")
# The PostgreSQL index as the query sees it (the table is made by migration 0007, not a model).
_pg_index = table(
    "search_index",
    column("kind"),
    column("record_id"),
    column("slug"),
    column("name"),
    column("aliases"),
    column("folded_name"),
    column("folded"),
)


class SearchQueryError(ValueError):
    """A query that cannot be searched for (empty, too long, no letters or digits)."""


@dataclass(frozen=True)
class Hit:
    """One record found: what it is, how to link to it, and the alias that matched, if the
    name itself did not."""

    kind: str
    slug: str
    name: str
    alias: str | None
    url: str


def query_words(q: str) -> list[str]:
    """The words of a query, or SearchQueryError saying why there are none to search for."""
    if len(q) > MAX_QUERY_LENGTH:
        raise SearchQueryError(f"at most {MAX_QUERY_LENGTH} characters, please")
    words = _WORD.findall(unicodedata.normalize("NFKC", q))
    if not words:
        raise SearchQueryError("type at least one letter or digit of a name")
    return words[:MAX_WORDS]


def fts5_expression(words: Sequence[str]) -> str:
    """An FTS5 MATCH expression finding records with every word as the start of a word.

    Each word is an FTS5 string (double quotes doubled) with `*` after it: whatever it holds
    is text to match, never an operator.
    """
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def fold(value: str) -> str:
    """Lower case without accents, for telling which alias matched (the index folds alike)."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _matches(value: str, words: Sequence[str]) -> bool:
    tokens = _WORD.findall(fold(value))
    return all(any(t.startswith(fold(w)) for t in tokens) for w in words)


def matched_alias(name: str, aliases: str | None, words: Sequence[str]) -> str | None:
    """The alias the words found, when the name alone does not hold them all."""
    if _matches(name, words) or not aliases:
        return None
    spellings = [a.strip() for a in aliases.split(";") if a.strip()]
    for spelling in spellings:
        if _matches(spelling, words):
            return spelling
    for spelling in spellings:
        if any(_matches(spelling, [w]) for w in words):
            return spelling
    return None


def _sqlite_rows(session: Session, words: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
    # Places first (what a name typed in a map's search box most often means), then actors,
    # forces and events; within a kind, name matches weigh more than alias matches.
    rows = session.execute(
        text(
            "SELECT kind, rowid / 4, slug, name, aliases FROM search_index "
            "WHERE search_index MATCH :expression "
            "ORDER BY CASE kind WHEN 'site' THEN 0 WHEN 'actor' THEN 1 WHEN 'force' THEN 2 "
            "ELSE 3 END, bm25(search_index, 0, 0, 4.0, 1.0), length(name), name LIMIT :limit"
        ),
        {"expression": fts5_expression(words), "limit": limit},
    )
    return [tuple(row) for row in rows]


def _postgres_rows(session: Session, words: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
    index = _pg_index
    # search_fold (migration 0007) pads with spaces, so "% word%" is a word's start.
    patterns = [literal("%") + func.rtrim(func.search_fold(word)) + literal("%") for word in words]
    in_name = and_(*(index.c.folded_name.like(p) for p in patterns))
    query = (
        select(index.c.kind, index.c.record_id, index.c.slug, index.c.name, index.c.aliases)
        .where(*(index.c.folded.like(p) for p in patterns))
        .order_by(
            case(KIND_ORDER, value=index.c.kind, else_=len(KINDS)),
            case((in_name, 0), else_=1),
            func.length(index.c.name),
            index.c.name,
        )
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def _urls(session: Session, rows: Sequence[tuple[Any, ...]]) -> dict[tuple[str, int], str]:
    """Where each record is shown: sites and actors on their pages, a force on its actor's,
    an event at its site or, without one, on the map at its date."""
    urls: dict[tuple[str, int], str] = {}
    ids: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for kind, record_id, slug, _name, _aliases in rows:
        ids[kind].append(int(record_id))
        if kind in ("site", "actor"):
            urls[(kind, int(record_id))] = f"/{kind}s/{slug}"
    if ids["force"]:
        found = session.execute(
            select(Force.id, Actor.slug)
            .join(Actor, Actor.id == Force.actor_id)
            .where(Force.id.in_(ids["force"]))
        )
        urls.update((("force", i), f"/actors/{actor}") for i, actor in found)
    if ids["event"]:
        events = session.execute(
            select(Event.id, Event.date, Site.slug)
            .outerjoin(Site, Site.id == Event.site_id)
            .where(Event.id.in_(ids["event"]))
        )
        for event_id, date, site in events:
            where = f"/sites/{site}" if site else f"/?date={date.isoformat()}"
            urls[("event", event_id)] = where
    return urls


def search(session: Session, q: str, limit: int = DEFAULT_LIMIT) -> list[Hit]:
    """Records whose name or an alias holds every word of `q`, best match first."""
    words = query_words(q)
    if session.get_bind().dialect.name == "postgresql":
        rows = _postgres_rows(session, words, limit)
    else:
        rows = _sqlite_rows(session, words, limit)
    urls = _urls(session, rows)
    return [
        Hit(
            kind=kind,
            slug=slug,
            name=name,
            alias=matched_alias(name, aliases, words),
            url=urls.get((kind, int(record_id)), "/"),
        )
        for kind, record_id, slug, name, aliases in rows
    ]


def include_in_schema_comparison(name: str | None, type_: str, _parents: Any) -> bool:
    """Alembic's include_name hook: every table but the search index's (see SEARCH_TABLES)."""
    return not (type_ == "table" and name in SEARCH_TABLES)
