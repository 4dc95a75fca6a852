"""The review pages: a contributor proposes, an editor reads the diff and publishes it through the
page's form, and the change shows up in /changes, the Atom feed and the record's history.

Real SQLite (a writable copy of the seeded dataset); people sign in through /login and post the
pages' own forms with their CSRF token and this site's Origin, like a browser.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import accounts, changesets
from app.db import Database
from app.main import create_app
from app.models import ChangeSet, Citation, Deployment, Event, Role, User
from app.settings import Settings

BASE_URL = "https://testserver"
ORIGIN = {"Origin": BASE_URL}
PASSWORD = "a long enough password"
DRAWDOWN = "ru-qamishli-drawdown"
ATOM = "{http://www.w3.org/2005/Atom}"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    db: Database
    app: Any
    users: dict[str, int]
    tokens: dict[str, str]

    def browser(self, name: str | None = None) -> TestClient:
        """A new browser, signed in as `name` (or anonymous)."""
        client = TestClient(self.app, base_url=BASE_URL)
        if name is not None:
            answer = client.post(
                "/login",
                data={"name": name, "password": PASSWORD, "next": "/review"},
                headers=ORIGIN,
                follow_redirects=False,
            )
            assert answer.status_code == 303, answer.text
        return client

    def api(self, name: str) -> TestClient:
        return TestClient(
            self.app,
            base_url=BASE_URL,
            headers={"Authorization": f"Bearer {self.tokens[name]}"},
        )

    def end_of(self, slug: str = DRAWDOWN) -> str:
        with self.db.session() as s:
            found = s.scalar(select(Deployment).where(Deployment.slug == slug))
            assert found is not None
            return found.end_date.isoformat() if found.end_date else ""

    def status_of(self, cs_id: int) -> str:
        with self.db.session() as s:
            cs = s.get(ChangeSet, cs_id)
            assert cs is not None
            return cs.status

    def publish(self, cs_id: int, editor: str) -> None:
        """Publish with the engine, as another editor elsewhere would."""
        with self.db.write_session() as s:
            cs, user = s.get(ChangeSet, cs_id), s.get(User, self.users[editor])
            assert cs is not None and user is not None
            changesets.publish(s, cs, user)
            s.commit()


@pytest.fixture
def world(seeded_copy: Database) -> Iterator[World]:
    users, tokens = {}, {}
    with seeded_copy.write_session() as s:
        for name, role in [
            ("carla", Role.contributor),
            ("eddie", Role.editor),
            ("erin", Role.editor),
        ]:
            user = accounts.create_user(s, name, role, PASSWORD)
            users[name] = user.id
            tokens[name] = accounts.issue_token(s, user)
        s.commit()
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    yield World(seeded_copy, app, users, tokens)
    app.state.db.close()


def csrf_of(page: str) -> str:
    found = CSRF_FIELD.search(page)
    assert found, "no csrf_token on the page"
    return found.group(1)


def post_form(
    client: TestClient, page_path: str, action: str, data: dict[str, str] | None = None
) -> Any:
    """Open a page, then post one of its forms with the page's CSRF token, as a browser would."""
    page = client.get(page_path)
    assert page.status_code == 200, page.text
    return client.post(
        action,
        data={"csrf_token": csrf_of(page.text), **(data or {})},
        headers=ORIGIN,
        follow_redirects=False,
    )


def propose_new_end(
    world: World,
    author: str = "carla",
    end: str = "2026-01-29",
    source: str = "new-report-2026",
    note: str | None = None,
    propose: bool = True,
) -> int:
    """A change set through the JSON API: a new source, the new end, a citation for it."""
    values = {"end": end, "end_precision": "day"}
    if note is not None:
        values["note"] = note
    body = {
        "comment": f"Drawdown ends on {end}",
        "operations": [
            {
                "action": "create",
                "entity": "source",
                "values": {
                    "slug": source,
                    "publisher": "Example Wire",
                    "title": "Last Russian plane left on 28 January",
                    "url": "https://example.org/report",
                    "reliability": "B",
                },
            },
            {"action": "update", "entity": "deployment", "key": DRAWDOWN, "values": values},
            {
                "action": "create",
                "entity": "citation",
                "values": {
                    "source": source,
                    "record_type": "deployment",
                    "record": DRAWDOWN,
                    "stance": "supports",
                    "credibility": "2",
                    "claim": "The last plane left on 28 January.",
                },
            },
        ],
    }
    api = world.api(author)
    answer = api.post("/api/v1/changesets", json=body)
    assert answer.status_code == 201, answer.text
    cs_id = int(answer.json()["id"])
    if propose:
        answer = api.post(f"/api/v1/changesets/{cs_id}/propose")
        assert answer.status_code == 200, answer.text
    return cs_id


def operation_block(page: str, position: int) -> str:
    """The HTML of one operation on a change set page."""
    start = page.index(f'id="op-{position}"')
    end = page.find('class="op ', start)
    return page[start : end if end != -1 else len(page)]


def entries_of(feed: str) -> list[ET.Element]:
    root = ET.fromstring(feed)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def text_of(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, path
    return found.text or ""


# ---- the whole story


def test_a_proposal_is_reviewed_published_and_shown_in_changes_feed_and_history(world):
    cs_id = propose_new_end(world)

    # The author sees it waiting for review.
    carla = world.browser("carla")
    review = carla.get("/review")
    assert review.status_code == 200
    waiting = review.text[review.text.index('id="waiting"') : review.text.index("drafts-heading")]
    assert f'data-change-set="{cs_id}"' in waiting
    assert "Drawdown ends on 2026-01-29" in waiting
    assert "carla" in waiting and "3 operations" in waiting
    assert f"changes deployment {DRAWDOWN}" in waiting
    # ... but has no publish button on her own change set.
    own = carla.get(f"/changesets/{cs_id}")
    assert own.status_code == 200
    assert 'id="publish"' not in own.text

    # An editor reads the diff: the deployment's end, before and after.
    eddie = world.browser("eddie")
    page = eddie.get(f"/changesets/{cs_id}")
    assert page.status_code == 200
    assert "proposed" in page.text and "carla" in page.text
    update = operation_block(page.text, 2)
    assert f"deployment {DRAWDOWN}" in update
    assert re.search(
        r"<code>end</code>.*?<del>2026-01-28</del>.*?<ins>2026-01-29</ins>", update, re.S
    )
    assert "New source" in operation_block(page.text, 1)
    assert "New citation" in operation_block(page.text, 3)
    assert f'href="/?preview={cs_id}"' in page.text
    assert 'id="conflicts"' not in page.text

    # ... and publishes it with the page's form.
    answer = post_form(eddie, f"/changesets/{cs_id}", f"/changesets/{cs_id}/publish")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/changesets/{cs_id}?done=published"
    assert world.end_of() == "2026-01-29"
    assert world.status_of(cs_id) == "published"
    done = eddie.get(answer.headers["location"])
    assert "Published: the change is now in the data" in done.text
    assert 'id="reviewer">eddie' in done.text
    assert 'id="revert"' in done.text and 'id="publish"' not in done.text

    # Anyone sees it in /changes, with both names and the field diff.
    anonymous = world.browser()
    changes = anonymous.get("/changes")
    assert changes.status_code == 200
    group = changes.text[changes.text.index(f'data-change-set="{cs_id}"') :]
    assert 'data-role="proposed">carla<' in group and 'data-role="published">eddie<' in group
    assert f'href="/history/deployment/{DRAWDOWN}"' in group
    assert "<del>2026-01-28</del>" in group and "<ins>2026-01-29</ins>" in group
    assert f'href="/changesets/{cs_id}"' in group and "sign-in needed" in group
    assert 'href="/sources#source-new-report-2026"' in group

    # ... and in the Atom feed.
    feed = anonymous.get("/changes.atom")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = entries_of(feed.text)
    titles = [text_of(e, f"{ATOM}title") for e in entries]
    assert f"Changed deployment {DRAWDOWN}" in titles
    assert "New source new-report-2026" in titles
    deployment = entries[titles.index(f"Changed deployment {DRAWDOWN}")]
    assert text_of(deployment, f"{ATOM}author/{ATOM}name") == "carla"
    assert text_of(deployment, f"{ATOM}contributor/{ATOM}name") == "eddie"
    assert "end: 2026-01-28 → 2026-01-29" in text_of(deployment, f"{ATOM}summary")
    assert text_of(deployment, f"{ATOM}id").startswith("tag:testserver,2026:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text_of(deployment, f"{ATOM}updated"))
    link = deployment.find(f"{ATOM}link[@rel='alternate']")
    assert link is not None
    assert link.get("href") == f"{BASE_URL}/history/deployment/{DRAWDOWN}"
    assert len({text_of(e, f"{ATOM}id") for e in entries}) == len(entries)

    # The record's history page and the site's page show it.
    history = anonymous.get(f"/history/deployment/{DRAWDOWN}")
    assert history.status_code == 200
    assert "<del>2026-01-28</del>" in history.text and "<ins>2026-01-29</ins>" in history.text
    assert 'data-role="proposed">carla<' in history.text
    assert 'data-role="published">eddie<' in history.text
    assert f'href="/changesets/{cs_id}"' in history.text
    # The new citation backs the deployment, so it is part of its history too.
    assert "New</span>" in history.text and "citation" in history.text
    site = anonymous.get("/sites/qamishli-airport")
    assert site.status_code == 200
    section = site.text[site.text.index('id="history-heading"') :]
    assert f'data-key="{DRAWDOWN}"' in section
    assert "<ins>2026-01-29</ins>" in section and 'data-role="published">eddie<' in section

    # The editor's review page now lists it as decided.
    decided = eddie.get("/review").text
    assert f'data-change-set="{cs_id}"' in decided[decided.index('id="decided"') :]


def test_the_author_cannot_publish_their_own_change_set(world):
    cs_id = propose_new_end(world, author="eddie")
    eddie = world.browser("eddie")
    page = eddie.get(f"/changesets/{cs_id}")
    assert page.status_code == 200
    assert 'id="publish"' not in page.text
    assert "another editor must publish it" in page.text
    # A forged post (the right token, so only the rule stops it) is refused, nothing changes.
    answer = post_form(eddie, f"/changesets/{cs_id}", f"/changesets/{cs_id}/publish")
    assert answer.status_code == 403
    assert "an editor other than its author must review a change set" in answer.text
    assert 'id="refusal"' in answer.text
    assert world.end_of() == "2026-01-28" and world.status_of(cs_id) == "proposed"
    # A contributor may not publish at all, and nobody may without the CSRF token.
    carla_set = propose_new_end(world, source="other-report-2026")
    carla = world.browser("carla")
    assert 'id="publish"' not in carla.get(f"/changesets/{carla_set}").text
    answer = post_form(carla, f"/changesets/{carla_set}", f"/changesets/{carla_set}/publish")
    assert answer.status_code == 403
    erin = world.browser("erin")
    answer = erin.post(f"/changesets/{cs_id}/publish", headers=ORIGIN, follow_redirects=False)
    assert answer.status_code == 403
    answer = erin.post(
        f"/changesets/{cs_id}/publish",
        data={"csrf_token": csrf_of(erin.get("/review").text)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert world.status_of(cs_id) == "proposed"


def test_self_publishing_is_offered_where_the_settings_allow_it(world):
    cs_id = propose_new_end(world, author="eddie")
    world.app.state.settings = Settings(
        database_url=world.db.url, remote_tiles=False, allow_self_publish=True
    )
    eddie = world.browser("eddie")
    assert 'id="publish"' in eddie.get(f"/changesets/{cs_id}").text
    answer = post_form(eddie, f"/changesets/{cs_id}", f"/changesets/{cs_id}/publish")
    assert answer.status_code == 303
    assert world.end_of() == "2026-01-29"


def test_an_editor_rejects_with_a_reason_that_the_page_shows(world):
    cs_id = propose_new_end(world)
    erin = world.browser("erin")
    reason = "AFP alone dates the last plane; <b>wait</b> for a second source & retry."
    answer = post_form(
        erin, f"/changesets/{cs_id}", f"/changesets/{cs_id}/reject", {"reason": reason}
    )
    assert answer.status_code == 303, answer.text
    assert world.status_of(cs_id) == "rejected" and world.end_of() == "2026-01-28"
    page = world.browser("carla").get(f"/changesets/{cs_id}")
    assert "rejected" in page.text
    assert "Rejected by</dt>" in page.text and 'id="reviewer">erin' in page.text
    escaped = (
        "AFP alone dates the last plane; &lt;b&gt;wait&lt;/b&gt; for a second source &amp; retry."
    )
    assert f'id="reason">{escaped}</dd>' in page.text
    assert "<b>wait</b>" not in page.text
    assert 'id="publish"' not in page.text and 'id="reject"' not in page.text
    # Rejecting again is the wrong state: 409, in words.
    again = post_form(erin, f"/changesets/{cs_id}", f"/changesets/{cs_id}/reject", {"reason": "x"})
    assert again.status_code == 409
    assert "is rejected, not proposed" in again.text


def test_an_editor_withdraws_their_own_proposal(world):
    cs_id = propose_new_end(world, author="eddie")
    eddie = world.browser("eddie")
    page = eddie.get(f"/changesets/{cs_id}")
    assert 'id="withdraw"' in page.text and 'id="reject"' not in page.text
    answer = post_form(eddie, f"/changesets/{cs_id}", f"/changesets/{cs_id}/reject")
    assert answer.status_code == 303
    assert world.status_of(cs_id) == "rejected"
    assert "Withdrawn by</dt>" in eddie.get(f"/changesets/{cs_id}").text


def test_reverting_proposes_a_change_set_whose_publication_restores_the_old_end(world):
    cs_id = propose_new_end(world)
    world.publish(cs_id, "eddie")
    assert world.end_of() == "2026-01-29"
    erin = world.browser("erin")
    answer = post_form(erin, f"/changesets/{cs_id}", f"/changesets/{cs_id}/revert")
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/changesets/(\d+)\?done=reverted", answer.headers["location"])
    assert found, answer.headers["location"]
    undo_id = int(found.group(1))
    assert undo_id != cs_id and world.status_of(undo_id) == "proposed"
    undo = erin.get(answer.headers["location"])
    assert f'href="/changesets/{cs_id}"' in undo.text and "Undoes" in undo.text
    assert "Deleted citation" in undo.text and "Deleted source" in undo.text
    assert re.search(r"<del>2026-01-29</del>.*?<ins>2026-01-28</ins>", undo.text, re.S)
    # erin proposed the revert, so eddie publishes it.
    eddie = world.browser("eddie")
    answer = post_form(eddie, f"/changesets/{undo_id}", f"/changesets/{undo_id}/publish")
    assert answer.status_code == 303, answer.text
    assert world.end_of() == "2026-01-28"
    original = eddie.get(f"/changesets/{cs_id}").text
    assert "Undone by" in original and f'href="/changesets/{undo_id}"' in original
    history = eddie.get(f"/history/deployment/{DRAWDOWN}").text
    assert history.index("<ins>2026-01-28</ins>") < history.index("<ins>2026-01-29</ins>")
    # The deleted source keeps its history, though its page entry is gone.
    source = eddie.get("/history/source/new-report-2026")
    assert source.status_code == 200
    assert "not in the data now" in source.text and "Deleted</span>" in source.text


def test_a_conflict_is_shown_in_words_and_blocks_publishing(world):
    cs_id = propose_new_end(world)
    # Meanwhile another change to the same record is published.
    other = propose_new_end(world, end="2026-01-30", source="third-report-2026")
    world.publish(other, "erin")
    assert world.end_of() == "2026-01-30"
    eddie = world.browser("eddie")
    page = eddie.get(f"/changesets/{cs_id}")
    assert page.status_code == 200
    conflicts = page.text[page.text.index('id="conflicts"') : page.text.index("cs-facts")]
    assert "Publishing is blocked" in conflicts
    assert f"(deployment {DRAWDOWN}): end was 2026-01-28 when proposed, is now 2026-01-30" in (
        conflicts
    )
    assert re.search(r'id="publish" disabled', page.text)
    answer = post_form(eddie, f"/changesets/{cs_id}", f"/changesets/{cs_id}/publish")
    assert answer.status_code == 409
    refusal = answer.text[answer.text.index('id="refusal"') :]
    assert "Not published: records changed since this change set was written." in refusal
    assert "end was 2026-01-28 when proposed, is now 2026-01-30" in refusal
    assert world.end_of() == "2026-01-30" and world.status_of(cs_id) == "proposed"


def test_the_author_removes_an_operation_and_proposes_through_the_page(world):
    cs_id = propose_new_end(world, propose=False)
    carla = world.browser("carla")
    page = carla.get(f"/changesets/{cs_id}")
    assert 'id="propose"' in page.text and "Remove operation 3" in page.text
    assert "draft" in page.text
    # Nobody else may remove it.
    erin = world.browser("erin")
    assert "Remove operation" not in erin.get(f"/changesets/{cs_id}").text
    answer = post_form(erin, f"/changesets/{cs_id}", f"/changesets/{cs_id}/operations/3/remove")
    assert answer.status_code == 403
    # The author removes the citation, then the source: the update alone may be proposed.
    for position in (3, 1):
        answer = post_form(
            carla, f"/changesets/{cs_id}", f"/changesets/{cs_id}/operations/{position}/remove"
        )
        assert answer.status_code == 303, answer.text
    page = carla.get(f"/changesets/{cs_id}").text
    assert "1 operation<" in page and f"deployment {DRAWDOWN}" in page
    answer = post_form(carla, f"/changesets/{cs_id}", f"/changesets/{cs_id}/propose")
    assert answer.status_code == 303
    assert world.status_of(cs_id) == "proposed"
    # Removing an operation that is not there is a 422 in words, not a 500.
    answer = post_form(carla, f"/changesets/{cs_id}", f"/changesets/{cs_id}/operations/9/remove")
    assert answer.status_code == 422
    assert "no such operation in this change set" in answer.text


def test_proposing_an_empty_draft_is_refused_on_the_page(world):
    answer = world.api("carla").post("/api/v1/changesets", json={"comment": "Nothing yet"})
    cs_id = int(answer.json()["id"])
    carla = world.browser("carla")
    answer = post_form(carla, f"/changesets/{cs_id}", f"/changesets/{cs_id}/propose")
    assert answer.status_code == 422
    assert "holds no operation yet" in answer.text
    assert world.status_of(cs_id) == "draft"
    drafts = carla.get("/review").text
    assert f'data-change-set="{cs_id}"' in drafts[drafts.index('id="drafts"') :]


def test_comments_are_added_and_an_empty_one_is_refused(world):
    cs_id = propose_new_end(world)
    erin = world.browser("erin")
    text = "Is there a second source for <28 January>?"
    answer = post_form(
        erin, f"/changesets/{cs_id}", f"/changesets/{cs_id}/comments", {"text": text}
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/changesets/{cs_id}?done=commented#comment-")
    page = world.browser("carla").get(f"/changesets/{cs_id}").text
    assert "Is there a second source for &lt;28 January&gt;?" in page
    answer = post_form(
        erin, f"/changesets/{cs_id}", f"/changesets/{cs_id}/comments", {"text": "  "}
    )
    assert answer.status_code == 422
    assert "write 1 to 5000 characters" in answer.text


def test_review_pages_need_an_account_and_unknown_change_sets_are_404(world):
    cs_id = propose_new_end(world)
    anonymous = world.browser()
    for path in (f"/changesets/{cs_id}", "/review"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"
    answer = anonymous.post(f"/changesets/{cs_id}/publish", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    carla = world.browser("carla")
    for path in ("/changesets/999999", "/changesets/99999999999"):
        missing = carla.get(path)
        assert missing.status_code == 404, path
        assert "There is no change set" in missing.text
    assert world.browser().get("/history/planet/mars").status_code == 404
    # Reading history and changes needs no account.
    assert anonymous.get("/history/citation/1").status_code == 200
    assert anonymous.get("/changes").status_code == 200


HOSTILE = "Ends ]]> here <script>alert(1)</script> & \x01bell\x0b and \ufffe too"


def test_the_feed_stays_valid_xml_with_hostile_text_in_the_data(world):
    cs_id = propose_new_end(world, note=HOSTILE)
    world.publish(cs_id, "eddie")
    anonymous = world.browser()
    feed = anonymous.get("/changes.atom")
    assert feed.status_code == 200
    entries = entries_of(feed.text)
    summary = next(
        text_of(e, f"{ATOM}summary")
        for e in entries
        if text_of(e, f"{ATOM}title") == f"Changed deployment {DRAWDOWN}"
    )
    assert "Ends ]]> here <script>alert(1)</script> &" in summary
    assert "\x01" not in summary and "\x0b" not in summary
    assert "<script>" not in feed.text
    page = anonymous.get("/changes").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    history = anonymous.get(f"/history/deployment/{DRAWDOWN}").text
    assert "<script>alert(1)</script>" not in history


def test_actor_and_source_pages_link_their_history(world):
    cs_id = propose_new_end(world)
    world.publish(cs_id, "eddie")
    anonymous = world.browser()
    sources = anonymous.get("/sources").text
    assert 'href="/history/source/new-report-2026"' in sources
    source = anonymous.get("/history/source/new-report-2026").text
    assert "New</span>" in source and "Example Wire" in source
    actor = anonymous.get("/actors/russia")
    assert actor.status_code == 200
    section = actor.text[actor.text.index('id="history-heading"') :]
    assert f'data-key="{DRAWDOWN}"' in section
    empty = anonymous.get("/sites/hmeimim")
    assert empty.status_code == 200
    assert "reads as first imported" in empty.text


def test_a_deleted_event_stays_in_its_sites_history(world):
    event = "qamishli-last-plane-2026-01-27"
    with world.db.write_session() as s:
        author = s.get(User, world.users["eddie"])
        assert author is not None
        found = s.scalar(select(Event).where(Event.slug == event))
        assert found is not None
        cs = changesets.create_change_set(s, author, "Remove the duplicate event")
        for citation in s.scalars(select(Citation).where(Citation.event_id == found.id)):
            changesets.add_operation(s, cs, author, "delete", "citation", str(citation.id))
        changesets.add_operation(s, cs, author, "delete", "event", event)
        changesets.propose(s, cs, author)
        s.commit()
        cs_id = cs.id
    world.publish(cs_id, "erin")
    anonymous = world.browser()
    site = anonymous.get("/sites/qamishli-airport").text
    section = site[site.index('id="history-heading"') :]
    assert f'data-key="{event}"' in section and "Deleted</span>" in section
    history = anonymous.get(f"/history/event/{event}").text
    assert "not in the data now" in history and "Deleted</span>" in history
    assert "Deleted citation" in world.browser("carla").get(f"/changesets/{cs_id}").text
