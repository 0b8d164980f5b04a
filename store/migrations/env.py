from alembic import context

from store.db import engine_for
from store.models import Base
from store.search import include_name

config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = engine_for(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
