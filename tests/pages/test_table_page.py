"""The /table page: the state on a date as text, with uncertainty and bad input spelt out."""

from fastapi.testclient import TestClient


def test_table_marks_rows_whose_end_is_known_only_to_the_month(client: TestClient) -> None:
    page = client.get("/table", params={"date": "2024-12-10", "actor": "russia"})
    assert page.status_code == 200
    sarrin_row = page.text.split('data-site="sarrin"', 1)[1].split("</tr>", 1)[0]
    assert "dates uncertain" in sarrin_row
    hmeimim_row = page.text.split('data-site="hmeimim"', 1)[1].split("</tr>", 1)[0]
    assert "dates uncertain" not in hmeimim_row


def test_table_rejects_a_misspelt_parameter(client: TestClient) -> None:
    page = client.get("/table", params={"actr": "russia"})
    assert page.status_code == 400
    assert "actr" in page.text


def table_row(html: str, deployment: str) -> str:
    return html.split(f'data-deployment="{deployment}"', 1)[1].split("</tr>", 1)[0]


def expected_best_grades() -> dict[str, str]:
    """Each deployment's best supporting grade, worked out from the dataset files themselves."""
    import csv

    from tests.conftest import DATASET

    with open(DATASET / "sources.csv", encoding="utf-8") as f:
        reliability = {row["slug"]: row["reliability"] for row in csv.DictReader(f)}
    best: dict[str, tuple[str, int]] = {}
    with open(DATASET / "citations.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["record_type"] != "deployment" or row["stance"] != "supports":
                continue
            grade = (reliability[row["source"]], int(row["credibility"]))
            best[row["record"]] = min(best.get(row["record"], grade), grade)
    return {slug: f"{letter}{number}" for slug, (letter, number) in best.items()}


def test_table_grades_come_from_supporting_sources_only(client: TestClient) -> None:
    html = client.get("/table", params={"date": "2026-01-23"}).text
    expected = expected_best_grades()
    rows = [chunk.split('"', 1)[0] for chunk in html.split('data-deployment="')[1:]]
    assert len(rows) > 10
    for slug in rows:
        cell = table_row(html, slug).split('class="best-grade"', 1)[1].split("</td>", 1)[0]
        assert f">{expected[slug]}</abbr>" in cell, slug


def test_a_presence_on_a_weak_post_shows_its_own_grade_and_who_disputes_it(
    client: TestClient,
) -> None:
    row = table_row(client.get("/table", params={"date": "2026-01-23"}).text, "us-sarrin-2024")
    best = row.split('class="best-grade"', 1)[1].split("</td>", 1)[0]
    assert ">E4</abbr>" in best and ">B" not in best
    disputed = row.split('class="disputed-by"', 1)[1]
    assert "⚠ disputed" in disputed and "Al-Araby al-Jadeed" in disputed
    assert "low confidence" in row


def test_sources_count_names_reprints_of_one_original(client: TestClient) -> None:
    row = table_row(
        client.get("/table", params={"date": "2026-01-25"}).text, "ru-qamishli-drawdown"
    )
    assert "reports of" in row and "independent originals" in row
