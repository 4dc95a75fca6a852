"""/sources and /about: links, reprints, filters, and how grades are worked out, in words."""

import csv
import re

from fastapi.testclient import TestClient

from tests.conftest import DATASET


def source_items(html: str) -> dict[str, str]:
    """Each listed source's HTML, by slug."""
    return {
        chunk.split('"', 1)[0]: chunk.split("</li>\n    \n", 1)[0]
        for chunk in html.split('<li id="source-')[1:]
    }


def test_sources_without_a_link_say_so_and_can_be_listed_alone(client: TestClient) -> None:
    with open(DATASET / "sources.csv", encoding="utf-8") as f:
        unlinked = {row["slug"] for row in csv.DictReader(f) if not row["url"]}
    page = client.get("/sources", params={"show": "no-link"})
    assert page.status_code == 200
    items = source_items(page.text)
    assert set(items) == unlinked and unlinked
    assert all("no link recorded" in html for html in items.values())


def test_a_reprint_names_its_original_and_is_not_independent(client: TestClient) -> None:
    items = source_items(client.get("/sources").text)
    html = items["reuters-moscowtimes-a91782"]
    assert "Reprints or relays" in html and "not an independent source" in html
    assert 'href="#source-reuters-2026-01-26"' in html
    assert "Relayed by" in items["reuters-2026-01-26"]


def test_single_original_lists_only_sources_some_record_rests_on_alone(
    client: TestClient,
) -> None:
    everything = source_items(client.get("/sources").text)
    page = client.get("/sources", params={"show": "single-original"})
    single = source_items(page.text)
    assert 0 < len(single) < len(everything)
    assert all("single-sourced" in html or "Reprints or relays" in html for html in single.values())


def test_unknown_source_filter_is_a_400_naming_it(client: TestClient) -> None:
    page = client.get("/sources", params={"show": "nolink"})
    assert page.status_code == 400
    assert "show: “nolink” is not one of no-link, single-original" in page.text


def test_each_backed_record_says_whether_the_source_supports_or_disputes_it(
    client: TestClient,
) -> None:
    html = client.get("/sources").text
    assert re.search(r'data-stance="disputes">.*?disputes</span>', html, re.S)
    assert re.search(r'data-stance="supports">.*?supports</span>', html, re.S)


def test_about_states_the_last_date_and_how_grades_are_computed(client: TestClient) -> None:
    page = client.get("/about")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.text))
    assert "up to 23 Feb 2026" in text
    assert "supporting citation" in text and "independent originals" in text
    assert "A6 and E1 make A6" in text


def test_a_site_page_says_where_its_coordinates_come_from(client: TestClient) -> None:
    html = client.get("/sites/hmeimim").text
    section = html.split('id="location-sources"', 1)[1].split("<h2", 1)[0]
    assert "Supported by" in section and 'class="grade"' in section


def test_a_site_without_coordinates_says_why(client: TestClient) -> None:
    html = client.get("/sites/qasrak").text
    notice = html.split('id="no-coordinates"', 1)[1].split("</p>", 1)[0]
    assert "left empty rather than guessed" in notice
