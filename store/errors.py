"""The errors of the store layer (their place in the hierarchy: extract/errors.py).

``translated`` turns the database driver's errors that mean "the store cannot work now" into a
``StoreError`` with a fix, so a run stops with one line instead of a traceback.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from extract.cleantext import bounded
from extract.errors import PlanwatchError
from extract.urls import redact

__all__ = ["StoreBusy", "StoreError", "StoreUnavailable", "translated"]


class StoreError(PlanwatchError):
    """The store cannot do its job; ``str()`` starts with "store: " and ends with a fix."""

    def __init__(self, message: str, fix: str):
        self.message, self.fix = message, fix
        super().__init__(f"store: {message} (fix: {fix})")


class StoreBusy(StoreError):
    """Another process holds the store's lock past the lock timeout."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or written."""


_BUSY = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock",
         "canceling statement due to lock timeout")
_READ_ONLY = ("readonly database", "read-only", "attempt to write a readonly")
_UNREACHABLE = ("unable to open database", "could not connect", "connection refused", "could not translate host",
                "server closed the connection", "disk i/o error", "no such host", "timeout expired",
                "connection to server")


def store_error(exc: BaseException, url: str) -> StoreError | None:
    """The StoreError that a driver error means, or None if it is not a store-level fault."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    where = redact(url)
    if any(s in text for s in _BUSY):
        return StoreBusy("another planwatch run holds the store", f"wait for it to finish, or stop it; store {where}")
    if any(s in text for s in _READ_ONLY):
        return StoreUnavailable(f"cannot write to {where} (read-only)",
                                "make the database file and its folder writable by this user")
    if any(s in text for s in _UNREACHABLE):
        return StoreUnavailable(f"cannot reach {where} ({bounded(text, 160)})",
                                "check PLANWATCH_DATABASE_URL and that the database server is running")
    return None


@contextlib.contextmanager
def translated(url: str) -> Iterator[None]:
    """Re-raise store-level driver errors inside the block as StoreError."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        error = store_error(exc, url)
        if error is None:
            raise
        raise error from exc
    except OSError as exc:  # the SQLite file's folder cannot be made, or the disk is gone
        raise StoreUnavailable(f"cannot open {redact(url)} ({exc.strerror or exc})",
                               "check PLANWATCH_HOME / PLANWATCH_DATABASE_URL") from exc
