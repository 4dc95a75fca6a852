"""The ASGI application: API routers, pages, static files."""

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from app import pages
from app.api import catalogue, changesets, docs, export, imports, mapdata, search, state
from app.api import compare as compare_api
from app.api.errors import install_error_handlers
from app.caching import DataVersionETags
from app.db import Database
from app.headers import SecurityHeaders
from app.limits import BodyLimit
from app.pages import compare as compare_page
from app.settings import PROJECT_ROOT, Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # An in-memory database is one connection, which a second thread must not share.
        if not app.state.db.in_memory:
            threading.Thread(target=mapdata.warm, args=(app,), daemon=True).start()
        yield
        app.state.db.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Orbat Map",
        summary="Military deployments over time: who was where, when, and which sources say so.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    install_error_handlers(app)
    changesets.install_handlers(app)
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    # Large answers (a year of the map, a whole snapshot) travel compressed; the ETag layer sits
    # inside it so that a 304 is answered before anything is compressed.
    app.add_middleware(DataVersionETags, database=app.state.db)
    # Level 6, not Starlette's 9: nearly the same size, and several times faster on large answers.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(SecurityHeaders, settings=settings)
    app.include_router(state.router)
    app.include_router(mapdata.router)
    app.include_router(catalogue.router)
    app.include_router(export.router)
    app.include_router(docs.router)
    app.include_router(changesets.router)
    app.include_router(imports.router)
    app.include_router(search.router)
    app.include_router(compare_api.router)
    app.include_router(pages.router)
    app.include_router(compare_page.router)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")

    @app.get("/healthz", tags=["ops"], summary="Liveness and database check")
    def read_health() -> dict[str, Any]:
        with app.state.db.session() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
