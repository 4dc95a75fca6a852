"""The table, site and compare pages read typed dates as the map does, and refuse guesses."""

from fastapi.testclient import TestClient


def test_the_table_reads_a_date_in_words_and_names_it(client: TestClient) -> None:
    page = client.get("/table", params={"date": "10 Jan 2026"})
    assert page.status_code == 200
    assert 'name="date" value="2026-01-10"' in page.text


def test_the_site_page_answers_for_a_date_in_words(client: TestClient) -> None:
    page = client.get("/sites/qamishli-airport", params={"date": "Jan 10, 2026"})
    assert page.status_code == 200
    assert 'id="now-date-field" name="date" value="2026-01-10"' in page.text


def test_the_compare_page_reads_months_as_their_first_day(client: TestClient) -> None:
    page = client.get("/compare", params={"from": "Jan 2026", "to": "10 Feb 2026"})
    assert page.status_code == 200
    assert "What changed from 1 Jan 2026 to 10 Feb 2026" in page.text
    assert 'name="from" value="2026-01-01"' in page.text
    assert "Qamishli" in page.text


def test_a_numbers_only_date_is_refused_on_every_page_never_guessed(client: TestClient) -> None:
    for path, params, field in (
        ("/table", {"date": "06012025"}, "date"),
        ("/sites/hmeimim", {"date": "06/01/2025"}, "date"),
        ("/compare", {"from": "06012025", "to": "2026-02-10"}, "from"),
    ):
        page = client.get(path, params=params)
        assert page.status_code == 400, path
        assert f"{field}: “{params[field]}” is not a date" in page.text, path
        assert "not guessed" in page.text, path
