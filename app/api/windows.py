"""Lists answered a window of rows at a time: `limit` (at most API_MAX_LIMIT) from `offset`.

How many rows there are and where the next window starts travel in headers (`X-Total-Count`,
and `Link: <...>; rel="next"` while rows remain), so a body keeps its shape for old clients.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from app.paging import API_DEFAULT_LIMIT, API_MAX_LIMIT, API_MAX_OFFSET, Page


@dataclass(frozen=True)
class Window:
    limit: int
    offset: int


def list_window(
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=API_MAX_LIMIT,
            description=f"Rows to answer, 1 to {API_MAX_LIMIT}; the `X-Total-Count` header "
            "says how many there are.",
        ),
    ] = API_DEFAULT_LIMIT,
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=API_MAX_OFFSET,
            description="Rows to skip; the `Link` header (rel=next) gives the next window's URL.",
        ),
    ] = 0,
) -> Window:
    return Window(limit=limit, offset=offset)


WindowDep = Annotated[Window, Depends(list_window)]


def next_url(request: Request, page: Page[Any]) -> str | None:
    if page.next_offset is None:
        return None
    return str(request.url.include_query_params(offset=page.next_offset, limit=page.limit))


def say_where(request: Request, response: Response, page: Page[Any]) -> None:
    response.headers["X-Total-Count"] = str(page.total)
    following = next_url(request, page)
    if following is not None:
        response.headers["Link"] = f'<{following}>; rel="next"'


def slice_window(items: list[Any], window: Window) -> Page[Any]:
    chosen = items[window.offset : window.offset + window.limit]
    return Page(items=chosen, total=len(items), offset=window.offset, limit=window.limit)
