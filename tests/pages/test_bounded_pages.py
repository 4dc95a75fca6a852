"""Nothing unbounded: pages and API lists stay one page long however much data is loaded.

One site here holds 250 deployments (one per force, all present at once); one of them has
1,200 supporting citations and 5 disputing ones, and one source backs every deployment. Each
answer is checked by what it renders (rows, citations listed, links), never by time.
"""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.models import Citation, Deployment, Force, Source
from app.paging import API_DEFAULT_LIMIT, CITATION_SAMPLE, PAGE_ROWS
from app.settings import Settings
from tests import factories
from tests.conftest import migrated_database

FORCES = 250
SOURCES = 1200
DISPUTING = 5
CROWDED = "dep-000"  # the deployment with every citation


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('crowded') / 'orbat.db'}"
    database = migrated_database(url)
    with database.session() as session:
        actor = factories.actor(session, "crowd", name="Crowd")
        site = factories.site(session, "busy", name="Busy Base")
        forces = [
            Force(slug=f"force-{i:03d}", name=f"Force {i:03d}", actor_id=actor.id, branch="air")
            for i in range(FORCES)
        ]
        session.add_all(forces)
        session.flush()
        deployments = [
            Deployment(
                slug=f"dep-{i:03d}",
                force_id=force.id,
                site_id=site.id,
                start_date=dt.date(2020, 1, 1) + dt.timedelta(days=i),
                start_precision="day",
                status="active",
                confidence="high",
            )
            for i, force in enumerate(forces)
        ]
        sources = [
            Source(slug=f"src-{i:04d}", publisher=f"Wire {i:04d}", title="Report", reliability="C")
            for i in range(SOURCES)
        ]
        prolific = Source(slug="prolific", publisher="Agency", title="Roundup", reliability="A")
        session.add_all([*deployments, *sources, prolific])
        session.flush()
        crowded_id = deployments[0].id
        citations = [
            Citation(
                source_id=s.id,
                deployment_id=crowded_id,
                stance="supports",
                credibility=2,
                claim=f"claim {i}",
            )
            for i, s in enumerate(sources)
        ]
        citations += [
            Citation(
                source_id=s.id,
                deployment_id=crowded_id,
                stance="disputes",
                credibility=3,
                claim="not so",
            )
            for s in sources[:DISPUTING]
        ]
        citations += [
            Citation(
                source_id=prolific.id,
                deployment_id=d.id,
                stance="supports",
                credibility=1,
                claim="present",
            )
            for d in deployments
        ]
        session.add_all(citations)
        session.commit()
    database.close()
    app = create_app(Settings(database_url=url, remote_tiles=False))
    with TestClient(app) as client:
        yield client


def deployment_rows(html: str) -> list[str]:
    return re.findall(r'<tr[^>]* data-deployment="([^"]+)"', html)


def test_a_busy_site_lists_one_page_of_deployments_and_says_how_many(
    crowded: TestClient,
) -> None:
    first = crowded.get("/sites/busy")
    assert first.status_code == 200
    rows = deployment_rows(first.text)
    assert rows == [f"dep-{i:03d}" for i in range(PAGE_ROWS)]
    assert f"{FORCES} deployments" in first.text
    assert "Deployments 1–100 of 250 (page 1 of 3)" in first.text
    assert 'href="/sites/busy?page=2" rel="next"' in first.text


def test_the_second_page_of_a_site_shows_the_next_deployments(crowded: TestClient) -> None:
    second = deployment_rows(crowded.get("/sites/busy", params={"page": 2}).text)
    third = deployment_rows(crowded.get("/sites/busy", params={"page": 3}).text)
    assert second == [f"dep-{i:03d}" for i in range(100, 200)]
    assert third == [f"dep-{i:03d}" for i in range(200, FORCES)]


def test_a_record_with_many_citations_lists_the_best_few_and_counts_them_all(
    crowded: TestClient,
) -> None:
    html = crowded.get("/sites/busy").text
    row = html.split(f'data-deployment="{CROWDED}"', 1)[1].split("</tr>", 1)[0]
    assert row.count("<li data-stance=") <= 3 * CITATION_SAMPLE
    # The counts are over every citation, not the ones listed.
    assert f"{SOURCES + 1} independent sources" in row and "⚠ disputed" in row
    assert (
        f'href="/citations?deployment={CROWDED}">Show all {SOURCES + 1 + DISPUTING} citations'
        in row
    )
    assert "Sources listed on this page" in html
    # 1,206 citations on one record no longer make a page of megabytes.
    assert len(html) < 400_000


def test_a_records_citations_page_through_best_first(crowded: TestClient) -> None:
    first = crowded.get("/citations", params={"deployment": CROWDED})
    assert first.status_code == 200
    items = first.text.split('id="record-citations"', 1)[1].count("<li data-stance=")
    assert items == PAGE_ROWS
    # The A-graded source comes before the 1,205 C-graded citations.
    assert first.text.index("Agency: Roundup") < first.text.index("Wire 0000")
    last = crowded.get("/citations", params={"deployment": CROWDED, "page": 13})
    assert last.text.split('id="record-citations"', 1)[1].count("<li data-stance=") == 6
    assert "of 1206 (page 13 of 13)" in last.text


@pytest.mark.parametrize(
    ("path", "page", "status", "message"),
    [
        ("/sites/busy", "4", 404, "page: there is no page 4; the last page is 3"),
        ("/sites/busy", "0", 400, "page: “0” is not a page number"),
        ("/sites/busy", "two", 400, "page: “two” is not a page number"),
        ("/sources", "99", 404, "page: there is no page 99; the last page is 13"),
        ("/actors/crowd", "-1", 400, "page: “-1” is not a page number"),
        ("/table", "4", 404, "page: there is no page 4"),
        ("/sites/busy", "9" * 30, 404, "page: there is no page 999"),
    ],
)
def test_a_page_number_out_of_range_is_refused_naming_the_parameter(
    crowded: TestClient, path: str, page: str, status: int, message: str
) -> None:
    answer = crowded.get(
        path, params={"page": page, **({"date": "2021-06-01"} if path == "/table" else {})}
    )
    assert answer.status_code == status
    assert message in answer.text


def test_the_sources_page_shows_a_page_of_sources_and_the_total(crowded: TestClient) -> None:
    first = crowded.get("/sources")
    listed = re.findall(r'<li id="source-([^"]+)"', first.text)
    assert len(listed) == PAGE_ROWS and listed[0] == "prolific"
    assert f"{SOURCES + 1} sources" in first.text
    second = re.findall(r'<li id="source-([^"]+)"', crowded.get("/sources?page=2").text)
    assert second[0] == "src-0099" and not set(second) & set(listed)


def test_a_source_backing_every_record_lists_a_few_and_links_to_all(
    crowded: TestClient,
) -> None:
    html = crowded.get("/sources").text
    item = html.split('<li id="source-prolific"', 1)[1].split('<li id="source-', 1)[0]
    assert item.count("<li data-record=") <= 10
    assert f'href="/citations?source=prolific">Show all {FORCES} records it backs' in item
    everything = crowded.get("/citations", params={"source": "prolific", "page": 3}).text
    assert everything.count("<li data-record=") == FORCES - 2 * PAGE_ROWS


def test_an_actor_page_pages_its_forces_and_deployments(crowded: TestClient) -> None:
    html = crowded.get("/actors/crowd").text
    assert len(deployment_rows(html)) == PAGE_ROWS
    forces = html.split('id="forces"', 1)[1].split("</ul>", 1)[0]
    assert forces.count("<li>") == PAGE_ROWS
    later = crowded.get("/actors/crowd", params={"page": 3, "forces_page": 3}).text
    assert deployment_rows(later)[0] == "dep-200"
    assert later.split('id="forces"', 1)[1].split("</ul>", 1)[0].count("<li>") == 50


def test_the_table_pages_the_state_and_counts_all_of_it(crowded: TestClient) -> None:
    html = crowded.get("/table", params={"date": "2021-06-01"}).text
    assert "<strong>250</strong> deployments at\n    <strong>1</strong> sites" in html
    assert len(deployment_rows(html)) == PAGE_ROWS
    third = crowded.get("/table", params={"date": "2021-06-01", "page": 3}).text
    assert len(deployment_rows(third)) == 50


def test_api_sources_answer_a_bounded_window_and_say_where_the_next_starts(
    crowded: TestClient,
) -> None:
    first = crowded.get("/api/v1/sources")
    assert len(first.json()) == API_DEFAULT_LIMIT
    assert first.headers["x-total-count"] == str(SOURCES + 1)
    following = re.fullmatch(r'<(.+)>; rel="next"', first.headers["link"])
    assert following is not None and "offset=1000" in following.group(1)
    rest = crowded.get(following.group(1))
    assert len(rest.json()) == SOURCES + 1 - API_DEFAULT_LIMIT and "link" not in rest.headers
    slugs = [s["slug"] for s in first.json()] + [s["slug"] for s in rest.json()]
    assert len(set(slugs)) == SOURCES + 1


def test_api_forces_and_sites_take_limit_and_offset(crowded: TestClient) -> None:
    forces = crowded.get("/api/v1/forces", params={"actor": "crowd", "limit": 10, "offset": 20})
    assert [f["slug"] for f in forces.json()] == [f"force-{i:03d}" for i in range(20, 30)]
    assert forces.headers["x-total-count"] == str(FORCES)
    sites = crowded.get("/api/v1/sites", params={"limit": 1}).json()
    assert sites["total"] == 1 and sites["next"] is None and len(sites["features"]) == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 10_001}, "limit: Input should be less than or equal to 10000"),
        ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"offset": -1}, "offset: Input should be greater than or equal to 0"),
        ({"limit": "all"}, "limit: Input should be a valid integer"),
        ({"offset": 10**20}, "offset: Input should be less than or equal to 1000000000"),
    ],
)
def test_api_lists_refuse_a_window_out_of_bounds_naming_the_parameter(
    crowded: TestClient, params: dict[str, object], message: str
) -> None:
    answer = crowded.get("/api/v1/sources", params=params)
    assert answer.status_code == 422
    assert message in answer.json()["message"]


def test_a_search_finds_sources_on_any_page_and_pages_keep_it(crowded: TestClient) -> None:
    # src-1150 sorts on page 12 of the whole list.
    found = crowded.get("/sources", params={"q": "Wire 1150"})
    assert re.findall(r'<li id="source-([^"]+)"', found.text) == ["src-1150"]
    assert "<strong>1</strong> source match" in found.text
    # Every word must match somewhere: a claim counts too.
    by_claim = crowded.get("/sources", params={"q": "claim 1150"})
    assert re.findall(r'<li id="source-([^"]+)"', by_claim.text) == ["src-1150"]
    wires = crowded.get("/sources", params={"q": "wire"})
    assert f"<strong>{SOURCES}</strong> sources match" in wires.text
    assert 'href="/sources?q=wire&amp;page=2" rel="next"' in wires.text
    assert crowded.get("/sources", params={"q": "x" * 201}).status_code == 400


def test_api_site_windows_its_records_and_samples_citations_with_full_counts(
    crowded: TestClient,
) -> None:
    site = crowded.get("/api/v1/sites/busy", params={"limit": 10, "offset": 5}).json()
    properties = site["properties"]
    assert [d["slug"] for d in properties["deployments"]] == [f"dep-{i:03d}" for i in range(5, 15)]
    assert properties["deployment_total"] == FORCES
    first = crowded.get("/api/v1/sites/busy", params={"limit": 1}).json()["properties"]
    (crowded_deployment,) = first["deployments"]
    assert crowded_deployment["citations_total"] == SOURCES + 1 + DISPUTING
    assert crowded_deployment["citation_count"] == SOURCES + 1
    assert crowded_deployment["disputing_count"] == DISPUTING
    # At most 100 of each stance are listed, the A-graded source first.
    assert len(crowded_deployment["citations"]) == 100 + DISPUTING
    assert crowded_deployment["citations"][0]["source"] == "prolific"
