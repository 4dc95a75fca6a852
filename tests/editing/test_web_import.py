"""Web import: a dataset .zip uploaded through the API or the /import page becomes a change set.

The dry run's counts, warnings and problems come back; a refused upload writes nothing; the zip
is read under WEB_LIMITS (no bombs, no `..` members); the body limit answers 413 first; and
nothing reaches readers until an editor publishes the change set.
"""

import csv
import io
import re
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import accounts
from app.api import imports
from app.db import Database
from app.io.exchange import Limits, export_dataset
from app.io.upload import NOTHING_TO_REVIEW, import_upload
from app.main import create_app
from app.models import ChangeSet, Deployment, Role, User
from app.settings import Settings

BASE_URL = "https://testserver"
PASSWORD = "a long enough password"
DRAWDOWN = "ru-qamishli-drawdown"
NEW_END = "2026-01-29"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(url: str, **settings: int) -> FastAPI:
    app = create_app(Settings(database_url=url, remote_tiles=False, **settings))
    # Until app/main.py includes the API router (included routers are kept whole, not flattened).
    if not any(getattr(r, "original_router", None) is imports.router for r in app.routes):
        app.include_router(imports.router)
    return app


@dataclass
class World:
    db: Database
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]
    export: dict[str, str]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def change_sets(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count(ChangeSet.id))) or 0

    def end_of(self, slug: str) -> str | None:
        with self.db.session() as s:
            end = s.scalar(select(Deployment.end_date).where(Deployment.slug == slug))
            return end.isoformat() if end else None

    def upload(
        self, files: dict[str, str | bytes], name: str = "dataset.zip", **form: str
    ) -> object:
        return self.client.post(
            "/api/v1/imports",
            files={"file": (name, zipped(files), "application/zip")},
            data={"comment": "Qamishli drawdown ends a day later", **form},
            headers=self.auth("carla"),
        )


def zipped(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def edited(files: dict[str, str], filename: str, index: int, **values: str) -> dict[str, str]:
    """The dataset with one row (0 = the first after the header) of one file changed."""
    reader = csv.DictReader(io.StringIO(files[filename], newline=""))
    rows = list(reader)
    rows[index].update(values)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return {**files, filename: out.getvalue()}


def row_index(files: dict[str, str], filename: str, slug: str) -> int:
    rows = list(csv.DictReader(io.StringIO(files[filename], newline="")))
    return next(i for i, row in enumerate(rows) if row["slug"] == slug)


@pytest.fixture
def world(seeded_copy: Database, tmp_path: Path) -> Iterator[World]:
    tokens = {}
    with seeded_copy.write_session() as s:
        for name, role in (
            ("vera", Role.viewer),
            ("carla", Role.contributor),
            ("eddie", Role.editor),
        ):
            user = accounts.create_user(s, name, role, PASSWORD)
            tokens[name] = accounts.issue_token(s, user)
        s.commit()
    with seeded_copy.session() as s:
        export_dataset(s, tmp_path / "x.zip")
    with zipfile.ZipFile(tmp_path / "x.zip") as archive:
        export = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    app = make_app(seeded_copy.url)
    with TestClient(app, base_url=BASE_URL) as client:
        yield World(seeded_copy, app, client, tokens, export)


def moved_end(world: World) -> dict[str, str]:
    index = row_index(world.export, "deployments.csv", DRAWDOWN)
    return edited(world.export, "deployments.csv", index, end=NEW_END, end_precision="day")


# --- the API ---------------------------------------------------------------------------------


def test_an_upload_becomes_a_proposed_change_set_published_only_by_an_editor(world):
    before = world.end_of(DRAWDOWN)
    assert before is not None and before != NEW_END
    answer = world.upload(moved_end(world))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["counts"]["create"] == {}
    assert body["counts"]["update"] == {"deployment": 1}
    assert body["counts"]["delete"] == {}
    assert body["counts"]["unchanged"] > 100
    assert isinstance(body["warnings"], list)
    cs = body["change_set"]
    assert cs["status"] == "proposed"
    assert cs["author"] == "carla"
    assert cs["comment"] == "Qamishli drawdown ends a day later"
    [op] = cs["operations"]
    assert (op["action"], op["entity"], op["key"]) == ("update", "deployment", DRAWDOWN)
    assert op["values"] == {"end": NEW_END}
    # Proposed is not published: readers still see the old end.
    assert world.end_of(DRAWDOWN) == before

    published = world.client.post(
        f"/api/v1/changesets/{cs['id']}/publish", headers=world.auth("eddie")
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert world.end_of(DRAWDOWN) == NEW_END


def test_propose_false_keeps_the_change_set_a_draft(world):
    answer = world.upload(moved_end(world), propose="false")
    assert answer.status_code == 201, answer.text
    assert answer.json()["change_set"]["status"] == "draft"


def test_the_answer_lists_the_dry_runs_warnings_as_file_line_column_message(world):
    # A movement from a site where its force has no deployment is allowed, but doubtful.
    move = "hmeimim-to-qamishli-2019-11"
    index = row_index(world.export, "movements.csv", move)
    files = edited(world.export, "movements.csv", index, from_site="tartus")
    answer = world.upload(files)
    assert answer.status_code == 201, answer.text
    assert answer.json()["counts"]["update"] == {"movement": 1}
    line = index + 2
    assert any(
        w.startswith(f"movements.csv:{line}: from_site: 'ru-qamishli-group'") and "tartus" in w
        for w in answer.json()["warnings"]
    ), answer.json()["warnings"]


def test_a_broken_upload_lists_every_problem_and_writes_nothing(world):
    before = world.change_sets()
    files = edited(world.export, "deployments.csv", 1, end="2026-13-45")
    answer = world.upload(files)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    [problem] = body["detail"]
    assert problem["loc"] == ["body", "file", "deployments.csv", 3, "end"]
    assert (problem["file"], problem["line"], problem["column"]) == ("deployments.csv", 3, "end")
    assert problem["type"] == "dataset"
    assert "deployments.csv:3: end:" in body["message"]
    assert "nothing was saved" in body["message"]
    assert world.change_sets() == before


def test_every_problem_is_reported_not_only_the_first(world):
    files = edited(world.export, "deployments.csv", 1, end="2026-13-45")
    files = edited(files, "deployments.csv", 3, status="resting", confidence="")
    answer = world.upload(files)
    assert answer.status_code == 422, answer.text
    where = [(p["file"], p["line"], p["column"]) for p in answer.json()["detail"]]
    assert where == [
        ("deployments.csv", 3, "end"),
        ("deployments.csv", 5, "status"),
        ("deployments.csv", 5, "confidence"),
    ]


def test_an_upload_that_changes_nothing_is_refused_and_leaves_no_change_set(world):
    before = world.change_sets()
    answer = world.upload(world.export)
    assert answer.status_code == 422, answer.text
    assert answer.json()["message"] == NOTHING_TO_REVIEW
    assert answer.json()["detail"][0]["type"] == "unchanged"
    assert world.change_sets() == before


def test_a_new_deployment_without_a_supporting_citation_cannot_be_proposed(world):
    before = world.change_sets()
    reader = csv.DictReader(io.StringIO(world.export["deployments.csv"], newline=""))
    first = next(reader)
    row = {**first, "slug": "ru-new-presence", "end": "", "end_precision": ""}
    line = ",".join(f'"{row[c]}"' for c in reader.fieldnames or [])
    files = {**world.export, "deployments.csv": world.export["deployments.csv"] + line + "\n"}
    answer = world.upload(files)
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["type"] == "change_set"
    assert "ru-new-presence" in problem["msg"]
    assert world.change_sets() == before
    # As a draft it is kept, to be given its citation before it is proposed.
    draft = world.upload(files, propose="false")
    assert draft.status_code == 201, draft.text
    assert draft.json()["counts"]["create"] == {"deployment": 1}


def test_a_zip_bomb_is_refused_quickly_with_a_clear_message(world):
    before = world.change_sets()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in world.export.items():
            if name != "deployments.csv":
                archive.writestr(name, text)
        with archive.open("deployments.csv", "w") as member:
            zeros = bytes(1024 * 1024)
            for _ in range(64):  # 64 MB of zeros: past the 50 MB a file may unpack to
                member.write(zeros)
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    answer = world.client.post(
        "/api/v1/imports",
        files={"file": ("bomb.zip", bomb, "application/zip")},
        data={"comment": "bomb"},
        headers=world.auth("carla"),
    )
    assert time.monotonic() - started < 5
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["file"] == "deployments.csv"
    assert "unpacks to more than 52,428,800 bytes" in problem["msg"]
    assert world.change_sets() == before


def test_a_member_climbing_out_of_the_archive_is_refused_by_name(world):
    answer = world.upload({**world.export, "../evil.csv": "slug\nx\n"})
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["file"] == "../evil.csv"
    assert "'..'" in problem["msg"]


@pytest.mark.parametrize("content", [b"slug,name\nx,y\n", b"", b"PK\x05\x06" + b"\0" * 3])
def test_a_file_that_is_not_a_zip_is_refused_by_name(world, content):
    before = world.change_sets()
    answer = world.client.post(
        "/api/v1/imports",
        files={"file": ("actors.csv", content, "text/csv")},
        data={"comment": "not a zip"},
        headers=world.auth("carla"),
    )
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "file", "actors.csv", None, None]
    assert "is not a .zip file" in problem["msg"]
    assert answer.json()["message"].startswith("nothing was saved")
    assert world.change_sets() == before


def test_archive_problems_name_the_uploaded_file_not_a_temporary_one(world):
    # Two end-of-directory records' worth of junk: a zip by its signature, unreadable inside.
    junk = zipped(world.export)[:-22] + b"PK\x05\x06" + b"\xff" * 18
    answer = world.client.post(
        "/api/v1/imports",
        files={"file": ("mine.zip", junk, "application/zip")},
        data={"comment": "junk"},
        headers=world.auth("carla"),
    )
    assert answer.status_code == 422, answer.text
    assert "upload.zip" not in answer.text


@pytest.mark.parametrize(
    "data, files",
    [
        ({"comment": "no file"}, None),
        ({}, {"file": ("x.zip", b"PK", "application/zip")}),
        ({"comment": ""}, {"file": ("x.zip", b"PK", "application/zip")}),
        ({"comment": "x", "propose": "maybe"}, {"file": ("x.zip", b"PK", "application/zip")}),
        ({"comment": "x" * 5001}, {"file": ("x.zip", b"PK", "application/zip")}),
    ],
)
def test_missing_or_invalid_fields_are_422(world, data, files):
    before = world.change_sets()
    answer = world.client.post(
        "/api/v1/imports", data=data, files=files, headers=world.auth("carla")
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["message"]
    assert world.change_sets() == before


def test_a_blank_comment_is_refused_after_the_check(world):
    before = world.change_sets()
    answer = world.upload(moved_end(world), comment="   ")
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "comment"]
    assert world.change_sets() == before


def test_a_body_over_the_upload_limit_is_413(seeded_copy):
    with seeded_copy.write_session() as s:
        token = accounts.issue_token(
            s, accounts.create_user(s, "carla", Role.contributor, PASSWORD)
        )
        s.commit()
    app = make_app(seeded_copy.url, max_upload_bytes=100_000)
    with TestClient(app, base_url=BASE_URL) as client:
        answer = client.post(
            "/api/v1/imports",
            files={"file": ("big.zip", bytes(200_000), "application/zip")},
            data={"comment": "too big"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 413, answer.text
        assert "100000" in answer.json()["message"]
        # Sent in chunks, without Content-Length: cut off while it is read.
        body = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.zip"\r\n\r\n'
            + bytes(200_000)
            + b"\r\n--b--\r\n"
        )
        chunked = client.post(
            "/api/v1/imports",
            content=(body[i : i + 4096] for i in range(0, len(body), 4096)),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "multipart/form-data; boundary=b",
            },
        )
        assert chunked.status_code == 413, chunked.text


def test_anonymous_is_401_and_a_viewer_403(world):
    before = world.change_sets()
    files = {"file": ("x.zip", zipped(moved_end(world)), "application/zip")}
    anonymous = world.client.post("/api/v1/imports", files=files, data={"comment": "x"})
    assert anonymous.status_code == 401, anonymous.text
    viewer = world.client.post(
        "/api/v1/imports", files=files, data={"comment": "x"}, headers=world.auth("vera")
    )
    assert viewer.status_code == 403, viewer.text
    assert world.change_sets() == before


def test_the_temporary_copy_is_removed_whatever_the_outcome(world, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert world.upload(moved_end(world)).status_code == 201
    assert world.upload(world.export).status_code == 422
    assert world.upload({"../evil.csv": "x"}).status_code == 422
    assert list(scratch.iterdir()) == []


def test_the_operation_is_in_the_schema_with_its_answers(world):
    schema = world.client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/imports"]["post"]
    assert {"201", "401", "403", "413", "422"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["$ref"].startswith("#/components/schemas/")


# --- limits injected into the shared function --------------------------------------------------


def test_member_and_size_limits_are_the_callers(world):
    with world.db.write_session() as s:
        user = s.scalar(select(User).where(User.name == "carla"))
        assert user is not None
        report = import_upload(
            s,
            user,
            io.BytesIO(zipped(moved_end(world))),
            "small.zip",
            "x",
            limits=Limits(members=3),
        )
        assert report.change_set is None
        [problem] = report.problems
        assert problem.file == "small.zip"
        assert "holds 8 entries" in problem.message
        report = import_upload(
            s,
            user,
            io.BytesIO(zipped(moved_end(world))),
            "small.zip",
            "x",
            limits=Limits(member_bytes=1000),
        )
        assert report.change_set is None
        assert "unpacks to more than 1,000 bytes" in report.problems[0].message
    assert world.change_sets() == 0


# --- the page --------------------------------------------------------------------------------


def sign_in(world: World, name: str = "carla") -> tuple[TestClient, str]:
    browser = TestClient(world.app, base_url=BASE_URL)
    answer = browser.post(
        "/login",
        data={"name": name, "password": PASSWORD, "next": "/import"},
        headers={"Origin": BASE_URL},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = browser.get("/import")
    assert page.status_code == 200, page.text
    found = CSRF_FIELD.search(page.text)
    assert found
    return browser, found.group(1)


def post_page(
    browser: TestClient, csrf: str, content: bytes, name: str = "dataset.zip", **data: str
) -> object:
    return browser.post(
        "/import",
        files={"file": (name, content, "application/zip")},
        data={"comment": "Qamishli drawdown ends a day later", "csrf_token": csrf, **data},
        headers={"Origin": BASE_URL},
    )


def cells(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<td class="{css_class}[^"]*">([^<]*)</td>', html)


def test_the_page_shows_the_form_and_how_to_make_the_zip(world):
    browser, _csrf = sign_in(world)
    page = browser.get("/import")
    html = page.text
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'accept=".zip' in html
    assert 'name="comment"' in html
    assert re.search(r'name="propose" value="1" checked', html)
    assert "orbat export" in html and "slug" in html
    assert 'href="/import/format"' in html
    format_text = browser.get("/import/format")
    assert format_text.status_code == 200
    assert format_text.headers["content-type"].startswith("text/plain")
    assert "# The Orbat exchange format" in format_text.text


def test_the_page_sends_anonymous_visitors_to_sign_in(world):
    answer = world.client.get("/import", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/import"


def test_a_page_upload_shows_the_report_and_links_the_change_set(world):
    browser, csrf = sign_in(world)
    before = world.change_sets()
    answer = post_page(browser, csrf, zipped(moved_end(world)), propose="1")
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert world.change_sets() == before + 1
    found = re.search(
        r'<a href="/changesets/(\d+)" id="change-set-link">Review change set (\d+)', html
    )
    assert found and found.group(1) == found.group(2)
    row = re.search(r'<tr id="count-deployment"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None
    assert '<td class="count-update num">1</td>' in row.group(1)
    assert '<td class="count-create num">0</td>' in row.group(1)
    assert re.search(r'id="unchanged">Unchanged: \d+ rows', html)
    assert "waiting for review" in html
    with world.db.session() as s:
        cs = s.get(ChangeSet, int(found.group(1)))
        assert cs is not None and cs.status == "proposed"
    assert browser.get(f"/changesets/{found.group(1)}").status_code == 200
    assert world.end_of(DRAWDOWN) != NEW_END


def test_a_page_upload_without_the_box_ticked_is_a_draft_and_shows_the_warnings(world):
    browser, csrf = sign_in(world)
    index = row_index(world.export, "movements.csv", "hmeimim-to-qamishli-2019-11")
    files = edited(world.export, "movements.csv", index, from_site="tartus")
    answer = post_page(browser, csrf, zipped(files))
    assert answer.status_code == 200, answer.text
    assert "saved as a draft" in answer.text
    warnings = re.search(r'<ul id="warnings-list">(.*?)</ul>', answer.text, re.S)
    assert warnings is not None
    assert f"movements.csv:{index + 2}: from_site: " in warnings.group(1)


def test_a_page_upload_with_problems_lists_them_and_creates_nothing(world):
    browser, csrf = sign_in(world)
    before = world.change_sets()
    files = edited(world.export, "deployments.csv", 1, end="2026-13-45")
    answer = post_page(browser, csrf, zipped(files), propose="1")
    assert answer.status_code == 422, answer.text
    html = answer.text
    assert 'id="problems-table"' in html
    assert cells(html, "problem-file") == ["deployments.csv"]
    assert cells(html, "problem-line") == ["3"]
    assert cells(html, "problem-column") == ["end"]
    assert "change-set-link" not in html
    # The comment is kept for the next try.
    assert "Qamishli drawdown ends a day later</textarea>" in html
    assert world.change_sets() == before


def test_a_page_upload_of_something_else_names_it(world):
    browser, csrf = sign_in(world)
    answer = post_page(browser, csrf, b"<html>", name="notes.txt")
    assert answer.status_code == 422
    assert cells(answer.text, "problem-file") == ["notes.txt"]
    assert "is not a .zip file" in answer.text


def test_a_page_upload_without_a_file_asks_for_one(world):
    browser, csrf = sign_in(world)
    answer = post_page(browser, csrf, b"", name="")
    assert answer.status_code == 422
    assert 'id="form-error"' in answer.text


def test_a_page_upload_needs_the_csrf_token(world):
    browser, _csrf = sign_in(world)
    before = world.change_sets()
    answer = post_page(browser, "wrong", zipped(moved_end(world)), propose="1")
    assert answer.status_code == 403
    assert world.change_sets() == before


def test_a_viewer_cannot_use_the_page(world):
    browser = TestClient(world.app, base_url=BASE_URL)
    browser.post(
        "/login",
        data={"name": "vera", "password": PASSWORD, "next": "/"},
        headers={"Origin": BASE_URL},
        follow_redirects=False,
    )
    assert browser.get("/import").status_code == 403
