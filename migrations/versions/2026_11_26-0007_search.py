"""Search by name: an index over the names and aliases of sites, forces and actors and the
titles of events, kept in step with those tables by triggers

On SQLite the index is an FTS5 table (unicode61 tokenizer with remove_diacritics 2, so accents and
case do not count, and prefix indexes for type-ahead); each row's rowid is the record's id times
four plus its kind's code (app.search.KIND_CODE), so a trigger finds its row without a scan. On
PostgreSQL it is a plain table with a trigram (pg_trgm) index over an accent-folded (unaccent)
copy of the text. Neither is in the models: app.search.SEARCH_TABLES names them so that the
schema comparison leaves them out.

Triggers live on their tables: a later SQLite migration that rebuilds site, force, actor or
event (a batch ALTER copies the table and drops the old one) drops them and must create them
again (see create_sqlite_triggers below).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 05:50:00.000000
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same codes as app.search.KIND_CODE (a migration must not import the app: it changes).
KINDS = {"site": 0, "force": 1, "actor": 2, "event": 3}
# The columns each table contributes: (name, aliases); forces and events have no aliases.
COLUMNS = {
    "site": ("name", "aliases"),
    "force": ("name", "NULL"),
    "actor": ("name", "aliases"),
    "event": ("title", "NULL"),
}


def _indexed(table: str) -> str:
    """The columns whose change re-indexes a row: a new parent or date costs nothing here."""
    name, aliases = COLUMNS[table]
    return ", ".join(["id", "slug", name] + ([] if aliases == "NULL" else [aliases]))


def _sqlite_values(table: str, row: str) -> str:
    name, aliases = COLUMNS[table]
    alias_value = aliases if aliases == "NULL" else f"{row}.{aliases}"
    return f"{row}.id * 4 + {KINDS[table]}, '{table}', {row}.slug, {row}.{name}, {alias_value}"


def create_sqlite_triggers(table: str) -> None:
    columns = "(rowid, kind, slug, name, aliases)"
    op.execute(
        f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO search_index {columns} VALUES ({_sqlite_values(table, 'new')}); END"
    )
    op.execute(
        f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM search_index WHERE rowid = old.id * 4 + {KINDS[table]}; END"
    )
    op.execute(
        f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF {_indexed(table)} ON {table} BEGIN "
        f"DELETE FROM search_index WHERE rowid = old.id * 4 + {KINDS[table]}; "
        f"INSERT INTO search_index {columns} VALUES ({_sqlite_values(table, 'new')}); END"
    )


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "kind UNINDEXED, slug UNINDEXED, name, aliases, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    for table in KINDS:
        create_sqlite_triggers(table)
        name, aliases = COLUMNS[table]
        op.execute(
            f"INSERT INTO search_index (rowid, kind, slug, name, aliases) "
            f"SELECT id * 4 + {KINDS[table]}, '{table}', slug, {name}, {aliases} FROM {table}"
        )


def _extension_schema(name: str) -> str:
    # Created in public so that it outlives any one schema (tests use a schema each); if the
    # server already had it elsewhere, that is where its functions are.
    op.execute(f"CREATE EXTENSION IF NOT EXISTS {name} WITH SCHEMA public")
    found = (
        op.get_bind()
        .execute(
            text(
                "SELECT n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = :name"
            ),
            {"name": name},
        )
        .scalar_one()
    )
    return '"' + str(found).replace('"', '""') + '"'


def _upgrade_postgresql() -> None:
    unaccent = _extension_schema("unaccent")
    trgm = _extension_schema("pg_trgm")
    # The dictionary is named in full: unaccent(text) alone looks it up on the search path.
    op.execute(
        "CREATE FUNCTION search_fold(value text) RETURNS text LANGUAGE sql STABLE AS $$ "
        f"SELECT ' ' || btrim(regexp_replace(lower({unaccent}.unaccent("
        f"'{unaccent}.unaccent'::regdictionary, coalesce(value, ''))), "
        "'[^[:alnum:]]+', ' ', 'g')) || ' ' $$"
    )
    op.execute(
        "CREATE TABLE search_index ("
        "kind varchar(10) NOT NULL, record_id integer NOT NULL, slug varchar(100) NOT NULL, "
        "name text NOT NULL, aliases text, folded_name text NOT NULL, folded text NOT NULL, "
        "PRIMARY KEY (kind, record_id))"
    )
    op.execute(
        f"CREATE INDEX ix_search_index_folded ON search_index "
        f"USING gin (folded {trgm}.gin_trgm_ops)"
    )
    # One function for the four tables: to_jsonb reads `name` or `title` and `aliases` where a
    # table has them, so no branch names a column another table lacks.
    op.execute(
        "CREATE FUNCTION search_index_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE fields jsonb; shown text; BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        "DELETE FROM search_index WHERE kind = TG_ARGV[0] AND record_id = OLD.id; END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        "fields := to_jsonb(NEW); shown := coalesce(fields->>'name', fields->>'title'); "
        "INSERT INTO search_index (kind, record_id, slug, name, aliases, folded_name, folded) "
        "VALUES (TG_ARGV[0], NEW.id, NEW.slug, shown, fields->>'aliases', search_fold(shown), "
        "search_fold(shown || ' ' || coalesce(fields->>'aliases', ''))); END IF; "
        "RETURN NULL; END $$"
    )
    for table, (name, aliases) in COLUMNS.items():
        op.execute(
            f"CREATE TRIGGER search_{table}_sync AFTER INSERT OR DELETE "
            f'OR UPDATE OF {_indexed(table)} ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION search_index_sync('{table}')"
        )
        op.execute(
            "INSERT INTO search_index (kind, record_id, slug, name, aliases, folded_name, folded) "
            f"SELECT '{table}', id, slug, {name}, {aliases}, search_fold({name}), "
            f"search_fold({name} || ' ' || coalesce({aliases}, '')) FROM \"{table}\""
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in KINDS:
        if postgresql:
            op.execute(f'DROP TRIGGER search_{table}_sync ON "{table}"')
        else:
            for action in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER search_{table}_{action}")
    op.execute("DROP TABLE search_index")
    if postgresql:
        op.execute("DROP FUNCTION search_index_sync()")
        op.execute("DROP FUNCTION search_fold(text)")
    # The extensions stay: other schemas on the server may use them.
