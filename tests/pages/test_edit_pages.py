"""The forms that propose changes: sign-in and roles, one change set per form, and every problem
shown next to the field it is about, with nothing saved.

Each test runs the app on its own writable copy of the seeded database and signs in through the
login page, as a browser would.
"""

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import accounts
from app.db import Database
from app.main import create_app
from app.models import ChangeOperation, ChangeSet, ChangeStatus, Citation, Deployment, Role
from app.pages.edit import EDITABLE, choices, columns_of
from app.records import FILE_OF
from app.settings import Settings
from app.validation import FILES, Invalid

BASE_URL = "https://testserver"
ORIGIN = {"Origin": BASE_URL}
PASSWORD = "a long enough password"
DRAWDOWN = "ru-qamishli-drawdown"
FORM = f"/propose/deployment/{DRAWDOWN}"


@pytest.fixture
def db(seeded_copy: Database) -> Database:
    with seeded_copy.write_session() as s:
        for name, role in [
            ("carla", Role.contributor),
            ("vera", Role.viewer),
        ]:
            accounts.create_user(s, name, role, PASSWORD)
        s.commit()
    return seeded_copy


@pytest.fixture
def app_client(db: Database) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db.url, remote_tiles=False))
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


def sign_in(client: TestClient, name: str) -> None:
    answer = client.post(
        "/login", data={"name": name, "password": PASSWORD}, headers=ORIGIN, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def carla(app_client: TestClient) -> TestClient:
    sign_in(app_client, "carla")
    return app_client


def form_values(html: str) -> dict[str, str]:
    """What a browser would submit from the page's form#edit-form, as it stands."""
    form = html.split('id="edit-form"', 1)[1].split("</form>", 1)[0]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]*)"', tag)
        if name is None:
            continue
        kind = re.search(r'type="([^"]*)"', tag)
        if kind and kind.group(1) == "checkbox" and " checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = unescape(body)
    for name, body in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = unescape(chosen.group(1)) if chosen else ""
    return values


def fill(client: TestClient, path: str, **changes: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    values = form_values(page.text)
    values.update({k.replace("_", "-", 1): v for k, v in changes.items()})
    return values


def post(client: TestClient, path: str, values: dict[str, str]) -> Any:
    return client.post(path, data=values, headers=ORIGIN, follow_redirects=False)


def count(db: Database, model: Any = ChangeSet) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def error_next_to(html: str, field_id: str) -> str:
    """The message shown inside the field's own block (between its label and its input)."""
    name = re.escape(field_id)
    match = re.search(
        rf'id="{name}-field">\s*<label for="{name}">.*?</label>\s*'
        rf'<p class="edit-error" id="{name}-error">(.*?)</p>\s*'
        rf'<(?:input|select|textarea) id="{name}"',
        html,
        re.S,
    )
    assert match is not None, f"no message next to {field_id}"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def summary_links(html: str) -> list[str]:
    box = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">', box)


NEW_SOURCE = {
    "source_slug": "example-wire-2026-01-29",
    "source_publisher": "Example Wire",
    "source_title": "Last Russian aircraft left Qamishli on 28 January",
    "source_url": "https://example.org/qamishli-last-plane",
    "source_published": "2026-01-29",
    "source_reliability": "B",
    "citation_stance": "supports",
    "citation_credibility": "2",
    "citation_claim": "A cargo plane seen leaving on 28 Jan was the last Russian aircraft.",
}


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        FORM,
        "/propose/deployment/new?site=qamishli-airport",
        f"{FORM}/delete",
        "/propose/source/new",
    ],
)
def test_anonymous_readers_are_sent_to_sign_in(app_client: TestClient, path: str) -> None:
    answer = app_client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/propose/")


def test_a_viewer_account_may_not_propose(app_client: TestClient, db: Database) -> None:
    sign_in(app_client, "vera")
    assert app_client.get(FORM).status_code == 403
    before = count(db)
    answer = post(app_client, FORM, {"comment": "x", "record-end": "2026-01-29"})
    assert answer.status_code == 403
    assert count(db) == before


def test_a_post_without_the_csrf_token_is_refused(carla: TestClient, db: Database) -> None:
    values = fill(carla, FORM, record_end="2026-01-29", comment="later end")
    del values["csrf_token"]
    before = count(db)
    answer = post(carla, FORM, values)
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert count(db) == before


def test_a_post_from_another_site_is_refused(carla: TestClient, db: Database) -> None:
    values = fill(carla, FORM, record_end="2026-01-29", comment="later end")
    answer = carla.post(
        FORM, data=values, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert count(db) == 0


# --- the form itself -------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_record_and_the_slug_is_read_only(
    carla: TestClient,
) -> None:
    page = carla.get(FORM)
    assert page.status_code == 200
    values = form_values(page.text)
    assert values["record-end"] == "2026-01-28"
    assert values["record-start"] == "2026-01-23"
    assert values["record-status"] == "drawdown"
    assert values["record-site"] == "qamishli-airport"
    assert values["was-end"] == "2026-01-28"
    assert values["citation-stance"] == "supports"
    assert re.search(r'<input id="record-slug"[^>]*readonly', page.text)
    assert 'type="date" value="2026-01-28"' in page.text
    assert '<link rel="stylesheet" href="/static/css/edit.css">' in page.text
    # Every exchange column of a deployment is there.
    for column in columns_of("deployment"):
        assert f'id="record-{column}"' in page.text


@pytest.mark.parametrize("entity", [e for e in EDITABLE if e != "citation"])
def test_every_kind_of_record_has_a_new_form_with_all_its_columns(
    carla: TestClient, entity: str
) -> None:
    page = carla.get(f"/propose/{entity}/new")
    assert page.status_code == 200
    for column in columns_of(entity):
        assert f'id="record-{column}"' in page.text
    # Sources and citations are the evidence; the others take evidence.
    assert ('id="evidence"' in page.text) == (entity not in ("source", "citation"))


def test_select_options_are_exactly_what_the_format_accepts() -> None:
    for entity in EDITABLE:
        for column in FILES[FILE_OF[entity]]:
            options = choices(entity, column.name)
            if options is None:
                continue
            for value, _text in options:
                column.parse(value)
            with pytest.raises(Invalid):
                column.parse("not-a-choice")


def test_a_new_deployment_form_takes_prefills_and_says_evidence_is_required(
    carla: TestClient,
) -> None:
    page = carla.get("/propose/deployment/new", params={"site": "qamishli-airport"})
    values = form_values(page.text)
    assert values["record-site"] == "qamishli-airport"
    assert values["record-start_precision"] == "day"
    assert 'id="evidence-required"' in page.text
    assert '<a href="/sites/qamishli-airport">' in page.text


def test_a_citation_is_changed_by_its_id(carla: TestClient, db: Database) -> None:
    with db.session() as s:
        citation = s.scalars(select(Citation).order_by(Citation.id)).first()
        assert citation is not None
        key = str(citation.id)
    path = f"/propose/citation/{key}"
    page = carla.get(path)
    assert page.status_code == 200
    assert 'id="evidence"' not in page.text
    assert not re.search(r'<input id="record-source"[^>]*readonly', page.text)
    values = form_values(page.text) | {"record-claim": "Reworded.", "comment": "Clearer claim"}
    answer = post(carla, path, values)
    assert answer.status_code == 303, answer.text
    with db.session() as s:
        op = s.scalars(select(ChangeOperation)).one()
        assert (op.action, op.entity, op.key, op.values) == (
            "update",
            "citation",
            key,
            {"claim": "Reworded."},
        )


def test_unknown_records_and_kinds_are_404(carla: TestClient) -> None:
    assert carla.get("/propose/deployment/no-such-thing").status_code == 404
    assert carla.get("/propose/spaceship/new").status_code == 404
    assert carla.get("/propose/citation/999999").status_code == 404


# --- the story: a later end, with a new source, proposed but not yet public ----------------


def test_a_contributor_proposes_a_later_end_with_a_new_source(
    carla: TestClient, db: Database
) -> None:
    values = fill(
        carla,
        FORM,
        record_end="2026-01-29",
        comment="The last plane left on 28 Jan, so the first day without Russians is 29 Jan.",
        **NEW_SOURCE,
    )
    answer = post(carla, FORM, values)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert re.fullmatch(r"/changesets/[0-9]+", location)

    with db.session() as s:
        cs = s.get(ChangeSet, int(location.rsplit("/", 1)[1]))
        assert cs is not None
        assert cs.status == ChangeStatus.proposed
        assert cs.author.name == "carla"
        assert cs.comment.startswith("The last plane left on 28 Jan")
        ops = [(o.action, o.entity, o.key, o.values) for o in cs.operations]
    assert ops[0][:3] == ("create", "source", "example-wire-2026-01-29")
    assert ops[0][3]["publisher"] == "Example Wire"
    # An update sends only what changed.
    assert ops[1] == ("update", "deployment", DRAWDOWN, {"end": "2026-01-29"})
    assert ops[2][:2] == ("create", "citation")
    assert ops[2][3] == {
        "source": "example-wire-2026-01-29",
        "record_type": "deployment",
        "record": DRAWDOWN,
        "stance": "supports",
        "credibility": "2",
        "claim": NEW_SOURCE["citation_claim"],
    }

    # Proposed is not published: readers still see the old end.
    api = carla.get("/api/v1/deployments", params={"start": "2026-01-01", "end": "2026-02-01"})
    shown = {f["properties"]["slug"]: f["properties"] for f in api.json()["features"]}
    assert shown[DRAWDOWN]["end"] == "2026-01-28"
    assert "example-wire-2026-01-29" not in carla.get("/sources").text


def test_citing_an_existing_source_and_keeping_a_draft(carla: TestClient, db: Database) -> None:
    values = fill(
        carla,
        FORM,
        record_strength="two aircraft still seen on 26 Jan",
        citation_source="reuters-2026-01-26",
        citation_stance="context",
        citation_credibility="3",
        citation_claim="Reuters describes a gradual pull-out.",
        comment="Shorter strength",
        draft="1",
    )
    answer = post(carla, FORM, values)
    assert answer.status_code == 303, answer.text
    with db.session() as s:
        cs = s.scalars(select(ChangeSet)).one()
        assert cs.status == ChangeStatus.draft
        assert [(o.entity, o.action) for o in cs.operations] == [
            ("deployment", "update"),
            ("citation", "create"),
        ]
        assert cs.operations[1].values["source"] == "reuters-2026-01-26"


def test_evidence_alone_is_a_change_and_an_empty_form_is_not(
    carla: TestClient, db: Database
) -> None:
    values = fill(carla, FORM, comment="nothing really")
    answer = post(carla, FORM, values)
    assert answer.status_code == 422
    assert "nothing to propose" in answer.text
    assert count(db) == 0

    values = fill(
        carla,
        FORM,
        citation_source="reuters-2026-01-26",
        citation_credibility="2",
        citation_claim="Reuters reports the pull-out.",
        comment="One more supporting source",
    )
    assert post(carla, FORM, values).status_code == 303
    with db.session() as s:
        assert [o.entity for o in s.scalars(select(ChangeOperation))] == ["citation"]


# --- refusals: the message next to its field, and nothing saved --------------------------------


def test_an_end_before_the_start_is_shown_next_to_the_end(carla: TestClient, db: Database) -> None:
    values = fill(carla, FORM, record_end="2026-01-20", comment="earlier end", **NEW_SOURCE)
    before = (count(db), count(db, ChangeOperation))
    answer = post(carla, FORM, values)
    assert answer.status_code == 422
    assert "2026-01-20 is not after start 2026-01-23" in error_next_to(answer.text, "record-end")
    assert summary_links(answer.text) == ["record-end"]
    assert 'aria-invalid="true"' in answer.text
    # Everything typed is kept, including the new source and the comment.
    kept = form_values(answer.text)
    assert kept["record-end"] == "2026-01-20"
    assert kept["source-slug"] == NEW_SOURCE["source_slug"]
    assert kept["citation-claim"] == NEW_SOURCE["citation_claim"]
    assert kept["comment"] == "earlier end"
    assert kept["csrf_token"] == values["csrf_token"]
    assert (count(db), count(db, ChangeOperation)) == before


def test_every_problem_of_every_part_is_shown_at_once(carla: TestClient, db: Database) -> None:
    path = "/propose/site/qamishli-airport"
    values = fill(
        carla,
        path,
        record_lat="95",
        source_slug="Not A Slug",
        source_publisher="Someone",
        source_title="A report",
        source_reliability="B",
        citation_credibility="9",
        citation_claim="It is further north.",
        comment="",
    )
    answer = post(carla, path, values)
    assert answer.status_code == 422
    html = answer.text
    assert "95 is outside -90..90" in error_next_to(html, "record-lat")
    assert "is not a slug" in error_next_to(html, "source-slug")
    assert "not a whole number from 1 to 6" in error_next_to(html, "citation-credibility")
    assert "say what the change is for" in error_next_to(html, "comment")
    links = summary_links(html)
    assert {"record-lat", "source-slug", "citation-credibility", "comment"} <= set(links)
    # The citation's source is the refused new source: not reported a second time.
    assert "no source with slug" not in html
    # A bad credibility is kept as typed, as its own option.
    assert '<option value="9" selected>9 (not one of these)</option>' in html
    assert count(db) == 0


def test_a_new_deployment_without_evidence_names_the_missing_citation(
    carla: TestClient, db: Database
) -> None:
    path = "/propose/deployment/new"
    values = fill(
        carla,
        f"{path}?site=qamishli-airport",
        record_slug="ru-qamishli-return-2026",
        record_force="ru-qamishli-group",
        record_start="2026-03-01",
        record_status="active",
        record_confidence="low",
        comment="Russia is back",
    )
    answer = post(carla, path, values)
    assert answer.status_code == 422
    html = answer.text
    evidence = html.split('id="evidence"', 1)[1].split('id="new-source"', 1)[0]
    assert "deployment ru-qamishli-return-2026 has no supporting citation" in evidence
    assert summary_links(html) == ["evidence"]
    assert form_values(html)["record-slug"] == "ru-qamishli-return-2026"
    assert count(db) == 0

    values = form_values(html) | {
        "citation-source": "reuters-2026-01-26",
        "citation-credibility": "4",
        "citation-claim": "Imagined for this test.",
    }
    answer = post(carla, path, values)
    assert answer.status_code == 303, answer.text
    with db.session() as s:
        ops = list(s.scalars(select(ChangeOperation).order_by(ChangeOperation.position)))
    assert [(o.action, o.entity, o.key) for o in ops] == [
        ("create", "deployment", "ru-qamishli-return-2026"),
        ("create", "citation", None),
    ]
    assert ops[1].values["record"] == "ru-qamishli-return-2026"


def test_a_new_source_that_names_a_missing_original_points_at_that_field(
    carla: TestClient,
) -> None:
    answer = post(
        carla,
        "/propose/source/new",
        fill(
            carla,
            "/propose/source/new",
            record_slug="dawn-copy",
            record_publisher="Dawn",
            record_title="Copy",
            record_reliability="C",
            record_original="no-such-source",
            comment="A reprint",
        ),
    )
    assert answer.status_code == 422
    assert "no source with slug 'no-such-source'" in error_next_to(answer.text, "record-original")


# --- deleting --------------------------------------------------------------------------------


def test_deleting_a_cited_record_is_refused_listing_its_citers(
    carla: TestClient, db: Database
) -> None:
    page = carla.get(f"{FORM}/delete")
    assert page.status_code == 200
    with db.session() as s:
        own = s.scalar(
            select(func.count())
            .select_from(Citation)
            .join(Deployment, Citation.deployment_id == Deployment.id)
            .where(Deployment.slug == DRAWDOWN)
        )
    assert own and own > 1
    citers = re.findall(r'<li data-citer="([^"]+)">', page.text)
    assert len(citers) == own
    assert all(c.startswith("citation ") for c in citers)
    assert '<a href="/sources#source-afp-amierul-2026-01-27">' in page.text
    assert f"Also withdraw its {own} citations" in page.text

    answer = post(carla, f"{FORM}/delete", form_values(page.text) | {"comment": "never there"})
    assert answer.status_code == 422
    assert "is still named by: citation" in answer.text
    assert count(db) == 0

    values = form_values(page.text) | {"comment": "never there", "withdraw-citations": "1"}
    answer = post(carla, f"{FORM}/delete", values)
    assert answer.status_code == 303, answer.text
    with db.session() as s:
        ops = list(s.scalars(select(ChangeOperation).order_by(ChangeOperation.position)))
    assert [o.entity for o in ops] == ["citation"] * own + ["deployment"]
    assert all(o.action == "delete" for o in ops)


def test_a_site_named_by_deployments_cannot_be_deleted_and_links_to_them(
    carla: TestClient, db: Database
) -> None:
    page = carla.get("/propose/site/qamishli-airport/delete")
    assert page.status_code == 200
    assert 'id="deletion-refused"' in page.text
    citer = '<li data-citer="deployment ru-qamishli-drawdown"><a href="/sites/qamishli-airport">'
    assert citer in page.text
    values = form_values(page.text) | {"comment": "gone", "withdraw-citations": "1"}
    answer = post(carla, "/propose/site/qamishli-airport/delete", values)
    assert answer.status_code == 422
    assert "is still named by" in answer.text
    assert count(db) == 0


def test_a_delete_needs_a_reason(carla: TestClient, db: Database) -> None:
    path = "/propose/deployment/ru-qamishli-drawdown/delete"
    values = form_values(carla.get(path).text) | {"withdraw-citations": "1", "comment": " "}
    answer = post(carla, path, values)
    assert answer.status_code == 422
    assert "say what the change is for" in error_next_to(answer.text, "comment")
    assert count(db) == 0


# --- where readers meet the links ----------------------------------------------------------


def test_signed_in_contributors_see_propose_links_where_records_are_shown(
    carla: TestClient,
) -> None:
    site = carla.get("/sites/qamishli-airport").text
    assert 'href="/propose/site/qamishli-airport"' in site
    assert 'href="/propose/deployment/new?site=qamishli-airport"' in site
    row = site.split(f'data-deployment="{DRAWDOWN}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/propose/deployment/{DRAWDOWN}"' in row
    assert 'href="/propose/movement/qamishli-to-hmeimim-2026-01"' in site
    assert 'href="/propose/event/qamishli-last-plane-2026-01-27"' in site
    assert 'href="/propose/actor/russia"' in carla.get("/actors/russia").text
    sources = carla.get("/sources").text
    assert 'href="/propose/source/new"' in sources
    assert 'href="/propose/source/reuters-2026-01-26"' in sources


@pytest.mark.parametrize("path", ["/sites/qamishli-airport", "/actors/russia", "/sources"])
def test_anonymous_readers_see_at_most_one_quiet_sign_in_link(
    app_client: TestClient, path: str
) -> None:
    html = app_client.get(path).text
    assert "/propose/" not in html
    assert html.count("Sign in to propose a change") <= 1


def test_a_viewer_sees_no_propose_links(app_client: TestClient) -> None:
    sign_in(app_client, "vera")
    assert "/propose/" not in app_client.get("/sites/qamishli-airport").text
