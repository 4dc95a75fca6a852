"""The write API: change sets (create, add to, propose, publish, reject, revert) and history.

Every change goes through a change set; these routes only translate HTTP to app.changesets and
its refusals to status codes: 401 without credentials, 403 without the role, 404 for an unknown
change set, 409 for a wrong state or a conflict, 422 naming the operation and column.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from app import changesets
from app.auth import AuthError, Caller, ContributorDep, EditorDep, WriteSessionDep
from app.changesets import ChangeError, Conflict, Forbidden, WrongState
from app.deps import SessionDep
from app.models import ENTITIES, ChangeOperation, ChangeSet, ChangeStatus, RecordChange
from app.preview import PreviewError

router = APIRouter(prefix="/api/v1", tags=["editing"])

Entity = Literal["actor", "site", "force", "deployment", "movement", "event", "source", "citation"]
assert set(Entity.__args__) == set(ENTITIES)  # type: ignore[attr-defined]


class OperationIn(BaseModel):
    action: Literal["create", "update", "delete"]
    entity: Entity
    key: str | None = Field(
        None,
        max_length=80,
        description="The record's slug (a citation's id); omit when creating.",
    )
    values: dict[str, str | None] = Field(
        default_factory=dict,
        max_length=40,
        description="Exchange-format columns (docs/format.md) as text; an update gives only"
        " the columns it changes.",
    )


class ChangeSetIn(BaseModel):
    comment: str = Field(min_length=1, max_length=5000, description="What the change is for.")
    operations: list[OperationIn] = Field(default_factory=list, max_length=500)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class RejectIn(BaseModel):
    reason: str = Field("", max_length=5000)


class FieldChange(BaseModel):
    column: str
    before: str
    after: str


class OperationOut(BaseModel):
    position: int
    action: str
    entity: str
    key: str | None
    values: dict[str, str | None]
    changes: list[FieldChange]


class CommentOut(BaseModel):
    author: str
    at: str
    text: str


class ConflictOut(BaseModel):
    position: int
    entity: str
    key: str
    column: str
    proposed_against: str
    now: str


class ChangeSetOut(BaseModel):
    id: int
    status: str
    comment: str
    author: str
    created_at: str
    proposed_at: str | None
    reviewer: str | None
    reviewed_at: str | None
    reverts: int | None
    operations: list[OperationOut]
    comments: list[CommentOut]
    conflicts: list[ConflictOut] = Field(
        default_factory=list, description="Records changed since; filled while proposed."
    )


class RecordChangeOut(BaseModel):
    id: int
    change_set: int
    action: str
    entity: str
    key: str
    record_type: str
    record: str
    proposed_by: str
    published_by: str
    published_at: str
    changes: list[FieldChange]


class Problem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ProblemAnswer(BaseModel):
    detail: list[Problem] | str
    message: str


WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ProblemAnswer, "description": "No credentials, or an unknown token"},
    403: {"model": ProblemAnswer, "description": "Signed in without the role this needs"},
    404: {"model": ProblemAnswer, "description": "No such change set"},
    409: {"model": ProblemAnswer, "description": "Wrong state, or records changed since"},
    413: {"model": ProblemAnswer, "description": "The request body is too large"},
    422: {"model": ProblemAnswer, "description": "An operation is invalid"},
}

ChangeSetId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _time(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def operation_out(op: ChangeOperation) -> OperationOut:
    return OperationOut(
        position=op.position,
        action=op.action,
        entity=op.entity,
        key=op.key,
        values=op.values,
        changes=[FieldChange(column=c, before=b, after=a) for c, b, a in changesets.diff(op)],
    )


def change_set_out(session: Session, cs: ChangeSet) -> ChangeSetOut:
    conflicts = (
        changesets.conflicts_of(session, cs) if cs.status == ChangeStatus.proposed.value else []
    )
    return ChangeSetOut(
        id=cs.id,
        status=cs.status,
        comment=cs.comment,
        author=cs.author.name,
        created_at=_time(cs.created_at) or "",
        proposed_at=_time(cs.proposed_at),
        reviewer=cs.reviewer.name if cs.reviewer else None,
        reviewed_at=_time(cs.reviewed_at),
        reverts=cs.reverts_id,
        operations=[operation_out(op) for op in cs.operations],
        comments=[
            CommentOut(author=c.author.name, at=_time(c.created_at) or "", text=c.text)
            for c in cs.comments
        ],
        conflicts=[ConflictOut(**vars(c)) for c in conflicts],
    )


def record_change_out(change: RecordChange) -> RecordChangeOut:
    return RecordChangeOut(
        id=change.id,
        change_set=change.change_set_id,
        action=change.action,
        entity=change.entity,
        key=change.key,
        record_type=change.subject_type,
        record=change.subject_key,
        proposed_by=change.proposed_by.name,
        published_by=change.published_by.name,
        published_at=_time(change.published_at) or "",
        changes=[
            FieldChange(column=c, before=b, after=a) for c, b, a in changesets.record_diff(change)
        ],
    )


def _change_set(session: Session, id_: int) -> ChangeSet:
    cs = session.get(ChangeSet, id_)
    if cs is None:
        raise NotFound(f"no change set {id_}")
    return cs


class NotFound(Exception):
    pass


@router.get(
    "/changesets",
    response_model=list[ChangeSetOut],
    responses=WRITE_ERRORS,
    summary="Change sets, newest first (signed-in accounts only: proposals are not public)",
)
def list_change_sets(
    session: WriteSessionDep,
    _caller: ContributorDep,
    status: Annotated[
        list[Literal["draft", "proposed", "published", "rejected"]] | None,
        Query(description="Only these states; repeat for several."),
    ] = None,
) -> list[ChangeSetOut]:
    return [change_set_out(session, cs) for cs in changesets.change_sets(session, status)]


@router.post(
    "/changesets",
    status_code=201,
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Start a change set (a draft), optionally with its operations",
)
def create_change_set(
    body: ChangeSetIn, session: WriteSessionDep, caller: ContributorDep
) -> ChangeSetOut:
    cs = changesets.create_change_set(session, caller.user, body.comment)
    for op in body.operations:
        changesets.add_operation(session, cs, caller.user, op.action, op.entity, op.key, op.values)
    session.commit()
    return change_set_out(session, cs)


@router.get(
    "/changesets/{change_set_id}",
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="One change set with its diff, comments and any conflicts",
)
def read_change_set(
    change_set_id: ChangeSetId, session: WriteSessionDep, _caller: ContributorDep
) -> ChangeSetOut:
    return change_set_out(session, _change_set(session, change_set_id))


@router.post(
    "/changesets/{change_set_id}/operations",
    status_code=201,
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Add one operation (the author only, before review)",
)
def add_operation(
    change_set_id: ChangeSetId, body: OperationIn, session: WriteSessionDep, caller: ContributorDep
) -> ChangeSetOut:
    cs = _change_set(session, change_set_id)
    changesets.add_operation(
        session, cs, caller.user, body.action, body.entity, body.key, body.values
    )
    session.commit()
    return change_set_out(session, cs)


@router.delete(
    "/changesets/{change_set_id}/operations/{position}",
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Remove an operation (the author only, before review)",
)
def remove_operation(
    change_set_id: ChangeSetId,
    position: Annotated[int, Path(ge=1, le=100000)],
    session: WriteSessionDep,
    caller: ContributorDep,
) -> ChangeSetOut:
    cs = _change_set(session, change_set_id)
    changesets.remove_operation(session, cs, caller.user, position)
    session.commit()
    return change_set_out(session, cs)


@router.post(
    "/changesets/{change_set_id}/propose",
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Ask for review",
)
def propose(
    change_set_id: ChangeSetId, session: WriteSessionDep, caller: ContributorDep
) -> ChangeSetOut:
    cs = _change_set(session, change_set_id)
    changesets.propose(session, cs, caller.user)
    session.commit()
    return change_set_out(session, cs)


@router.post(
    "/changesets/{change_set_id}/publish",
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Publish a proposed change set (an editor other than its author)",
)
def publish(
    change_set_id: ChangeSetId, request: Request, session: WriteSessionDep, caller: EditorDep
) -> ChangeSetOut:
    cs = _change_set(session, change_set_id)
    allow_self = request.app.state.settings.allow_self_publish
    changesets.publish(session, cs, caller.user, allow_self)
    session.commit()
    return change_set_out(session, cs)


@router.post(
    "/changesets/{change_set_id}/reject",
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Reject a proposed change set with a reason (or withdraw one's own)",
)
def reject(
    change_set_id: ChangeSetId, body: RejectIn, session: WriteSessionDep, caller: ContributorDep
) -> ChangeSetOut:
    cs = _change_set(session, change_set_id)
    changesets.reject(session, cs, caller.user, body.reason)
    session.commit()
    return change_set_out(session, cs)


@router.post(
    "/changesets/{change_set_id}/comments",
    status_code=201,
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Comment on a change set",
)
def comment(
    change_set_id: ChangeSetId, body: CommentIn, session: WriteSessionDep, caller: ContributorDep
) -> ChangeSetOut:
    cs = _change_set(session, change_set_id)
    changesets.comment_on(session, cs, caller.user, body.text)
    session.commit()
    return change_set_out(session, cs)


@router.post(
    "/changesets/{change_set_id}/revert",
    status_code=201,
    response_model=ChangeSetOut,
    responses=WRITE_ERRORS,
    summary="Propose a change set that undoes a published one (editors)",
)
def revert(change_set_id: ChangeSetId, session: WriteSessionDep, caller: EditorDep) -> ChangeSetOut:
    cs = _change_set(session, change_set_id)
    undo = changesets.revert(session, cs, caller.user)
    session.commit()
    return change_set_out(session, undo)


@router.get(
    "/changes",
    response_model=list[RecordChangeOut],
    summary="Recently published changes, newest first (public, like the data)",
)
def list_changes(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500, description="How many.")] = 100,
) -> list[RecordChangeOut]:
    return [record_change_out(c) for c in changesets.recent_changes(session, limit)]


@router.get(
    "/history/{entity}/{key}",
    response_model=list[RecordChangeOut],
    summary="Published changes to one record and its citations, newest first",
)
def record_history(
    entity: Entity,
    key: Annotated[str, Path(min_length=1, max_length=80)],
    session: SessionDep,
) -> list[RecordChangeOut]:
    return [record_change_out(c) for c in changesets.history_of(session, entity, key)]


class Me(BaseModel):
    name: str
    role: str
    via: str


@router.get("/me", response_model=Me, responses=WRITE_ERRORS, summary="Who the credentials are")
def read_me(caller: ContributorDep) -> Me:
    return Me(name=caller.user.name, role=caller.user.role, via=caller.via)


def _problems_answer(status: int, items: list[dict[str, Any]]) -> JSONResponse:
    message = "; ".join(
        f"{'.'.join(str(p) for p in i['loc'][1:]) or i['loc'][0]}: {i['msg']}" for i in items
    )
    return JSONResponse(status_code=status, content={"detail": items, "message": message})


def _plain_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        status_code=status, content={"detail": message, "message": message}, headers=headers
    )


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/export/"))


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthError)
    async def auth_error(request: Request, exc: AuthError) -> Response:
        if _is_page(request):
            if exc.status == 401:
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            from app.pages import forbidden_page

            return forbidden_page(request, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _plain_answer(exc.status, exc.message, headers)

    @app.exception_handler(ChangeError)
    async def change_error(_request: Request, exc: ChangeError) -> Response:
        items = [
            {
                "loc": ["body", p.file, *([p.column] if p.column else [])],
                "msg": p.message,
                "type": "value_error",
            }
            for p in exc.problems
        ]
        return _problems_answer(422, items)

    @app.exception_handler(WrongState)
    async def wrong_state(_request: Request, exc: WrongState) -> Response:
        return _plain_answer(409, str(exc))

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, exc: Forbidden) -> Response:
        return _plain_answer(403, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> Response:
        return _plain_answer(404, str(exc))

    @app.exception_handler(PreviewError)
    async def preview_error(request: Request, exc: PreviewError) -> Response:
        if _is_page(request):
            from app.pages.render import _error

            return _error(request, 422, "Cannot preview", exc.message)
        item = {"loc": ["query", "preview"], "msg": exc.message, "type": "value_error"}
        return _problems_answer(422, [item])

    @app.exception_handler(Conflict)
    async def conflict(_request: Request, exc: Conflict) -> Response:
        items = [
            {
                "loc": ["body", f"operation {i.position}", i.column],
                "msg": f"{i.entity} {i.key}: was {i.proposed_against!r} when proposed,"
                f" is now {i.now!r}",
                "type": "conflict",
            }
            for i in exc.items
        ]
        return _problems_answer(409, items)


__all__ = ["Caller", "install_handlers", "router"]
