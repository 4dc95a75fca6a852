"""The `orbat` command: serve, migrate, load and export datasets."""

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError

from app.db import Database
from app.io.exchange import DatasetError, Problem, apply_dataset, export_dataset, read_dataset
from app.models import Deployment
from app.settings import PROJECT_ROOT, get_settings

app = typer.Typer(help="Orbat Map: military deployments over time, with their sources.")
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")
err = Console(stderr=True)
out = Console()

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="ORBAT_DATABASE_URL",
        help="SQLAlchemy URL; default sqlite:///orbat.db in the working directory.",
    ),
]


def _url(database_url: str | None) -> str:
    return database_url or get_settings().database_url


def upgrade_database(url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, revision)


@db_app.command("upgrade")
def db_upgrade(
    database_url: DatabaseOption = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the schema migrations."""
    url = _url(database_url)
    upgrade_database(url, revision)
    out.print(f"Database at revision {revision}: {_safe(url)}")


def _safe(url: str) -> str:
    # Never echo a password from the URL.
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def load(
    database: Database,
    path: Path,
    *,
    dry_run: bool = False,
    strict: bool = False,
    warnings: list[Problem] | None = None,
) -> dict[str, int]:
    """Check a dataset, then write it in one transaction; raises DatasetError on any problem.

    Warnings are appended to `warnings` when given; `strict` makes them problems instead.
    """
    with database.session() as session:
        dataset = read_dataset(path, session)
        if strict and dataset.warnings:
            raise DatasetError(dataset.warnings)
        if warnings is not None:
            warnings.extend(dataset.warnings)
        if dry_run:
            return {name: len(rows) for name, rows in dataset.rows.items()}
        show_bar = sys.stderr.isatty()
        with Progress(
            TextColumn("Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            disable=not show_bar,
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=dataset.total())
            try:
                counts = apply_dataset(session, dataset, lambda n: progress.advance(task, n))
                session.commit()
            except (IntegrityError, DataError) as exc:
                # The checks above should catch everything; if the database still says no,
                # report it like any other problem rather than as a traceback.
                session.rollback()
                message = f"the database refused the data: {exc.orig}"
                raise DatasetError([Problem(str(path), None, None, message)]) from None
            except Exception:
                session.rollback()
                raise
        return counts


def _report_problems(exc: DatasetError) -> None:
    err.print(f"[bold red]The dataset has {len(exc.problems)} problem(s); nothing was written.[/]")
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)


def _report_warnings(warnings: list[Problem]) -> None:
    if not warnings:
        return
    err.print(f"[yellow]{len(warnings)} warning(s); the import went on (--strict refuses them):[/]")
    for problem in warnings:
        err.print(f"  warning: {problem}", markup=False, highlight=False, soft_wrap=True)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A dataset folder or .zip (docs/format.md).")],
    database_url: DatabaseOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and report; write nothing.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Treat warnings (thin or inconsistent data) as errors."),
    ] = False,
) -> None:
    """Check a dataset and write it, all or nothing; records are matched by slug."""
    if not path.exists():
        err.print(f"PATH: {path} does not exist", markup=False)
        raise typer.Exit(2)
    database = Database(_url(database_url))
    warnings: list[Problem] = []
    try:
        counts = load(database, path, dry_run=dry_run, strict=strict, warnings=warnings)
    except DatasetError as exc:
        _report_problems(exc)
        raise typer.Exit(1) from None
    finally:
        database.close()
    _report_warnings(warnings)
    verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
    summary = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items())
    out.print(f"{verb}: {summary}", markup=False)


@app.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(help="Folder to write, or a path ending in .zip.")],
    database_url: DatabaseOption = None,
) -> None:
    """Write the whole database in the exchange format."""
    database = Database(_url(database_url))
    try:
        with database.session() as session:
            counts = export_dataset(session, path)
    finally:
        database.close()
    summary = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items())
    out.print(f"Exported to {path}: {summary}", markup=False)


@app.command("seed")
def seed_command(
    database_url: DatabaseOption = None,
    path: Annotated[
        Path | None, typer.Option(help="Dataset to load; default the bundled one.")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the database holds data.")
    ] = False,
) -> None:
    """Load the bundled dataset (data/syria)."""
    database = Database(_url(database_url))
    warnings: list[Problem] = []
    try:
        with database.session() as session:
            has_data = session.scalar(select(func.count(Deployment.id))) or 0
        if if_empty and has_data:
            out.print("Database already holds data; not seeding.")
            return
        counts = load(database, path or get_settings().seed_path, warnings=warnings)
    except DatasetError as exc:
        _report_problems(exc)
        raise typer.Exit(1) from None
    finally:
        database.close()
    _report_warnings(warnings)
    summary = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items())
    out.print(f"Seeded: {summary}", markup=False)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes.")] = False,
) -> None:
    """Serve the dashboard and API."""
    import uvicorn

    uvicorn.run("app.asgi:app", host=host, port=port, reload=reload)
