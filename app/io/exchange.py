"""The exchange format (docs/format.md): a folder or .zip of eight CSV files linked by slug.

Import is two phases. `read_dataset` parses and checks every file and every reference, collecting
problems as `file:line: column: problem`; only a dataset with no problems reaches `apply_dataset`,
which writes it in the caller's transaction. A bad file therefore changes nothing.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.io.archive import ArchiveProblem, read_folder_file, read_members
from app.io.csv_safety import neutralise, restore
from app.models import (
    ENTITIES,
    RECORD_TYPES,
    Citation,
    Event,
)
from app.records import FILE_OF, MODEL_OF, Slugs, bump_data_version, fields_of, row_of, write_record
from app.validation import (
    FILES,
    Dataset,
    DatasetError,
    Problem,
    Problems,
    Row,
    check_originals,
    check_references,
    check_takeovers,
    dataset_warnings,
    parse_record,
)

__all__ = [
    "FILES",
    "Dataset",
    "DatasetError",
    "Problem",
    "apply_dataset",
    "dataset_rows",
    "export_dataset",
    "read_dataset",
    "write_csv",
]


@dataclass(frozen=True)
class Limits:
    """How much of a dataset is read before it is refused: a zip may claim anything."""

    member_bytes: int = 512 * 1024 * 1024
    total_bytes: int = 2 * 1024 * 1024 * 1024
    members: int = 1000


# The command line is run by the server's operator on their own files; uploads get WEB_LIMITS.
SHELL_LIMITS = Limits()
WEB_LIMITS = Limits(member_bytes=50 * 1024 * 1024, total_bytes=200 * 1024 * 1024, members=100)


def _open_texts(path: Path, limits: Limits) -> dict[str, str]:
    """The CSV texts of a dataset folder or zip, by file name."""
    if path.is_dir():
        return {
            name: read_folder_file(path / name, limits.member_bytes)
            for name in FILES
            if (path / name).exists()
        }
    if path.suffix.lower() == ".zip" and path.is_file():
        return read_members(
            path,
            set(FILES),
            max_member_bytes=limits.member_bytes,
            max_total_bytes=limits.total_bytes,
            max_members=limits.members,
        )
    raise DatasetError([Problem(str(path), None, None, "is neither a folder nor a .zip file")])


def read_dataset(
    path: Path, session: Session | None = None, limits: Limits = SHELL_LIMITS
) -> Dataset:
    """Parse and check a dataset; raise DatasetError listing its problems.

    With a session, references may also point at records already in the database.
    """
    try:
        texts = _open_texts(path, limits)
    except ArchiveProblem as exc:
        raise DatasetError([Problem(exc.file, exc.line, None, exc.message)]) from None
    problems = Problems()
    dataset = Dataset()
    for name in FILES:
        if name not in texts:
            problems.add(name, None, None, "file is missing")
            continue
        dataset.rows[name] = list(_parse_file(name, texts[name], problems))
    if not problems:
        check_references(dataset, session, problems)
    if not problems:
        check_originals(dataset, problems)
        check_takeovers(dataset, problems)
    if problems:
        raise DatasetError(problems.items)
    dataset.warnings = dataset_warnings(dataset)
    return dataset


def _parse_file(name: str, text: str, problems: Problems) -> Iterator[Row]:
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
    # Problems are collected across files; only this file's header decides whether its rows
    # can be read, so one broken file does not hide the problems of the next.
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
            # An export guards cells a spreadsheet would run as formulas; reading undoes that.
            raw = {h: restore(cell) for h, cell in zip(header, cells, strict=True)}
            values = parse_record(name, line, raw, problems)
            slug = values.get("slug")
            if slug is not None:
                if slug in seen:
                    problems.add(name, line, "slug", f"{slug!r} already used on line {seen[slug]}")
                seen[slug] = line
            yield Row(line, values)
    except csv.Error as exc:
        problems.add(name, reader.line_num, None, f"not valid CSV: {exc}")


def apply_dataset(
    session: Session, dataset: Dataset, advance: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write a checked dataset: records are matched by slug, inserted or updated.

    Citations of every record named in citations.csv are replaced by the file's.
    The caller commits (or rolls back) the session.
    """
    step = advance or (lambda _n: None)
    counts: dict[str, int] = {}
    slugs = Slugs(session)
    # Forces and sources name others of their kind, possibly further down the file: they are
    # written first without that link, which is set once every one of them exists.
    self_links = {"force": "parent", "source": "original"}
    for entity in ("actor", "site", "force", "source", "deployment", "movement", "event"):
        filename = FILE_OF[entity]
        model = MODEL_OF[entity]
        for name in {"actor", "site", "force", "source"} & set(REFERENCED_BY[entity]):
            slugs.fill(name)
        query = select(model)
        if entity == "event":
            query = query.options(selectinload(Event.actors))
        existing = {obj.slug: obj for obj in session.scalars(query)}  # type: ignore[attr-defined]
        link = self_links.get(entity)
        written = {}
        # Without autoflush: a lookup inside the loop (an event's actors) would otherwise flush
        # the pending rows one at a time, which made a 100,000-row import several times slower.
        with session.no_autoflush:
            for row in dataset.rows[filename]:
                slug = row.values["slug"]
                values = {**row.values, link: None} if link else row.values
                written[slug] = write_record(
                    session, entity, values, slugs, existing.get(slug), flush=False
                )
                step(1)
        session.flush()
        if link:
            slugs.fill(entity)
            for row in dataset.rows[filename]:
                target = slugs.id(entity, row.values[link])
                setattr(written[row.values["slug"]], f"{link}_id", target)
            session.flush()
        counts[filename] = len(dataset.rows[filename])
    for kind in RECORD_TYPES:
        slugs.fill(kind)
    slugs.fill("source")
    cited = {(r.values["record_type"], r.values["record"]) for r in dataset.rows["citations.csv"]}
    for kind in RECORD_TYPES:
        ids = [slugs.id(kind, slug) for k, slug in cited if k == kind]
        if ids:
            column = getattr(Citation, f"{kind}_id")
            session.execute(delete(Citation).where(column.in_(ids)))
    for row in dataset.rows["citations.csv"]:
        session.add(Citation(**fields_of("citation", row.values, slugs)))
        step(1)
    session.flush()
    counts["citations.csv"] = len(dataset.rows["citations.csv"])
    bump_data_version(session)
    return counts


# Which kinds of record each kind names, so an import looks up only those.
REFERENCED_BY = {
    "actor": (),
    "site": (),
    "force": ("actor",),
    "source": (),
    "deployment": ("actor", "force", "site"),
    "movement": ("force", "site"),
    "event": ("site",),
}


def dataset_rows(session: Session) -> dict[str, list[dict[str, str]]]:
    """The database as exchange-format rows, in a stable order (by slug)."""
    slugs = Slugs(session)
    for entity in ENTITIES:
        if entity != "citation":
            slugs.fill(entity)
    out: dict[str, list[dict[str, str]]] = {}
    for entity in ENTITIES:
        model = MODEL_OF[entity]
        query = select(model)
        if entity == "event":
            query = query.options(selectinload(Event.actors))
        if entity != "citation":
            query = query.order_by(model.slug)  # type: ignore[attr-defined]
        out[FILE_OF[entity]] = [row_of(entity, r, slugs) for r in session.scalars(query)]
    out["citations.csv"].sort(
        key=lambda r: (r["record_type"], r["record"], r["source"], r["claim"])
    )
    return out


def write_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)
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
