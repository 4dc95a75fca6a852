"""Upload a dataset .zip from the browser; the dry-run report, and a change set to review.

`GET /import` is the form (contributors; anyone else is sent to sign in). `POST /import` hands
the upload to app.io.upload.import_upload, the same function the API's `POST /api/v1/imports`
calls, and shows its report on the page: what would be added, changed and deleted per kind of
record, the warnings, and either every problem as file, line, column and message (nothing was
saved) or a link to the change set it made. `GET /import/format` is docs/format.md as text, so
the page can point at the format without the repository at hand.

Form field names (also their ids; tests use them): `file`, `comment`, `propose` (checkbox,
checked: send for review now), `csrf_token`.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.datastructures import FormData, UploadFile

from app.auth import Caller, ContributorDep, WriteSessionDep
from app.changesets import ImportCounts
from app.io.exchange import WEB_LIMITS
from app.io.upload import UploadReport, import_upload
from app.models import ENTITIES
from app.pages.render import _error, _render
from app.settings import PROJECT_ROOT

router = APIRouter()

FORMAT_DOC = PROJECT_ROOT / "docs" / "format.md"
NO_FILE = "Choose the dataset's .zip file to upload."


@dataclass(frozen=True)
class CountRow:
    entity: str
    create: int
    update: int
    delete: int


def size_text(count: int) -> str:
    """A byte count as people read it: 20 MB, 98 KB."""
    mib = 1024 * 1024
    if count >= mib:
        return f"{count / mib:.0f} MB"
    return f"{max(count // 1024, 1)} KB" if count >= 1024 else f"{count} bytes"


def count_rows(counts: ImportCounts) -> list[CountRow]:
    """One row per kind of record, in the order the format's files are read."""
    return [
        CountRow(
            entity,
            counts.create.get(entity, 0),
            counts.update.get(entity, 0),
            counts.delete.get(entity, 0),
        )
        for entity in ENTITIES
    ]


async def upload_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form, read before the sign-in check (which reads its csrf_token from it).

    Starlette keeps the upload in a temporary file; it is closed, and so removed, afterwards.
    """
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


# Declared before ContributorDep in a route's parameters, so the body is read first.
UploadFormDep = Annotated[FormData, Depends(upload_form)]


def _page(
    request: Request,
    caller: Caller,
    *,
    comment: str = "",
    propose: bool = True,
    report: UploadReport | None = None,
    form_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return _render(
        request,
        "import.html",
        {
            "title": "Upload a dataset",
            "csrf_token": caller.csrf_token or "",
            "comment": comment,
            "propose": propose,
            "report": report,
            "rows": count_rows(report.counts) if report and report.counts else [],
            "form_error": form_error,
            "max_upload": size_text(request.app.state.settings.max_upload_bytes),
            "member_limit": size_text(WEB_LIMITS.member_bytes),
            "total_limit": size_text(WEB_LIMITS.total_bytes),
        },
        status_code=status_code,
    )


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, caller: ContributorDep) -> HTMLResponse:
    return _page(request, caller)


@router.post("/import", response_class=HTMLResponse)
def upload_dataset(
    request: Request,
    form: UploadFormDep,
    caller: ContributorDep,
    session: WriteSessionDep,
) -> HTMLResponse:
    comment = form.get("comment")
    comment = comment.strip() if isinstance(comment, str) else ""
    propose = bool(form.get("propose"))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or (not upload.filename and not upload.size):
        return _page(
            request,
            caller,
            comment=comment,
            propose=propose,
            form_error=NO_FILE,
            status_code=422,
        )
    report = import_upload(session, caller.user, upload.file, upload.filename, comment, propose)
    if report.change_set is None:
        return _page(
            request, caller, comment=comment, propose=propose, report=report, status_code=422
        )
    return _page(request, caller, report=report)


@router.get("/import/format", response_class=PlainTextResponse)
def import_format(request: Request) -> Response:
    """The exchange format's description (docs/format.md), as plain text."""
    try:
        text = FORMAT_DOC.read_text(encoding="utf-8")
    except OSError:
        return _error(request, 404, "Not available", "The format's description is not installed.")
    return PlainTextResponse(text)
