"""Security headers on every answer: pages, JSON, files, and error pages alike.

A pure ASGI middleware rather than a `@app.middleware("http")` function: it sees every response
start, including those of mounted static files and streamed bodies, and costs no task per request.
"""

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings, tile_origin

# What a page needs beyond the site's policy, and why. Swagger UI on /docs needs nothing more.
# ReDoc on /redoc: styled-components writes its CSS into <style> elements it creates (blocked,
# ReDoc throws and draws nothing), and its search index runs in a Web Worker built from a blob:
# URL. Scripts stay 'self' only, so injected markup still cannot run there either.
_RELAXED = {
    "/redoc": {"style-src-elem": "'self' 'unsafe-inline'", "worker-src": "'self' blob:"},
}


def content_security_policy(settings: Settings, path: str = "/") -> str:
    images = "'self' data:"
    if settings.remote_tiles:
        images += f" {tile_origin(settings.tile_url)}"
    directives = {
        "default-src": "'self'",
        # No 'unsafe-inline': every script is a file under /static, so injected markup cannot run.
        "script-src": "'self'",
        "style-src": "'self'",
        # Chart bars and the presence timeline are sized with style="width: …" attributes. A
        # style attribute runs no script, and anything it could fetch is held by img-src and
        # font-src, so allowing them costs little; <style> elements stay forbidden.
        "style-src-attr": "'unsafe-inline'",
        "img-src": images,
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    directives.update(_RELAXED.get(path, {}))
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _static_headers() -> list[tuple[str, str]]:
    return [
        ("X-Content-Type-Options", "nosniff"),
        # Not no-referrer: OpenStreetMap's tile policy asks for a Referer, and this still sends
        # other sites only our origin, never the path and query that say what a reader looked at.
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        # Older browsers ignore CSP's frame-ancestors; both say "never in a frame".
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]


class SecurityHeaders:
    """Add the headers to every HTTP response the wrapped application sends."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.fixed = _static_headers()
        # Computed once, so a bad tile_url fails at start-up, not on the first request.
        self.policies = {path: content_security_policy(settings, path) for path in ("/", *_RELAXED)}

    def headers_for(self, path: str) -> Iterable[tuple[str, str]]:
        policy = self.policies.get(path, self.policies["/"])
        return [("Content-Security-Policy", policy), *self.fixed]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope.get("path", "/"))
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    # One place decides these: replace, never duplicate, what a route set.
                    del headers[name]
                    headers.append(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's ServerErrorMiddleware, which answers an unhandled exception with a 500,
            # sits outside every added middleware, so its answer would bypass these headers.
            # Answer the same plain 500 here instead, then re-raise so it is still logged (it sees
            # the response started and sends nothing more).
            if started:
                raise
            response = PlainTextResponse("Internal Server Error", status_code=500)
            await response(scope, receive, send_with_headers)
            raise
