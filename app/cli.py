"""The `orbat` command: serve, migrate, load and export datasets."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app import accounts
from app.db import IN_MEMORY, Database
from app.io.exchange import DatasetError, Problem, count_rows, export_dataset, import_dataset
from app.models import ENTITIES, ApiToken, Deployment, Role, User
from app.records import FILE_OF
from app.settings import PROJECT_ROOT, Settings, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

app = typer.Typer(help="Orbat Map: military deployments over time, with their sources.")
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")
user_app = typer.Typer(help="Accounts: who may propose, publish and manage.")
app.add_typer(user_app, name="user")
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


@app.callback()
def check_settings() -> None:
    """Orbat Map: military deployments over time, with their sources."""
    # Read once before any command, so a bad ORBAT_* value is named in one line rather than
    # surfacing as a traceback from wherever it is first used.
    try:
        Settings()
    except ValidationError as error:
        for problem in error.errors():
            message = problem["msg"].removeprefix("Value error, ")
            if problem["loc"]:
                name = "ORBAT_" + "_".join(str(part) for part in problem["loc"]).upper()
                message = f"{name}: {message}"
            err.print(f"orbat: bad setting: {message}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def _url(database_url: str | None) -> str:
    return database_url or get_settings().database_url


def _alembic_config(url: str) -> "Config":
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(url), revision)


def open_database(database_url: str | None) -> Database:
    """The database, once its schema is the one this code was written for.

    Otherwise one line says what to run: a database with no tables (a new file, a mistyped
    path) used to end a command in a traceback from its first query.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    url = _url(database_url)
    parsed = make_url(url)
    # Connecting would create an empty file where the path was mistyped.
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in IN_MEMORY
    if on_disk and not Path(parsed.database or "").is_file():
        err.print(
            f"orbat: no database file at {parsed.database}: run `orbat db upgrade` to make one",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        database.close()
        reason = str(getattr(exc, "orig", None) or exc).strip()
        err.print(
            f"orbat: cannot open the database at {_safe(url)}: {reason}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    expected = ScriptDirectory.from_config(_alembic_config(url)).get_current_head()
    if current == expected:
        return database
    database.close()
    if current is None:
        problem = "has no tables yet: run `orbat db upgrade` first"
    else:
        problem = f"is at schema {current}, this version needs {expected}: run `orbat db upgrade`"
    err.print(f"orbat: the database at {_safe(url)} {problem}", markup=False, soft_wrap=True)
    raise typer.Exit(2)


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
    return make_url(url).render_as_string(hide_password=True)


def load(
    database: Database,
    path: Path,
    *,
    dry_run: bool = False,
    strict: bool = False,
    warnings: list[Problem] | None = None,
) -> dict[str, int]:
    """Check a dataset and write it in one transaction; raises DatasetError on any problem.

    Rows are checked and written as each file streams by; any problem (and, with `strict`, any
    warning) rolls the whole transaction back. Warnings are appended to `warnings` when given.
    """
    show_bar = sys.stderr.isatty()
    with (
        database.write_session() as session,
        Progress(
            TextColumn("Checking" if dry_run else "Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            disable=not show_bar,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("import", total=(count_rows(path) or None) if show_bar else None)
        try:
            outcome = import_dataset(
                session, path, write=not dry_run, advance=lambda n: progress.advance(task, n)
            )
            if strict and outcome.warnings:
                raise DatasetError(outcome.warnings)
            session.commit()
        except (IntegrityError, DataError) as exc:
            # The checks should catch everything; if the database still says no, report it
            # like any other problem rather than as a traceback.
            session.rollback()
            message = f"the database refused the data: {exc.orig}"
            raise DatasetError([Problem(str(path), None, None, message)]) from None
        except BaseException:
            session.rollback()
            raise
    if warnings is not None:
        warnings.extend(outcome.warnings)
    if dry_run:
        return outcome.counts
    return {FILE_OF[e]: outcome.counts[FILE_OF[e]] for e in ENTITIES}


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
    database = open_database(database_url)
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
    database = open_database(database_url)
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
    database = open_database(database_url)
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

    # Refused before listening: on a database that needs upgrading every request would fail.
    open_database(None).close()

    uvicorn.run("app.asgi:app", host=host, port=port, reload=reload)


@app.command("backup")
def backup_command(
    path: Annotated[Path, typer.Argument(help="File to write the copy to (must not exist).")],
    database_url: DatabaseOption = None,
) -> None:
    """A consistent copy of a SQLite database, taken while the app keeps serving and writing."""
    from sqlalchemy.engine import make_url

    url = make_url(_url(database_url))
    if url.get_backend_name() != "sqlite" or not url.database:
        err.print(
            "DATABASE: backup copies SQLite files; for PostgreSQL use pg_dump, which takes a"
            " consistent snapshot the same way",
            markup=False,
        )
        raise typer.Exit(2)
    if path.exists():
        err.print(f"PATH: {path} already exists; choose a new file", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    import sqlite3

    # SQLite's online backup copies page by page and restarts if a writer changes a page it has
    # copied, so the result is one consistent state, never a torn mix.
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target, pages=1024)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        err.print(f"the copy failed its integrity check: {check}", markup=False)
        raise typer.Exit(1)
    out.print(f"Backed up {url.database} to {path} (integrity check: ok)", markup=False)


def _read_password(name: str) -> str:
    """From a hidden prompt on a terminal, else the first line of standard input.

    Never from an argument: arguments are visible to every user of the machine (ps) and stay in
    shell history.
    """
    if sys.stdin.isatty():
        first = typer.prompt(f"Password for {name}", hide_input=True)
        again = typer.prompt("Repeat it", hide_input=True)
        if first != again:
            err.print("password: the two entries differ; nothing was changed")
            raise typer.Exit(1)
        return str(first)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _with_user(database_url: str | None, name: str, action: Callable[[Session, User], str]) -> None:
    database = open_database(database_url)
    try:
        with database.write_session() as session:
            user = accounts.find_user(session, name)
            if user is None:
                err.print(f"NAME: no account named {name!r} (see `orbat user list`)", markup=False)
                raise typer.Exit(1)
            message = action(session, user)
            session.commit()
    finally:
        database.close()
    out.print(message, markup=False)


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="Account name: letters, digits, '.', '_', '-'.")],
    role: Annotated[Role, typer.Option(help="What the account may do.")] = Role.contributor,
    database_url: DatabaseOption = None,
) -> None:
    """Create an account; the password is asked for (or read from standard input)."""
    try:
        accounts.check_name(name)
        password = _read_password(name)
        accounts.check_password(password)
    except accounts.AccountError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from None
    database = open_database(database_url)
    try:
        with database.write_session() as session:
            accounts.create_user(session, name, role, password)
            session.commit()
    except accounts.AccountError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from None
    finally:
        database.close()
    out.print(f"Created {role.value} account {name!r}.", markup=False)


@user_app.command("password")
def user_password(name: str, database_url: DatabaseOption = None) -> None:
    """Set a new password (asked for, or read from standard input); signs the account out."""
    password = _read_password(name)

    def change(session: Session, user: User) -> str:
        try:
            accounts.set_password(session, user, password)
        except accounts.AccountError as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(1) from None
        return f"Password changed for {name!r}; its browser sessions were ended."

    _with_user(database_url, name, change)


@user_app.command("token")
def user_token(name: str, database_url: DatabaseOption = None) -> None:
    """Print a new API token for the account. It is shown once: only its hash is kept."""

    def issue(session: Session, user: User) -> str:
        if not user.active:
            err.print(f"NAME: {name!r} is revoked; `orbat user enable` it first", markup=False)
            raise typer.Exit(1)
        return accounts.issue_token(session, user)

    _with_user(database_url, name, issue)


@user_app.command("revoke")
def user_revoke(name: str, database_url: DatabaseOption = None) -> None:
    """Lock the account out: its tokens and sessions stop working and it cannot sign in."""

    def lock(session: Session, user: User) -> str:
        count = accounts.revoke(session, user)
        return f"Revoked {name!r}: {count} token(s) and every session ended; sign-in refused."

    _with_user(database_url, name, lock)


@user_app.command("enable")
def user_enable(name: str, database_url: DatabaseOption = None) -> None:
    """Let a revoked account sign in again (its old tokens stay revoked)."""

    def enable(_session: Session, user: User) -> str:
        user.active = True
        return f"Enabled {name!r}."

    _with_user(database_url, name, enable)


@user_app.command("role")
def user_role(
    name: str,
    role: Annotated[Role, typer.Argument(help="The new role.")],
    database_url: DatabaseOption = None,
) -> None:
    """Change what an account may do."""

    def change(_session: Session, user: User) -> str:
        user.role = role.value
        return f"{name!r} is now {role.value}."

    _with_user(database_url, name, change)


@user_app.command("list")
def user_list(database_url: DatabaseOption = None) -> None:
    """Accounts with their role and state (never a secret)."""
    database = open_database(database_url)
    try:
        with database.session() as session:
            users = list(session.scalars(select(User).order_by(User.name)))
            tokens = dict(
                session.execute(
                    select(ApiToken.user_id, func.count())
                    .where(ApiToken.revoked_at.is_(None))
                    .group_by(ApiToken.user_id)
                ).all()
            )
    finally:
        database.close()
    if not users:
        out.print("No accounts yet: `orbat user create NAME --role admin`.")
        return
    for user in users:
        state = "active" if user.active else "revoked"
        out.print(
            f"{user.name:<24} {user.role:<12} {state:<8} {tokens.get(user.id, 0)} token(s)",
            markup=False,
        )


@app.command("demo-data")
def demo_data_command(
    path: Annotated[Path, typer.Argument(help="Folder to write, or a path ending in .zip.")],
    sites: Annotated[int | None, typer.Option(help="Sites (default: the preset's).")] = None,
    forces: Annotated[int | None, typer.Option(help="Forces (default: the preset's).")] = None,
    deployments: Annotated[
        int | None, typer.Option(help="Deployments (default: the preset's).")
    ] = None,
    movements: Annotated[
        int | None, typer.Option(help="Movements (default: the preset's).")
    ] = None,
    events: Annotated[int | None, typer.Option(help="Events (default: the preset's).")] = None,
    actors: Annotated[int | None, typer.Option(help="Actors (default: the preset's).")] = None,
    seed: Annotated[int, typer.Option(help="The same seed writes the same files.")] = 1,
    preset: Annotated[
        str,
        typer.Option(
            help="Sizes to start from: small (Syria-sized), theatre (100,000 deployments)"
            " or world (1,000,000)."
        ),
    ] = "small",
) -> None:
    """Write a synthetic dataset (invented actors, no real states) in the exchange format."""
    from app.io.demo import PRESETS, preset_with, write_demo

    if preset not in PRESETS:
        err.print(f"--preset: {preset!r} is not one of {', '.join(PRESETS)}", markup=False)
        raise typer.Exit(2)
    try:
        chosen = preset_with(
            PRESETS[preset],
            actors=actors,
            sites=sites,
            forces=forces,
            deployments=deployments,
            movements=movements,
            events=events,
        )
        counts = write_demo(path, chosen, seed)
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    summary = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items())
    out.print(f"Wrote {path}: {summary}", markup=False)
