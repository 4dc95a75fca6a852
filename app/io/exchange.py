"""The exchange format (docs/format.md): a folder or .zip of eight CSV files linked by slug.

Import reads each file row by row (app/io/streaming.py): every row is parsed and checked, every
reference and the rules across records too, collecting problems as `file:line: column: problem`.
`import_dataset` writes the rows as it goes, in the caller's transaction, and raises on the first
dataset with problems so the caller rolls everything back: a bad file changes nothing.
`read_dataset` runs the same checks and keeps the rows in memory instead, for uploads.
"""

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.io.csv_safety import neutralise
from app.io.streaming import SHELL_LIMITS, WEB_LIMITS, Limits, Outcome, StreamingImport
from app.models import ENTITIES, Event
from app.records import FILE_OF, MODEL_OF, Slugs, row_of
from app.validation import FILES, Dataset, DatasetError, Problem

__all__ = [
    "FILES",
    "SHELL_LIMITS",
    "WEB_LIMITS",
    "Dataset",
    "DatasetError",
    "Limits",
    "Outcome",
    "Problem",
    "count_rows",
    "dataset_rows",
    "export_dataset",
    "import_dataset",
    "read_dataset",
    "write_csv",
]


def read_dataset(
    path: Path, session: Session | None = None, limits: Limits = SHELL_LIMITS
) -> Dataset:
    """Parse and check a dataset, keeping every row in memory; raise DatasetError on problems.

    With a session, references may also point at records already in the database. This suits
    an upload (capped by WEB_LIMITS); the command line writes with `import_dataset` instead.
    """
    outcome = StreamingImport(session, write=False, keep_rows=True).run(path, limits)
    outcome.dataset.warnings = outcome.warnings
    return outcome.dataset


def import_dataset(
    session: Session,
    path: Path,
    *,
    write: bool = True,
    limits: Limits = SHELL_LIMITS,
    advance: Callable[[int], None] | None = None,
) -> Outcome:
    """Check a dataset and write it in the caller's transaction, streaming file by file.

    Records are matched by slug, inserted or updated; citations of every record named in
    citations.csv are replaced by the file's. On any problem DatasetError is raised and the
    caller must roll back (rows may have been sent before the problem was found). Without
    `write` only the checks run. The caller commits.
    """
    return StreamingImport(session, write=write, advance=advance).run(path, limits)


def count_rows(path: Path) -> int:
    """Rows in a dataset folder's files (lines after the header), for a progress bar's total.

    0 when the path is not a folder (a zip would have to be unpacked to count).
    """
    if not path.is_dir():
        return 0
    total = 0
    for name in FILES:
        file = path / name
        if file.is_file():
            with file.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    total += chunk.count(b"\n")
            total -= 1
    return max(total, 0)


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
