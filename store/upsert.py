"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL, so that reruns add nothing."""

from __future__ import annotations

import functools
from typing import Any, Iterable

from sqlalchemy.orm import Session


def _dialect_insert(dialect: str, model: type):
    """``insert(model)`` of this dialect, which has ``on_conflict_do_nothing``."""
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
    return list(session.execute(ignoring(session, model, conflict, column), rows).scalars())


def ignoring(session: Session, model: type, conflict: list[str], column: str):
    """INSERT ... ON CONFLICT (``conflict``) DO NOTHING RETURNING ``column`` for the session's dialect, built once
    (a statement built anew costs more Python than its execution)."""
    return _ignoring(session.get_bind().dialect.name, model, tuple(conflict), column)


@functools.cache
def _ignoring(dialect: str, model: type, conflict: tuple[str, ...], column: str):
    table = model.__table__
    return (_dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=list(conflict))
            .returning(table.c[column]))
