"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL, so that reruns add nothing."""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy.orm import Session


def dialect_insert(session: Session, model: type):
    """``insert(model)`` of the session's dialect, which has ``on_conflict_do_nothing``/``_do_update``."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported backends
        raise RuntimeError(f"store: unsupported database dialect {dialect}")
    return insert(model)


def insert_ignore(session: Session, model: type, rows: Iterable[dict[str, Any]], conflict: list[str]) -> int:
    """Insert ``rows`` into ``model``'s table in one statement, skipping rows whose ``conflict`` columns exist.

    Returns how many rows were added.
    """
    return len(inserted(session, model, list(rows), conflict, "id"))


def inserted(session: Session, model: type, rows: list[dict[str, Any]], conflict: list[str], column: str) -> list:
    """Insert ``rows`` in one Core statement, skipping rows whose ``conflict`` columns exist; ``column`` of the
    rows added."""
    if not rows:
        return []
    table = model.__table__
    stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=conflict).returning(table.c[column])
    return list(session.execute(stmt, rows).scalars())
