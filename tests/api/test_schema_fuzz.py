"""Schemathesis against the app in-process: every operation, every check, zero failures.

The whole run is Schemathesis' own engine (what `st run` does): examples, coverage (boundary and
negative values per parameter), fuzzing and stateful phases, with every built-in check enabled,
on the bundled dataset. A fixed seed keeps it reproducible; the number of examples keeps it short.
"""

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.engine import Status, events, from_schema

from app.main import create_app
from app.settings import Settings

EXAMPLES_PER_OPERATION = 25
# Generous for a laptop or CI; the slowest answer on the bundled dataset takes well under 1 s.
MAX_RESPONSE_SECONDS = 5

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260126,
        # Every check is on by default; `max_response_time` is the one that needs a number.
        "checks": {"max_response_time": MAX_RESPONSE_SECONDS},
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES_PER_OPERATION,
            # No .hypothesis/ example database: each run stands alone.
            "database": "none",
        },
    }
)


@dataclass(frozen=True)
class Found:
    operation: str
    check: str
    title: str
    message: str
    reproduce: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.check}: {self.title}\n{self.message}\n{self.reproduce}"


@pytest.fixture(scope="module")
def api(seeded_url: str) -> Any:
    app = create_app(Settings(database_url=seeded_url, remote_tiles=False))
    actors = sorted(a["slug"] for a in TestClient(app).get("/api/v1/actors").json())
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)

    @schema.hook
    def map_case(_context: Any, case: Any) -> Any:
        """Make schema-valid requests also meet the rules JSON Schema cannot state.

        Only for positive cases: each rule below answers 422 on purpose, and
        tests/api/test_state.py checks those answers. An actor slug must name an actor in the
        database (a foreign key; the schema gives its form only); start may not follow end, nor
        west exceed east, nor south north (relations between values); an export takes a date or
        a range, not both.
        """
        if case.meta is None or not case.meta.generation.mode.is_positive or not case.query:
            return case
        query = dict(case.query)
        if "actor" in query:
            given = query["actor"] if isinstance(query["actor"], list) else [query["actor"]]
            query["actor"] = [actors[zlib.crc32(str(v).encode()) % len(actors)] for v in given]
        start, end = query.get("start"), query.get("end")
        if isinstance(start, str) and isinstance(end, str) and start > end:
            query["start"], query["end"] = end, start
        if isinstance(query.get("bbox"), str):
            west, south, east, north = query["bbox"].split(",")
            if float(west) > float(east):
                west, east = east, west
            if float(south) > float(north):
                south, north = north, south
            query["bbox"] = ",".join((west, south, east, north))
        if query.get("date") is not None and case.path.startswith("/export/deployments"):
            query.pop("start", None)
            query.pop("end", None)
        case.query = query
        return case

    return schema


def run(schema: Any) -> tuple[list[Found], set[str], dict[str, int], list[str]]:
    """Failures, operations tested, passes per check, and engine errors."""
    found: dict[tuple[str, str, str], Found] = {}
    tested: set[str] = set()
    passes: dict[str, int] = {}
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            tested.add(event.recorder.label)
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.status == Status.SUCCESS:
                        passes[node.name] = passes.get(node.name, 0) + 1
                    elif node.status == Status.FAILURE and node.failure_info is not None:
                        failure = node.failure_info.failure
                        key = (event.recorder.label, node.name, failure.title)
                        found.setdefault(
                            key,
                            Found(*key, failure.message, node.failure_info.code_sample),
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(getattr(event, "info", event)))
    return list(found.values()), tested, passes, errors


def test_every_operation_passes_every_schemathesis_check(api: Any) -> None:
    operations = {
        result.ok().label for result in api.get_all_operations() if result.ok() is not None
    }
    failures, tested, passes, errors = run(api)
    assert errors == []
    assert failures == [], "\n\n".join(str(f) for f in failures)
    assert operations <= tested, f"not tested: {sorted(operations - tested)}"
    # The run is not vacuous: the checks that judge our answers did run and pass.
    for check in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "unsupported_method",
        "max_response_time",
    ):
        assert passes.get(check, 0) > 0, f"{check} never ran"


WRITE_CONFIG_BASE: dict[str, Any] = {
    "seed": 20261126,
    "checks": {
        "max_response_time": MAX_RESPONSE_SECONDS,
        # A change that fits the schema can still be refused by the data it meets: a slug that
        # names no record, an end before the record's start, publishing one's own change set.
        # Those 422/403/409 answers are the product working, and tests/editing proves each.
        "positive_data_acceptance": {"enabled": False},
    },
    "generation": {"mode": "all", "max-examples": 15, "database": "none"},
}


@pytest.fixture
def write_api(seeded_copy: Any) -> Iterator[Any]:
    """The write operations, called with an editor's bearer token on a copy of the data."""
    from app import accounts
    from app.models import Role

    with seeded_copy.write_session() as session:
        editor = accounts.create_user(session, "fuzzer", Role.editor, "a long enough password")
        token = accounts.issue_token(session, editor)
        session.commit()
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    config = schemathesis.Config.from_dict(
        {**WRITE_CONFIG_BASE, "headers": {"Authorization": f"Bearer {token}"}}
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    yield (
        schema.include(path_regex=r"^/api/v1/(changesets|imports|me|changes|history)"),
        seeded_copy,
    )


def test_write_operations_with_a_token_pass_every_schemathesis_check(write_api: Any) -> None:
    from sqlalchemy import func, select

    from app.models import ChangeSet

    write_api, database = write_api
    operations = {
        result.ok().label for result in write_api.get_all_operations() if result.ok() is not None
    }
    assert any(label.startswith("POST /api/v1/changesets") for label in operations)
    failures, tested, passes, errors = run(write_api)
    assert errors == []
    assert failures == [], "\n\n".join(str(f) for f in failures)
    assert operations <= tested, f"not tested: {sorted(operations - tested)}"
    for check in ("not_a_server_error", "status_code_conformance", "response_schema_conformance"):
        assert passes.get(check, 0) > 0, f"{check} never ran"
    # The token was accepted: some generated change sets were really created.
    with database.session() as session:
        assert (session.scalar(select(func.count()).select_from(ChangeSet)) or 0) > 0
