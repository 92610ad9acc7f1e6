"""Alembic environment: migrations run against the URL the caller configured."""

from __future__ import annotations

from alembic import context

from kilnguard.store import all_models  # noqa: F401  (registers every table on Base.metadata)
from kilnguard.store.db import make_engine
from kilnguard.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
