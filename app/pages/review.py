"""The review side: one change set with its diff, what waits for review, and the actions on it.

These pages mirror the JSON API (app.api.changesets) for people: the same engine calls, the same
roles, the same refusals. A refusal re-renders the change set with the reason in words and the
API's status (403 not allowed, 409 wrong state or a conflict, 422 an invalid operation); success
redirects back to the change set (303), so a reload never repeats an action. Every action is a
small form carrying the session's CSRF token, so the pages work without JavaScript.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, lazyload

from app import changesets
from app.auth import Caller, ContributorDep, EditorDep, WriteSessionDep
from app.changesets import ChangeError, Conflict, ConflictItem, Forbidden, WrongState
from app.models import (
    ENTITIES,
    Action,
    ChangeComment,
    ChangeOperation,
    ChangeSet,
    ChangeStatus,
    Role,
    User,
    utcnow,
)
from app.pages.history import PAGE_OF, format_age, format_moment, history_href, record_words
from app.pages.render import _error, _render, _settings
from app.records import find_record

router = APIRouter()

MAX_ID = 2**31 - 1
# Operations shown per page of a change set; an uploaded dataset can hold thousands.
OPERATIONS_PER_PAGE = 200
RECENTLY_DECIDED = 20
# What a redirect after an action says, by the `done` it carries (only these words are shown).
DONE = {
    "proposed": "Proposed: it now waits for an editor's review.",
    "published": "Published: the change is now in the data and in each record's history.",
    "rejected": "Rejected: nothing in it reaches the data.",
    "commented": "Comment added.",
    "removed": "Operation removed.",
    "reverted": "This change set undoes the one it names. It waits for review like any other:"
    " publishing it restores the records as they were.",
}
STATE_TEXT = {
    "draft": "draft: its author is still writing it",
    "proposed": "proposed: waiting for an editor's review",
    "published": "published: applied to the data",
    "rejected": "rejected: never applied",
}
VERB = {"create": "adds", "update": "changes", "delete": "deletes"}


def conflict_text(item: ConflictItem) -> str:
    """A conflict in words: what the record was when proposed and what it is now."""
    record = record_words(item.entity, item.key, None)
    if item.column == "(record)":
        return f"Operation {item.position}: {record} has been deleted since it was proposed."
    if item.column == "slug" and not item.proposed_against:
        return (
            f"Operation {item.position}: a {record} has been created since it was proposed;"
            " this one cannot be added beside it."
        )
    was = item.proposed_against or "empty"
    now = item.now or "empty"
    return (
        f"Operation {item.position} ({record}): {item.column} was {was} when proposed,"
        f" is now {now}."
    )


@dataclass
class OperationView:
    op: ChangeOperation
    verb: str
    record: str
    href: str | None
    rows: list[tuple[str, str, str]]

    @property
    def title(self) -> str:
        return f"{self.verb} {self.record}"


def _operation_view(session: Session, op: ChangeOperation, published: bool) -> OperationView:
    row = op.values if op.action == Action.create else op.before
    words = record_words(op.entity, op.key, row)
    verb = {"create": "New", "update": "Changed", "delete": "Deleted"}.get(op.action, op.action)
    href = None
    if op.key:
        if op.entity in PAGE_OF and find_record(session, op.entity, op.key) is not None:
            href = PAGE_OF[op.entity].format(quote(op.key, safe=""))
        elif published or op.action != Action.create:
            # A record this change set has yet to create has no history; any other has one.
            href = history_href(op.entity, op.key)
    return OperationView(op, verb, words, href, changesets.diff(op))


@dataclass
class Allowed:
    """Which actions the signed-in user may take on this change set now (as the engine rules)."""

    propose: bool
    remove: bool
    publish: bool
    reject: bool
    withdraw: bool
    revert: bool


def allowed(cs: ChangeSet, user: User, allow_self: bool) -> Allowed:
    author = cs.author_id == user.id
    editor = user.may(Role.editor)
    editable = cs.status in (ChangeStatus.draft, ChangeStatus.proposed)
    proposed = cs.status == ChangeStatus.proposed
    return Allowed(
        propose=author and cs.status == ChangeStatus.draft,
        remove=author and editable,
        publish=editor and proposed and (not author or allow_self),
        reject=editor and proposed and not author,
        withdraw=author and editable,
        revert=editor and cs.status == ChangeStatus.published,
    )


def _reason(cs: ChangeSet) -> ChangeComment | None:
    """The comment a rejection left: the reviewer's last comment before the decision."""
    if cs.status != ChangeStatus.rejected or cs.reviewed_at is None:
        return None
    found = [
        c
        for c in cs.comments
        if c.author_id == cs.reviewer_id
        and c.created_at <= cs.reviewed_at
        and cs.reviewed_at - c.created_at < dt.timedelta(minutes=1)
    ]
    return found[-1] if found else None


def _load(session: Session, change_set_id: int) -> ChangeSet | None:
    if not 1 <= change_set_id <= MAX_ID:
        return None
    return session.get(ChangeSet, change_set_id)


def _missing(request: Request, change_set_id: int, caller: Caller) -> HTMLResponse:
    return _error(
        request,
        404,
        "Change set not found",
        f"There is no change set {change_set_id}.",
        me=caller,
    )


def _page(
    request: Request,
    session: Session,
    cs: ChangeSet,
    caller: Caller,
    *,
    done: str | None = None,
    error: str | None = None,
    problems: list[str] | None = None,
    status_code: int = 200,
    start: int = 0,
    comment_text: str = "",
    reason_text: str = "",
) -> HTMLResponse:
    conflicts = changesets.conflicts_of(session, cs) if cs.status == ChangeStatus.proposed else []
    operations = cs.operations
    start = max(0, min(start, max(0, len(operations) - 1)))
    shown = operations[start : start + OPERATIONS_PER_PAGE]
    reverted_by = session.scalars(
        select(ChangeSet.id).where(ChangeSet.reverts_id == cs.id).order_by(ChangeSet.id)
    ).all()
    allow_self = _settings(request).allow_self_publish
    return _render(
        request,
        "changeset.html",
        {
            "title": f"Change set {cs.id}",
            "nav": "review",
            "me": caller,
            "cs": cs,
            "state_text": STATE_TEXT.get(cs.status, cs.status),
            "reason": _reason(cs),
            "reverted_by": list(reverted_by),
            "operations": [
                _operation_view(session, op, cs.status == ChangeStatus.published) for op in shown
            ],
            "conflicted": {c.position for c in conflicts},
            "total": len(operations),
            "start": start,
            "per_page": OPERATIONS_PER_PAGE,
            "conflicts": [conflict_text(c) for c in conflicts],
            "allowed": allowed(cs, caller.user, allow_self),
            "is_author": cs.author_id == caller.user.id,
            "is_editor": caller.user.may(Role.editor),
            "allow_self": allow_self,
            "done": DONE.get(done or ""),
            "error": error,
            "problems": problems or [],
            "comment_text": comment_text,
            "reason_text": reason_text,
            "at": format_moment,
        },
        status_code=status_code,
    )


@router.get("/changesets/{change_set_id:int}", response_class=HTMLResponse)
def read_change_set_page(
    request: Request,
    change_set_id: int,
    session: WriteSessionDep,
    caller: ContributorDep,
    done: str | None = None,
    start: int = 0,
) -> HTMLResponse:
    """One change set: its diff, its conflicts while proposed, its comments and actions."""
    cs = _load(session, change_set_id)
    if cs is None:
        return _missing(request, change_set_id, caller)
    return _page(request, session, cs, caller, done=done, start=start)


def _attempt(
    request: Request,
    session: Session,
    caller: Caller,
    change_set_id: int,
    action: Callable[[ChangeSet], str],
    refused: str,
    comment_text: str = "",
    reason_text: str = "",
) -> Response:
    """Run one engine action; commit and redirect to where it says, or re-render the refusal."""
    keep = {"comment_text": comment_text, "reason_text": reason_text}
    cs = _load(session, change_set_id)
    if cs is None:
        return _missing(request, change_set_id, caller)
    try:
        target = action(cs)
    except Conflict as exc:
        session.rollback()
        return _again(
            request,
            session,
            change_set_id,
            caller,
            f"{refused}: records changed since this change set was written.",
            [conflict_text(i) for i in exc.items],
            409,
            keep,
        )
    except ChangeError as exc:
        session.rollback()
        return _again(
            request,
            session,
            change_set_id,
            caller,
            f"{refused}:",
            [str(p) for p in exc.problems],
            422,
            keep,
        )
    except WrongState as exc:
        session.rollback()
        return _again(request, session, change_set_id, caller, f"{refused}: {exc}.", [], 409, keep)
    except Forbidden as exc:
        session.rollback()
        return _again(request, session, change_set_id, caller, f"{refused}: {exc}.", [], 403, keep)
    session.commit()
    return RedirectResponse(target, status_code=303)


def _again(
    request: Request,
    session: Session,
    change_set_id: int,
    caller: Caller,
    error: str,
    problems: list[str],
    status_code: int,
    keep: dict[str, str],
) -> HTMLResponse:
    cs = _load(session, change_set_id)
    if cs is None:
        return _missing(request, change_set_id, caller)
    return _page(
        request,
        session,
        cs,
        caller,
        error=error,
        problems=problems,
        status_code=status_code,
        comment_text=keep.get("comment_text", ""),
        reason_text=keep.get("reason_text", ""),
    )


def _back(cs: ChangeSet, done: str, anchor: str = "") -> str:
    return f"/changesets/{cs.id}?done={done}{anchor}"


@router.post("/changesets/{change_set_id:int}/propose")
def propose_change_set(
    request: Request, change_set_id: int, session: WriteSessionDep, caller: ContributorDep
) -> Response:
    def act(cs: ChangeSet) -> str:
        changesets.propose(session, cs, caller.user)
        return _back(cs, "proposed")

    return _attempt(request, session, caller, change_set_id, act, "Not proposed")


@router.post("/changesets/{change_set_id:int}/publish")
def publish_change_set(
    request: Request, change_set_id: int, session: WriteSessionDep, caller: EditorDep
) -> Response:
    allow_self = _settings(request).allow_self_publish

    def act(cs: ChangeSet) -> str:
        changesets.publish(session, cs, caller.user, allow_self)
        return _back(cs, "published")

    return _attempt(request, session, caller, change_set_id, act, "Not published")


@router.post("/changesets/{change_set_id:int}/reject")
def reject_change_set(
    request: Request,
    change_set_id: int,
    session: WriteSessionDep,
    caller: ContributorDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    def act(cs: ChangeSet) -> str:
        changesets.reject(session, cs, caller.user, reason)
        return _back(cs, "rejected")

    return _attempt(
        request, session, caller, change_set_id, act, "Not rejected", reason_text=reason
    )


@router.post("/changesets/{change_set_id:int}/revert")
def revert_change_set(
    request: Request, change_set_id: int, session: WriteSessionDep, caller: EditorDep
) -> Response:
    def act(cs: ChangeSet) -> str:
        undo = changesets.revert(session, cs, caller.user)
        return _back(undo, "reverted")

    return _attempt(request, session, caller, change_set_id, act, "Not reverted")


@router.post("/changesets/{change_set_id:int}/comments")
def comment_on_change_set(
    request: Request,
    change_set_id: int,
    session: WriteSessionDep,
    caller: ContributorDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    def act(cs: ChangeSet) -> str:
        comment = changesets.comment_on(session, cs, caller.user, text)
        return _back(cs, "commented", f"#comment-{comment.id}")

    return _attempt(
        request, session, caller, change_set_id, act, "Comment not added", comment_text=text
    )


@router.post("/changesets/{change_set_id:int}/operations/{position:int}/remove")
def remove_change_set_operation(
    request: Request,
    change_set_id: int,
    position: int,
    session: WriteSessionDep,
    caller: ContributorDep,
) -> Response:
    def act(cs: ChangeSet) -> str:
        changesets.remove_operation(session, cs, caller.user, position)
        return _back(cs, "removed", "#operations")

    return _attempt(request, session, caller, change_set_id, act, "Not removed")


# ---- the review queue


@dataclass
class Listed:
    """A change set as the review page lists it."""

    cs: ChangeSet
    operations: int
    summary: str
    moment: dt.datetime
    age: str


def summaries(session: Session, ids: list[int]) -> dict[int, tuple[int, str]]:
    """(number of operations, what they touch in one line) per change set, in one query."""
    if not ids:
        return {}
    rows = session.execute(
        select(
            ChangeOperation.change_set_id,
            ChangeOperation.action,
            ChangeOperation.entity,
            func.count(),
            func.min(ChangeOperation.key),
        )
        .where(ChangeOperation.change_set_id.in_(ids))
        .group_by(ChangeOperation.change_set_id, ChangeOperation.action, ChangeOperation.entity)
    ).all()
    parts: dict[int, dict[str, list[str]]] = {}
    counts: dict[int, int] = {}
    order = {entity: i for i, entity in enumerate(ENTITIES)}
    rows = sorted(rows, key=lambda r: order.get(r[2], len(order)))
    for cs_id, action, entity, n, key in rows:
        counts[cs_id] = counts.get(cs_id, 0) + n
        if n == 1 and key and entity != "citation":
            words = f"{entity} {key}"
        elif n == 1:
            words = f"{'a' if entity != 'actor' else 'an'} {entity}"
        else:
            words = f"{n} {entity}s"
        parts.setdefault(cs_id, {}).setdefault(action, []).append(words)
    out = {}
    for cs_id in ids:
        by_action = parts.get(cs_id, {})
        line = "; ".join(
            f"{VERB[a]} {', '.join(by_action[a])}"
            for a in ("create", "update", "delete")
            if a in by_action
        )
        out[cs_id] = (counts.get(cs_id, 0), line or "nothing yet")
    return out


def _listed(session: Session, found: list[ChangeSet], since: str) -> list[Listed]:
    now = utcnow()
    info = summaries(session, [cs.id for cs in found])
    out = []
    for cs in found:
        n, line = info.get(cs.id, (0, "nothing yet"))
        moment = getattr(cs, since) or cs.created_at
        out.append(Listed(cs, n, line, moment, format_age(moment, now)))
    return out


def _sets(
    session: Session, *where: ColumnElement[bool], order: Any, limit: int = 200
) -> list[ChangeSet]:
    """Change sets without their operations and comments (the list needs only counts)."""
    query = (
        select(ChangeSet)
        .where(*where)
        .options(lazyload(ChangeSet.operations), lazyload(ChangeSet.comments))
        .order_by(order)
        .limit(limit)
    )
    return list(session.scalars(query))


@router.get("/review", response_class=HTMLResponse)
def read_review_page(
    request: Request, session: WriteSessionDep, caller: ContributorDep
) -> Response:
    """What waits for review (oldest first), one's own drafts, and what was decided lately."""
    waiting = _sets(
        session,
        ChangeSet.status == ChangeStatus.proposed.value,
        order=ChangeSet.proposed_at,
        limit=500,
    )
    drafts = _sets(
        session,
        ChangeSet.status == ChangeStatus.draft.value,
        ChangeSet.author_id == caller.user.id,
        order=ChangeSet.created_at.desc(),
    )
    decided = _sets(
        session,
        ChangeSet.status.in_([ChangeStatus.published.value, ChangeStatus.rejected.value]),
        order=ChangeSet.reviewed_at.desc(),
        limit=RECENTLY_DECIDED,
    )
    return _render(
        request,
        "review.html",
        {
            "title": "Review",
            "me": caller,
            "waiting": _listed(session, waiting, "proposed_at"),
            "drafts": _listed(session, drafts, "created_at"),
            "decided": _listed(session, decided, "reviewed_at"),
            "is_editor": caller.user.may(Role.editor),
            "allow_self": _settings(request).allow_self_publish,
            "at": format_moment,
        },
    )
