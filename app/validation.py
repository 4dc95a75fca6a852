"""What "valid" means for the data, in one place: import, the write API and the forms all call it.

The rules are written against exchange-format rows (docs/format.md): a record is a mapping of
column name to text, parsed by its column's parser and then checked across columns, against the
other records it names (the checks across many records, and the warnings, run in the streaming
import: app/io/streaming.py). Keeping one definition means a record the importer refuses cannot
slip in through a form, nor the other way round.
"""

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.models import (
    ACTOR_KINDS,
    BRANCHES,
    EVENT_KINDS,
    RECORD_TYPES,
    RELIABILITY_GRADES,
    SITE_KINDS,
    SLUG_LENGTH,
    SOURCE_SCALES,
    Actor,
    Base,
    Confidence,
    Deployment,
    Event,
    Force,
    Movement,
    Precision,
    Site,
    Source,
    Stance,
    Status,
)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+")
# The same characters as str.isspace(), found in C rather than a character at a time.
WHITESPACE_RE = re.compile(r"\s")
LAST_DATE = dt.date(9998, 12, 31)
# Problems reported before giving up, so a badly broken file does not flood the terminal.
MAX_PROBLEMS = 50
# Records that carry a confidence and must rest on at least one supporting citation.
WARNED_RECORDS = {
    "deployments.csv": "deployment",
    "movements.csv": "movement",
    "events.csv": "event",
}


class DatasetError(Exception):
    """The dataset has problems; nothing was written."""

    def __init__(self, problems: list["Problem"]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class Invalid(ValueError):
    pass


def _text(value: str) -> str:
    return value


def _short_text(limit: int) -> Callable[[str], str]:
    """Text that must fit a column of `limit` characters."""

    def parse(value: str) -> str:
        if len(value) > limit:
            raise Invalid(f"is {len(value)} characters long; at most {limit} fit")
        return value

    return parse


def _slug(value: str) -> str:
    if len(value) > SLUG_LENGTH or not SLUG_RE.match(value):
        raise Invalid(
            f"{value!r} is not a slug (lower-case letters, digits and '-', at most {SLUG_LENGTH})"
        )
    return value


def _choice(options: tuple[str, ...] | type) -> Callable[[str], str]:
    allowed = tuple(o.value for o in options) if isinstance(options, type) else options  # type: ignore[attr-defined]

    def parse(value: str) -> str:
        if value not in allowed:
            raise Invalid(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def _date(value: str) -> dt.date:
    if not DATE_RE.fullmatch(value):
        raise Invalid(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if day > LAST_DATE:
        # A coarse date's period must end within the calendar Python can count.
        raise Invalid(f"{value} is later than {LAST_DATE}")
    return day


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise Invalid(f"{value!r} is not a number") from None
        if not low <= number <= high:
            raise Invalid(f"{value} is outside {low:g}..{high:g}")
        return number

    return parse


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"[0-9]{1,6}", value) or not low <= int(value) <= high:
            raise Invalid(f"{value!r} is not a whole number from {low} to {high}")
        return int(value)

    return parse


def _color(value: str) -> str:
    if not COLOR_RE.match(value):
        raise Invalid(f"{value!r} is not a colour like #d55e00")
    return value.lower()


def _url(value: str) -> str:
    if not URL_RE.match(value) or WHITESPACE_RE.search(value):
        raise Invalid(f"{value!r} is not an http(s) URL")
    return value


def _https_url(value: str) -> str:
    if not value.startswith("https://"):
        raise Invalid(f"{value!r} is not an https:// URL (archive links must be https)")
    return _url(value)


def _country(value: str) -> str:
    if not re.match(r"^[A-Z]{2}$", value):
        raise Invalid(f"{value!r} is not a two-letter country code")
    return value


def _slug_list(value: str) -> list[str]:
    slugs = [_slug(part.strip()) for part in value.split(";") if part.strip()]
    repeated = sorted({s for s in slugs if slugs.count(s) > 1})
    if repeated:
        raise Invalid(f"{', '.join(repeated)} listed twice")
    return slugs


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = True


PRECISION = _choice(Precision)
CONFIDENCE = _choice(Confidence)

FILES: dict[str, list[Column]] = {
    "actors.csv": [
        Column("slug", _slug),
        Column("name", _short_text(200)),
        Column("short_name", _short_text(40), False),
        Column("kind", _choice(ACTOR_KINDS)),
        Column("color", _color),
        Column("aliases", _text, False),
        Column("description", _text, False),
    ],
    "sites.csv": [
        Column("slug", _slug),
        Column("name", _short_text(200)),
        Column("aliases", _text, False),
        Column("kind", _choice(SITE_KINDS)),
        Column("lat", _number(-90, 90), False),
        Column("lon", _number(-180, 180), False),
        Column("geo_precision", _integer(1, 3), False),
        Column("country", _country, False),
        Column("admin1", _short_text(100), False),
        Column("description", _text, False),
    ],
    "forces.csv": [
        Column("slug", _slug),
        Column("name", _short_text(200)),
        Column("actor", _slug),
        Column("branch", _choice(BRANCHES)),
        Column("parent", _slug, False),
        Column("sidc", _short_text(30), False),
        Column("description", _text, False),
    ],
    "deployments.csv": [
        Column("slug", _slug),
        Column("force", _slug),
        Column("site", _slug),
        Column("start", _date),
        Column("start_precision", PRECISION),
        Column("end", _date, False),
        Column("end_precision", PRECISION, False),
        Column("status", _choice(Status)),
        Column("strength", _text, False),
        Column("confidence", CONFIDENCE),
        Column("note", _text, False),
        Column("took_over_from", _slug, False),
    ],
    "movements.csv": [
        Column("slug", _slug),
        Column("force", _slug),
        Column("from_site", _slug),
        Column("to_site", _slug, False),
        Column("to_label", _short_text(200), False),
        Column("start", _date),
        Column("start_precision", PRECISION),
        Column("end", _date, False),
        Column("end_precision", PRECISION, False),
        Column("description", _text),
        Column("confidence", CONFIDENCE),
    ],
    "events.csv": [
        Column("slug", _slug),
        Column("date", _date),
        Column("date_precision", PRECISION),
        Column("kind", _choice(EVENT_KINDS)),
        Column("title", _short_text(300)),
        Column("description", _text, False),
        Column("site", _slug, False),
        Column("actors", _slug_list, False),
        Column("confidence", CONFIDENCE),
    ],
    "sources.csv": [
        Column("slug", _slug),
        Column("publisher", _short_text(200)),
        Column("title", _text),
        Column("url", _url, False),
        Column("archive_url", _https_url, False),
        Column("published", _date, False),
        Column("reliability", _choice(RELIABILITY_GRADES)),
        Column("scale", _choice(SOURCE_SCALES), False),
        Column("original", _slug, False),
        Column("description", _text, False),
    ],
    "citations.csv": [
        Column("source", _slug),
        Column("record_type", _choice(RECORD_TYPES)),
        Column("record", _slug),
        Column("stance", _choice(Stance)),
        Column("credibility", _integer(1, 6)),
        Column("claim", _text),
    ],
}

# Which file and model each reference points into.
RECORD_FILES = {
    "actor": "actors.csv",
    "site": "sites.csv",
    "force": "forces.csv",
    "deployment": "deployments.csv",
    "movement": "movements.csv",
    "event": "events.csv",
    "source": "sources.csv",
}
MODELS: dict[str, type[Base]] = {
    "actors.csv": Actor,
    "sites.csv": Site,
    "forces.csv": Force,
    "deployments.csv": Deployment,
    "movements.csv": Movement,
    "events.csv": Event,
    "sources.csv": Source,
}


@dataclass
class Row:
    line: int
    values: dict[str, Any]


@dataclass
class Dataset:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    # Doubts that do not stop an import (`--strict` makes them errors); the checks across
    # records and the warnings live with the streaming import (app/io/streaming.py), which
    # keeps only the facts they need.
    warnings: list[Problem] = field(default_factory=list)

    def count(self, filename: str) -> int:
        return len(self.rows.get(filename, []))

    def total(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, line, column, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def parse_record(
    name: str, line: int, raw: Mapping[str, str | None], problems: Problems
) -> dict[str, Any]:
    """One record's text cells parsed by their columns and checked across columns.

    Missing columns read as empty; a cell that fails its parser is left out of the result and
    reported, so callers must not use a record whose parse added problems.
    """
    columns = {c.name: c for c in FILES[name]}
    values: dict[str, Any] = {}
    already = len(problems.items)
    for column_name, cell in raw.items():
        column = columns.get(column_name)
        if column is None:
            problems.add(name, line, column_name, "unknown column")
            continue
        text = (cell or "").strip()
        if text == "":
            if column.required:
                problems.add(name, line, column_name, "is required")
            values[column_name] = None
            continue
        try:
            values[column_name] = column.parse(text)
        except Invalid as exc:
            problems.add(name, line, column_name, str(exc))
    for column in columns.values():
        if column.name not in raw and column.required:
            problems.add(name, line, column.name, "is required")
        values.setdefault(column.name, None)
    # Cross-column checks on a row whose cells failed would only repeat the cell's problem.
    if len(problems.items) == already:
        check_row(name, line, values, problems)
    return values


def check_row(name: str, line: int, values: dict[str, Any], problems: Problems) -> None:
    """Checks across the columns of one row."""
    if name == "sites.csv" and (values["lat"] is None) != (values["lon"] is None):
        problems.add(
            name, line, "lat" if values["lat"] is None else "lon", "lat and lon go together"
        )
    if "end" in values and values.get("end") is not None:
        start, end = values.get("start"), values["end"]
        if values.get("end_precision") is None:
            problems.add(name, line, "end_precision", "is required when end is given")
        if isinstance(start, dt.date):
            if name == "deployments.csv" and end <= start:
                problems.add(name, line, "end", f"{end} is not after start {start}")
            if name == "movements.csv" and end < start:
                problems.add(name, line, "end", f"{end} is before start {start}")
    if name == "movements.csv" and values["to_site"] is None and not values["to_label"]:
        problems.add(name, line, "to_site", "give to_site or to_label")


# Columns that name another record: (column, record type).
REFERENCES: dict[str, list[tuple[str, str]]] = {
    "forces.csv": [("actor", "actor"), ("parent", "force")],
    "deployments.csv": [("force", "force"), ("site", "site"), ("took_over_from", "actor")],
    "movements.csv": [("force", "force"), ("from_site", "site"), ("to_site", "site")],
    "events.csv": [("site", "site"), ("actors", "actor")],
    "citations.csv": [("source", "source"), ("record", "")],
    "sources.csv": [("original", "source")],
}

Exists = Callable[[str, str], bool]


def check_record_references(
    name: str, line: int, values: Mapping[str, Any], exists: Exists, problems: Problems
) -> None:
    """Every slug a record names must be a known record of the right type."""
    for column_name, record_type in REFERENCES.get(name, []):
        value = values.get(column_name)
        if column_name == "record":
            # A citation's record column names a record of the type in record_type.
            if (
                value is not None
                and values.get("record_type")
                and not exists(values["record_type"], value)
            ):
                problems.add(name, line, "record", f"no {values['record_type']} {value!r}")
            continue
        for slug in value if isinstance(value, list) else [value]:
            if slug is not None and not exists(record_type, slug):
                problems.add(name, line, column_name, f"no {record_type} with slug {slug!r}")


def _cycle_text(cycle: list[str]) -> str:
    """A cycle of relays for a message; a long one is shortened to its ends."""
    names = [*cycle, cycle[0]]
    if len(names) > 7:
        names = [*names[:3], f"... ({len(cycle)} sources) ...", *names[-2:]]
    return " -> ".join(names)


def check_originals(relays_of: list[tuple[int, str, str]], problems: Problems) -> None:
    """A source may relay another, but never itself, and the chain must reach an original.

    `relays_of` lists (line, source, original) for every source that names an original.
    """
    relays = {slug: original for _line, slug, original in relays_of}
    # Each source is walked once: it either reaches an original or is part of (or leads into) a
    # cycle, which keeps a long hostile chain linear.
    reaches: dict[str, bool] = {}
    for line, slug, original in relays_of:
        if original == slug:
            problems.add("sources.csv", line, "original", "a source cannot be its own original")
            reaches[slug] = False
            continue
        if slug not in reaches:
            position = {slug: 0}
            order = [slug]
            current: str | None = original
            verdict = True
            while current is not None and current not in reaches:
                if current in position:
                    for member in order[position[current] :]:
                        reaches[member] = False
                    verdict = False
                    break
                position[current] = len(order)
                order.append(current)
                current = relays.get(current)
            else:
                verdict = current is None or reaches[current]
            for member in order:
                reaches.setdefault(member, verdict)
        if not reaches[slug]:
            cycle = [slug]
            current = relays.get(slug)
            seen = {slug}
            while current is not None and current not in seen:
                seen.add(current)
                cycle.append(current)
                current = relays.get(current)
            if current == slug:
                message = f"goes round in a cycle: {_cycle_text(cycle)}"
            else:
                message = f"leads into a cycle of relays at {current!r}, so it reaches no original"
            problems.add("sources.csv", line, "original", message)
