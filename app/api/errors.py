"""Bad input answers 422 with a message naming the parameter, never a 500."""

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.deps import BadParameter
from app.queries import UnknownSlugs


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description='Where: `["query", name]` or `["path", name]`.')
    msg: str
    type: str = Field(description="A machine-readable kind, e.g. `date_format`, `value_error`.")
    input: Any = None


class ErrorAnswer(BaseModel):
    """What a 422 says: each problem, and all of them in one line for people."""

    detail: list[ErrorItem]
    message: str = Field(description="`name: problem`, problems joined by `; `.")


class NotFoundAnswer(BaseModel):
    detail: str


# Declared on every API router: any operation may refuse an unknown or repeated parameter, even
# one that takes none, and FastAPI's default 422 schema lacks our `message`.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorAnswer, "description": "A parameter is unknown, repeated or invalid"},
}
NOT_FOUND_RESPONSE: dict[int | str, dict[str, Any]] = {
    404: {"model": NotFoundAnswer, "description": "No record with that slug"},
}


def _answer(errors: list[dict[str, Any]]) -> JSONResponse:
    message = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors)
    return JSONResponse(
        status_code=422, content=jsonable_encoder({"detail": errors, "message": message})
    )


# Paths whose callers are programs: they get JSON errors, people get an HTML page.
MACHINE_PREFIXES = ("/api/", "/export/", "/static/", "/openapi.json", "/healthz")


def _allowed_methods(request: Request) -> str | None:
    """Every method the API schema gives for this path, or None for a path it does not list.

    Starlette names only the first route that matched the path, so with GET and POST as two
    routes a 405 would say `Allow: GET` to a caller that may POST.
    """
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods.update(method.upper() for method in operations)
    return ", ".join(sorted(methods)) if methods else None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        from app.pages import not_found_page

        if exc.status_code == 404 and not request.url.path.startswith(MACHINE_PREFIXES):
            return not_found_page(request)
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers a JSON body that is not UTF-8 with a bare 400, and one that is
            # UTF-8 but not JSON with a 422; both are the same mistake, answered the same way.
            return _answer(
                [{"loc": ["body"], "msg": "the body is not UTF-8 JSON", "type": "json_invalid"}]
            )
        allowed = _allowed_methods(request) if exc.status_code == 405 else None
        if allowed:
            exc.headers = {**(exc.headers or {}), "Allow": allowed}
        if exc.status_code == 413:
            # Same shape as every other refusal of a write: `detail` and a `message` for people.
            return JSONResponse(
                {"detail": exc.detail, "message": exc.detail},
                status_code=413,
                headers=exc.headers,
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": list(e.get("loc", ())),
                "msg": e.get("msg", "invalid"),
                "type": e.get("type", "value_error"),
                "input": e.get("input"),
            }
            for e in exc.errors()
        ]
        return _answer(errors)

    @app.exception_handler(BadParameter)
    async def bad_parameter(_request: Request, exc: BadParameter) -> JSONResponse:
        return _answer(
            [{"loc": ["query", exc.field_name], "msg": exc.message, "type": "value_error"}]
        )

    @app.exception_handler(UnknownSlugs)
    async def unknown_slugs(_request: Request, exc: UnknownSlugs) -> JSONResponse:
        names = ", ".join(repr(s) for s in exc.slugs)
        return _answer(
            [
                {
                    "loc": ["query", exc.field_name],
                    "msg": f"unknown {exc.field_name}: {names}",
                    "type": "unknown_slug",
                }
            ]
        )
