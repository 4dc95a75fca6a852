"""/docs (Swagger UI) and /redoc (ReDoc), served from static/vendor with no inline script.

FastAPI's own pages load both viewers from a CDN and start them with an inline <script>, which
would need the network and `script-src 'unsafe-inline'`. These pages name the vendored files and a
small init script each; the init script reads the schema's address from a data attribute.
"""

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="data:,">
  {stylesheet}
</head>
<body data-ready="false">
  <div id="{element}" data-openapi-url="{openapi_url}"></div>
  <script src="{library}"></script>
  <script src="{init}"></script>
</body>
</html>
"""


def _page(request: Request, viewer: str, **parts: str) -> HTMLResponse:
    html = _PAGE.format(
        title=escape(f"{request.app.title} API · {viewer}"),
        openapi_url=escape(request.app.openapi_url or "/openapi.json"),
        **parts,
    )
    return HTMLResponse(html)


@router.get("/docs")
def read_swagger_ui(request: Request) -> HTMLResponse:
    return _page(
        request,
        "Swagger UI",
        stylesheet='<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">',
        element="swagger-ui",
        library="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        init="/static/js/swagger-init.js",
    )


@router.get("/redoc")
def read_redoc(request: Request) -> HTMLResponse:
    return _page(
        request,
        "ReDoc",
        stylesheet="",
        element="redoc",
        library="/static/vendor/redoc/redoc.standalone.js",
        init="/static/js/redoc-init.js",
    )
