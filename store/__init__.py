"""The planwatch store: SQLAlchemy models, sessions, migrations and queries."""

from store.db import engine_for, migrate, session_scope

__all__ = ["engine_for", "migrate", "session_scope"]
