"""The about page: what the dataset covers, up to when, and how grades and confidence work.

Its counts and span come from the database on each request, so the page cannot drift from the
data it describes.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import queries
from app.deps import SessionDep
from app.pages.render import CREDIBILITY, RELIABILITY, _render

router = APIRouter()


@router.get("/about", response_class=HTMLResponse)
def read_about_page(request: Request, session: SessionDep) -> HTMLResponse:
    """What the dataset covers, up to when, and how grades and confidence are worked out."""
    return _render(
        request,
        "about.html",
        {
            "title": "About the data",
            "overview": queries.dataset_overview(session),
            "reliability": RELIABILITY,
            "credibility": CREDIBILITY,
        },
    )
