"""Answers encoded once per data version: orjson encoding, and a per-process cache of the
encoded bytes that the read endpoints share (state.py, mapdata.py)."""

import gc
import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from app.preview import PARAMETER as PREVIEW
from app.records import data_version


class FastJSON(JSONResponse):
    """JSON encoded by orjson, with no validation pass over the answer.

    The map's snapshot can hold tens of thousands of deployments with their citations: checking
    and encoding that through the response model costs several times orjson's encoding alone.
    """

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# Encoded answers kept per process, by data version and URL. Published data changes only with a
# new data version (every publish and import bumps it), so an answer built once can be sent again
# to every reader asking the same question until then. Bounded in bytes, least recently used out.
ANSWER_CACHE_BYTES = 256 * 1024 * 1024
# Answers larger than this share of the cache are never kept (they would evict everything).
LARGEST_CACHED_SHARE = 4


# As GZipMiddleware (app/main.py): small answers go as they are.
GZIP_FROM_BYTES = 1024
GZIP_LEVEL = 6


class AnswerCache:
    def __init__(self, limit_bytes: int = ANSWER_CACHE_BYTES) -> None:
        self.limit_bytes = limit_bytes
        self.size = 0
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._answers.get(key)
            if body is not None:
                self._answers.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) * LARGEST_CACHED_SHARE > self.limit_bytes:
            return
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = body
            self.size += len(body)
            while self.size > self.limit_bytes:
                _, dropped = self._answers.popitem(last=False)
                self.size -= len(dropped)


def cache_of(app: Any) -> AnswerCache:
    cache = getattr(app.state, "answer_cache", None)
    if cache is None:
        cache = app.state.answer_cache = AnswerCache()
    return cache


def answer_cache(request: Request) -> AnswerCache:
    return cache_of(request.app)


def keep_answer(app: Any, version: int, path: str, build: Callable[[], dict[str, Any]]) -> None:
    """Build the answer a GET of `path` (no query) would send, ahead of anyone asking for it."""
    cache = cache_of(app)
    key = (version, path, "")
    if cache.get(key) is not None:
        return
    with collector_paused():
        body = orjson.dumps(build())
    cache.put(key, body)
    if len(body) >= GZIP_FROM_BYTES:
        cache.put((*key, "gzip"), gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector while building a large answer.

    A world snapshot allocates about a million small dicts and lists, none of them in a cycle;
    meanwhile the collector would walk the growing heap again and again (a third of the build's
    time, measured). It runs again afterwards and on every other path.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cached_answer(
    request: Request,
    session: Session,
    build: Callable[[], dict[str, Any]],
    *key: Hashable,
    headers_of: Callable[[dict[str, Any]], dict[str, str]] | None = None,
) -> Response:
    """The answer `build` makes, encoded, from the cache when this data version has it.

    The version is read in the request's own transaction, so a cached answer is exactly what the
    queries would read now. A preview (a change set applied for its reviewers) is never cached.
    `headers_of` gives headers read from the answer (a window's total and next link); they are
    kept beside it, so a cached answer goes with them unread.
    """
    if PREVIEW in request.query_params:
        with collector_paused():
            answer = build()
        return FastJSON(answer, headers=headers_of(answer) if headers_of else None)
    cache = answer_cache(request)
    full_key = (data_version(session), request.url.path, request.url.query, *key)
    if headers_of is not None:
        # Such headers may hold this server's address as the client named it (a next link).
        full_key = (*full_key, str(request.base_url))
    body = cache.get(full_key)
    headers: dict[str, str] = {}
    if body is not None and headers_of is not None:
        kept = cache.get((*full_key, "headers"))
        if kept is None:
            body = None  # Its headers were dropped from the cache: build both again.
        else:
            headers = orjson.loads(kept)
    if body is None:
        with collector_paused():
            answer = build()
            body = orjson.dumps(answer)
        if headers_of is not None:
            headers = headers_of(answer)
            cache.put((*full_key, "headers"), orjson.dumps(headers))
        cache.put(full_key, body)
    if len(body) < GZIP_FROM_BYTES or "gzip" not in request.headers.get("accept-encoding", ""):
        return Response(body, media_type="application/json", headers=headers)
    # Compressed once too: gzip of a world-sized year costs more than building it from the cache,
    # and GZipMiddleware passes an answer that already says how it is encoded.
    packed = cache.get((*full_key, "gzip"))
    if packed is None:
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        cache.put((*full_key, "gzip"), packed)
    return Response(
        packed,
        media_type="application/json",
        headers={**headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
    )
