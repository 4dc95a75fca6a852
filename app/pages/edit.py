"""The forms that propose changes: one record, the source that backs it and the citation, as one
change set.

Each form is built from the exchange format's columns (app.validation.FILES) and prefilled from
the record's exchange row (app.records.row_of), so the form asks for exactly what an import would
and the engine (app.changesets) is the only judge of what is valid: its problems come back by
operation and column and are shown next to the field they name. Everything works without
JavaScript: a plain POST, a 303 to the change set on success, the form again (422) otherwise.

Form field names (also their ids; tests and the summary links use them):

- `record-<column>`: the record's columns (`record-end`, `record-start_precision`);
  `was-<column>`: the row the form was prefilled from, so an update sends only what the user
  changed, even if someone else has changed another column since;
- `citation-source`: an existing source to cite; `source-<column>`: a new source instead;
- `citation-stance`, `citation-credibility`, `citation-claim`: what that source says;
- `comment`: what the change is for; `draft`: keep it as a draft instead of proposing it;
- `withdraw-citations` (delete form): also delete the record's own citations.
"""

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import changesets
from app.auth import Caller, ContributorDep, WriteSessionDep
from app.changesets import CLAIMS, ChangeError
from app.models import (
    ACTOR_KINDS,
    BRANCHES,
    EVENT_KINDS,
    RECORD_TYPES,
    RELIABILITY_GRADES,
    SITE_KINDS,
    SLUG_LENGTH,
    SOURCE_SCALES,
    Actor,
    Citation,
    Confidence,
    Force,
    Precision,
    Site,
    Source,
    Stance,
    Status,
)
from app.pages.render import CREDIBILITY, GEO_PRECISION, RELIABILITY, STATUS_TEXT, _error, _render
from app.records import FILE_OF, Slugs, citers_of, find_record, row_of
from app.validation import FILES, Problem

router = APIRouter()

# Records a form can propose changes to; a citation is named by its id.
EDITABLE = ("actor", "site", "force", "deployment", "movement", "event", "source", "citation")
# The parts of a citation the evidence section asks for (the record it backs is the form's own).
EVIDENCE_COLUMNS = ("stance", "credibility", "claim")
NEW = "new"
SummaryItem = tuple[str, str]


def columns_of(entity: str) -> list[str]:
    return [c.name for c in FILES[FILE_OF[entity]]]


def required_columns(entity: str) -> set[str]:
    return {c.name for c in FILES[FILE_OF[entity]] if c.required}


def _named(values: tuple[str, ...], texts: dict[str, str] | None = None) -> list[tuple[str, str]]:
    return [(v, (texts or {}).get(v, v.replace("_", " "))) for v in values]


def choices(entity: str, column: str) -> list[tuple[str, str]] | None:
    """The values a column's parser accepts, as (value, text) for a <select>; None: free text.

    The lists are app.models' own constants, the same ones app.validation's parsers are built
    from (a test checks that every option parses and nothing else does).
    """
    if column == "kind":
        kinds = {"actor": ACTOR_KINDS, "site": SITE_KINDS, "event": EVENT_KINDS}
        return _named(kinds[entity])
    if column.endswith("precision") and column != "geo_precision":
        return _named(tuple(Precision))
    fixed: dict[str, list[tuple[str, str]]] = {
        "branch": _named(BRANCHES),
        "status": _named(tuple(Status), STATUS_TEXT),
        "confidence": _named(tuple(Confidence)),
        "reliability": [(g, f"{g}: {RELIABILITY[g]}") for g in RELIABILITY_GRADES],
        "scale": _named(SOURCE_SCALES),
        "stance": [
            ("supports", "supports it as written"),
            ("disputes", "disputes it (another date, no such presence)"),
            ("context", "context: neither backs nor contradicts it"),
        ],
        "credibility": [(str(n), f"{n}: {CREDIBILITY[n]}") for n in range(1, 7)],
        "record_type": _named(RECORD_TYPES),
        "geo_precision": [(str(n), f"{n}: {GEO_PRECISION[n]}") for n in (1, 2, 3)],
    }
    return fixed.get(column)


# Words for each column (docs/format.md says the same at more length): label, hint.
COLUMN_TEXT: dict[str, tuple[str, str]] = {
    "slug": ("Id (slug)", "Lower-case letters, digits and -, e.g. reuters-2026-01-29."),
    "name": ("Name", ""),
    "short_name": ("Short name", "A label for tight spaces, e.g. RU."),
    "kind": ("Kind", ""),
    "color": ("Colour", "#rrggbb: the actor's colour on the map."),
    "aliases": ("Other names", "All other spellings, separated by ;"),
    "description": ("Description", ""),
    "lat": ("Latitude", "WGS84 decimal degrees. Leave empty when not known: never guess."),
    "lon": ("Longitude", "WGS84 decimal degrees; give both or neither."),
    "geo_precision": ("Location precision", ""),
    "country": ("Country", "ISO two-letter code of the host country, e.g. SY."),
    "admin1": ("Region", "Governorate or province."),
    "actor": ("Actor", "The actor's id, e.g. russia."),
    "branch": ("Branch", ""),
    "parent": ("Part of", "The id of the force this one is subordinate to."),
    "sidc": ("Symbol code (SIDC)", "MIL-STD-2525, if known."),
    "force": ("Force", "The force's id."),
    "site": ("Site", "The site's id."),
    "start": ("Start", "First day present."),
    "start_precision": ("Start known to the", "A month is written as its first day."),
    "end": ("End", "First day no longer present; empty while still there."),
    "end_precision": ("End known to the", "Required when End is given."),
    "status": ("Status", "A change of status is a new deployment, not an edit."),
    "strength": ("Strength", "Free-text estimate, e.g. 2 Mi-35, 1 Mi-8."),
    "confidence": ("Confidence", "How sure the dataset is, given its citations."),
    "note": ("Note", "E.g. which of two disagreeing sources the dates follow."),
    "took_over_from": (
        "Took the site over from",
        "The id of the actor it took over from; never this deployment's own actor.",
    ),
    "from_site": ("From site", "The site's id."),
    "to_site": ("To site", "Empty when the destination is off the map."),
    "to_label": ("Destination name", "When To site is empty, e.g. Russia."),
    "date": ("Date", "The day, or the first day of the period."),
    "date_precision": ("Date known to the", ""),
    "title": ("Title", ""),
    "actors": ("Actors", "Actor ids separated by ;"),
    "publisher": ("Publisher", "Who published it, e.g. Reuters."),
    "url": (
        "Link",
        "http:// or https:// only. Leave it empty rather than guess, and say why in the"
        " description.",
    ),
    "archive_url": ("Archived copy", "A copy in a web archive, https:// only."),
    "published": ("Published", "Publication date."),
    "reliability": ("Reliability of the source", "Admiralty grade of the source as a whole."),
    "scale": ("Scale", "ACLED's source scale."),
    "original": (
        "Reprints or relays",
        "The id of the source this one carries (a Reuters story in Dawn: the Reuters source).",
    ),
    "source": ("Source", "The source's id."),
    "record_type": ("Record type", ""),
    "record": ("Record", "The record's id."),
    "stance": ("Stance", ""),
    "credibility": ("Credibility of this claim", ""),
    "claim": ("What the source says", "One sentence, in our own words."),
}
ENTITY_TEXT: dict[tuple[str, str], tuple[str, str]] = {
    ("movement", "start"): ("Start", "First day of the move."),
    ("movement", "end"): ("End", "The day the move was over; empty when not known."),
    ("movement", "description"): ("What moved", ""),
    ("event", "site"): ("Site", "The id of the site where it happened, if any."),
    ("citation", "claim"): ("Claim", "What the source says, in one sentence of our own words."),
}
DATES = {"start", "end", "date", "published"}
LONG_TEXT = {"description", "note", "claim"}
WIDE = LONG_TEXT | {"title", "strength", "aliases", "url", "archive_url", "to_label"}
# Which list of existing ids a reference column offers (a <datalist>).
LISTS = {
    "force": "forces",
    "parent": "forces",
    "site": "sites",
    "from_site": "sites",
    "to_site": "sites",
    "actor": "actors",
    "took_over_from": "actors",
    "original": "sources",
    "source": "sources",
}
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def text_of(entity: str, column: str) -> tuple[str, str]:
    return ENTITY_TEXT.get((entity, column)) or COLUMN_TEXT.get(column, (column, ""))


@dataclass
class Field:
    """One input of a form, as the template draws it."""

    id: str
    label: str
    value: str
    kind: str = "text"  # text, textarea, select, date
    required: bool = False
    hint: str = ""
    options: list[tuple[str, str]] | None = None
    datalist: str | None = None
    readonly: bool = False
    wide: bool = False
    errors: list[str] = field(default_factory=list)
    # Said after the label; by default "required" for a required field.
    note: str | None = None

    @property
    def label_note(self) -> str:
        if self.note is not None:
            return self.note
        return "required" if self.required and not self.readonly else ""

    @property
    def input_type(self) -> str:
        """A date input only holds a well-formed date; anything else typed is kept as text."""
        if self.kind == "date" and (self.value == "" or DATE_TEXT.fullmatch(self.value)):
            return "date"
        return "text"

    @property
    def rows(self) -> int:
        """A text area tall enough for what it holds, within reason."""
        lines = sum(1 + len(line) // 90 for line in self.value.split("\n"))
        return min(12, max(3, lines))

    @property
    def unknown_choice(self) -> bool:
        """A submitted value that is none of the options: shown as its own option, not lost."""
        return bool(
            self.options is not None and self.value and self.value not in dict(self.options)
        )

    @property
    def described_by(self) -> str:
        ids = ([f"{self.id}-error"] if self.errors else []) + (
            [f"{self.id}-hint"] if self.hint else []
        )
        return " ".join(ids)


@dataclass
class Errors:
    """Problems by field id, and the summary at the top linking to each."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    summary: list[SummaryItem] = field(default_factory=list)

    def add(self, field_id: str, label: str, message: str) -> None:
        self.by_field.setdefault(field_id, []).append(message)
        joined = f"{label} {message}" if message.startswith("is ") else f"{label}: {message}"
        self.summary.append((field_id, joined))

    def __bool__(self) -> bool:
        return bool(self.summary)

    def at(self, field_id: str) -> list[str]:
        return self.by_field.get(field_id, [])


def make_field(entity: str, prefix: str, column: str, value: str, errors: Errors) -> Field:
    label, hint = text_of(entity, column)
    options = choices(entity, column)
    kind = (
        "select"
        if options is not None
        else "date"
        if column in DATES
        else "textarea"
        if column in LONG_TEXT
        else "text"
    )
    field_id = f"{prefix}-{column}"
    return Field(
        id=field_id,
        label=label,
        value=value,
        kind=kind,
        required=column in required_columns(entity),
        hint=hint,
        options=options,
        datalist=LISTS.get(column),
        wide=column in WIDE,
        errors=errors.at(field_id),
    )


# --- what the form holds -------------------------------------------------------------------


@dataclass
class Submitted:
    """The form's values, as typed (or as prefilled)."""

    record: dict[str, str]
    was: dict[str, str]
    source: dict[str, str]
    citation: dict[str, str]
    comment: str = ""
    draft: bool = False


def _clean(value: Any) -> str:
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""


def read_form(entity: str, form: dict[str, Any], update: bool) -> Submitted:
    def part(prefix: str, names: list[str] | tuple[str, ...]) -> dict[str, str]:
        return {n: _clean(form.get(f"{prefix}-{n}")) for n in names}

    columns = columns_of(entity)
    return Submitted(
        record=part("record", columns),
        was=part("was", columns) if update else {},
        source=part("source", columns_of("source")),
        citation={
            "source": _clean(form.get("citation-source")),
            **part("citation", EVIDENCE_COLUMNS),
        },
        comment=_clean(form.get("comment")),
        draft=bool(form.get("draft")),
    )


async def form_data(request: Request) -> dict[str, Any]:
    """The posted form (already read once for its CSRF token; Starlette keeps it)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, Any], Depends(form_data)]
Key = Annotated[str, Path(min_length=1, max_length=SLUG_LENGTH)]


def empty_evidence() -> tuple[dict[str, str], dict[str, str]]:
    source = dict.fromkeys(columns_of("source"), "")
    citation = {"source": "", "stance": Stance.supports.value, "credibility": "", "claim": ""}
    return source, citation


def cites_evidence(entity: str) -> bool:
    """Whether the form has an evidence section: only records a citation can back."""
    return entity in RECORD_TYPES


def evidence_given(sub: Submitted) -> tuple[bool, bool]:
    """(any evidence at all, a new source described)."""
    new_source = any(sub.source.values())
    given = new_source or any(sub.citation[k] for k in ("source", "credibility", "claim"))
    return given, new_source


# --- submitting: one change set, all problems at once ----------------------------------------


def _operation(problem: Problem) -> int | None:
    match = re.fullmatch(r"operation ([0-9]+)", problem.file)
    return int(match.group(1)) if match else None


class Builder:
    """Adds a form's operations to one change set, collecting the engine's problems by part."""

    def __init__(self, session: Session, caller: Caller, entity: str, sub: Submitted) -> None:
        self.session = session
        self.user = caller.user
        self.entity = entity
        self.sub = sub
        self.errors = Errors()
        self.parts: dict[int, str] = {}
        self.failed: set[str] = set()
        self.new_source = False
        try:
            self.change_set = changesets.create_change_set(session, self.user, sub.comment)
        except ChangeError as exc:
            self.place(exc.problems, "change set")
            # Only so the operations below are still checked; the transaction is rolled back.
            self.change_set = changesets.create_change_set(session, self.user, "(no comment)")

    def add(
        self,
        part: str,
        action: str,
        entity: str,
        key: str | None,
        values: dict[str, str] | None = None,
        skip: tuple[str, ...] = (),
    ) -> bool:
        """One operation; on refusal its problems are placed (those on `skip` columns dropped)."""
        self.parts[len(self.change_set.operations) + 1] = part
        try:
            changesets.add_operation(
                self.session, self.change_set, self.user, action, entity, key, values
            )
        except ChangeError as exc:
            self.failed.add(part)
            self.place([p for p in exc.problems if p.column not in skip], part)
            return False
        return True

    def place(self, problems: list[Problem], default: str) -> None:
        for problem in problems:
            position = _operation(problem)
            part = self.parts.get(position, default) if position is not None else default
            field_id, label = self.where(part, problem.column)
            self.errors.add(field_id, label, problem.message)

    def where(self, part: str, column: str | None) -> tuple[str, str]:
        """The field (id) and its label for a problem in one part of the form."""
        if part == "deleted":
            return "citers", f"Deleting this {self.entity}"
        if part == "record":
            if column in columns_of(self.entity):
                return f"record-{column}", text_of(self.entity, column)[0]
            return "record-fields", f"The {self.entity}"
        if part == "source":
            if column in columns_of("source"):
                return f"source-{column}", "New source, " + text_of("source", column)[0].lower()
            return "new-source", "New source"
        if part == "citation":
            if column in EVIDENCE_COLUMNS:
                return f"citation-{column}", text_of("citation", column)[0]
            if column == "source":
                return ("source-slug" if self.new_source else "citation-source"), "Source"
            return "evidence", "Evidence"
        if column == "comment":
            return "comment", "What this change is for"
        if column == "citation":
            return "evidence", "Evidence"
        return "edit-form", "This change"


def submit_record(
    session: Session, caller: Caller, entity: str, key: str | None, sub: Submitted
) -> tuple[int | None, Errors]:
    """Build and (unless a draft) propose the change set; the id, or the problems.

    The caller's transaction is committed on success and rolled back on any problem, so a
    refused form leaves no change set behind.
    """
    build = Builder(session, caller, entity, sub)
    columns = columns_of(entity)
    evidence, new_source = evidence_given(sub) if cites_evidence(entity) else (False, False)
    build.new_source = new_source
    cite_as = sub.citation["source"]
    if new_source:
        if cite_as and cite_as != sub.source["slug"]:
            build.errors.add(
                "citation-source",
                "Source",
                "cite a source already in the dataset or describe a new one, not both",
            )
        cite_as = sub.source["slug"]
        values = {k: v for k, v in sub.source.items() if v}
        build.add("source", "create", "source", values.get("slug"), values)

    record_changed = True
    if key is None:
        values = {k: v for k, v in sub.record.items() if v}
        build.add("record", "create", entity, None, values)
        record_key = sub.record.get("slug", "")
    else:
        changed = {c: sub.record[c] for c in columns if c != "slug" and sub.record[c] != sub.was[c]}
        record_changed = bool(changed)
        if changed:
            build.add("record", "update", entity, key, changed)
        record_key = key

    if evidence:
        if not cite_as:
            build.errors.add(
                "citation-source",
                "Source",
                "name the source of this evidence, or describe a new source below",
            )
        else:
            # A source or record refused above would only be reported again as missing.
            skip = (("source",) if "source" in build.failed else ()) + (
                ("record",) if "record" in build.failed and key is None else ()
            )
            build.add(
                "citation",
                "create",
                "citation",
                None,
                {
                    "source": cite_as,
                    "record_type": entity,
                    "record": record_key,
                    **{k: sub.citation[k] for k in EVIDENCE_COLUMNS},
                },
                skip=skip,
            )
    if not record_changed and not evidence:
        build.errors.add(
            "record-fields",
            f"The {entity}",
            "nothing to propose: change a field, or add evidence below",
        )
    return _finish(session, caller, build, sub.draft)


def _finish(
    session: Session, caller: Caller, build: Builder, draft: bool
) -> tuple[int | None, Errors]:
    if not build.errors and not draft:
        try:
            changesets.propose(session, build.change_set, caller.user)
        except ChangeError as exc:
            build.place(exc.problems, "change set")
    if build.errors:
        session.rollback()
        return None, build.errors
    change_set_id = build.change_set.id
    session.commit()
    return change_set_id, build.errors


# --- pages ---------------------------------------------------------------------------------


def _not_editable(request: Request, entity: str) -> HTMLResponse:
    return _error(
        request, 404, "Nothing to edit", f"“{entity}” is not a kind of record a form can change."
    )


def _missing(request: Request, entity: str, key: str) -> HTMLResponse:
    return _error(request, 404, "Record not found", f"There is no {entity} with the id “{key}”.")


def page_of(session: Session, entity: str, key: str) -> str | None:
    """Where a reader meets a record, if it has a page of its own (or its site's)."""
    if entity == "site":
        return f"/sites/{key}"
    if entity == "actor":
        return f"/actors/{key}"
    if entity == "source":
        return f"/sources#source-{key}"
    record = find_record(session, entity, key)
    if record is None:
        return None
    slugs = Slugs(session)
    if entity == "force":
        return f"/actors/{slugs.slug('actor', record.actor_id)}"
    if entity == "deployment":
        return f"/sites/{slugs.slug('site', record.site_id)}"
    if entity == "movement":
        return f"/sites/{slugs.slug('site', record.from_site_id)}"
    if entity == "event":
        return f"/sites/{slugs.slug('site', record.site_id)}" if record.site_id else None
    if entity == "citation":
        row = row_of("citation", record, slugs)
        return page_of(session, row["record_type"], row["record"])
    return None


def describe(entity: str, record: Any) -> str:
    """A record's name as a heading shows it."""
    if entity in ("actor", "site", "force"):
        return str(record.name)
    if entity == "event":
        return str(record.title)
    if entity == "source":
        return f"{record.publisher}: {record.title}"
    if entity == "citation":
        return f"citation {record.id}"
    return str(record.slug)


def lists_for(session: Session, names: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Existing ids to pick from, with their names, for the datalists a form uses."""
    found: dict[str, list[tuple[str, str]]] = {}
    for list_name, model in (("actors", Actor), ("sites", Site), ("forces", Force)):
        if list_name in names:
            rows = session.execute(select(model.slug, model.name).order_by(model.slug))
            found[list_name] = [(slug, name) for slug, name in rows]
    if "sources" in names:
        found["sources"] = [
            (slug, f"{publisher}: {title}"[:140])
            for slug, publisher, title in session.execute(
                select(Source.slug, Source.publisher, Source.title).order_by(Source.slug)
            )
        ]
    return found


def record_form(
    request: Request,
    session: Session,
    caller: Caller,
    entity: str,
    key: str | None,
    sub: Submitted,
    errors: Errors,
    status_code: int = 200,
    back: str | None = None,
) -> HTMLResponse:
    record_fields = [
        make_field(entity, "record", c, sub.record.get(c, ""), errors) for c in columns_of(entity)
    ]
    for f in record_fields:
        if key is not None and f.id == "record-slug":
            f.readonly = True
            f.hint = "An id cannot change; propose deleting the record instead."
    evidence = cites_evidence(entity)
    source_fields = (
        [
            make_field("source", "source", c, sub.source.get(c, ""), errors)
            for c in columns_of("source")
        ]
        if evidence
        else []
    )
    for f in source_fields:
        # Only when a new source is described at all.
        f.note = "needed for a new source" if f.required else ""
        f.required = False
    citation_fields = (
        [
            make_field("citation", "citation", c, sub.citation.get(c, ""), errors)
            for c in EVIDENCE_COLUMNS
        ]
        if evidence
        else []
    )
    pick = Field(
        id="citation-source",
        label="Cite a source already in the dataset",
        value=sub.citation.get("source", ""),
        hint="Its id, e.g. reuters-2026-01-26 (start typing to pick one).",
        datalist="sources",
        errors=errors.at("citation-source"),
    )
    comment = Field(
        id="comment",
        label="What is this change for?",
        value=sub.comment,
        kind="textarea",
        required=True,
        hint="Reviewers read this first: what was wrong or missing, and where the new facts"
        " come from.",
        wide=True,
        errors=errors.at("comment"),
    )
    every = [*record_fields, *source_fields, pick]
    names = {f.datalist for f in every if f.datalist}
    record = find_record(session, entity, key) if key is not None else None
    if back is None:
        back = page_of(session, entity, key) if key is not None else None
    new_claim = key is None and entity in CLAIMS
    title = (
        f"Propose a change to {entity} {describe(entity, record)}"
        if record is not None
        else f"Propose a new {entity}"
    )
    return _render(
        request,
        "edit_record.html",
        {
            "title": title,
            "entity": entity,
            "key": key,
            "name": describe(entity, record) if record is not None else None,
            "action": f"/propose/{entity}/{key if key is not None else NEW}",
            "back": back,
            "record_fields": record_fields,
            "was": sub.was,
            "evidence": evidence,
            "new_claim": new_claim,
            "pick": pick,
            "source_fields": source_fields,
            "citation_fields": citation_fields,
            "comment": comment,
            "draft": sub.draft,
            "errors": errors,
            "lists": lists_for(session, names),
            "csrf_token": caller.csrf_token or "",
            "delete_href": f"/propose/{entity}/{key}/delete" if key is not None else None,
        },
        status_code=status_code,
    )


@router.get("/propose/{entity}/new", response_class=HTMLResponse)
def new_record_form(
    request: Request, entity: str, caller: ContributorDep, session: WriteSessionDep
) -> HTMLResponse:
    """An empty form for a new record; query parameters named like its columns prefill it."""
    if entity not in EDITABLE:
        return _not_editable(request, entity)
    columns = columns_of(entity)
    values = dict.fromkeys(columns, "")
    for precision in ("start_precision", "date_precision"):
        if precision in values:
            values[precision] = Precision.day.value
    values.update({k: v.strip() for k, v in request.query_params.items() if k in columns})
    source, citation = empty_evidence()
    sub = Submitted(record=values, was={}, source=source, citation=citation)
    back = None
    for column in ("site", "from_site"):
        if values.get(column):
            back = f"/sites/{values[column]}"
    if entity == "source":
        back = "/sources"
    return record_form(request, session, caller, entity, None, sub, Errors(), back=back)


@router.post("/propose/{entity}/new", response_class=HTMLResponse)
def submit_new_record(
    request: Request,
    entity: str,
    caller: ContributorDep,
    session: WriteSessionDep,
    form: FormDep,
) -> Response:
    if entity not in EDITABLE:
        return _not_editable(request, entity)
    sub = read_form(entity, form, update=False)
    change_set_id, errors = submit_record(session, caller, entity, None, sub)
    if change_set_id is not None:
        return RedirectResponse(f"/changesets/{change_set_id}", status_code=303)
    back = f"/sites/{sub.record['site']}" if sub.record.get("site") else None
    return record_form(request, session, caller, entity, None, sub, errors, 422, back=back)


@router.get("/propose/{entity}/{key}", response_class=HTMLResponse)
def change_record_form(
    request: Request, entity: str, key: Key, caller: ContributorDep, session: WriteSessionDep
) -> HTMLResponse:
    """The record's exchange row as a form, with room for the evidence behind the change."""
    if entity not in EDITABLE:
        return _not_editable(request, entity)
    record = find_record(session, entity, key)
    if record is None:
        return _missing(request, entity, key)
    row = row_of(entity, record, Slugs(session))
    source, citation = empty_evidence()
    sub = Submitted(record=dict(row), was=dict(row), source=source, citation=citation)
    return record_form(request, session, caller, entity, key, sub, Errors())


@router.post("/propose/{entity}/{key}", response_class=HTMLResponse)
def submit_record_change(
    request: Request,
    entity: str,
    key: Key,
    caller: ContributorDep,
    session: WriteSessionDep,
    form: FormDep,
) -> Response:
    if entity not in EDITABLE:
        return _not_editable(request, entity)
    record = find_record(session, entity, key)
    if record is None:
        return _missing(request, entity, key)
    sub = read_form(entity, form, update=True)
    # A form posted without its "was" row is read against the record as it is now.
    now = row_of(entity, record, Slugs(session))
    if not any(sub.was.values()):
        sub.was = dict(now)
    if "slug" in sub.record:
        sub.record["slug"] = key
    change_set_id, errors = submit_record(session, caller, entity, key, sub)
    if change_set_id is not None:
        return RedirectResponse(f"/changesets/{change_set_id}", status_code=303)
    return record_form(request, session, caller, entity, key, sub, errors, 422)


# --- deleting ------------------------------------------------------------------------------


@dataclass
class Citer:
    """Something that names the record, in words, with a link where it has a page."""

    text: str
    href: str | None
    # A citation of this very record: withdrawn with it when the contributor asks.
    own_citation: bool


# How app.records.citers_of words each citer: "citation 12 (from source reuters-x)",
# "citation 12 (of deployment ru-x)", "deployment ru-x".
CITER = re.compile(
    r"^(?P<kind>[a-z]+) (?P<key>\S+)"
    r"(?: \((?:from source (?P<source>\S+)|of (?P<of>[a-z]+) (?P<of_key>\S+))\))?$"
)


def citers(session: Session, entity: str, record: Any) -> list[Citer]:
    found = []
    for text in citers_of(session, entity, record):
        match = CITER.match(text)
        href = None
        own = False
        if match is not None:
            if match["source"]:
                href = f"/sources#source-{match['source']}"
                own = True
            elif match["of"]:
                href = page_of(session, match["of"], match["of_key"])
            else:
                href = page_of(session, match["kind"], match["key"])
        found.append(Citer(text, href, own))
    return found


def own_citations(session: Session, entity: str, record: Any) -> list[int]:
    if entity not in RECORD_TYPES:
        return []
    column = getattr(Citation, f"{entity}_id")
    return list(
        session.scalars(select(Citation.id).where(column == record.id).order_by(Citation.id))
    )


def delete_form(
    request: Request,
    session: Session,
    caller: Caller,
    entity: str,
    key: str,
    record: Any,
    comment: str,
    withdraw: bool,
    draft: bool,
    errors: Errors,
    status_code: int = 200,
) -> HTMLResponse:
    found = citers(session, entity, record)
    others = [c for c in found if not c.own_citation]
    own = [c for c in found if c.own_citation]
    return _render(
        request,
        "edit_delete.html",
        {
            "title": f"Propose deleting {entity} {describe(entity, record)}",
            "entity": entity,
            "key": key,
            "name": describe(entity, record),
            "row": row_of(entity, record, Slugs(session)),
            "back": page_of(session, entity, key),
            "action": f"/propose/{entity}/{key}/delete",
            "citers": found,
            "others": others,
            "own": own,
            "comment": Field(
                id="comment",
                label="Why should it go?",
                value=comment,
                kind="textarea",
                required=True,
                hint="Reviewers read this first: what shows the record is wrong.",
                wide=True,
                errors=errors.at("comment"),
            ),
            "withdraw": withdraw,
            "draft": draft,
            "errors": errors,
            "csrf_token": caller.csrf_token or "",
        },
        status_code=status_code,
    )


@router.get("/propose/{entity}/{key}/delete", response_class=HTMLResponse)
def delete_record_form(
    request: Request, entity: str, key: Key, caller: ContributorDep, session: WriteSessionDep
) -> HTMLResponse:
    if entity not in EDITABLE:
        return _not_editable(request, entity)
    record = find_record(session, entity, key)
    if record is None:
        return _missing(request, entity, key)
    return delete_form(request, session, caller, entity, key, record, "", False, False, Errors())


@router.post("/propose/{entity}/{key}/delete", response_class=HTMLResponse)
def submit_delete(
    request: Request,
    entity: str,
    key: Key,
    caller: ContributorDep,
    session: WriteSessionDep,
    form: FormDep,
) -> Response:
    if entity not in EDITABLE:
        return _not_editable(request, entity)
    record = find_record(session, entity, key)
    if record is None:
        return _missing(request, entity, key)
    comment = _clean(form.get("comment"))
    withdraw = bool(form.get("withdraw-citations"))
    draft = bool(form.get("draft"))
    sub = Submitted(record={}, was={}, source={}, citation={}, comment=comment, draft=draft)
    build = Builder(session, caller, entity, sub)
    if withdraw:
        for citation_id in own_citations(session, entity, record):
            build.add("citations", "delete", "citation", str(citation_id))
    build.add("deleted", "delete", entity, key)
    change_set_id, errors = _finish(session, caller, build, draft)
    if change_set_id is not None:
        return RedirectResponse(f"/changesets/{change_set_id}", status_code=303)
    record = find_record(session, entity, key)
    return delete_form(
        request, session, caller, entity, key, record, comment, withdraw, draft, errors, 422
    )


__all__ = ["choices", "router"]
