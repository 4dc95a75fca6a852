"""HTML pages, one module per page family; they call the same query functions as the API.

Everything a page shows is rendered on the server (tables stay readable without JavaScript); the
map page only hands the browser its settings and lets static/js fetch the API. Each family keeps
its own router so that new families (editing, review, history, login) are added here as one line
rather than by growing a single module; shared rendering lives in render, chart geometry in
charts, and the database questions in app.queries, which knows nothing of the web.
"""

from fastapi import APIRouter

from app.pages import (
    about,
    account,
    actors,
    admin,
    edit,
    history,
    imports,
    review,
    search,
    sites,
    sources,
    table,
)
from app.pages import map as map_page
from app.pages.render import forbidden_page, not_found_page

__all__ = ["forbidden_page", "not_found_page", "router"]

# Pages are for people, not API clients: none of them appears in the OpenAPI schema. Excluding
# them here, once, covers every family router included below.
router = APIRouter(include_in_schema=False)
# Starlette tries routes in the order they are included. No two page paths overlap today; a
# family that adds a broad pattern (a catch-all, say) must come after those it could shadow.
for family in (
    map_page,
    sites,
    actors,
    about,
    sources,
    table,
    account,
    admin,
    edit,
    review,
    history,
    imports,
    search,
):
    router.include_router(family.router)
