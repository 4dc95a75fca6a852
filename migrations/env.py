from alembic import context

from app.db import make_engine
from app.models import Base
from app.search import include_in_schema_comparison
from app.settings import get_settings

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    # The CLI passes the URL it was given; otherwise the app's settings decide.
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            # Autogenerate must not offer to drop the search index, which no model describes.
            include_name=include_in_schema_comparison,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
