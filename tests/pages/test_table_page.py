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
