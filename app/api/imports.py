"""Web import for programs: `POST /api/v1/imports` turns a dataset .zip into a change set.

The work is app.io.upload's (shared with the /import page); this route translates its report to
HTTP: 201 with the change set, the dry-run counts and the warnings, or 422 listing every problem
by file, line and column, with nothing written. 401/403 come from the sign-in check, 413 from
the body limit (settings.max_upload_bytes) before the upload is read.
"""

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.api.changesets import WRITE_ERRORS, ChangeSetOut, change_set_out
from app.auth import ContributorDep, WriteSessionDep
from app.changesets import MAX_COMMENT, ImportCounts
from app.io.upload import DATASET, UploadReport, import_upload
from app.validation import Problem

router = APIRouter(prefix="/api/v1", tags=["editing"])


class CountsOut(BaseModel):
    create: dict[str, int] = Field(description="Records to add, by kind (`deployment`, ...).")
    update: dict[str, int] = Field(description="Records to change, by kind.")
    delete: dict[str, int] = Field(
        description="Records to delete, by kind: the citations of cited records that the"
        " upload no longer lists."
    )
    unchanged: int = Field(description="Rows that match the published data.")


class ImportOut(BaseModel):
    change_set: ChangeSetOut
    counts: CountsOut
    warnings: list[str] = Field(
        description="Doubts that do not stop the import, as `file:line: column: message`."
    )


class ImportProblem(BaseModel):
    loc: list[str | int | None] = Field(
        description='Where: `["body", "file", <file>, <line>, <column>]` for a problem in the'
        " upload (line and column null when the problem is the whole file or archive);"
        ' `["body", <field>]` for a form field.'
    )
    msg: str
    type: str = Field(
        description="`dataset` (the upload's files), `change_set` (e.g. a new record without a"
        " supporting citation), `unchanged` (nothing to review), or a form-validation kind."
    )
    file: str | None = Field(None, description="The CSV file (or the upload) at fault.")
    line: int | None = None
    column: str | None = None
    input: Any = None


class ImportRefusal(BaseModel):
    """What a refused upload answers: nothing was written."""

    detail: list[ImportProblem]
    message: str = Field(description="Every problem in one line, for people.")


class TooLarge(BaseModel):
    detail: str
    message: str | None = None


RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "The change set made from the upload, with the dry run's report"},
    401: WRITE_ERRORS[401],
    403: WRITE_ERRORS[403],
    # Refused before the body is read when Content-Length says too much; a body sent in chunks
    # is cut off while it is read, and that answer may lack `message`.
    413: {
        "model": TooLarge,
        "description": "The upload is larger than the server takes (settings.max_upload_bytes)",
    },
    422: {
        "model": ImportRefusal,
        "description": "The upload is not a readable dataset, has problems, or changes nothing;"
        " nothing was written",
    },
}


def counts_out(counts: ImportCounts) -> CountsOut:
    return CountsOut(
        create=counts.create,
        update=counts.update,
        delete=counts.delete,
        unchanged=counts.unchanged,
    )


def _problem_out(problem: Problem, kind: str) -> ImportProblem:
    if kind != DATASET and problem.column == "comment":
        loc: list[str | int | None] = ["body", "comment"]
    else:
        loc = ["body", "file", problem.file, problem.line, problem.column]
    return ImportProblem(
        loc=loc,
        msg=problem.message,
        type=kind,
        file=problem.file,
        line=problem.line,
        column=problem.column,
    )


def refusal(report: UploadReport) -> JSONResponse:
    kind = report.refused or DATASET
    answer = ImportRefusal(
        detail=[_problem_out(p, kind) for p in report.problems], message=report.message
    )
    return JSONResponse(status_code=422, content=answer.model_dump(mode="json"))


@router.post(
    "/imports",
    status_code=201,
    response_model=ImportOut,
    responses=RESPONSES,
    summary="Upload a dataset .zip (the exchange format) as a change set for review",
    description="The .zip holds the eight CSV files `orbat export` writes (docs/format.md)."
    " Records are matched by slug and added or changed; the citations of every record the"
    " upload cites are replaced by the upload's. Nothing is published: the answer is a change"
    " set (proposed for review unless `propose` is false), with the dry run's counts and"
    " warnings. A problem anywhere answers 422 naming its file, line and column, and nothing"
    " is written; so does an upload that changes nothing.",
)
def create_import(
    session: WriteSessionDep,
    caller: ContributorDep,
    file: Annotated[UploadFile, File(description="The dataset as a .zip.")],
    comment: Annotated[
        str,
        Form(min_length=1, max_length=MAX_COMMENT, description="What the change is for."),
    ],
    propose: Annotated[
        bool, Form(description="Send the change set for review now; false keeps it a draft.")
    ] = True,
) -> Any:
    report = import_upload(session, caller.user, file.file, file.filename, comment, propose)
    if report.change_set is None or report.counts is None:
        return refusal(report)
    return ImportOut(
        change_set=change_set_out(session, report.change_set),
        counts=counts_out(report.counts),
        warnings=[str(w) for w in report.warnings],
    )
