"""The /compare page: two dates compared in words, with sources, links, and bad input spelt out."""

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from app.db import Database

QAMISHLI = {"from": "2026-01-01", "to": "2026-02-10", "actor": "russia"}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def change_item(html: str, force: str) -> str:
    return html.split(f'data-force="{force}"', 1)[1].split('<li class="compare-change ', 1)[0]


def test_russia_leaving_qamishli_airport_is_said_in_words_with_source_links(
    client: TestClient,
) -> None:
    page = client.get("/compare", params=QAMISHLI)
    assert page.status_code == 200, page.text
    assert "What changed from 1 Jan 2026 to 10 Feb 2026" in text_of(page.text)
    item = change_item(page.text, "ru-qamishli-group")
    words = text_of(item)
    assert "Russian Federation’s Russian helicopter group" in words
    assert "left Qamishli International Airport" in words
    assert "active on 1 Jan 2026" in words and "not present on 10 Feb 2026" in words
    # Its sources as links a reader can follow, with the Admiralty grade beside each.
    assert 'href="https://www.shafaq.com/' in item
    assert 'class="grade"' in item
    section = page.text.split('data-site="qamishli-airport"', 1)[1]
    assert '<a href="/sites/qamishli-airport">' in section


def test_the_page_links_its_json_csv_and_the_map_with_the_same_question(
    client: TestClient,
) -> None:
    page = client.get("/compare", params=QAMISHLI)
    query = "from=2026-01-01&amp;to=2026-02-10&amp;actor=russia"
    assert f'href="/api/v1/compare?{query}"' in page.text
    assert f'href="/api/v1/compare.csv?{query}"' in page.text
    assert 'href="/?date=2026-02-10&amp;compare=2026-01-01&amp;actor=russia"' in page.text


def test_without_dates_the_page_is_a_form(client: TestClient) -> None:
    page = client.get("/compare")
    assert page.status_code == 200
    assert '<form class="filters compare-page-form" method="get" action="/compare">' in page.text
    assert 'name="from"' in page.text and 'name="to"' in page.text
    assert 'name="actor" value="russia"' in page.text
    assert 'class="compare-change ' not in page.text


def test_the_later_date_first_is_compared_in_time_order_with_a_notice(client: TestClient) -> None:
    page = client.get("/compare", params={**QAMISHLI, "from": "2026-02-10", "to": "2026-01-01"})
    assert page.status_code == 200
    assert 'id="compare-swapped"' in page.text
    assert "left Qamishli International Airport" in text_of(page.text)


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"from": "01/01/2026", "to": "2026-02-10"}, "from: “01/01/2026” is not a date"),
        ({"from": "2026-01-01", "to": "2026-02-30"}, "to: “2026-02-30” is not a date"),
        ({**QAMISHLI, "actor": "russa"}, "actor: no actor with the id “russa”"),
        ({**QAMISHLI, "date": "2026-01-01"}, "date: this page takes only from, to, actor and page"),
    ],
)
def test_bad_input_answers_400_with_the_form_and_the_reason(
    client: TestClient, params: dict, said: str
) -> None:
    page = client.get("/compare", params=params)
    assert page.status_code == 400
    assert said in text_of(page.text)
    assert 'id="compare-error"' in page.text and 'name="from"' in page.text


def test_what_was_typed_is_shown_as_text_not_markup(client: TestClient) -> None:
    page = client.get("/compare", params={"from": "<b>x</b>", "to": "2026-01-01"})
    assert page.status_code == 400
    assert "<b>x</b>" not in page.text and "&lt;b&gt;x&lt;/b&gt;" in page.text


def test_many_changes_are_shown_a_page_at_a_time(database: Database) -> None:
    import datetime as dt

    from app.main import create_app
    from app.paging import PAGE_ROWS
    from app.settings import Settings
    from tests import factories as f

    with database.write_session() as session:
        actor = f.actor(session, "blue", name="Blue Land")
        base = f.site(session, "base", name="Big Base")
        source = f.source(session, url="https://example.org/report")
        for n in range(PAGE_ROWS + 20):
            arrival = f.deployment(
                session, f.force(session, actor, f"force-{n:03d}"), base, dt.date(2020, 6, 1)
            )
            f.cite(session, source, deployment=arrival)
        session.commit()
    with TestClient(create_app(Settings(database_url=database.url))) as client:
        params = {"from": "2020-01-01", "to": "2021-01-01"}
        first = client.get("/compare", params=params)
        second = client.get("/compare", params={**params, "page": "2"})
        past = client.get("/compare", params={**params, "page": "3"})
    assert first.status_code == second.status_code == 200
    assert first.text.count('<li class="compare-change ') == PAGE_ROWS
    assert second.text.count('<li class="compare-change ') == 20
    assert f"{PAGE_ROWS + 20} changes" in text_of(first.text)
    assert 'rel="next"' in first.text and "page=2" in first.text
    assert "https://example.org/report" in second.text
    assert past.status_code == 404


def test_the_map_links_to_the_compare_page_with_its_date_as_the_second_day(
    client: TestClient,
) -> None:
    home = client.get("/")
    link = re.search(r'<a href="(/compare[^"]*)" id="compare-page-link">', home.text)
    assert link is not None
    form = client.get(unescape(link.group(1)))
    assert form.status_code == 200
    assert 'name="to" value="2026-02-23"' in form.text
