from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# Milliseconds a writer waits for another writer's lock before SQLite gives up.
SQLITE_BUSY_TIMEOUT_MS = 5000


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that SQLAlchemy's "begin" event
    # decides how a transaction starts (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin(connection: Connection) -> None:
    """A writer that reads before it writes takes the write lock first (BEGIN IMMEDIATE).

    Under WAL, a plain BEGIN that later tries to write after another writer committed fails at
    once with "database is locked" instead of waiting; IMMEDIATE makes it wait its turn
    (busy_timeout) and then read the other's committed work.
    """
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# SQLAlchemy's own defaults, kept when no setting says otherwise (see Settings.db_pool_size).
DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 10
SQLITE_KEPT_CONNECTIONS = 10
# How a SQLite URL names a database that lives in memory: `sqlite://` or `sqlite:///:memory:`.
IN_MEMORY = (None, "", ":memory:")


def make_engine(
    url: str, *, pool_size: int = DEFAULT_POOL_SIZE, max_overflow: int = DEFAULT_MAX_OVERFLOW
) -> Engine:
    if url.startswith("sqlite"):
        # No cap on SQLite connections: a request holds its connection from its dependencies
        # until it is answered, including while it waits for a worker thread, so a pool smaller
        # than the requests in flight made 64 concurrent readers wait on each other until the
        # pool's 30 s timeout (bench/load_readers.py). A SQLite connection is a file handle, and
        # WAL lets any number of readers in; ten are kept open between bursts.
        # An in-memory database lives in one connection, which SQLAlchemy's pool for it keeps.
        in_memory = make_url(url).database in IN_MEMORY
        pooling = {} if in_memory else {"pool_size": SQLITE_KEPT_CONNECTIONS, "max_overflow": -1}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pooling)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    # A request holds one connection while it runs; a sync handler runs in a thread pool, so a
    # busy process wants up to pool_size + max_overflow at once and then waits for one.
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


class Database:
    """Owns the engine and hands out sessions; one per app or CLI run."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_overflow: int = DEFAULT_MAX_OVERFLOW,
    ) -> None:
        self.url = url
        self.in_memory = url.startswith("sqlite") and make_url(url).database in IN_MEMORY
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        # A request reads one snapshot of the data even while a publish or import commits
        # between its queries. SQLite gives that to any transaction (WAL, and _begin opens one
        # before the first read); PostgreSQL's default READ COMMITTED would see each statement
        # afresh, so readers ask for REPEATABLE READ. Writers keep READ COMMITTED: they
        # serialise on locks and must see what the writer before them committed.
        reader = self.engine
        if self.engine.dialect.name == "postgresql":
            reader = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self.sessionmaker = sessionmaker(reader, expire_on_commit=False)
        self.writer = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    def session(self) -> Session:
        return self.sessionmaker()

    def write_session(self) -> Session:
        """A session for read-then-write work (publishing, accounts): serialised on SQLite."""
        return self.writer()

    def sessions(self) -> Iterator[Session]:
        with self.sessionmaker() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
