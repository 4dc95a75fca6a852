"""Read a dataset file by file, row by row: parse, check and (optionally) write as the rows go by.

The files are read in the order of FILES, which is also the order their references run in (a force
names an actor read before it, a citation names any record read before it), so a row can be checked
and written as soon as it is read. What stays in memory is what later rows and the checks across
records need: the id of every slug, and a few facts per record (a deployment's force, site and
dates) packed into arrays. A million deployments then need a few hundred MB instead of several GB.

Every check runs with the same messages and is reported in the same order as before: problems in
cells first (in file order), then references, then the rules across records (relay cycles,
takeovers), then warnings. Ids are given out by the import itself, so a row can be named before it
is written; rows are written with executemany of SQLAlchemy Core statements in batches, in the
caller's transaction (on SQLite a large file's table has its indexes rebuilt once at the end rather
than kept up row by row). Once any problem is found nothing more is written and DatasetError is
raised: the caller rolls back, so a failing import leaves the database as it was.

Records already in the database are matched by slug and updated; the citations of every record
named in citations.csv are replaced by the file's.
"""

import csv
import datetime as dt
import gc
import io
import os
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import (
    Index,
    Table,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from app.dates import period_end, present_until
from app.io.archive import ArchiveProblem, _too_large, read_folder_file, read_members
from app.io.csv_safety import restore
from app.models import RECORD_TYPES, Citation, Confidence, Stance, event_actor
from app.queries import WEAK_GRADES
from app.records import FILE_OF, MODEL_OF, Slugs, bump_data_version, fields_of
from app.validation import (
    FILES,
    MAX_PROBLEMS,
    REFERENCES,
    WARNED_RECORDS,
    Dataset,
    DatasetError,
    Invalid,
    Problem,
    Problems,
    Row,
    check_originals,
    check_row,
)

# Rows sent to the database per executemany: large enough to amortise a round trip, small enough
# that a batch of parsed rows stays a few MB.
BATCH_ROWS = 5000
# A file at least this large is written with its table's indexes set aside (rebuilt after it).
REBUILD_MIN_BYTES = 1024 * 1024
# Few rows of the exchange format are shorter, so size // MIN_ROW_BYTES over-counts rows.
MIN_ROW_BYTES = 40
# SQLite's page cache while an import writes, in KiB (PRAGMA cache_size takes negative KiB).
SQLITE_CACHE_KIB = 64 * 1024
# The most ids fetched from a PostgreSQL sequence at once.
ID_BLOCK = 10000
# Distinct texts remembered per column (dates, choices, slugs of referenced records repeat a lot).
CACHE_ENTRIES = 500_000
# Columns whose texts repeat across rows, so their parsed value is worth remembering (immutable
# values only: one parsed value is shared by every row with that text).
REPEATING = {
    "actor",
    "branch",
    "color",
    "confidence",
    "country",
    "credibility",
    "date",
    "date_precision",
    "end",
    "end_precision",
    "force",
    "from_site",
    "geo_precision",
    "kind",
    "original",
    "parent",
    "published",
    "record_type",
    "reliability",
    "scale",
    "site",
    "source",
    "stance",
    "start",
    "start_precision",
    "status",
    "to_site",
    "took_over_from",
}
NEVER = dt.date.max.toordinal()
ENTITY_OF = {name: name.removesuffix("s.csv") for name in FILES}
CONFIDENCE_CODE = {c.value: code for code, c in enumerate(Confidence)}
CONFIDENCE_NAME = {code: name for name, code in CONFIDENCE_CODE.items()}
CITATION_TABLE: Table = Citation.__table__  # type: ignore[assignment]
CITED_COLUMNS = [f"{kind}_id" for kind in RECORD_TYPES]
# How often (in rows) the progress callback is told.
PROGRESS_ROWS = 2000


@dataclass(frozen=True)
class Limits:
    """How much of a dataset is read before it is refused: a zip may claim anything."""

    member_bytes: int = 512 * 1024 * 1024
    total_bytes: int = 2 * 1024 * 1024 * 1024
    members: int = 1000


# The command line is run by the server's operator on their own files; uploads get WEB_LIMITS.
SHELL_LIMITS = Limits()
WEB_LIMITS = Limits(member_bytes=50 * 1024 * 1024, total_bytes=200 * 1024 * 1024, members=100)


@dataclass
class Outcome:
    """What an import found: rows per file, warnings, and the rows themselves when kept."""

    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    dataset: Dataset = field(default_factory=Dataset)


class Kind:
    """One kind of record: the id of every slug known, and its rows' positions in the file."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.table: Table = MODEL_OF[entity].__table__  # type: ignore[assignment]
        self.position: dict[str, int] = {}
        self.ids = array("q")
        self.lines = array("q")
        # Every slug's id, from the database and the file, in one map: one lookup a reference.
        # A slug here but not in `position` is a record only the database holds (so far).
        self.known: dict[str, int] = {}
        # Ids from this one on were given out by this import: such a record has no citations yet.
        self.first_new = 1

    def id(self, slug: str) -> int | None:
        return self.known.get(slug)

    def __contains__(self, slug: str) -> bool:
        return slug in self.known


class _Resolver(Slugs):
    """Slug -> id from the import's own maps, for `fields_of`; an unknown slug gives None."""

    def __init__(self, kinds: dict[str, Kind]) -> None:
        self.kinds = kinds

    def id(self, entity: str, slug: str | None) -> int | None:
        return self.kinds[entity].id(slug) if slug else None


class _Ids:
    """New ids for one table, given out in file order."""

    def __init__(self, session: Session | None, kind: Kind, reserve: bool) -> None:
        table = kind.table
        top = session.scalar(select(func.max(table.c.id))) if session is not None else None
        self.next = (top or 0) + 1
        kind.first_new = self.next
        self.block: list[int] = []
        # Blocks start small and double, so a small import leaves no large gap in the ids.
        self.block_size = 64
        # On SQLite the import holds the write lock, so max(id) + 1 onwards is free. On
        # PostgreSQL other writers may insert meanwhile: ids come from the table's sequence.
        self.sequence = None
        if reserve and session is not None and session.get_bind().dialect.name == "postgresql":
            self.session = session
            self.sequence = func.pg_get_serial_sequence(table.name, "id")

    def take(self) -> int:
        if self.sequence is None:
            self.next += 1
            return self.next - 1
        if not self.block:
            query = select(func.nextval(self.sequence)).select_from(
                func.generate_series(1, self.block_size)
            )
            self.block = sorted(self.session.scalars(query), reverse=True)
            self.block_size = min(self.block_size * 2, ID_BLOCK)
        return self.block.pop()


def _picker(names: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function giving a row's values for `names`, in that order, as a tuple."""
    get = itemgetter(*names)
    if len(names) == 1:
        return lambda row: (get(row),)
    return get  # type: ignore[no-any-return]


class _Batches:
    """Rows waiting to be written, sent with executemany once a batch is full."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.inserts: dict[str, list[dict[str, Any]]] = {}
        self.updates: dict[str, list[dict[str, Any]]] = {}
        self.before: dict[str, Callable[[list[dict[str, Any]], list[dict[str, Any]]], None]] = {}
        self.after: dict[str, Callable[[list[dict[str, Any]], list[dict[str, Any]]], None]] = {}
        self.prepared: dict[tuple[str, tuple[str, ...]], tuple[str, Any, list[Any]]] = {}

    def add(self, table: Table, values: dict[str, Any], existing: bool) -> None:
        pending = (self.updates if existing else self.inserts).setdefault(table.name, [])
        pending.append(values)
        if len(pending) >= BATCH_ROWS:
            self.flush(table)

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """INSERT ... VALUES executemany; on a positional driver (SQLite) straight to the driver.

        SQLAlchemy's per-row parameter handling cost more than SQLite's own insert; the
        statement is still compiled from the table by SQLAlchemy, and each value goes through
        its column type's own bind processor (dates become SQLite's ISO text), as it would.
        """
        connection = self.session.connection()
        dialect = connection.dialect
        if dialect.paramstyle != "qmark":
            connection.execute(insert(table), rows)
            return
        names = list(rows[0])
        key = (table.name, tuple(names))
        prepared = self.prepared.get(key)
        if prepared is None:
            compiled = insert(table).compile(dialect=dialect, column_keys=names)
            order = list(compiled.positiontup or [])
            columns = [table.c[compiled.binds[name].key] for name in order]
            processors = [column.type.bind_processor(dialect) for column in columns]
            # Each with a memo of what it converted (kept per column: types convert differently).
            converters: list[tuple[int, Any, dict[Any, Any]]] = [
                (i, p, {}) for i, p in enumerate(processors) if p is not None
            ]
            prepared = (str(compiled), _picker(order), converters)
            self.prepared[key] = prepared
        sql, pick, converters = prepared
        if not converters:
            connection.exec_driver_sql(sql, [pick(row) for row in rows])
            return
        converted = []
        # The same few thousand dates recur across a million rows: each is converted once.
        for row in rows:
            values = list(pick(row))
            for position, process, memo in converters:
                value = values[position]
                if value is not None:
                    done = memo.get(value)
                    if done is None:
                        if len(memo) >= CACHE_ENTRIES:
                            memo.clear()
                        done = memo[value] = process(value)
                    values[position] = done
            converted.append(tuple(values))
        connection.exec_driver_sql(sql, converted)

    def flush(self, table: Table) -> None:
        inserts = self.inserts.pop(table.name, [])
        updates = self.updates.pop(table.name, [])
        if not inserts and not updates:
            return
        if table.name in self.before:
            self.before[table.name](inserts, updates)
        if inserts:
            self._insert(table, inserts)
        if updates:
            statement = update(table).where(table.c.id == bindparam("_id"))
            self.session.execute(statement, updates)
        if table.name in self.after:
            self.after[table.name](inserts, updates)


def _text_streams(path: Path, limits: Limits) -> dict[str, Callable[[], TextIO]]:
    """An opener for each dataset file present in a folder or .zip."""
    if path.is_dir():
        openers: dict[str, Callable[[], TextIO]] = {}
        for name in FILES:
            file = path / name
            if file.exists():
                openers[name] = partial(_open_folder_file, file, limits.member_bytes)
        return openers
    if path.suffix.lower() == ".zip" and path.is_file():
        # A zip member is inflated into memory once, under the archive limits (as before).
        texts = read_members(
            path,
            set(FILES),
            max_member_bytes=limits.member_bytes,
            max_total_bytes=limits.total_bytes,
            max_members=limits.members,
        )
        return {name: partial(_open_member, texts, name) for name in texts}
    raise DatasetError([Problem(str(path), None, None, "is neither a folder nor a .zip file")])


def _size_of(stream: TextIO) -> int:
    """The bytes (or, for a zip member already in memory, characters) a stream holds."""
    if isinstance(stream, io.StringIO):
        return len(stream.getvalue())
    return os.fstat(stream.fileno()).st_size


def _open_member(texts: dict[str, str], name: str) -> TextIO:
    # Popped, so each member's text is freed once its rows are read.
    return io.StringIO(texts.pop(name), newline="")


def _open_folder_file(file: Path, max_bytes: int) -> TextIO:
    try:
        size = os.stat(file).st_size
    except OSError as exc:
        raise ArchiveProblem(file.name, None, f"cannot be read ({exc.strerror})") from None
    if size > max_bytes:
        raise _too_large(file.name, max_bytes)
    return open(file, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by the reader


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector: the import makes millions of small objects and no cycles,
    and each full collection would walk all of them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _large_page_cache(session: Session | None) -> Iterator[None]:
    """A larger SQLite page cache while the import writes, set back afterwards.

    With the default 2 MB, every insert into the slug and date indexes of a million-row table
    reads and writes pages from disk again; most of the import's time went there.
    """
    sqlite = session is not None and session.get_bind().dialect.name == "sqlite"
    if not sqlite:
        yield
        return
    assert session is not None
    before = session.execute(text("PRAGMA cache_size")).scalar()
    # PRAGMA takes no bound parameters; both values are integers, one a constant.
    session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before or 0)}"))


class StreamingImport:
    """One run over a dataset. `write` sends rows to the session; `keep_rows` keeps them too."""

    def __init__(
        self,
        session: Session | None,
        *,
        write: bool,
        keep_rows: bool = False,
        advance: Callable[[int], None] | None = None,
    ) -> None:
        self.session = session
        self.write = write and session is not None
        self.keep_rows = keep_rows
        self.advance = advance or (lambda _n: None)
        self.kinds = {entity: Kind(entity) for entity in ENTITY_OF.values()}
        # Per file, the columns that name other records: (position, column, type, its Kind),
        # with no Kind for a citation's record (its type is in the row).
        self.reference_plan = {
            name: [
                (position, column, record_type, self.kinds[record_type] if record_type else None)
                for position, (column, record_type) in enumerate(REFERENCES.get(name, []))
            ]
            for name in FILES
        }
        self.resolver = _Resolver(self.kinds)
        self.cells = {name: Problems() for name in FILES}
        self.references = {name: Problems() for name in FILES}
        # References to a record further down the same file, checked once the file is read:
        # (line, column position, column, slug), and the rows to link once all exist.
        self.self_links: list[tuple[int, int, str, str]] = []
        self.links: list[tuple[int, str]] = []
        self.takeovers = Problems()
        self.failed = False
        self.counts: dict[str, int] = {}
        self.dataset = Dataset()
        self.batches = _Batches(session) if session is not None else None
        self.ids: dict[str, _Ids] = {}
        # Facts kept for the checks across records and the warnings.
        self.force_actor: dict[int, int] = {}
        self.force_parent: dict[int, int | None] = {}
        self.deployment_force = array("q")
        self.deployment_site = array("q")
        self.deployment_start = array("l")
        self.deployment_until = array("l")
        self.deployment_open = bytearray()
        self.took_over: list[tuple[int, int, int, str, int]] = []
        self.movements: list[tuple[int, int, int, int | None, dt.date, Any, Any, Any]] = []
        self.confident: dict[str, bytearray] = {name: bytearray() for name in WARNED_RECORDS}
        self.support: dict[str, bytearray] = {}
        self.grade = bytearray()
        self.relays: list[tuple[int, str, str]] = []
        self.event_actors: list[dict[str, Any]] = []
        self.set_aside: list[Index] = []
        self._until_cache: dict[tuple[dt.date, str | None], int] = {}
        self.limits = SHELL_LIMITS

    # --- the run ------------------------------------------------------------------------

    def run(self, path: Path, limits: Limits) -> Outcome:
        self.limits = limits
        try:
            openers = _text_streams(path, limits)
        except ArchiveProblem as exc:
            raise DatasetError([Problem(exc.file, exc.line, None, exc.message)]) from None
        with _no_cycle_collection(), _large_page_cache(self.session if self.write else None):
            if self.session is not None:
                self._load_database_slugs()
            for name in FILES:
                if name not in openers:
                    self.cells[name].add(name, None, None, "file is missing")
                    self.failed = True
            for name in FILES:
                if name in openers:
                    self._read_file(name, openers[name], path)
            problems = self._problems()
            if problems:
                raise DatasetError(problems)
            warnings = self._warnings()
        if self.write:
            assert self.session is not None
            bump_data_version(self.session)
        return Outcome(self.counts, warnings, self.dataset)

    def _load_database_slugs(self) -> None:
        assert self.session is not None
        for entity, kind in self.kinds.items():
            if entity == "citation":
                continue
            table = kind.table
            query = select(table.c.slug, table.c.id)
            kind.known = {slug: id_ for slug, id_ in self.session.execute(query)}

    def _problems(self) -> list[Problem]:
        """What stops the import, in the order the checks are reported: cells, references, rules."""
        cells = [p for name in FILES for p in self.cells[name].items]
        if cells:
            return cells[:MAX_PROBLEMS]
        references = [p for name in REFERENCES for p in self.references[name].items]
        if references:
            return references[:MAX_PROBLEMS]
        rules = Problems()
        check_originals(self.relays, rules)
        return (rules.items + self.takeovers.items)[:MAX_PROBLEMS]

    # --- reading one file ----------------------------------------------------------------

    def _read_file(self, name: str, opener: Callable[[], TextIO], path: Path) -> None:
        entity = ENTITY_OF[name]
        problems = self.cells[name]
        try:
            stream = opener()
        except ArchiveProblem as exc:
            raise DatasetError([Problem(exc.file, exc.line, None, exc.message)]) from None
        if entity != "citation":
            self.ids[entity] = _Ids(self.session, self.kinds[entity], self.write)
        if self.write:
            self._start_writing(entity)
            self._set_indexes_aside(entity, _size_of(stream))
        if self.keep_rows:
            self.dataset.rows[name] = []
        try:
            with stream:
                self._read_rows(name, csv.reader(stream), problems)
        except UnicodeDecodeError:
            # Only a folder's file is decoded as it streams; read it whole to say where.
            try:
                read_folder_file(path / name, self.limits.member_bytes)
            except ArchiveProblem as exc:
                raise DatasetError([Problem(exc.file, exc.line, None, exc.message)]) from None
            raise
        self._finish_file(name)

    def _read_rows(self, name: str, reader: Any, problems: Problems) -> None:
        columns = {c.name: c for c in FILES[name]}
        try:
            header = next(reader)
        except StopIteration:
            self._fail(problems, name, 1, None, "file is empty (a header line is needed)")
            return
        except csv.Error as exc:
            self._fail(problems, name, 1, None, f"not valid CSV: {exc}")
            return
        header = [h.strip() for h in header]
        # Only this file's header decides whether its rows can be read, so one broken file
        # does not hide the problems of the next.
        before = len(problems.items)
        for column_name in header:
            if column_name not in columns:
                problems.add(name, 1, column_name, "unknown column")
        for column in columns.values():
            if column.required and column.name not in header:
                problems.add(name, 1, column.name, "required column is missing")
        if len(set(header)) != len(header):
            problems.add(name, 1, None, "a column appears twice")
        if len(problems.items) > before:
            self.failed = True
            return
        plan: list[tuple[int, str, Callable[[str], Any], bool, dict[str, Any] | None]] = [
            (
                position,
                column_name,
                columns[column_name].parse,
                columns[column_name].required,
                # An empty optional cell is None; an empty required one is a problem each time.
                ({} if columns[column_name].required else {"": None})
                if column_name in REPEATING
                else None,
            )
            for position, column_name in enumerate(header)
        ]
        absent = [c.name for c in FILES[name] if c.name not in header]
        width = len(header)
        handle = getattr(self, f"_{ENTITY_OF[name]}")
        told = 0
        count = 0
        try:
            for cells in reader:
                line = reader.line_num
                if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
                    continue
                if len(cells) != width:
                    self._fail(
                        problems, name, line, None, f"has {len(cells)} cells, the header {width}"
                    )
                    continue
                values: dict[str, Any] = dict.fromkeys(absent)
                bad = False
                for position, column_name, parse, required, cache in plan:
                    raw = cells[position]
                    # The parsed value depends on the raw cell alone, so a repeated cell (a date,
                    # a status, a force's slug) is looked up instead of parsed again.
                    if cache is not None:
                        try:
                            values[column_name] = cache[raw]
                            continue
                        except KeyError:
                            pass
                    # An export guards cells a spreadsheet would run as formulas.
                    text = (restore(raw) if raw.startswith("'") else raw).strip()
                    if not text:
                        if required:
                            problems.add(name, line, column_name, "is required")
                            bad = True
                        values[column_name] = None
                        continue
                    try:
                        value = parse(text)
                    except Invalid as exc:
                        problems.add(name, line, column_name, str(exc))
                        bad = True
                        continue
                    if cache is not None and len(cache) < CACHE_ENTRIES:
                        cache[raw] = value
                    values[column_name] = value
                if not bad:
                    before = len(problems.items)
                    check_row(name, line, values, problems)
                    bad = len(problems.items) != before
                if bad:
                    self.failed = True
                    # A cell that failed is left out; the record still has every column.
                    for column in FILES[name]:
                        values.setdefault(column.name, None)
                handle(name, line, values, bad)
                if self.keep_rows:
                    self.dataset.rows[name].append(Row(line, values))
                count += 1
                if count - told >= PROGRESS_ROWS:
                    self.advance(count - told)
                    told = count
        except csv.Error as exc:
            self._fail(problems, name, reader.line_num, None, f"not valid CSV: {exc}")
        self.advance(count - told)
        self.counts[name] = count

    def _fail(
        self, problems: Problems, name: str, line: int | None, column: str | None, message: str
    ) -> None:
        problems.add(name, line, column, message)
        self.failed = True

    # --- per record ----------------------------------------------------------------------

    def _register(self, name: str, line: int, values: dict[str, Any]) -> tuple[int, bool] | None:
        """Give the row's slug an id (its database id when it exists); None for a repeat."""
        slug = values["slug"]
        if slug is None:
            return None
        kind = self.kinds[ENTITY_OF[name]]
        earlier = kind.position.get(slug)
        if earlier is not None:
            self._fail(
                self.cells[name],
                name,
                line,
                "slug",
                f"{slug!r} already used on line {kind.lines[earlier]}",
            )
            kind.lines[earlier] = line
            return None
        existing = kind.known.get(slug)
        id_ = existing if existing is not None else self.ids[kind.entity].take()
        kind.position[slug] = len(kind.ids)
        kind.known[slug] = id_
        kind.ids.append(id_)
        kind.lines.append(line)
        return id_, existing is not None

    def _check_references(self, name: str, line: int, values: dict[str, Any]) -> bool:
        """Report slugs that name no known record; True when all are known."""
        found = True
        for position, column_name, record_type, kind in self.reference_plan[name]:
            value = values.get(column_name)
            if value is None:
                continue
            if kind is None:
                # A citation's record column names a record of the type in record_type.
                of_type = self.kinds.get(values["record_type"] or "")
                if of_type is not None and value not in of_type.known:
                    self.references[name].add(
                        name, line, "record", f"no {values['record_type']} {value!r}"
                    )
                    found = False
            elif record_type == kind.entity and record_type == ENTITY_OF[name]:
                # Another row of this file, possibly further down: checked at the end.
                self.self_links.append((line, position, column_name, value))
            else:
                for slug in value if isinstance(value, list) else (value,):
                    if slug not in kind.known:
                        self.references[name].add(
                            name, line, column_name, f"no {record_type} with slug {slug!r}"
                        )
                        found = False
        if not found:
            self.failed = True
        return found

    def _store(self, entity: str, id_: int, existing: bool, values: dict[str, Any]) -> None:
        if not self.write or self.failed:
            return
        assert self.batches is not None
        fields = fields_of(entity, values, self.resolver)
        if entity == "deployment":
            fields["present_until"] = present_until(fields["end_date"], fields["end_precision"])
        if existing:
            self.batches.add(self.kinds[entity].table, {"_id": id_, **fields}, existing=True)
        else:
            self.batches.add(
                self.kinds[entity].table, {"id": id_, "slug": values["slug"], **fields}, False
            )

    def _record(self, name: str, line: int, values: dict[str, Any], bad: bool) -> int | None:
        """The common steps of a record with a slug; its position, or None when it failed."""
        registered = self._register(name, line, values)
        if registered is None or bad:
            return None
        if not self._check_references(name, line, values):
            return None
        id_, existing = registered
        self._store(ENTITY_OF[name], id_, existing, values)
        return len(self.kinds[ENTITY_OF[name]].ids) - 1

    def _actor(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        self._record(name, line, values, bad)

    def _site(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        self._record(name, line, values, bad)

    def _force(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        # The parent may come further down: written without it, linked once all forces exist.
        position = self._record(name, line, values | {"parent": None}, bad)
        if position is None:
            return
        if values["parent"] is not None:
            self._check_references(name, line, {"parent": values["parent"]})
            self.links.append((position, values["parent"]))
        id_ = self.kinds["force"].ids[position]
        self.force_actor[id_] = self.kinds["actor"].id(values["actor"]) or 0

    def _source(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        position = self._record(name, line, values | {"original": None}, bad)
        if position is None:
            return
        self.grade.append(ord(values["reliability"]))
        if values["original"] is not None:
            self._check_references(name, line, {"original": values["original"]})
            self.links.append((position, values["original"]))
            self.relays.append((line, values["slug"], values["original"]))

    def _deployment(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        registered = self._register(name, line, values)
        if registered is None or bad or not self._check_references(name, line, values):
            return
        kinds = self.kinds
        force = kinds["force"].id(values["force"]) or 0
        site = kinds["site"].id(values["site"]) or 0
        took = values["took_over_from"]
        actor = kinds["actor"].id(took) if took is not None else None
        start: dt.date = values["start"]
        end: dt.date | None = values["end"]
        end_precision = values["end_precision"] if end is not None else None
        until = self._until(end, end_precision)
        if self.write and not self.failed:
            assert self.batches is not None
            # The columns records.fields_of gives, from the ids already at hand: deployments
            # and citations are most of a large import's rows.
            id_, existing = registered
            record = {
                "force_id": force,
                "site_id": site,
                "start_date": start,
                "start_precision": values["start_precision"],
                "end_date": end,
                "end_precision": end_precision,
                "present_until": None if end is None else dt.date.fromordinal(until),
                "status": values["status"],
                "strength": values["strength"],
                "confidence": values["confidence"],
                "note": values["note"],
                "took_over_from_id": actor,
            }
            if existing:
                self.batches.add(kinds["deployment"].table, {"_id": id_, **record}, True)
            else:
                record["id"], record["slug"] = id_, values["slug"]
                self.batches.add(kinds["deployment"].table, record, False)
        self.deployment_force.append(force)
        self.deployment_site.append(site)
        self.deployment_start.append(start.toordinal())
        self.deployment_until.append(until)
        self.deployment_open.append(end is None)
        self.confident["deployments.csv"].append(CONFIDENCE_CODE[values["confidence"]])
        if took is not None:
            assert actor is not None
            if self.force_actor.get(force) == actor:
                self.takeovers.add(
                    name,
                    line,
                    "took_over_from",
                    f"{took!r} is this deployment's own actor; name the actor it took the site"
                    " from",
                )
                self.failed = True
            self.took_over.append((site, actor, start.toordinal(), values["slug"], line))

    def _until(self, end: dt.date | None, precision: str | None) -> int:
        if end is None:
            return NEVER
        key = (end, precision)
        found = self._until_cache.get(key)
        if found is None:
            found = (present_until(end, precision) or dt.date.max).toordinal()
            self._until_cache[key] = found
        return found

    def _movement(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        position = self._record(name, line, values, bad)
        if position is None:
            return
        kinds = self.kinds
        self.movements.append(
            (
                line,
                kinds["force"].id(values["force"]) or 0,
                kinds["site"].id(values["from_site"]) or 0,
                kinds["site"].id(values["to_site"]) if values["to_site"] else None,
                values["start"],
                values["start_precision"],
                values["end"],
                values["end_precision"],
            )
        )
        self.confident["movements.csv"].append(CONFIDENCE_CODE[values["confidence"]])

    def _event(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        position = self._record(name, line, values, bad)
        if position is None:
            return
        self.confident["events.csv"].append(CONFIDENCE_CODE[values["confidence"]])
        if self.write and not self.failed:
            id_ = self.kinds["event"].ids[position]
            actor = self.kinds["actor"]
            self.event_actors.extend(
                {"event_id": id_, "actor_id": actor.id(slug)} for slug in values["actors"] or []
            )

    def _citation(self, name: str, line: int, values: dict[str, Any], bad: bool) -> None:
        if bad or not self._check_references(name, line, values):
            return
        kind = values["record_type"]
        flags = self.support.get(FILE_OF[kind])
        # Facts per position line up only while every row passed; after a failure no warnings
        # are given anyway.
        if values["stance"] == Stance.supports.value and flags is not None and not self.failed:
            position = self.kinds[kind].position.get(values["record"])
            if position is not None:
                source = self.kinds["source"].position.get(values["source"])
                grade = chr(self.grade[source]) if source is not None else "F"
                # 1: only weak supporting sources so far; 2: at least one better one.
                flags[position] = max(flags[position], 1 if grade in WEAK_GRADES else 2)
        if self.write and not self.failed:
            assert self.batches is not None
            # The columns records.fields_of("citation", ...) gives, without its lookups again.
            record = dict.fromkeys(CITED_COLUMNS)
            record[f"{kind}_id"] = self.kinds[kind].known[values["record"]]
            record["source_id"] = self.kinds["source"].known[values["source"]]
            record["stance"] = values["stance"]
            record["credibility"] = values["credibility"]
            record["claim"] = values["claim"]
            self.batches.add(CITATION_TABLE, record, False)

    # --- writing --------------------------------------------------------------------------

    def _start_writing(self, entity: str) -> None:
        """Hooks that run around each batch of this kind, registered before its first row."""
        assert self.batches is not None and self.session is not None
        session = self.session
        if entity == "event":
            table = self.kinds["event"].table

            def drop_old_actors(
                _inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
            ) -> None:
                # An event updated from the file gets the file's actors only.
                ids = [row["_id"] for row in updates]
                if ids:
                    session.execute(delete(event_actor).where(event_actor.c.event_id.in_(ids)))

            def add_actors(_inserts: list[dict[str, Any]], _updates: list[dict[str, Any]]) -> None:
                # Only now do the events these rows name exist.
                if self.event_actors:
                    session.execute(insert(event_actor), self.event_actors)
                    self.event_actors = []

            self.batches.before[table.name] = drop_old_actors
            self.batches.after[table.name] = add_actors
        if entity == "citation":
            newest = session.scalar(select(func.max(Citation.id))) or 0

            def drop_old_citations(
                inserts: list[dict[str, Any]], _updates: list[dict[str, Any]]
            ) -> None:
                # Citations of a record named in the file are replaced by the file's; a record
                # this import created has none, and the ones written so far are newer.
                for kind in RECORD_TYPES:
                    column = f"{kind}_id"
                    first_new = self.kinds[kind].first_new
                    ids = {r[column] for r in inserts if r[column] is not None}
                    old = [id_ for id_ in ids if id_ < first_new]
                    if old:
                        session.execute(
                            delete(Citation).where(
                                getattr(Citation, column).in_(old), Citation.id <= newest
                            )
                        )

            self.batches.before[CITATION_TABLE.name] = drop_old_citations

    def _set_indexes_aside(self, entity: str, size: int) -> None:
        """On SQLite, drop a table's secondary indexes while a large file fills it.

        Inserting a million rows into six B-trees in random slug order took most of the
        import's time; building each index once at the end, from sorted data, is several times
        faster. It is all one transaction: a failed or killed import puts them back, and
        readers keep seeing the old table and its indexes until the commit.
        """
        assert self.session is not None
        if self.session.get_bind().dialect.name != "sqlite" or size < REBUILD_MIN_BYTES:
            return
        table = CITATION_TABLE if entity == "citation" else self.kinds[entity].table
        rows = self.session.scalar(select(func.count()).select_from(table)) or 0
        if rows > size // MIN_ROW_BYTES:
            # A small file into a big table: keeping the indexes costs less than rebuilding.
            return
        if entity == "citation" and rows:
            # Replacing a record's citations finds them through these indexes.
            return
        connection = self.session.connection()
        # Only indexes the database has and the models describe, so each is rebuilt as it was.
        present = {found["name"] for found in inspect(connection).get_indexes(table.name)}
        self.set_aside = sorted(
            (index for index in table.indexes if index.name in present),
            key=lambda index: str(index.name),
        )
        for index in self.set_aside:
            index.drop(connection)

    def _finish_file(self, name: str) -> None:
        entity = ENTITY_OF[name]
        if entity in ("force", "source"):
            self._finish_self_links(name, entity)
        if name in WARNED_RECORDS:
            self.support[name] = bytearray(len(self.kinds[entity].ids))
        if self.write and not self.failed:
            assert self.batches is not None and self.session is not None
            table = CITATION_TABLE if entity == "citation" else self.kinds[entity].table
            self.batches.flush(table)
            for index in self.set_aside:
                index.create(self.session.connection())
            self.set_aside = []
            if entity in ("force", "source"):
                self._write_links(entity)
        self.links = []

    def _finish_self_links(self, name: str, entity: str) -> None:
        kind = self.kinds[entity]
        unknown = [link for link in self.self_links if link[3] not in kind]
        if unknown:
            # Merged with the file's other references in line order, as the rows read.
            found = [(p.line or 0, p) for p in self.references[name].items]
            found += [
                (line, Problem(name, line, column, f"no {entity} with slug {slug!r}"))
                for line, _position, column, slug in unknown
            ]
            found.sort(key=lambda item: item[0])
            self.references[name].items = [p for _line, p in found][:MAX_PROBLEMS]
            self.failed = True
        if entity == "force":
            self.force_parent = {kind.ids[p]: kind.id(slug) for p, slug in self.links}
        self.self_links = []

    def _write_links(self, entity: str) -> None:
        """Link forces to parents and sources to originals, now that every one of them exists."""
        assert self.session is not None
        link = "parent_id" if entity == "force" else "original_id"
        kind = self.kinds[entity]
        table = kind.table
        statement = update(table).where(table.c.id == bindparam("_id"))
        rows = [{"_id": kind.ids[position], link: kind.id(slug)} for position, slug in self.links]
        for start in range(0, len(rows), BATCH_ROWS):
            self.session.execute(statement, rows[start : start + BATCH_ROWS])

    # --- warnings ------------------------------------------------------------------------

    def _slugs(self, entity: str) -> dict[int, str]:
        """Id -> slug of one kind, for messages (built only when a warning needs it)."""
        kind = self.kinds[entity]
        return {id_: slug for slug, id_ in kind.known.items()}

    def _warnings(self) -> list[Problem]:
        """Things that are allowed but usually mean the data is wrong or thin.

        They are checked within the dataset being imported (records only in the database are
        not consulted), listed by `orbat import` and turned into errors by `--strict`.
        """
        found: list[Problem] = []
        names: dict[str, dict[int, str]] = {}

        def slug(entity: str, id_: int) -> str:
            if entity not in names:
                names[entity] = self._slugs(entity)
            return names[entity][id_]

        lines = self.kinds["deployment"].lines
        force_of, site_of = self.deployment_force, self.deployment_site
        start_of, until_of = self.deployment_start, self.deployment_until
        by_force: dict[int, list[int]] = {}
        for position, force in enumerate(force_of):
            by_force.setdefault(force, []).append(position)

        # One force in two places on the same day: it should be split into detachments.
        for force, positions in by_force.items():
            ordered = sorted(positions, key=start_of.__getitem__)
            for i, first in enumerate(ordered):
                for j in range(i + 1, len(ordered)):
                    second = ordered[j]
                    if start_of[second] >= until_of[first]:
                        break
                    if site_of[second] != site_of[first]:
                        found.append(
                            Problem(
                                "deployments.csv",
                                lines[second],
                                "force",
                                f"{slug('force', force)!r} is also at"
                                f" {slug('site', site_of[first])!r} on"
                                f" {dt.date.fromordinal(start_of[second])} (line {lines[first]});"
                                " split it into detachments (forces with a parent), one per site",
                            )
                        )

        children: dict[int, list[int]] = {}
        for force, parent in self.force_parent.items():
            if parent is not None:
                children.setdefault(parent, []).append(force)

        def kin(force: int) -> set[int]:
            """The force, the forces above it and the detachments below it."""
            family = {force}
            current = self.force_parent.get(force)
            while current is not None and current not in family:
                family.add(current)
                current = self.force_parent.get(current)
            stack = list(children.get(force, []))
            while stack:
                below = stack.pop()
                if below not in family:
                    family.add(below)
                    stack.extend(children.get(below, []))
            return family

        def present(force: int, site: int, first: dt.date, after: dt.date) -> bool:
            low, high = first.toordinal(), after.toordinal()
            return any(
                site_of[p] == site and start_of[p] < high and until_of[p] > low
                for member in kin(force)
                for p in by_force.get(member, [])
            )

        for (
            line,
            force,
            from_site,
            to_site,
            start,
            start_precision,
            end,
            end_precision,
        ) in self.movements:
            # A force that leaves on the day its deployment ends was there the day before.
            after = period_end(start, start_precision)
            day_before = start - dt.timedelta(days=1) if start > dt.date.min else start
            if not present(force, from_site, day_before, after):
                found.append(
                    Problem(
                        "movements.csv",
                        line,
                        "from_site",
                        f"{slug('force', force)!r} (or a force above or below it) has no"
                        f" deployment at {slug('site', from_site)!r} when the movement starts"
                        f" ({start})",
                    )
                )
            if to_site is not None:
                day, precision = (end, end_precision) if end else (start, start_precision)
                if not present(force, to_site, day, period_end(day, precision)):
                    found.append(
                        Problem(
                            "movements.csv",
                            line,
                            "to_site",
                            f"{slug('force', force)!r} (or a force above or below it) has no"
                            f" deployment at {slug('site', to_site)!r} when the movement ends"
                            f" ({day})",
                        )
                    )

        # A site taken over while the previous holder's presence there is still open.
        takeovers: dict[tuple[int, int], list[tuple[int, str]]] = {}
        for site, actor, start_day, deployment, _line in self.took_over:
            takeovers.setdefault((site, actor), []).append((start_day, deployment))
        if takeovers:
            for position, is_open in enumerate(self.deployment_open):
                holder = self.force_actor.get(force_of[position])
                if not is_open or holder is None:
                    continue
                later = [
                    t
                    for t in takeovers.get((site_of[position], holder), [])
                    if t[0] > start_of[position]
                ]
                if later:
                    taken, deployment = min(later, key=lambda t: t[0])
                    found.append(
                        Problem(
                            "deployments.csv",
                            lines[position],
                            "end",
                            f"is open, but {deployment!r} took"
                            f" {slug('site', site_of[position])!r} over from"
                            f" {slug('actor', holder)!r} on {dt.date.fromordinal(taken)}",
                        )
                    )

        # Confidence above what the supporting sources can carry, or no support at all.
        low = CONFIDENCE_CODE[Confidence.low.value]
        for filename, record_type in WARNED_RECORDS.items():
            support, confidence = self.support[filename], self.confident[filename]
            kind = self.kinds[record_type]
            doubtful = _positions(support, 0) + [
                p for p in _positions(support, 1) if confidence[p] != low
            ]
            if not doubtful:
                continue
            slugs = list(kind.position)
            for position in sorted(doubtful):
                record, line = slugs[position], kind.lines[position]
                if support[position] == 0:
                    found.append(
                        Problem(
                            "citations.csv",
                            None,
                            None,
                            f"{record_type} {record!r} ({filename} line {line}) has no"
                            " supporting citation",
                        )
                    )
                else:
                    found.append(
                        Problem(
                            filename,
                            line,
                            "confidence",
                            f"is {CONFIDENCE_NAME[confidence[position]]!r}, but every supporting"
                            " source is graded D-F; make it 'low' or cite a better source",
                        )
                    )
        return found


def _positions(flags: bytearray, value: int) -> list[int]:
    """Where `flags` holds `value`, found by bytearray.find rather than a Python loop."""
    found = []
    needle = bytes([value])
    position = flags.find(needle)
    while position != -1:
        found.append(position)
        position = flags.find(needle, position + 1)
    return found
