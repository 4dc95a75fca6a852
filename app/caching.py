"""ETags on public reads: an unchanged answer costs the client one short request and no body.

The tag is the data version (app.records.data_version), which every write to published data
bumps: an answer read at version N is the same for anyone until N changes, so a conditional
request with `If-None-Match: W/"dN"` answers 304 without running the query.
`Cache-Control: no-cache` makes browsers ask every time, which keeps the map current right after
a publish.

Only public answers take part: anything previewing a change set, carrying credentials-dependent
content (change sets, /me) or a page (which shows who is signed in) is left alone.
"""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from app.records import data_version

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CACHEABLE = (
    "/api/v1/snapshot",
    "/api/v1/map/",
    "/api/v1/deployments",
    "/api/v1/movements",
    "/api/v1/events",
    "/api/v1/timeline",
    "/api/v1/sites",
    "/api/v1/actors",
    "/api/v1/forces",
    "/api/v1/sources",
    "/api/v1/changes",
    "/api/v1/history/",
    "/export/",
)
CACHE_CONTROL = b"public, no-cache"


def _cacheable(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    path: str = scope["path"]
    if not path.startswith(CACHEABLE):
        return False
    query: bytes = scope.get("query_string", b"")
    return b"preview=" not in query


def _matches(header: str, tag: str) -> bool:
    wanted = [t.strip() for t in header.split(",")]
    return "*" in wanted or tag in wanted or tag.removeprefix("W/") in wanted


class DataVersionETags:
    def __init__(self, app: ASGIApp, database: Any) -> None:
        self.app = app
        self.database = database

    def _version(self) -> int:
        with self.database.session() as session:
            return data_version(session)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _cacheable(scope):
            await self.app(scope, receive, send)
            return
        tag = f'W/"d{await anyio.to_thread.run_sync(self._version)}"'
        headers = dict(scope.get("headers", []))
        condition = headers.get(b"if-none-match")
        if condition is not None and _matches(condition.decode("latin-1"), tag):
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [(b"etag", tag.encode()), (b"cache-control", CACHE_CONTROL)],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message["headers"] = [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() != b"etag"],
                    (b"etag", tag.encode()),
                    (b"cache-control", CACHE_CONTROL),
                ]
            await send(message)

        await self.app(scope, receive, tagged_send)
