"""Change sets: every edit is proposed, reviewed by a second person, then published as one unit.

A change set holds operations in exchange-format terms (the columns of docs/format.md, as text),
checked by app.validation when they are added and again when they are published, against the data
as it is then. Each update or delete remembers the row it was written against; if the record has
changed since, publishing reports a conflict instead of overwriting someone else's work. Every
published operation leaves a RecordChange with the row before and after, which is what history
pages show and what a revert undoes.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import (
    ENTITIES,
    Action,
    ChangeComment,
    ChangeOperation,
    ChangeSet,
    ChangeStatus,
    Citation,
    RecordChange,
    Role,
    Stance,
    User,
    utcnow,
)
from app.records import (
    FILE_OF,
    Slugs,
    bump_data_version,
    citers_of,
    find_record,
    record_key,
    row_of,
    write_record,
)
from app.validation import FILES, Problem, Problems, check_record_references, parse_record

# Records that make a claim about the world: none may be created without a supporting source.
CLAIMS = ("deployment", "movement", "event")
MAX_OPERATIONS = 5000
MAX_COMMENT = 5000


class ChangeError(Exception):
    """The change cannot be made as asked; `problems` name the operation, column and reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class Forbidden(Exception):
    """The user may not do this to this change set (wrong role, not the author)."""


class WrongState(Forbidden):
    """The change set is not in a state that allows this (publishing a draft, editing a
    published one)."""


@dataclass(frozen=True)
class ConflictItem:
    position: int
    entity: str
    key: str
    column: str
    proposed_against: str
    now: str

    def __str__(self) -> str:
        return (
            f"operation {self.position} ({self.entity} {self.key}): {self.column} was"
            f" {self.proposed_against!r} when proposed, is now {self.now!r}"
        )


class Conflict(Exception):
    """Records changed since the change set was written; nothing was applied."""

    def __init__(self, items: list[ConflictItem]) -> None:
        self.items = items
        super().__init__("; ".join(str(i) for i in items))


def _problem(position: int | str, column: str | None, message: str) -> ChangeError:
    return ChangeError([Problem(f"operation {position}", None, column, message)])


def create_change_set(session: Session, author: User, comment: str) -> ChangeSet:
    if not author.may(Role.contributor):
        raise Forbidden("proposing changes needs a contributor account")
    comment = comment.strip()
    if not comment:
        raise ChangeError([Problem("change set", None, "comment", "say what the change is for")])
    if len(comment) > MAX_COMMENT:
        raise ChangeError(
            [Problem("change set", None, "comment", f"at most {MAX_COMMENT} characters")]
        )
    change_set = ChangeSet(author_id=author.id, comment=comment, status=ChangeStatus.draft.value)
    session.add(change_set)
    session.flush()
    return change_set


def _pending(change_set: ChangeSet) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Records this change set creates and deletes, as (entity, slug)."""
    created, deleted = set(), set()
    for op in change_set.operations:
        if op.key is None or op.entity == "citation":
            continue
        if op.action == Action.create:
            created.add((op.entity, op.key))
            deleted.discard((op.entity, op.key))
        elif op.action == Action.delete:
            deleted.add((op.entity, op.key))
            created.discard((op.entity, op.key))
    return created, deleted


def _exists_with(session: Session, change_set: ChangeSet | None) -> Any:
    created, deleted = _pending(change_set) if change_set else (set(), set())
    slugs = Slugs(session)

    def exists(record_type: str, slug: str) -> bool:
        if (record_type, slug) in created:
            return True
        if (record_type, slug) in deleted:
            return False
        try:
            slugs.id(record_type, slug)
        except LookupError:
            return False
        return True

    return exists


def check_values(
    session: Session,
    entity: str,
    position: int | str,
    raw: Mapping[str, str | None],
    change_set: ChangeSet | None = None,
) -> dict[str, Any]:
    """One record's text values, parsed and checked like an imported row; raises ChangeError."""
    filename = FILE_OF[entity]
    problems = Problems()
    values = parse_record(filename, 0, raw, problems)
    if not problems:
        check_record_references(filename, 0, values, _exists_with(session, change_set), problems)
    if not problems:
        _check_record_rules(session, entity, values, problems)
    if problems:
        raise ChangeError(
            [Problem(f"operation {position}", None, p.column, p.message) for p in problems.items]
        )
    return values


def _check_record_rules(
    session: Session, entity: str, values: dict[str, Any], problems: Problems
) -> None:
    """The format's rules that look beyond one row (see app.validation for the dataset forms)."""
    filename = FILE_OF[entity]
    slugs = Slugs(session)
    if entity == "source" and values["original"]:
        # Walk the relay chain in the data: reaching this source again would be a cycle.
        seen = {values["slug"]}
        current: str | None = values["original"]
        while current:
            if current in seen:
                problems.add(filename, 0, "original", f"{current!r} leads back to this source")
                break
            seen.add(current)
            record = find_record(session, "source", current)
            current = slugs.slug("source", record.original_id) if record else None
    if entity == "force" and values["parent"]:
        seen = {values["slug"]}
        current = values["parent"]
        while current:
            if current in seen:
                problems.add(filename, 0, "parent", f"{current!r} is already below this force")
                break
            seen.add(current)
            record = find_record(session, "force", current)
            current = slugs.slug("force", record.parent_id) if record else None
    if entity == "deployment" and values["took_over_from"]:
        force = find_record(session, "force", values["force"])
        if force is not None and slugs.slug("actor", force.actor_id) == values["took_over_from"]:
            problems.add(
                filename,
                0,
                "took_over_from",
                f"{values['took_over_from']!r} is this deployment's own actor",
            )


def _editable(change_set: ChangeSet, user: User) -> None:
    if change_set.author_id != user.id:
        raise Forbidden("only the author of a change set may change it")
    if change_set.status not in (ChangeStatus.draft, ChangeStatus.proposed):
        raise WrongState(f"change set {change_set.id} is {change_set.status}; it cannot change")


def add_operation(
    session: Session,
    change_set: ChangeSet,
    user: User,
    action: str,
    entity: str,
    key: str | None,
    values: Mapping[str, str | None] | None = None,
) -> ChangeOperation:
    """Check one operation against the data and the change set so far, then append it."""
    _editable(change_set, user)
    position = len(change_set.operations) + 1
    if len(change_set.operations) >= MAX_OPERATIONS:
        raise _problem(position, None, f"a change set holds at most {MAX_OPERATIONS} operations")
    if action not in tuple(Action):
        raise _problem(position, "action", f"{action!r} is not one of create, update, delete")
    if entity not in ENTITIES:
        raise _problem(position, "entity", f"{entity!r} is not one of {', '.join(ENTITIES)}")
    given = {k: (v if v is None else str(v)) for k, v in (values or {}).items()}
    columns = [c.name for c in FILES[FILE_OF[entity]]]
    for name in given:
        if name not in columns:
            raise _problem(position, name, f"unknown column for {entity}")
    created, deleted = _pending(change_set)

    if action == Action.create:
        if entity == "citation":
            new_key = None
        else:
            new_key = (given.get("slug") or "").strip()
            if key and key != new_key:
                raise _problem(position, "slug", "the key of a new record is its slug")
            taken = find_record(session, entity, new_key) is not None if new_key else False
            if (taken and (entity, new_key) not in deleted) or (entity, new_key) in created:
                raise _problem(position, "slug", f"a {entity} {new_key!r} already exists")
        check_values(session, entity, position, given, change_set)
        op = ChangeOperation(
            position=position, action=action, entity=entity, key=new_key, values=given
        )
        change_set.operations.append(op)
        session.flush()
        return op

    if not key:
        raise _problem(position, "key", f"name the {entity} to {action}")
    if (entity, key) in created:
        raise _problem(position, "key", f"{entity} {key!r} is new in this change set; edit that")
    if (entity, key) in deleted:
        raise _problem(position, "key", f"{entity} {key!r} is deleted in this change set")
    record = find_record(session, entity, key)
    if record is None:
        raise _problem(position, "key", f"no {entity} {key!r}")
    before = row_of(entity, record, Slugs(session))

    if action == Action.delete:
        if given:
            raise _problem(position, "values", "a delete takes no values")
        citers = [c for c in citers_of(session, entity, record) if not _removed(c, change_set)]
        if citers:
            raise _problem(position, "key", f"{entity} {key!r} is still named by: " + _list(citers))
        op = ChangeOperation(
            position=position, action=action, entity=entity, key=key, before=before
        )
        change_set.operations.append(op)
        session.flush()
        return op

    if "slug" in given and given["slug"] != key:
        raise _problem(position, "slug", "a slug cannot change; delete and create instead")
    # A second update of one record joins the first, so both are checked against one "before".
    earlier = next(
        (
            o
            for o in change_set.operations
            if o.action == Action.update and o.entity == entity and o.key == key
        ),
        None,
    )
    merged_values = {**(earlier.values if earlier else {}), **given}
    check_values(session, entity, position, {**before, **merged_values}, change_set)
    changed = {k: v for k, v in merged_values.items() if (v or "") != before.get(k, "")}
    if not changed:
        raise _problem(position, None, f"nothing to change: {entity} {key!r} already reads so")
    if earlier is not None:
        earlier.values = changed
        session.flush()
        return earlier
    op = ChangeOperation(
        position=position, action=action, entity=entity, key=key, values=changed, before=before
    )
    change_set.operations.append(op)
    session.flush()
    return op


def _removed(citer: str, change_set: ChangeSet) -> bool:
    """Whether a citer named by citers_of is deleted earlier in this change set."""
    kind, _, rest = citer.partition(" ")
    key = rest.split(" ", 1)[0]
    return any(
        o.action == Action.delete and o.entity == kind and o.key == key
        for o in change_set.operations
    )


def _list(items: list[str], limit: int = 20) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def remove_operation(session: Session, change_set: ChangeSet, user: User, position: int) -> None:
    _editable(change_set, user)
    op = next((o for o in change_set.operations if o.position == position), None)
    if op is None:
        raise _problem(position, None, "no such operation in this change set")
    change_set.operations.remove(op)
    for later in change_set.operations:
        if later.position > position:
            later.position -= 1
    session.flush()


def _unsupported_claims(change_set: ChangeSet) -> list[str]:
    supported = {
        (o.values.get("record_type"), o.values.get("record"))
        for o in change_set.operations
        if o.entity == "citation"
        and o.action == Action.create
        and o.values.get("stance") == Stance.supports.value
    }
    return [
        f"{o.entity} {o.key}"
        for o in change_set.operations
        if o.action == Action.create and o.entity in CLAIMS and (o.entity, o.key) not in supported
    ]


def propose(session: Session, change_set: ChangeSet, user: User) -> None:
    _editable(change_set, user)
    if not change_set.operations:
        raise ChangeError([Problem("change set", None, None, "holds no operation yet")])
    missing = _unsupported_claims(change_set)
    if missing:
        raise ChangeError(
            [
                Problem(
                    "change set",
                    None,
                    "citation",
                    f"{record} has no supporting citation; cite the source that says so",
                )
                for record in missing
            ]
        )
    change_set.status = ChangeStatus.proposed.value
    change_set.proposed_at = utcnow()
    session.flush()


def comment_on(session: Session, change_set: ChangeSet, user: User, text_: str) -> ChangeComment:
    if not user.may(Role.contributor):
        raise Forbidden("commenting needs an account")
    text_ = text_.strip()
    if not text_ or len(text_) > MAX_COMMENT:
        raise ChangeError(
            [Problem("comment", None, "text", f"write 1 to {MAX_COMMENT} characters")]
        )
    comment = ChangeComment(change_set_id=change_set.id, author_id=user.id, text=text_)
    change_set.comments.append(comment)
    session.flush()
    return comment


def _may_review(change_set: ChangeSet, user: User, allow_self: bool) -> None:
    if not user.may(Role.editor):
        raise Forbidden("publishing and rejecting need an editor account")
    if change_set.author_id == user.id and not allow_self:
        raise Forbidden("an editor other than its author must review a change set")
    if change_set.status != ChangeStatus.proposed:
        raise WrongState(f"change set {change_set.id} is {change_set.status}, not proposed")


def reject(
    session: Session, change_set: ChangeSet, user: User, reason: str, allow_self: bool = False
) -> None:
    """An editor rejects someone's proposal; an author may withdraw their own, whatever role."""
    if change_set.author_id == user.id:
        if change_set.status not in (ChangeStatus.draft, ChangeStatus.proposed):
            raise WrongState(f"change set {change_set.id} is {change_set.status}")
    else:
        _may_review(change_set, user, allow_self)
    if reason.strip():
        comment_on(session, change_set, user, reason)
    change_set.status = ChangeStatus.rejected.value
    change_set.reviewer_id = user.id
    change_set.reviewed_at = utcnow()
    session.flush()


def _lock_for_publishing(session: Session) -> None:
    """Publishes run one at a time, so two editors cannot both pass the conflict check."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7163001)"))
    # SQLite: the caller's session began with BEGIN IMMEDIATE, which already serialises writers.


def conflicts_of(session: Session, change_set: ChangeSet) -> list[ConflictItem]:
    """What changed in the data since each operation was written against it."""
    items: list[ConflictItem] = []
    slugs = Slugs(session)
    for op in change_set.operations:
        if op.action == Action.create:
            if op.key and find_record(session, op.entity, op.key) is not None:
                items.append(ConflictItem(op.position, op.entity, op.key, "slug", "", op.key))
            continue
        record = find_record(session, op.entity, op.key or "")
        before = op.before or {}
        if record is None:
            items.append(
                ConflictItem(op.position, op.entity, op.key or "", "(record)", "present", "deleted")
            )
            continue
        now = row_of(op.entity, record, slugs)
        for column, was in before.items():
            if now.get(column, "") != was:
                items.append(
                    ConflictItem(op.position, op.entity, op.key or "", column, was, now[column])
                )
    return items


def _apply(
    session: Session, change_set: ChangeSet, record_history: User | None
) -> list[RecordChange]:
    """Apply every operation in order; re-checked against the data as it now is."""
    slugs = Slugs(session)
    changes: list[RecordChange] = []
    for op in change_set.operations:
        entity = op.entity
        record = find_record(session, entity, op.key) if op.key else None
        before = row_of(entity, record, slugs) if record is not None else None
        if op.action == Action.delete:
            if record is None:
                raise _problem(op.position, "key", f"no {entity} {op.key!r}")
            citers = citers_of(session, entity, record)
            if citers:
                raise _problem(
                    op.position, "key", f"{entity} {op.key!r} is still named by: " + _list(citers)
                )
            key = record_key(entity, record)
            session.delete(record)
            session.flush()
            if entity != "citation":
                slugs.forget(entity, key)
            after = None
        else:
            raw = {**(before or {}), **op.values}
            values = check_values(session, entity, op.position, raw)
            if op.action == Action.create and record is not None:
                raise _problem(op.position, "slug", f"a {entity} {op.key!r} already exists")
            record = write_record(session, entity, values, slugs, record)
            key = record_key(entity, record)
            after = row_of(entity, record, slugs)
        if record_history is None:
            continue
        row = after or before or {}
        subject = (
            (row.get("record_type", ""), row.get("record", ""))
            if entity == "citation"
            else (entity, key)
        )
        change = RecordChange(
            change_set_id=change_set.id,
            action=op.action,
            entity=entity,
            key=key,
            subject_type=subject[0],
            subject_key=subject[1],
            before=before,
            after=after,
            proposed_by_id=change_set.author_id,
            published_by_id=record_history.id,
        )
        session.add(change)
        changes.append(change)
    session.flush()
    return changes


def publish(
    session: Session, change_set: ChangeSet, user: User, allow_self: bool = False
) -> list[RecordChange]:
    """Apply a proposed change set in the caller's transaction; raises Conflict or ChangeError.

    The caller commits on success and rolls back on any exception, so a failed publish leaves
    the data exactly as it was.
    """
    _lock_for_publishing(session)
    session.refresh(change_set)
    _may_review(change_set, user, allow_self)
    conflicts = conflicts_of(session, change_set)
    if conflicts:
        raise Conflict(conflicts)
    changes = _apply(session, change_set, user)
    bump_data_version(session)
    change_set.status = ChangeStatus.published.value
    change_set.reviewer_id = user.id
    change_set.reviewed_at = utcnow()
    session.flush()
    return changes


def apply_for_preview(session: Session, change_set: ChangeSet) -> None:
    """Apply a change set inside the caller's transaction, which must then be rolled back."""
    _apply(session, change_set, None)


def revert(session: Session, change_set: ChangeSet, user: User) -> ChangeSet:
    """A new proposed change set that undoes a published one, operation by operation."""
    if not user.may(Role.editor):
        raise Forbidden("reverting needs an editor account")
    if change_set.status != ChangeStatus.published:
        raise WrongState(f"change set {change_set.id} is {change_set.status}, not published")
    history = list(
        session.scalars(
            select(RecordChange)
            .where(RecordChange.change_set_id == change_set.id)
            .order_by(RecordChange.id.desc())
        )
    )
    undo = ChangeSet(
        author_id=user.id,
        comment=f"Revert change set {change_set.id}: {change_set.comment}"[:MAX_COMMENT],
        status=ChangeStatus.proposed.value,
        proposed_at=utcnow(),
        reverts_id=change_set.id,
    )
    session.add(undo)
    for position, change in enumerate(history, start=1):
        # Each undo is written against the row as the change left it: if someone has changed
        # the record since, publishing the revert reports that instead of undoing their work.
        if change.action == Action.create:
            op = ChangeOperation(action=Action.delete.value, key=change.key, before=change.after)
        elif change.action == Action.update:
            assert change.before is not None and change.after is not None
            back = {k: v for k, v in change.before.items() if change.after.get(k) != v}
            op = ChangeOperation(
                action=Action.update.value, key=change.key, values=back, before=change.after
            )
        else:
            assert change.before is not None
            key = None if change.entity == "citation" else change.key
            op = ChangeOperation(action=Action.create.value, key=key, values=dict(change.before))
        op.position = position
        op.entity = change.entity
        undo.operations.append(op)
    session.flush()
    return undo


def diff(op: ChangeOperation) -> list[tuple[str, str, str]]:
    """(column, before, after) for each column the operation changes."""
    before = op.before or {}
    if op.action == Action.delete:
        return [(k, v, "") for k, v in before.items() if v]
    if op.action == Action.create:
        return [(k, "", v or "") for k, v in op.values.items() if v]
    return [(k, before.get(k, ""), v or "") for k, v in op.values.items()]


def record_diff(change: RecordChange) -> list[tuple[str, str, str]]:
    before, after = change.before or {}, change.after or {}
    columns = list(dict.fromkeys([*before, *after]))
    return [
        (c, before.get(c, ""), after.get(c, ""))
        for c in columns
        if before.get(c, "") != after.get(c, "")
    ]


def history_of(session: Session, entity: str, key: str, limit: int = 200) -> list[RecordChange]:
    """Published changes to a record and to the citations that back it, newest first."""
    return list(
        session.scalars(
            select(RecordChange)
            .where(RecordChange.subject_type == entity, RecordChange.subject_key == key)
            .order_by(RecordChange.id.desc())
            .limit(limit)
        )
    )


def recent_changes(session: Session, limit: int = 100) -> list[RecordChange]:
    return list(session.scalars(select(RecordChange).order_by(RecordChange.id.desc()).limit(limit)))


def change_sets(
    session: Session, statuses: Iterable[str] | None = None, limit: int = 200
) -> list[ChangeSet]:
    query = select(ChangeSet).order_by(ChangeSet.id.desc()).limit(limit)
    if statuses:
        query = query.where(ChangeSet.status.in_(list(statuses)))
    return list(session.scalars(query))


def waiting_for_review(session: Session) -> list[ChangeSet]:
    return list(
        session.scalars(
            select(ChangeSet)
            .where(ChangeSet.status == ChangeStatus.proposed.value)
            .order_by(ChangeSet.proposed_at)
        )
    )


def _text(value: Any) -> str:
    """A parsed exchange value written back as the text an export would hold."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(sorted(value))
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _parents_first(rows: list[dict[str, str]], link: str) -> list[dict[str, str]]:
    """Forces before their detachments, originals before their reprints: creation order."""
    by_slug = {r["slug"]: r for r in rows}
    done: set[str] = set()
    ordered: list[dict[str, str]] = []
    for row in rows:
        chain = []
        current: dict[str, str] | None = row
        while current is not None and current["slug"] not in done:
            chain.append(current)
            done.add(current["slug"])
            current = by_slug.get(current.get(link, ""))
        ordered.extend(reversed(chain))
    return ordered


@dataclass
class ImportCounts:
    create: dict[str, int]
    update: dict[str, int]
    delete: dict[str, int]
    unchanged: int


def operations_from_dataset(
    session: Session, rows: Mapping[str, list[dict[str, Any]]]
) -> tuple[list[ChangeOperation], ImportCounts]:
    """What importing a checked dataset would do, as change-set operations.

    Like `orbat import`, records are matched by slug and added or updated, and the citations of
    every record the upload cites are replaced by the upload's: the ones it no longer lists
    become deletions.
    """
    slugs = Slugs(session)
    ops: list[ChangeOperation] = []
    counts = ImportCounts({}, {}, {}, 0)

    def add(
        action: Action, entity: str, key: str | None, values: dict, before: dict | None
    ) -> None:
        ops.append(
            ChangeOperation(
                position=len(ops) + 1,
                action=action.value,
                entity=entity,
                key=key,
                values=values,
                before=before,
            )
        )
        tally = getattr(counts, action.value)
        tally[entity] = tally.get(entity, 0) + 1

    links = {"force": "parent", "source": "original"}
    for entity in ENTITIES:
        if entity == "citation":
            continue
        texts = [{k: _text(v) for k, v in r.items()} for r in rows.get(FILE_OF[entity], [])]
        if entity in links:
            texts = _parents_first(texts, links[entity])
        for text_row in texts:
            record = find_record(session, entity, text_row["slug"])
            if record is None:
                add(Action.create, entity, text_row["slug"], text_row, None)
                continue
            before = row_of(entity, record, slugs)
            changed = {k: v for k, v in text_row.items() if before.get(k, "") != v}
            if changed:
                add(Action.update, entity, text_row["slug"], changed, before)
            else:
                counts.unchanged += 1

    uploaded = [{k: _text(v) for k, v in r.items()} for r in rows.get("citations.csv", [])]
    cited = {(r["record_type"], r["record"]) for r in uploaded}
    existing: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]] = {}
    for record_type, slug in sorted(cited):
        record = find_record(session, record_type, slug)
        if record is None:
            continue
        for citation in session.scalars(
            select(Citation).where(getattr(Citation, f"{record_type}_id") == record.id)
        ):
            row = row_of("citation", citation, slugs)
            existing.setdefault(tuple(row.values()), []).append((str(citation.id), row))
    for row in uploaded:
        same = existing.get(tuple(row[c] for c in CITATION_COLUMNS))
        if same:
            same.pop()
            counts.unchanged += 1
        else:
            add(Action.create, "citation", None, row, None)
    leftovers = [item for items in existing.values() for item in items]
    # Deletions go first so a record's old evidence is gone before its new evidence arrives.
    deletions = []
    for key, row in sorted(leftovers, key=lambda item: int(item[0])):
        deletions.append(
            ChangeOperation(action=Action.delete.value, entity="citation", key=key, before=row)
        )
        counts.delete["citation"] = counts.delete.get("citation", 0) + 1
    ops = deletions + ops
    for position, op in enumerate(ops, start=1):
        op.position = position
    return ops, counts


CITATION_COLUMNS = ("source", "record_type", "record", "stance", "credibility", "claim")


def import_change_set(
    session: Session, author: User, rows: Mapping[str, list[dict[str, Any]]], comment: str
) -> tuple[ChangeSet, ImportCounts]:
    """A draft change set holding what importing these (already checked) rows would do."""
    change_set = create_change_set(session, author, comment)
    ops, counts = operations_from_dataset(session, rows)
    if len(ops) > MAX_IMPORT_OPERATIONS:
        raise ChangeError(
            [
                Problem(
                    "upload",
                    None,
                    None,
                    f"would make {len(ops)} changes; a reviewed upload holds at most"
                    f" {MAX_IMPORT_OPERATIONS} (use `orbat import` on the server for more)",
                )
            ]
        )
    change_set.operations.extend(ops)
    session.flush()
    return change_set, counts


MAX_IMPORT_OPERATIONS = 20000
