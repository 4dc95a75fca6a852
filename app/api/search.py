"""Search by name: `GET /api/v1/search?q=` for the search box's suggestions and for scripts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, WithJsonSchema

from app import search as finder
from app.api.errors import ERROR_RESPONSES
from app.deps import BadParameter, SessionDep, reject_unknown_parameters

# What the schema promises is what the search refuses: at least one letter or digit (a word
# character other than "_"), at most MAX_QUERY_LENGTH characters. The checks themselves are in
# app.search, whose messages say what to type instead.
SearchText = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": finder.MAX_QUERY_LENGTH,
            "pattern": r"[^\W_]",
        }
    ),
]

router = APIRouter(
    prefix="/api/v1",
    tags=["search"],
    dependencies=[Depends(reject_unknown_parameters)],
    responses=ERROR_RESPONSES,
)


class SearchHit(BaseModel):
    kind: str = Field(description="`site`, `force`, `actor` or `event`.")
    slug: str
    name: str = Field(description="The record's name (an event's title).")
    matched_alias: str | None = Field(
        description="The alias that matched when the name itself did not (`Khmeimim`)."
    )
    url: str = Field(description="The page that shows the record.")


@router.get(
    "/search",
    response_model=list[SearchHit],
    summary="Sites, forces, actors and events by name, alias or transliteration",
)
def read_search(
    *,
    session: SessionDep,
    q: Annotated[
        SearchText,
        Query(
            description="Words to find, accents and case ignored; each word matches the start "
            f"of a word in a name or alias. At most {finder.MAX_QUERY_LENGTH} characters."
        ),
    ],
    limit: Annotated[
        int, Query(ge=1, le=finder.MAX_LIMIT, description="Most results to answer.")
    ] = finder.DEFAULT_LIMIT,
) -> list[SearchHit]:
    """Records whose name or an alias holds every word of `q`, best match first."""
    try:
        hits = finder.search(session, q, limit)
    except finder.SearchQueryError as exc:
        raise BadParameter("q", str(exc)) from exc
    return [
        SearchHit(kind=h.kind, slug=h.slug, name=h.name, matched_alias=h.alias, url=h.url)
        for h in hits
    ]
