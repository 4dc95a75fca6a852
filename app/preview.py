"""Reading the data as it would be with a change set applied, for its reviewers only.

The change set is applied inside the request's transaction, which is always rolled back: the
preview reads exactly what publishing would write, and nothing of it can leak into the data.
"""

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from app.auth import AuthError, caller_of
from app.changesets import ChangeError, apply_for_preview
from app.models import ChangeSet, ChangeStatus, Role

PARAMETER = "preview"


class PreviewError(ValueError):
    def __init__(self, message: str) -> None:
        self.field_name = PARAMETER
        self.message = message
        super().__init__(message)


def preview_session(request: Request, value: str) -> Iterator[Session]:
    # A preview writes (then rolls back), so on SQLite it takes the write lock up front like any
    # writer: the map's parallel requests then queue instead of failing with "database is locked".
    with request.app.state.db.write_session() as session:
        caller = caller_of(request, session)
        if caller is None:
            raise AuthError(401, "sign in to preview a change set")
        if not caller.user.may(Role.contributor):
            raise AuthError(403, "previewing change sets needs a contributor account")
        if not value.isdigit() or len(value) > 9:
            raise PreviewError(f"{value!r} is not a change set number")
        change_set = session.get(ChangeSet, int(value))
        if change_set is None:
            raise PreviewError(f"no change set {value}")
        if change_set.status in (ChangeStatus.draft, ChangeStatus.proposed):
            try:
                apply_for_preview(session, change_set)
            except ChangeError as exc:
                raise PreviewError(f"change set {value} cannot be applied: {exc}") from None
        try:
            yield session
        finally:
            session.rollback()
