"""What citations add up to: only supporting sources grade a record, reprints count once.

Run against SQLite and, where ORBAT_TEST_POSTGRES_URL is set, PostgreSQL: the grades must not
depend on the database's ordering or NULL handling.
"""

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from app import queries
from app.models import Deployment
from tests import factories as f
from tests.conftest import migrated_database

D = dt.date


@pytest.fixture(params=["sqlite", "postgres"])
def any_session(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Session]:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    db = migrated_database(url)
    with db.session() as s:
        yield s
    db.close()


@pytest.fixture
def presence(any_session: Session) -> Deployment:
    us = f.actor(any_session, "us")
    town = f.site(any_session, "town")
    troops = f.force(any_session, us, "troops")
    return f.deployment(any_session, troops, town, D(2024, 12, 14), None, confidence="low")


def summary_of(session: Session, deployment: Deployment) -> queries.CitationSummary:
    return queries.citations_for(session, deployment=[deployment.id]).summary(
        "deployment", deployment.id
    )


def test_a_disputing_citation_never_raises_the_best_grade(
    any_session: Session, presence: Deployment
) -> None:
    post = f.source(any_session, "E", slug="post")
    wire = f.source(any_session, "B", slug="wire")
    f.cite(any_session, post, 4, deployment=presence)
    f.cite(any_session, wire, 3, stance="disputes", deployment=presence)
    any_session.commit()

    summary = summary_of(any_session, presence)

    assert (summary.best_reliability, summary.best_credibility) == ("E", 4)
    assert summary.count == 1 and summary.disputing == 1 and summary.disputed
    assert [c.source.slug for c in summary.disputed_by] == ["wire"]


def test_context_citations_neither_grade_nor_count(
    any_session: Session, presence: Deployment
) -> None:
    background = f.source(any_session, "A", slug="background")
    f.cite(any_session, background, 1, stance="context", deployment=presence)
    any_session.commit()

    summary = summary_of(any_session, presence)

    assert summary.count == 0 and summary.context == 1
    assert summary.best_reliability is None and not summary.disputed
    assert summary.sources_text() == "no supporting source"


def test_reprints_of_one_original_count_as_one_source(
    any_session: Session, presence: Deployment
) -> None:
    wire = f.source(any_session, "B", slug="reuters")
    for slug in ("dawn", "moscow-times"):
        reprint = f.source(any_session, "B", slug=slug, original_id=wire.id)
        f.cite(any_session, reprint, 2, deployment=presence)
    f.cite(any_session, wire, 2, deployment=presence)
    any_session.commit()

    summary = summary_of(any_session, presence)

    assert summary.count == 3 and summary.independent == 1 and summary.single_sourced
    assert summary.sources_text() == "3 reports of 1 original (single-sourced)"


def test_a_relay_of_a_relay_goes_back_to_the_first_original(
    any_session: Session, presence: Deployment
) -> None:
    afp = f.source(any_session, "B", slug="afp")
    relay = f.source(any_session, "C", slug="relay", original_id=afp.id)
    relay_of_relay = f.source(any_session, "E", slug="aggregator", original_id=relay.id)
    f.cite(any_session, relay_of_relay, 3, deployment=presence)
    f.cite(any_session, afp, 2, deployment=presence)
    any_session.commit()

    index = queries.citations_for(any_session, deployment=[presence.id])

    assert index.summary("deployment", presence.id).independent == 1
    assert index.original_of(relay_of_relay).slug == "afp"


def test_different_originals_are_independent_even_through_reprints(
    any_session: Session, presence: Deployment
) -> None:
    afp = f.source(any_session, "B", slug="afp")
    ap = f.source(any_session, "B", slug="ap")
    afp_reprint = f.source(any_session, "C", slug="afp-reprint", original_id=afp.id)
    f.cite(any_session, afp_reprint, 2, deployment=presence)
    f.cite(any_session, ap, 2, deployment=presence)
    any_session.commit()

    summary = summary_of(any_session, presence)

    assert summary.independent == 2 and not summary.single_sourced
    assert summary.sources_text() == "2 independent sources"


def test_the_best_grade_is_one_citation_not_a_mix_of_two(
    any_session: Session, presence: Deployment
) -> None:
    good_source = f.source(any_session, "A", slug="good-source")
    weak_source = f.source(any_session, "E", slug="weak-source")
    f.cite(any_session, good_source, 6, deployment=presence)
    f.cite(any_session, weak_source, 1, deployment=presence)
    any_session.commit()

    summary = summary_of(any_session, presence)

    assert (summary.best_reliability, summary.best_credibility) == ("A", 6)


@pytest.mark.parametrize(
    ("grades", "recorded", "shown"),
    [
        (["E"], "high", "low"),
        (["D", "F"], "medium", "low"),
        (["D", "B"], "high", "high"),
        ([], "high", "low"),
    ],
)
def test_confidence_shown_is_low_without_a_supporting_source_graded_a_to_c(
    any_session: Session, presence: Deployment, grades: list[str], recorded: str, shown: str
) -> None:
    for grade in grades:
        f.cite(any_session, f.source(any_session, grade), 3, deployment=presence)
    # A strong source that only disputes must not lift the confidence either.
    f.cite(any_session, f.source(any_session, "A"), 2, stance="disputes", deployment=presence)
    any_session.commit()

    found = queries.citations_for(any_session, deployment=[presence.id])[
        ("deployment", presence.id)
    ]

    assert queries.shown_confidence(recorded, found) == shown
