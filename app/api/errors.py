"""Bad input answers 422 with a message naming the parameter, never a 500."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.deps import BadParameter
from app.queries import UnknownSlugs


def _answer(errors: list[dict[str, Any]]) -> JSONResponse:
    message = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors)
    return JSONResponse(
        status_code=422, content=jsonable_encoder({"detail": errors, "message": message})
    )


# Paths whose callers are programs: they get JSON errors, people get an HTML page.
MACHINE_PREFIXES = ("/api/", "/export/", "/static/", "/openapi.json", "/healthz")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        from app.pages import not_found_page

        if exc.status_code == 404 and not request.url.path.startswith(MACHINE_PREFIXES):
            return not_found_page(request)
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
        return _answer([{"loc": ["query", exc.field_name], "msg": exc.message}])

    @app.exception_handler(UnknownSlugs)
    async def unknown_slugs(_request: Request, exc: UnknownSlugs) -> JSONResponse:
        names = ", ".join(repr(s) for s in exc.slugs)
        return _answer(
            [{"loc": ["query", exc.field_name], "msg": f"unknown {exc.field_name}: {names}"}]
        )
