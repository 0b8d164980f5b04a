"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL, so that reruns add nothing."""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: type, rows: Iterable[dict[str, Any]], conflict: list[str]) -> int:
    """Insert ``rows`` into ``model``'s table, skipping rows whose ``conflict`` columns exist; returns rows added."""
    rows = list(rows)
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported backends
        raise RuntimeError(f"store: unsupported database dialect {dialect}")
    stmt = insert(model).on_conflict_do_nothing(index_elements=conflict)
    added = 0
    for row in rows:
        added += session.execute(stmt.values(**row)).rowcount or 0
    return added
