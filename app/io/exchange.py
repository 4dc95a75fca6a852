"""The exchange format (docs/format.md): a folder or .zip of eight CSV files linked by slug.

Import is two phases. `read_dataset` parses and checks every file and every reference, collecting
problems as `file:line: column: problem`; only a dataset with no problems reaches `apply_dataset`,
which writes it in the caller's transaction. A bad file therefore changes nothing.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.dates import period_end, present_until
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
    Citation,
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
from app.queries import WEAK_GRADES

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
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


class _Invalid(ValueError):
    pass


def _text(value: str) -> str:
    return value


def _short_text(limit: int) -> Callable[[str], str]:
    """Text that must fit a column of `limit` characters."""

    def parse(value: str) -> str:
        if len(value) > limit:
            raise _Invalid(f"is {len(value)} characters long; at most {limit} fit")
        return value

    return parse


def _slug(value: str) -> str:
    if len(value) > SLUG_LENGTH or not SLUG_RE.match(value):
        raise _Invalid(
            f"{value!r} is not a slug (lower-case letters, digits and '-', at most {SLUG_LENGTH})"
        )
    return value


def _choice(options: tuple[str, ...] | type) -> Callable[[str], str]:
    allowed = tuple(o.value for o in options) if isinstance(options, type) else options  # type: ignore[attr-defined]

    def parse(value: str) -> str:
        if value not in allowed:
            raise _Invalid(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def _date(value: str) -> dt.date:
    if not DATE_RE.fullmatch(value):
        raise _Invalid(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if day > LAST_DATE:
        # A coarse date's period must end within the calendar Python can count.
        raise _Invalid(f"{value} is later than {LAST_DATE}")
    return day


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise _Invalid(f"{value!r} is not a number") from None
        if not low <= number <= high:
            raise _Invalid(f"{value} is outside {low:g}..{high:g}")
        return number

    return parse


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"[0-9]{1,6}", value) or not low <= int(value) <= high:
            raise _Invalid(f"{value!r} is not a whole number from {low} to {high}")
        return int(value)

    return parse


def _color(value: str) -> str:
    if not COLOR_RE.match(value):
        raise _Invalid(f"{value!r} is not a colour like #d55e00")
    return value.lower()


def _url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+\.[^\s/?#]+", value) or any(c.isspace() for c in value):
        raise _Invalid(f"{value!r} is not an http(s) URL")
    return value


def _https_url(value: str) -> str:
    if not value.startswith("https://"):
        raise _Invalid(f"{value!r} is not an https:// URL (archive links must be https)")
    return _url(value)


def _country(value: str) -> str:
    if not re.match(r"^[A-Z]{2}$", value):
        raise _Invalid(f"{value!r} is not a two-letter country code")
    return value


def _slug_list(value: str) -> list[str]:
    slugs = [_slug(part.strip()) for part in value.split(";") if part.strip()]
    repeated = sorted({s for s in slugs if slugs.count(s) > 1})
    if repeated:
        raise _Invalid(f"{', '.join(repeated)} listed twice")
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
    # Doubts that do not stop an import (`--strict` makes them errors); see _warnings.
    warnings: list[Problem] = field(default_factory=list)

    def count(self, filename: str) -> int:
        return len(self.rows.get(filename, []))

    def total(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, line, column, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def _open_texts(path: Path) -> dict[str, str]:
    """The CSV texts of a dataset folder or zip, by file name."""
    texts: dict[str, str] = {}
    if path.is_dir():
        for name in FILES:
            file = path / name
            if file.exists():
                texts[name] = file.read_bytes().decode("utf-8-sig")
        return texts
    if path.suffix.lower() == ".zip" and path.is_file():
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                name = member.rsplit("/", 1)[-1]
                if name in FILES:
                    texts[name] = archive.read(member).decode("utf-8-sig")
        return texts
    raise DatasetError([Problem(str(path), None, None, "is neither a folder nor a .zip file")])


def read_dataset(path: Path, session: Session | None = None) -> Dataset:
    """Parse and check a dataset; raise DatasetError listing its problems.

    With a session, references may also point at records already in the database.
    """
    try:
        texts = _open_texts(path)
    except (UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise DatasetError([Problem(str(path), None, None, f"cannot be read: {exc}")]) from None
    problems = _Problems()
    dataset = Dataset()
    for name in FILES:
        if name not in texts:
            problems.add(name, None, None, "file is missing")
            continue
        dataset.rows[name] = list(_parse_file(name, texts[name], problems))
    if not problems:
        _check_references(dataset, session, problems)
    if not problems:
        _check_originals(dataset, problems)
        _check_takeovers(dataset, problems)
    if problems:
        raise DatasetError(problems.items)
    dataset.warnings = _warnings(dataset)
    return dataset


def _parse_file(name: str, text: str, problems: _Problems) -> Iterator[Row]:
    columns = {c.name: c for c in FILES[name]}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.add(name, 1, None, "file is empty (a header line is needed)")
        return
    except csv.Error as exc:
        problems.add(name, 1, None, f"not valid CSV: {exc}")
        return
    header = [h.strip() for h in header]
    for column_name in header:
        if column_name not in columns:
            problems.add(name, 1, column_name, "unknown column")
    for column in columns.values():
        if column.required and column.name not in header:
            problems.add(name, 1, column.name, "required column is missing")
    if len(set(header)) != len(header):
        problems.add(name, 1, None, "a column appears twice")
    if problems:
        return
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.add(name, line, None, f"has {len(cells)} cells, the header {len(header)}")
                continue
            values: dict[str, Any] = {}
            for column_name, raw in zip(header, cells, strict=True):
                column = columns[column_name]
                raw = raw.strip()
                if raw == "":
                    if column.required:
                        problems.add(name, line, column_name, "is required")
                    values[column_name] = None
                    continue
                try:
                    values[column_name] = column.parse(raw)
                except _Invalid as exc:
                    problems.add(name, line, column_name, str(exc))
            for column in columns.values():
                values.setdefault(column.name, None)
            slug = values.get("slug")
            if slug is not None:
                if slug in seen:
                    problems.add(name, line, "slug", f"{slug!r} already used on line {seen[slug]}")
                seen[slug] = line
            _check_row(name, line, values, problems)
            yield Row(line, values)
    except csv.Error as exc:
        problems.add(name, reader.line_num, None, f"not valid CSV: {exc}")


def _check_row(name: str, line: int, values: dict[str, Any], problems: _Problems) -> None:
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


def _check_references(dataset: Dataset, session: Session | None, problems: _Problems) -> None:
    known = {
        name: {row.values["slug"] for row in rows}
        for name, rows in dataset.rows.items()
        if name != "citations.csv"
    }

    def exists(record_type: str, slug: str) -> bool:
        filename = RECORD_FILES[record_type]
        if slug in known.get(filename, set()):
            return True
        if session is None:
            return False
        model = MODELS[filename]
        return session.scalar(select(model.id).where(model.slug == slug)) is not None  # type: ignore[attr-defined]

    references = {
        "forces.csv": [("actor", "actor"), ("parent", "force")],
        "deployments.csv": [("force", "force"), ("site", "site"), ("took_over_from", "actor")],
        "movements.csv": [("force", "force"), ("from_site", "site"), ("to_site", "site")],
        "events.csv": [("site", "site"), ("actors", "actor")],
        "citations.csv": [("source", "source")],
        "sources.csv": [("original", "source")],
    }
    for filename, refs in references.items():
        for row in dataset.rows.get(filename, []):
            for column_name, record_type in refs:
                value = row.values.get(column_name)
                for slug in value if isinstance(value, list) else [value]:
                    if slug is not None and not exists(record_type, slug):
                        problems.add(
                            filename,
                            row.line,
                            column_name,
                            f"no {record_type} with slug {slug!r}",
                        )
    for row in dataset.rows.get("citations.csv", []):
        record_type, slug = row.values["record_type"], row.values["record"]
        if not exists(record_type, slug):
            problems.add("citations.csv", row.line, "record", f"no {record_type} {slug!r}")


def _cycle_text(cycle: list[str]) -> str:
    """A cycle of relays for a message; a long one is shortened to its ends."""
    names = [*cycle, cycle[0]]
    if len(names) > 7:
        names = [*names[:3], f"... ({len(cycle)} sources) ...", *names[-2:]]
    return " -> ".join(names)


def _check_originals(dataset: Dataset, problems: _Problems) -> None:
    """A source may relay another, but never itself, and the chain must reach an original."""
    rows = dataset.rows.get("sources.csv", [])
    relays = {r.values["slug"]: r.values["original"] for r in rows if r.values["original"]}
    # Each source is walked once: it either reaches an original or is part of (or leads into) a
    # cycle, which keeps a long hostile chain linear.
    reaches: dict[str, bool] = {}
    for row in rows:
        slug, original = row.values["slug"], row.values["original"]
        if original is None:
            continue
        if original == slug:
            problems.add("sources.csv", row.line, "original", "a source cannot be its own original")
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
            problems.add("sources.csv", row.line, "original", message)


def _check_takeovers(dataset: Dataset, problems: _Problems) -> None:
    actor_of = {r.values["slug"]: r.values["actor"] for r in dataset.rows.get("forces.csv", [])}
    for row in dataset.rows.get("deployments.csv", []):
        took = row.values["took_over_from"]
        if took is not None and actor_of.get(row.values["force"]) == took:
            problems.add(
                "deployments.csv",
                row.line,
                "took_over_from",
                f"{took!r} is this deployment's own actor; name the actor it took the site from",
            )


def _span(start: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    """The days [first, after) a date with this precision may stand for."""
    return start, period_end(start, precision)


def _warnings(dataset: Dataset) -> list[Problem]:
    """Things that are allowed but usually mean the data is wrong or thin.

    They are checked within the dataset being imported (records already in the database are not
    consulted), listed by `orbat import` and turned into errors by `--strict`.
    """
    found: list[Problem] = []
    forces = {r.values["slug"]: r.values for r in dataset.rows.get("forces.csv", [])}
    deployments = dataset.rows.get("deployments.csv", [])
    by_force: dict[str, list[Row]] = {}
    for row in deployments:
        by_force.setdefault(row.values["force"], []).append(row)

    def until(values: dict[str, Any]) -> dt.date:
        return present_until(values["end"], values["end_precision"]) or dt.date.max

    # One force in two places on the same day: it should be split into detachments.
    for force, rows in by_force.items():
        ordered = sorted(rows, key=lambda r: r.values["start"])
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                if second.values["start"] >= until(first.values):
                    break
                if second.values["site"] != first.values["site"]:
                    found.append(
                        Problem(
                            "deployments.csv",
                            second.line,
                            "force",
                            f"{force!r} is also at {first.values['site']!r} on"
                            f" {second.values['start']} (line {first.line}); split it into"
                            " detachments (forces with a parent), one per site",
                        )
                    )

    children: dict[str, list[str]] = {}
    for slug, values in forces.items():
        if values["parent"]:
            children.setdefault(values["parent"], []).append(slug)

    def kin(force: str) -> set[str]:
        """The force, the forces above it and the detachments below it."""
        family = {force}
        current = forces.get(force, {}).get("parent")
        while current and current not in family:
            family.add(current)
            current = forces.get(current, {}).get("parent")
        stack = list(children.get(force, []))
        while stack:
            below = stack.pop()
            if below not in family:
                family.add(below)
                stack.extend(children.get(below, []))
        return family

    def present(force: str, site: str, first: dt.date, after: dt.date) -> bool:
        family = kin(force)
        return any(
            row.values["site"] == site and row.values["start"] < after and until(row.values) > first
            for member in family
            for row in by_force.get(member, [])
        )

    for row in dataset.rows.get("movements.csv", []):
        v = row.values
        # A force that leaves on the day its deployment ends was there the day before.
        leaving, after = _span(v["start"], v["start_precision"])
        day_before = leaving - dt.timedelta(days=1) if leaving > dt.date.min else leaving
        if not present(v["force"], v["from_site"], day_before, after):
            found.append(
                Problem(
                    "movements.csv",
                    row.line,
                    "from_site",
                    f"{v['force']!r} (or a force above or below it) has no deployment at"
                    f" {v['from_site']!r} when the movement starts ({v['start']})",
                )
            )
        if v["to_site"] is not None:
            end, precision = (
                (v["end"], v["end_precision"]) if v["end"] else (v["start"], v["start_precision"])
            )
            if not present(v["force"], v["to_site"], *_span(end, precision)):
                found.append(
                    Problem(
                        "movements.csv",
                        row.line,
                        "to_site",
                        f"{v['force']!r} (or a force above or below it) has no deployment at"
                        f" {v['to_site']!r} when the movement ends ({end})",
                    )
                )

    # A site taken over while the previous holder's presence there is still open.
    takeovers: dict[tuple[str, str], list[Row]] = {}
    for row in deployments:
        if row.values["took_over_from"] is not None:
            key = (row.values["site"], row.values["took_over_from"])
            takeovers.setdefault(key, []).append(row)
    for row in deployments:
        v = row.values
        actor = forces.get(v["force"], {}).get("actor")
        if v["end"] is not None or actor is None:
            continue
        later = [o for o in takeovers.get((v["site"], actor), []) if o.values["start"] > v["start"]]
        if later:
            o = min(later, key=lambda r: r.values["start"]).values
            found.append(
                Problem(
                    "deployments.csv",
                    row.line,
                    "end",
                    f"is open, but {o['slug']!r} took {v['site']!r} over from {actor!r}"
                    f" on {o['start']}",
                )
            )

    # Confidence above what the supporting sources can carry, or no support at all.
    grades = {
        r.values["slug"]: r.values["reliability"] for r in dataset.rows.get("sources.csv", [])
    }
    supporting: dict[tuple[str, str], list[str]] = {}
    for row in dataset.rows.get("citations.csv", []):
        v = row.values
        if v["stance"] == Stance.supports.value:
            supporting.setdefault((v["record_type"], v["record"]), []).append(
                grades.get(v["source"], "F")
            )
    for filename, record_type in WARNED_RECORDS.items():
        for row in dataset.rows.get(filename, []):
            v = row.values
            found_grades = supporting.get((record_type, v["slug"]))
            if not found_grades:
                found.append(
                    Problem(
                        "citations.csv",
                        None,
                        None,
                        f"{record_type} {v['slug']!r} ({filename} line {row.line}) has no"
                        " supporting citation",
                    )
                )
            elif v["confidence"] != Confidence.low.value and all(
                g in WEAK_GRADES for g in found_grades
            ):
                found.append(
                    Problem(
                        filename,
                        row.line,
                        "confidence",
                        f"is {v['confidence']!r}, but every supporting source is graded D-F;"
                        " make it 'low' or cite a better source",
                    )
                )
    return found


def _ids(session: Session, model: type[Base]) -> dict[str, int]:
    return {slug: id_ for id_, slug in session.execute(select(model.id, model.slug))}  # type: ignore[attr-defined]


def apply_dataset(
    session: Session, dataset: Dataset, advance: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write a checked dataset: records are matched by slug, inserted or updated.

    Citations of every record named in citations.csv are replaced by the file's.
    The caller commits (or rolls back) the session.
    """
    step = advance or (lambda _n: None)
    counts: dict[str, int] = {}

    def upsert(filename: str, model: type[Base], fields: Callable[[dict[str, Any]], dict]) -> None:
        existing = {obj.slug: obj for obj in session.scalars(select(model))}  # type: ignore[attr-defined]
        for row in dataset.rows[filename]:
            values = fields(row.values)
            obj = existing.get(row.values["slug"])
            if obj is None:
                obj = model(slug=row.values["slug"], **values)
                session.add(obj)
                existing[row.values["slug"]] = obj
            else:
                for key, value in values.items():
                    setattr(obj, key, value)
            step(1)
        session.flush()
        counts[filename] = len(dataset.rows[filename])

    def plain(*names: str) -> Callable[[dict[str, Any]], dict]:
        return lambda v: {n: v[n] for n in names}

    upsert(
        "actors.csv",
        Actor,
        plain("name", "short_name", "kind", "color", "aliases", "description"),
    )
    upsert(
        "sites.csv",
        Site,
        lambda v: {
            **plain("name", "aliases", "kind", "lat", "lon", "country", "admin1", "description")(v),
            "geo_precision": v["geo_precision"] or (1 if v["lat"] is not None else None),
        },
    )
    actor_ids = _ids(session, Actor)
    site_ids = _ids(session, Site)
    upsert(
        "forces.csv",
        Force,
        lambda v: {
            **plain("name", "branch", "sidc", "description")(v),
            "actor_id": actor_ids[v["actor"]],
        },
    )
    force_ids = _ids(session, Force)
    for row in dataset.rows["forces.csv"]:
        parent = row.values["parent"]
        force = session.get(Force, force_ids[row.values["slug"]])
        assert force is not None
        force.parent_id = force_ids[parent] if parent else None
    upsert(
        "deployments.csv",
        Deployment,
        lambda v: {
            **plain("status", "strength", "confidence", "note", "start_precision")(v),
            "force_id": force_ids[v["force"]],
            "site_id": site_ids[v["site"]],
            "start_date": v["start"],
            "end_date": v["end"],
            "end_precision": v["end_precision"] if v["end"] else None,
            "took_over_from_id": actor_ids[v["took_over_from"]] if v["took_over_from"] else None,
        },
    )
    upsert(
        "movements.csv",
        Movement,
        lambda v: {
            **plain("description", "confidence", "start_precision", "to_label")(v),
            "force_id": force_ids[v["force"]],
            "from_site_id": site_ids[v["from_site"]],
            "to_site_id": site_ids[v["to_site"]] if v["to_site"] else None,
            "start_date": v["start"],
            "end_date": v["end"],
            "end_precision": v["end_precision"] if v["end"] else None,
        },
    )
    upsert(
        "events.csv",
        Event,
        lambda v: {
            **plain("date", "date_precision", "kind", "title", "description", "confidence")(v),
            "site_id": site_ids[v["site"]] if v["site"] else None,
        },
    )
    event_rows = {
        row.values["slug"]: row.values["actors"] or [] for row in dataset.rows["events.csv"]
    }
    actors_by_slug = {a.slug: a for a in session.scalars(select(Actor))}
    for event in session.scalars(
        select(Event).where(Event.slug.in_(event_rows)).options(selectinload(Event.actors))
    ):
        event.actors = [actors_by_slug[s] for s in event_rows[event.slug]]
    upsert(
        "sources.csv",
        Source,
        lambda v: {
            **plain(
                "publisher", "title", "url", "archive_url", "reliability", "scale", "description"
            )(v),
            "published_date": v["published"],
        },
    )
    source_ids = _ids(session, Source)
    for row in dataset.rows["sources.csv"]:
        source = session.get(Source, source_ids[row.values["slug"]])
        assert source is not None
        original = row.values["original"]
        source.original_id = source_ids[original] if original else None
    session.flush()
    record_ids = {kind: _ids(session, MODELS[RECORD_FILES[kind]]) for kind in RECORD_TYPES}
    cited = {(r.values["record_type"], r.values["record"]) for r in dataset.rows["citations.csv"]}
    for kind in RECORD_TYPES:
        ids = [record_ids[kind][slug] for k, slug in cited if k == kind]
        if ids:
            column = getattr(Citation, f"{kind}_id")
            session.execute(delete(Citation).where(column.in_(ids)))
    for row in dataset.rows["citations.csv"]:
        v = row.values
        session.add(
            Citation(
                source_id=source_ids[v["source"]],
                stance=v["stance"],
                credibility=v["credibility"],
                claim=v["claim"],
                **{f"{v['record_type']}_id": record_ids[v["record_type"]][v["record"]]},
            )
        )
        step(1)
    session.flush()
    counts["citations.csv"] = len(dataset.rows["citations.csv"])
    return counts


def _date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def dataset_rows(session: Session) -> dict[str, list[dict[str, str]]]:
    """The database as exchange-format rows, in a stable order (by slug)."""
    actors = {a.id: a.slug for a in session.scalars(select(Actor))}
    sites = {s.id: s.slug for s in session.scalars(select(Site))}
    forces = {f.id: f.slug for f in session.scalars(select(Force))}
    out: dict[str, list[dict[str, str]]] = {}
    out["actors.csv"] = [
        {c.name: _cell(getattr(a, c.name)) for c in FILES["actors.csv"]}
        for a in session.scalars(select(Actor).order_by(Actor.slug))
    ]
    out["sites.csv"] = [
        {c.name: _cell(getattr(s, c.name)) for c in FILES["sites.csv"]}
        for s in session.scalars(select(Site).order_by(Site.slug))
    ]
    out["forces.csv"] = [
        {
            "slug": f.slug,
            "name": f.name,
            "actor": actors[f.actor_id],
            "branch": f.branch,
            "parent": forces[f.parent_id] if f.parent_id else "",
            "sidc": _cell(f.sidc),
            "description": _cell(f.description),
        }
        for f in session.scalars(select(Force).order_by(Force.slug))
    ]
    out["deployments.csv"] = [
        {
            "slug": d.slug,
            "force": forces[d.force_id],
            "site": sites[d.site_id],
            "start": _date_text(d.start_date),
            "start_precision": d.start_precision,
            "end": _date_text(d.end_date),
            "end_precision": _cell(d.end_precision),
            "status": d.status,
            "strength": _cell(d.strength),
            "confidence": d.confidence,
            "note": _cell(d.note),
            "took_over_from": actors[d.took_over_from_id] if d.took_over_from_id else "",
        }
        for d in session.scalars(select(Deployment).order_by(Deployment.slug))
    ]
    out["movements.csv"] = [
        {
            "slug": m.slug,
            "force": forces[m.force_id],
            "from_site": sites[m.from_site_id],
            "to_site": sites[m.to_site_id] if m.to_site_id else "",
            "to_label": _cell(m.to_label),
            "start": _date_text(m.start_date),
            "start_precision": m.start_precision,
            "end": _date_text(m.end_date),
            "end_precision": _cell(m.end_precision),
            "description": m.description,
            "confidence": m.confidence,
        }
        for m in session.scalars(select(Movement).order_by(Movement.slug))
    ]
    out["events.csv"] = [
        {
            "slug": e.slug,
            "date": _date_text(e.date),
            "date_precision": e.date_precision,
            "kind": e.kind,
            "title": e.title,
            "description": _cell(e.description),
            "site": sites[e.site_id] if e.site_id else "",
            "actors": ";".join(sorted(a.slug for a in e.actors)),
            "confidence": e.confidence,
        }
        for e in session.scalars(
            select(Event).order_by(Event.slug).options(selectinload(Event.actors))
        )
    ]
    sources = {s.id: s.slug for s in session.scalars(select(Source))}
    out["sources.csv"] = [
        {
            "slug": s.slug,
            "publisher": s.publisher,
            "title": s.title,
            "url": _cell(s.url),
            "archive_url": _cell(s.archive_url),
            "published": _date_text(s.published_date),
            "reliability": s.reliability,
            "scale": _cell(s.scale),
            "original": sources[s.original_id] if s.original_id else "",
            "description": _cell(s.description),
        }
        for s in session.scalars(select(Source).order_by(Source.slug))
    ]
    slugs_by_type = {
        kind: {id_: slug for slug, id_ in _ids(session, MODELS[RECORD_FILES[kind]]).items()}
        for kind in RECORD_TYPES
    }
    citation_rows = []
    for c in session.scalars(select(Citation)):
        kind = c.record_type
        citation_rows.append(
            {
                "source": sources[c.source_id],
                "record_type": kind,
                "record": slugs_by_type[kind][getattr(c, f"{kind}_id")],
                "stance": c.stance,
                "credibility": str(c.credibility),
                "claim": c.claim,
            }
        )
    out["citations.csv"] = sorted(
        citation_rows, key=lambda r: (r["record_type"], r["record"], r["source"], r["claim"])
    )
    return out


def write_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def export_dataset(session: Session, path: Path) -> dict[str, int]:
    """Write the whole database to a folder, or to a .zip when the path ends so."""
    rows = dataset_rows(session)
    texts = {
        name: write_csv(rows[name], [c.name for c in columns]) for name, columns in FILES.items()
    }
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in texts.items():
                archive.writestr(name, text)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (path / name).write_text(text, encoding="utf-8")
    return {name: len(r) for name, r in rows.items()}
