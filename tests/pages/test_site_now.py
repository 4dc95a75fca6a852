"""A site page starts with the answer: who is there on the day, since when, and who left last."""

import re

from fastapi.testclient import TestClient


def now_text(html: str) -> str:
    """The words of the answer at the top of a site page, tags dropped and spaces squeezed."""
    section = html.split('<section id="now"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section.split(">", 1)[1])).strip()


def test_the_answer_comes_straight_after_the_sites_name(client: TestClient) -> None:
    html = client.get("/sites/qamishli-airport").text
    assert html.split("</h1>", 1)[1].lstrip().startswith('<section id="now"')


def test_qamishli_airport_now_is_held_by_the_government_after_russia_and_the_sdf_left(
    client: TestClient,
) -> None:
    text = now_text(client.get("/sites/qamishli-airport").text)
    assert text.startswith("Now (23 Feb 2026, the last day in the data)")
    now, gone = text.split("Gone before then:")
    assert "Syrian transitional government under Ahmed al-Sharaa" in now
    assert "active since 4 Feb 2026" in now
    assert "Russian Federation" not in now
    assert (
        "Syrian Democratic Forces (SDF guard force, Qamishli airport): last day there 3 Feb 2026"
        in gone
    )
    assert (
        "Russian Federation (Russian helicopter group, Qamishli airport): "
        "last day there 27 Jan 2026" in gone
    )


def test_on_an_earlier_date_russia_is_drawing_down_and_there_since_2019(
    client: TestClient,
) -> None:
    text = now_text(client.get("/sites/qamishli-airport", params={"date": "2026-01-25"}).text)
    assert text.startswith("On 25 Jan 2026")
    assert (
        "Russian Federation (Russian helicopter group, Qamishli airport): drawing down since "
        "23 Jan 2026, there since 14 Nov 2019; last day there 27 Jan 2026" in text
    )
    assert (
        "Syrian Democratic Forces (SDF guard force, Qamishli airport): active since 7 Dec 2024"
        in text
    )
    assert "Gone before then" not in text


def test_hmeimim_is_still_russian_and_drawing_down_since_december_2024(client: TestClient) -> None:
    text = now_text(client.get("/sites/hmeimim").text)
    assert "Russian Federation" in text
    assert "drawing down since 13 Dec 2024, there since 30 Sep 2015" in text


def test_a_date_before_any_record_says_no_force_is_recorded(client: TestClient) -> None:
    text = now_text(client.get("/sites/qamishli-airport", params={"date": "2010-01-01"}).text)
    assert "No force is recorded here on this day." in text
    assert "Gone before then" not in text


def test_a_date_after_the_data_says_where_the_data_ends(client: TestClient) -> None:
    text = now_text(client.get("/sites/qamishli-airport", params={"date": "2030-01-01"}).text)
    assert text.startswith("On 1 Jan 2030")
    assert "The data ends on 23 Feb 2026" in text


def test_a_bad_date_is_refused_naming_the_field(client: TestClient) -> None:
    for value in ("2026-13-45", "20260125", "yesterday"):
        page = client.get("/sites/qamishli-airport", params={"date": value})
        assert page.status_code == 400, value
        assert f"date: “{value}” is not a date" in page.text


def test_stacked_table_cells_carry_their_column_label(client: TestClient) -> None:
    """Every cell of the site's deployments table names its column, for the phone's cards."""
    html = client.get("/sites/qamishli-airport").text
    table = html.split('<table id="deployments"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td\b[^>]*>", table)
    assert cells and all('role="cell"' in c and "data-label=" in c for c in cells)
    assert 'data-label="Last day there"' in table


def test_the_table_links_each_site_to_its_answer_on_the_tables_date(client: TestClient) -> None:
    html = client.get("/table", params={"date": "2025-06-01", "actor": "russia"}).text
    assert '<a href="/sites/qamishli-airport?date=2025-06-01">' in html
    text = now_text(client.get("/sites/qamishli-airport", params={"date": "2025-06-01"}).text)
    assert text.startswith("On 1 Jun 2025")
    assert "Russian helicopter group, Qamishli airport): active since 14 Nov 2019" in text
