"""Engine, sessions and migrations for the planwatch store.

Migrations are atomic on both databases: on SQLite the driver's own transaction handling (which
commits each DDL statement on its own) is off for the migration engine, which starts its one
transaction with ``BEGIN IMMEDIATE`` (so a killed first migration leaves an empty store, never half
a schema). A process that waits longer than
``LOCK_TIMEOUT`` for another one's lock stops with ``StoreBusy`` ("another planwatch run holds the
store (fix: ...)"); driver errors that mean the store is gone or read-only become ``StoreUnavailable``.
Migrations run in one transaction under an exclusive lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL
advisory lock), so two processes migrating at once take turns.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from store.errors import translated

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_TIMEOUT = 15.0  # seconds a process waits for another one's lock before StoreBusy
PING_IDLE = 1.0  # seconds a pooled PostgreSQL connection may sit idle and be used again without a ping
MIGRATION_LOCK = 0x706C_616E  # PostgreSQL advisory lock key taken while migrating
_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per URL per process; SQLite gets WAL, foreign keys and the lock timeout."""
    engine = _engines.get(url)
    if engine is None:
        with translated(url):
            engine = _sqlite_engine(url) if url.startswith("sqlite") else _server_engine(url)
        _engines[url] = engine
    return engine


def _sqlite_engine(url: str, *, transactional_ddl: bool = False) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    extra = {"poolclass": NullPool} if transactional_ddl else {}
    engine = create_engine(url, connect_args={"timeout": LOCK_TIMEOUT}, **extra)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        if transactional_ddl:
            dbapi_conn.isolation_level = None  # the driver would not BEGIN before DDL: we BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit writes the log without an fsync (one per commit was most of a stored article's
        # time); a power cut can lose the last commits, never corrupt, and entries stay 'new' until committed.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT * 1000)}")
        cur.close()

    if transactional_ddl:
        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: two migrating processes take turns

    return engine


def _server_engine(url: str) -> Engine:
    """A PostgreSQL engine whose pool pings a connection idle for over ``PING_IDLE`` s before handing it out.

    A restarted server has dropped the pooled connections; one returned a moment ago (the next article of a
    batch) is used without the extra round trip a ping on every checkout would cost.
    """
    engine = create_engine(url, connect_args=_pg_args())

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) <= PING_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as err:
            if engine.dialect.is_disconnect(err, dbapi_conn, None):
                raise InvalidatePoolError() from err  # the pool drops its connections and connects anew
            raise

    return engine


def migration_engine(url: str) -> Engine:
    """An engine whose one transaction holds every migration step, DDL included, under an exclusive lock."""
    with translated(url):
        if url.startswith("sqlite"):
            return _sqlite_engine(url, transactional_ddl=True)
        return create_engine(url, poolclass=NullPool, connect_args=_pg_args())


def _pg_args() -> dict:
    return {"connect_timeout": 10, "options": f"-c lock_timeout={int(LOCK_TIMEOUT * 1000)}"}


def forget_connections() -> None:
    """In a forked child: drop the parent's pooled connections without closing them (they are the parent's)."""
    for engine in _engines.values():
        engine.dispose(close=False)


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextlib.contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A transaction: commit on success, roll back on error."""
    with translated(url):
        session = sessionmaker(engine_for(url), expire_on_commit=False)()
        try:
            yield session
            session.commit()
        except BaseException:
            _rollback(session)
            raise
        finally:
            session.close()


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except Exception:  # the store went away mid-transaction: the original error says more
        pass


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (idempotent)."""
    import logging

    from alembic import command

    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines would repeat on every task run
    with translated(url):
        command.upgrade(alembic_config(url), "head")
