"""What every page shares: the Jinja environment, the wording of dates and grades, error pages.

Kept apart from the routes so that each page family words a date, a grade or a status the same
way, and so that new page families start from the same layout and error handling.
"""

import datetime as dt
import re
from typing import Annotated, Any

import jinja2
from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.auth import AuthError, Caller, caller_of
from app.settings import PROJECT_ROOT, Settings

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
STATUS_TEXT = {
    "active": "active",
    "drawdown": "drawing down",
    "contested": "contested",
    "withdrawn": "withdrawn",
}
GEO_PRECISION = {1: "the place itself", 2: "near a known place", 3: "only the region is known"}
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

# One definition for the map and the table: the map's table link carries its actor selection
# over as this same repeated parameter, and both must read it alike.
ActorQuery = Annotated[list[str] | None, Query()]


def format_when(day: dt.date | None, precision: str | None = "day") -> str:
    """A date as precisely as it is known: "23 Jan 2026", "week of 19 Jan 2026", "Jan 2026"."""
    if day is None:
        return ""
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"week of {text}" if precision == "week" else text


def format_last_present(end: dt.date | None, precision: str | None = "day") -> str:
    """A deployment's end as readers count it: the last day there, not the first day gone.

    Stored ends are exclusive (first day absent); a coarse end names the period it fell in.
    """
    if end is None:
        return ""
    if precision in (None, "day"):
        return format_when(end - dt.timedelta(days=1))
    return f"{format_when(end, precision)} (end known only to the {precision})"


def format_grade(reliability: str | None, credibility: int | None = None) -> str:
    return f"{reliability or '?'}{credibility if credibility is not None else ''}"


def describe_grade(reliability: str | None, credibility: int | None = None) -> str:
    """The Admiralty grade spelt out, for a title attribute."""
    parts = [f"source {RELIABILITY.get(reliability or '', 'ungraded')}"]
    if credibility is not None:
        parts.append(f"claim {CREDIBILITY.get(credibility, 'ungraded')}")
    return "; ".join(parts)


def hex_color(value: str | None) -> str:
    """Only #rrggbb reaches a style attribute."""
    return value if value and HEX_COLOR.match(value) else "#777777"


def web_url(value: str | None) -> str | None:
    """Only http(s) links become hrefs; anything else is shown as text."""
    if value and value.lower().startswith(("http://", "https://")):
        return value
    return None


def _make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = format_when
    env.filters["grade"] = format_grade
    env.filters["last_present"] = format_last_present
    env.filters["hex_color"] = hex_color
    env.filters["web_url"] = web_url
    env.globals["describe_grade"] = describe_grade
    env.globals["geo_precision_text"] = lambda code: GEO_PRECISION.get(code or 1, "unknown")
    env.globals["status_text"] = lambda value: STATUS_TEXT.get(value, value.replace("_", " "))
    env.globals["label"] = lambda value: (value or "").replace("_", " ")
    env.globals["plural"] = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"
    return Jinja2Templates(env=env)


templates = _make_templates()


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _tiles(request: Request) -> dict[str, str]:
    """Remote tile settings for a page's map; an empty URL means the offline basemap alone."""
    settings = _settings(request)
    return {
        "tile_url": settings.tile_url if settings.remote_tiles else "",
        "tile_attribution": settings.tile_attribution,
    }


def signed_in(request: Request) -> Caller | None:
    """The browser's signed-in account, looked up once per request (pages show it in the nav)."""
    if "signed_in" not in request.state._state:
        caller = None
        if request.cookies.get(_settings(request).session_cookie):
            with request.app.state.db.session() as session:
                try:
                    caller = caller_of(request, session)
                except AuthError:
                    caller = None
                if caller is not None and caller.via != "session":
                    caller = None
        request.state.signed_in = caller
    return request.state.signed_in  # type: ignore[no-any-return]


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    context.setdefault("site_name", _settings(request).site_name)
    context.setdefault("me", signed_in(request))
    preview = request.query_params.get("preview")
    context.setdefault("preview", preview if preview and preview.isdigit() else None)
    context.setdefault("nav", name.removesuffix(".html"))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _error(
    request: Request, status_code: int, title: str, message: str, **extra: Any
) -> HTMLResponse:
    template = "404.html" if status_code == 404 else "error.html"
    context = {"title": title, "message": message, "status_code": status_code, **extra}
    return _render(request, template, context, status_code=status_code)


def forbidden_page(request: Request, message: str) -> HTMLResponse:
    """The HTML 403: signed in, but without the right (or a request that is not our own form)."""
    return _error(request, 403, "Not allowed", message)


def not_found_page(request: Request) -> HTMLResponse:
    """The HTML 404 for a path no route matches (for an exception handler in main.py)."""
    return _error(request, 404, "Page not found", f"Nothing lives at {request.url.path}.")
