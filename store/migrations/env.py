"""Alembic environment: every migration of a run in ONE transaction, under the store's migration lock."""

from alembic import context
from sqlalchemy import text

from store.db import MIGRATION_LOCK, migration_engine
from store.models import Base
from store.search import include_name

config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = migration_engine(url)
    with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
