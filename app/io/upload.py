"""Web import: an uploaded .zip of the exchange format becomes a change set for review.

The API (`POST /api/v1/imports`) and the page (`POST /import`) both call `import_upload`, which
does what `orbat import --dry-run` does and then, instead of writing the records, puts what the
import would do into a change set that goes through review like any other:

1. the upload is copied, in chunks, to a file in a fresh temporary directory (removed afterwards
   whatever happens) and must be a zip by its content, not its name;
2. `read_dataset` unpacks it under WEB_LIMITS (member count and sizes, no `..` or absolute
   member names) and checks every file and reference; its problems come back as
   `file:line: column: problem` and nothing is written;
3. `import_change_set` turns the checked rows into operations (records matched by slug, the
   citations of every record the upload cites replaced by the upload's); an upload that changes
   nothing is refused rather than leaving an empty change set behind;
4. the change set is proposed (unless the caller keeps it as a draft) and committed.

Every outcome is an `UploadReport`: the counts and warnings of the dry run, and either the
problems (nothing was written) or the change set.
"""

import re
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app import changesets
from app.changesets import ChangeError, ImportCounts
from app.io.exchange import WEB_LIMITS, DatasetError, Limits, Problem, read_dataset
from app.models import ChangeSet, User

# The name the upload is saved under inside its own temporary directory; problems about the
# archive as a whole name it, and are given the uploaded file's name instead.
SAVED_NAME = "upload.zip"
COPY_CHUNK_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 200
UNNAMED = "the upload"

NOT_A_ZIP = (
    "is not a .zip file; zip the dataset folder (the eight CSV files `orbat export` writes)"
    " and upload the .zip"
)
NOTHING_TO_REVIEW = "the upload matches the published data; nothing to review"

# Why an upload was refused (the API's problem `type`): its files, the change set built from it
# (comment, size, missing citations), or nothing to change.
DATASET = "dataset"
CHANGE_SET = "change_set"
UNCHANGED = "unchanged"


@dataclass
class UploadReport:
    """The dry run of one upload, and what became of it."""

    name: str
    counts: ImportCounts | None = None
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # DATASET, CHANGE_SET or UNCHANGED when refused; None when the change set was made.
    refused: str | None = None
    change_set: ChangeSet | None = None

    def refuse(self, why: str, problems: list[Problem]) -> "UploadReport":
        self.refused = why
        self.problems = problems
        return self

    @property
    def message(self) -> str:
        """All the problems in one line, for people."""
        if not self.problems:
            return ""
        if self.refused == UNCHANGED:
            return NOTHING_TO_REVIEW
        count = len(self.problems)
        where = "the upload has" if self.refused == DATASET else "the change set has"
        return (
            f"nothing was saved: {where} {count} problem{'' if count == 1 else 's'}: "
            + "; ".join(str(p) for p in self.problems)
        )


def display_name(filename: str | None) -> str:
    """The uploaded file's own name (no folders), to name it in problems; shown as text only."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:MAX_NAME_LENGTH]
    return base or UNNAMED


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except (OSError, EOFError, ValueError, struct.error):
        # The end record is read from untrusted bytes; any way of misreading it means "no".
        return False


def _save(source: BinaryIO, path: Path) -> None:
    if source.seekable():
        source.seek(0)
    with path.open("wb") as target:
        shutil.copyfileobj(source, target, COPY_CHUNK_BYTES)


def import_upload(
    session: Session,
    user: User,
    source: BinaryIO,
    filename: str | None,
    comment: str,
    propose: bool = True,
    limits: Limits = WEB_LIMITS,
) -> UploadReport:
    """Check an uploaded dataset .zip and make it a change set (proposed unless `propose` is off).

    `session` is a write session; it is committed when the change set is made and rolled back
    when the upload is refused, so a refusal leaves the database as it was.
    """
    report = UploadReport(display_name(filename))
    # Signing the caller in opened a write transaction (on SQLite, the database's write lock).
    # Copying and unpacking the upload need none: end it now, and take it again only when the
    # dataset is compared with the database.
    session.rollback()
    with tempfile.TemporaryDirectory(prefix="orbat-upload-") as directory:
        path = Path(directory) / SAVED_NAME
        _save(source, path)
        if not _is_zip(path):
            return report.refuse(DATASET, [Problem(report.name, None, None, NOT_A_ZIP)])
        try:
            dataset = read_dataset(path, session, limits=limits)
        except DatasetError as exc:
            session.rollback()
            problems = [
                replace(p, file=report.name) if p.file == SAVED_NAME else p for p in exc.problems
            ]
            return report.refuse(DATASET, problems)
    report.warnings = list(dataset.warnings)
    rows = {name: [row.values for row in found] for name, found in dataset.rows.items()}
    try:
        change_set, report.counts = changesets.import_change_set(session, user, rows, comment)
        if not change_set.operations:
            session.rollback()
            return report.refuse(UNCHANGED, [Problem(report.name, None, None, NOTHING_TO_REVIEW)])
        if propose:
            changesets.propose(session, change_set, user)
    except ChangeError as exc:
        session.rollback()
        return report.refuse(CHANGE_SET, exc.problems)
    session.commit()
    report.change_set = change_set
    return report
