"""Change sets: proposed, reviewed by someone else, published as one unit, traced and undone."""

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app import changesets
from app.accounts import create_user
from app.changesets import ChangeError, Conflict, Forbidden
from app.cli import load, upgrade_database
from app.db import Database
from app.io.exchange import dataset_rows
from app.models import ChangeSet, Deployment, Role, User
from tests.conftest import DATASET

DRAWDOWN = "ru-qamishli-drawdown"


def _users(db: Database) -> dict[str, int]:
    with db.write_session() as s:
        ids = {
            name: create_user(s, name, role, "a long enough password").id
            for name, role in [
                ("carla", Role.contributor),
                ("eddie", Role.editor),
                ("erin", Role.editor),
            ]
        }
        s.commit()
    return ids


@pytest.fixture
def db(seeded_copy: Database) -> Database:
    return seeded_copy


@pytest.fixture
def users(db: Database) -> dict[str, int]:
    return _users(db)


def _propose_new_end(db: Database, author_id: int, end: str = "2026-01-29") -> int:
    with db.write_session() as s:
        author = s.get(User, author_id)
        assert author is not None
        cs = changesets.create_change_set(s, author, "Drawdown ends a day later")
        changesets.add_operation(
            s,
            cs,
            author,
            "create",
            "source",
            None,
            {
                "slug": "new-report-2026",
                "publisher": "Example Wire",
                "title": "Last Russian plane left on 28 January",
                "url": "https://example.org/report",
                "reliability": "B",
            },
        )
        changesets.add_operation(
            s, cs, author, "update", "deployment", DRAWDOWN, {"end": end, "end_precision": "day"}
        )
        changesets.add_operation(
            s,
            cs,
            author,
            "create",
            "citation",
            None,
            {
                "source": "new-report-2026",
                "record_type": "deployment",
                "record": DRAWDOWN,
                "stance": "supports",
                "credibility": "2",
                "claim": "The last plane left on 28 January.",
            },
        )
        changesets.propose(s, cs, author)
        s.commit()
        return cs.id


def _publish(db: Database, cs_id: int, user_id: int) -> None:
    with db.write_session() as s:
        cs = s.get(ChangeSet, cs_id)
        user = s.get(User, user_id)
        assert cs is not None and user is not None
        changesets.publish(s, cs, user)
        s.commit()


def _end_of(db: Database, slug: str) -> str:
    with db.session() as s:
        d = s.scalar(select(Deployment).where(Deployment.slug == slug))
        assert d is not None
        return d.end_date.isoformat() if d.end_date else ""


def test_a_proposal_changes_nothing_until_another_editor_publishes_it(db, users):
    cs_id = _propose_new_end(db, users["carla"])
    assert _end_of(db, DRAWDOWN) == "2026-01-28"
    _publish(db, cs_id, users["eddie"])
    assert _end_of(db, DRAWDOWN) == "2026-01-29"
    with db.session() as s:
        history = changesets.history_of(s, "deployment", DRAWDOWN)
        kinds = {(h.entity, h.action) for h in history}
        assert ("deployment", "update") in kinds and ("citation", "create") in kinds
        update = next(h for h in history if h.entity == "deployment")
        assert update.proposed_by.name == "carla" and update.published_by.name == "eddie"
        assert update.before["end"] == "2026-01-28" and update.after["end"] == "2026-01-29"


def test_a_contributor_cannot_publish_and_an_editor_cannot_publish_their_own(db, users):
    cs_id = _propose_new_end(db, users["carla"])
    with pytest.raises(Forbidden, match="editor"):
        _publish(db, cs_id, users["carla"])
    own = _propose_new_end(db, users["eddie"], "2026-01-30")
    with pytest.raises(Forbidden, match="other than its author"):
        _publish(db, own, users["eddie"])
    assert _end_of(db, DRAWDOWN) == "2026-01-28"


def test_publishing_over_a_record_changed_meanwhile_reports_the_conflict(db, users):
    first = _propose_new_end(db, users["carla"], "2026-01-29")
    with db.write_session() as s:
        eddie = s.get(User, users["eddie"])
        assert eddie is not None
        cs = changesets.create_change_set(s, eddie, "Other fix")
        changesets.add_operation(s, cs, eddie, "update", "deployment", DRAWDOWN, {"strength": "x"})
        changesets.propose(s, cs, eddie)
        s.commit()
        second = cs.id
    _publish(db, second, users["erin"])
    with pytest.raises(Conflict) as caught:
        _publish(db, first, users["eddie"])
    assert any(item.column == "strength" for item in caught.value.items)
    # Nothing of the conflicting change set went in: neither the date nor its new source.
    assert _end_of(db, DRAWDOWN) == "2026-01-28"
    with db.session() as s:
        assert "new-report-2026" not in {r["slug"] for r in dataset_rows(s)["sources.csv"]}


def test_a_revert_restores_the_exact_previous_rows(db, users):
    with db.session() as s:
        before = dataset_rows(s)
    cs_id = _propose_new_end(db, users["carla"])
    _publish(db, cs_id, users["eddie"])
    with db.write_session() as s:
        cs = s.get(ChangeSet, cs_id)
        erin = s.get(User, users["erin"])
        assert cs is not None and erin is not None
        undo = changesets.revert(s, cs, erin)
        s.commit()
        undo_id = undo.id
    _publish(db, undo_id, users["eddie"])
    with db.session() as s:
        assert dataset_rows(s) == before


def test_a_new_deployment_needs_a_supporting_citation(db, users):
    with db.write_session() as s:
        carla = s.get(User, users["carla"])
        assert carla is not None
        cs = changesets.create_change_set(s, carla, "New presence")
        changesets.add_operation(
            s,
            cs,
            carla,
            "create",
            "deployment",
            None,
            {
                "slug": "ru-new",
                "force": "ru-qamishli-group",
                "site": "hmeimim",
                "start": "2026-01-28",
                "start_precision": "day",
                "status": "active",
                "confidence": "low",
            },
        )
        with pytest.raises(ChangeError, match="no supporting citation"):
            changesets.propose(s, cs, carla)


def test_bad_values_are_refused_naming_the_column(db, users):
    with db.write_session() as s:
        carla = s.get(User, users["carla"])
        assert carla is not None
        cs = changesets.create_change_set(s, carla, "Bad")
        with pytest.raises(ChangeError) as caught:
            changesets.add_operation(
                s, cs, carla, "update", "deployment", DRAWDOWN, {"end": "2026-01-01"}
            )
        assert caught.value.problems[0].column == "end"
        with pytest.raises(ChangeError) as caught:
            changesets.add_operation(s, cs, carla, "update", "site", "hmeimim", {"lat": "95"})
        assert caught.value.problems[0].column == "lat"
        with pytest.raises(ChangeError) as caught:
            changesets.add_operation(
                s, cs, carla, "update", "deployment", DRAWDOWN, {"force": "no-such-force"}
            )
        assert caught.value.problems[0].column == "force"


def test_deleting_a_cited_record_is_refused_with_what_cites_it(db, users):
    with db.write_session() as s:
        carla = s.get(User, users["carla"])
        assert carla is not None
        cs = changesets.create_change_set(s, carla, "Delete")
        with pytest.raises(ChangeError, match="still named by: citation"):
            changesets.add_operation(s, cs, carla, "delete", "deployment", DRAWDOWN)
        with pytest.raises(ChangeError, match="deployment ru-qamishli-active"):
            changesets.add_operation(s, cs, carla, "delete", "site", "qamishli-airport")


def test_two_editors_publishing_at_once_lose_nothing(db, users):
    first = _propose_new_end(db, users["carla"], "2026-01-29")
    with db.write_session() as s:
        carla = s.get(User, users["carla"])
        assert carla is not None
        cs = changesets.create_change_set(s, carla, "Strength")
        changesets.add_operation(
            s, cs, carla, "update", "deployment", "ru-qamishli-active", {"strength": "several"}
        )
        changesets.propose(s, cs, carla)
        s.commit()
        second = cs.id
    errors: list[BaseException] = []

    def run(cs_id: int, user: str) -> None:
        try:
            _publish(db, cs_id, users[user])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(first, "eddie")),
        threading.Thread(target=run, args=(second, "erin")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _end_of(db, DRAWDOWN) == "2026-01-29"
    with db.session() as s:
        rows = {r["slug"]: r for r in dataset_rows(s)["deployments.csv"]}
        assert rows["ru-qamishli-active"]["strength"] == "several"


@pytest.fixture
def pg_db(postgres_url: str) -> Iterator[Database]:
    upgrade_database(postgres_url)
    db = Database(postgres_url)
    load(db, DATASET)
    yield db
    db.close()


def test_review_and_revert_work_on_postgresql(pg_db):
    users = _users(pg_db)
    with pg_db.session() as s:
        before = dataset_rows(s)
    cs_id = _propose_new_end(pg_db, users["carla"])
    _publish(pg_db, cs_id, users["eddie"])
    assert _end_of(pg_db, DRAWDOWN) == "2026-01-29"
    with pg_db.write_session() as s:
        cs = s.get(ChangeSet, cs_id)
        erin = s.get(User, users["erin"])
        assert cs is not None and erin is not None
        undo_id = changesets.revert(s, cs, erin).id
        s.commit()
    _publish(pg_db, undo_id, users["eddie"])
    with pg_db.session() as s:
        assert dataset_rows(s) == before


def test_an_uploaded_dataset_becomes_a_change_set_that_publishes_to_the_same_rows(db, users):
    from app.io.exchange import read_dataset

    with db.session() as s:
        rows = dataset_rows(s)
    edited = {name: [dict(r) for r in table] for name, table in rows.items()}
    drawdown = next(r for r in edited["deployments.csv"] if r["slug"] == DRAWDOWN)
    drawdown["end"] = "2026-01-29"
    edited["sources.csv"].append(
        {
            **{c: "" for c in edited["sources.csv"][0]},
            "slug": "zz-new",
            "publisher": "P",
            "title": "T",
            "reliability": "C",
            "original": "",
        }
    )
    edited["citations.csv"].append(
        {
            "source": "zz-new",
            "record_type": "deployment",
            "record": DRAWDOWN,
            "stance": "supports",
            "credibility": "3",
            "claim": "c",
        }
    )
    dropped = next(r for r in edited["citations.csv"] if r["record"] == "ru-qamishli-active")
    edited["citations.csv"].remove(dropped)
    folder = db.url.removeprefix("sqlite:///") + "-upload"
    from pathlib import Path

    from app.io.exchange import FILES, write_csv

    Path(folder).mkdir()
    for name, columns in FILES.items():
        Path(folder, name).write_text(write_csv(edited[name], [c.name for c in columns]))
    with db.write_session() as s:
        dataset = read_dataset(Path(folder), s)
        carla = s.get(User, users["carla"])
        assert carla is not None
        cs, counts = changesets.import_change_set(s, carla, dataset_values(dataset), "Upload")
        assert counts.update == {"deployment": 1}
        assert counts.create == {"source": 1, "citation": 1}
        assert counts.delete == {"citation": 1}
        changesets.propose(s, cs, carla)
        s.commit()
        cs_id = cs.id
    assert _end_of(db, DRAWDOWN) == "2026-01-28"
    _publish(db, cs_id, users["eddie"])
    with db.session() as s:
        after = dataset_rows(s)
    assert after == {name: sorted_rows(name, table) for name, table in edited.items()}


def dataset_values(dataset):
    return {name: [row.values for row in table] for name, table in dataset.rows.items()}


def sorted_rows(name, table):
    if name == "citations.csv":
        return sorted(table, key=lambda r: (r["record_type"], r["record"], r["source"], r["claim"]))
    return sorted(table, key=lambda r: r["slug"])
