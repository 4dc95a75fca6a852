"""The bundled dataset keeps its promise: every claim checkable, thin claims shown as thin."""

import csv
import re

from fastapi.testclient import TestClient

from tests.conftest import DATASET


def rows(name: str) -> list[dict[str, str]]:
    with open(DATASET / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_nine_in_ten_sources_link_to_the_article_and_the_rest_say_why() -> None:
    sources = rows("sources.csv")
    linked = [s for s in sources if s["url"]]
    assert len(linked) >= 0.9 * len(sources), f"{len(linked)} of {len(sources)} have a link"
    unexplained = [s["slug"] for s in sources if not s["url"] and not s["description"].strip()]
    assert unexplained == []
    assert all(re.match(r"^https?://[^/\s]+\.[^/\s]+", s["url"]) for s in linked)


def test_no_two_sources_share_one_link() -> None:
    urls = [s["url"] for s in rows("sources.csv") if s["url"]]
    assert len(urls) == len(set(urls))


def test_every_citation_takes_a_stance_and_disagreements_are_kept() -> None:
    citations = rows("citations.csv")
    stances = {c["stance"] for c in citations}
    assert stances == {"supports", "disputes", "context"}
    disputed = {(c["record_type"], c["record"]) for c in citations if c["stance"] == "disputes"}
    # The known disagreements of the seed story stay visible as disputes.
    assert ("deployment", "ru-qamishli-drawdown") in disputed
    assert ("deployment", "us-al-tanf") in disputed


def test_every_qamishli_withdrawal_record_names_two_originals_or_says_single_sourced(
    client: TestClient,
) -> None:
    site = client.get("/api/v1/sites/qamishli-airport").json()["properties"]
    withdrawal = [
        record
        for kind in ("deployments", "movements", "events")
        for record in site[kind]
        if (record.get("start") or record.get("date")) >= "2026-01-01"
    ]
    assert len(withdrawal) >= 8
    for record in withdrawal:
        assert record["independent_sources"] >= 1, record["slug"]
        if record["independent_sources"] == 1:
            assert record["single_sourced"] and "single-sourced" in record["sources_text"]
        else:
            assert not record["single_sourced"]


def test_the_last_plane_rests_on_afp_alone_and_is_not_called_confirmed(
    client: TestClient,
) -> None:
    events = client.get("/api/v1/events", params={"start": "2026-01-27", "end": "2026-01-27"})
    last_plane = next(
        f["properties"]
        for f in events.json()["features"]
        if f["properties"]["slug"] == "qamishli-last-plane-2026-01-27"
    )
    supporting = [c for c in last_plane["citations"] if c["stance"] == "supports"]
    assert last_plane["single_sourced"]
    assert all(c["credibility"] > 1 for c in supporting)
    assert any(
        c["stance"] == "disputes" and c["publisher"].startswith("AP")
        for c in last_plane["citations"]
    )
