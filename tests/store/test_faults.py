"""Store faults end cleanly: atomic migrations, a clear error when another process holds the lock."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time

import pytest
import sqlalchemy as sa

import store.db
from store import migrate, session_scope
from store.db import dispose_all
from store.errors import StoreBusy, StoreUnavailable
from store.models import Feed


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_first_migration_that_fails_midway_leaves_an_empty_store(db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # 'figures' comes last in 0001: its CREATE TABLE fails after all the others
        conn.execute(sa.text("CREATE TABLE figures (x INTEGER)"))
    engine.dispose()
    with pytest.raises(sa.exc.DBAPIError):
        migrate(db_url)
    dispose_all()
    assert _tables(db_url) == {"figures"}  # no feeds, no alembic_version: nothing half-made
    with sa.create_engine(db_url).begin() as conn:
        conn.execute(sa.text("DROP TABLE figures"))
    migrate(db_url)
    assert {"feeds", "figures", "alembic_version"} <= _tables(db_url)


def _hold_lock(path: str, seconds: float, ready) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")


def test_another_process_holding_the_lock_gives_a_clear_error(sqlite_url, monkeypatch):
    migrate(sqlite_url)
    dispose_all()
    monkeypatch.setattr(store.db, "LOCK_TIMEOUT", 0.5)
    ready = multiprocessing.get_context("spawn").Event()
    holder = multiprocessing.get_context("spawn").Process(
        target=_hold_lock, args=(sqlite_url.split("///", 1)[1], 10, ready))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(StoreBusy, match=r"^store: another planwatch run holds the store \(fix: "):
            with session_scope(sqlite_url) as session:
                session.add(Feed(name="x", config_url="https://a.example/rss", url="https://a.example/rss"))
        with pytest.raises(StoreBusy):
            migrate(sqlite_url)
    finally:
        holder.kill()
        holder.join()
        dispose_all()
    with session_scope(sqlite_url) as session:  # once the other process is gone, the store works again
        session.add(Feed(name="x", config_url="https://a.example/rss", url="https://a.example/rss"))


def test_a_read_only_store_gives_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'ro' / 'planwatch.db'}"
    migrate(url)
    dispose_all()
    ro = f"sqlite:///file:{tmp_path / 'ro' / 'planwatch.db'}?mode=ro&uri=true"
    with pytest.raises(StoreUnavailable, match="read-only"):
        with session_scope(ro) as session:
            session.add(Feed(name="x", config_url="https://a.example/rss", url="https://a.example/rss"))
    dispose_all()


def test_an_unreachable_postgresql_gives_a_clear_error():
    with pytest.raises(StoreUnavailable, match=r"cannot reach .*\(fix: check PLANWATCH_DATABASE_URL"):
        migrate("postgresql+psycopg2://postgres:secret@127.0.0.1:1/planwatch")
    dispose_all()
    try:
        migrate("postgresql+psycopg2://postgres:secret@127.0.0.1:1/planwatch")
    except StoreUnavailable as exc:
        assert "secret" not in str(exc) and "***@127.0.0.1:1" in str(exc)
    dispose_all()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced(db_url, monkeypatch):
    """A restarted server has closed the pool's connections: one idle for over PING_IDLE is pinged, found
    dead and replaced, so the next transaction works."""
    migrate(db_url)
    with session_scope(db_url) as session:
        dropped = session.scalar(sa.text("SELECT pg_backend_pid()"))
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    finally:
        admin.dispose()
    monkeypatch.setattr(store.db, "PING_IDLE", 0.0)
    with session_scope(db_url) as session:
        session.add(Feed(name="x", config_url="https://a.example/rss", url="https://a.example/rss"))
        assert session.scalar(sa.text("SELECT pg_backend_pid()")) != dropped
    dispose_all()
