"""Budgets that keep one hostile page from holding or stopping a run.

``Budgeted`` runs a function (detection) in a forked worker process: past ``seconds`` the worker is
killed, and a RecursionError, a MemoryError or a dead worker comes back as one ``StageFailure``
whose text is one line ("detect: over the 30 s budget"). The caller quarantines that page and goes
on with the next. The worker is reused between calls and started again after a kill.
"""

from __future__ import annotations

import multiprocessing

from collections.abc import Callable
from typing import Any

from extract.cleantext import bounded
from extract.errors import PlanwatchError

__all__ = ["Budgeted", "StageFailure", "failure_text"]


class StageFailure(PlanwatchError):
    """One page or entry broke a stage; ``str()`` is one bounded line naming the stage."""

    def __init__(self, stage: str, message: str):
        self.stage = stage
        super().__init__(bounded(f"{stage}: {message}"))


def failure_text(exc: BaseException) -> str:
    """``TypeName: first line of the message`` for an unexpected exception."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _serve(conn, fn: Callable[..., Any]) -> None:
    while True:
        try:
            args = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", fn(*args)))
        except BaseException as exc:  # RecursionError, MemoryError, anything the function raises
            conn.send(("error", failure_text(exc)))


class Budgeted:
    """``fn(*args)`` in a worker process, at most ``seconds`` a call; failures raise StageFailure."""

    def __init__(self, stage: str, fn: Callable[..., Any], seconds: float, on_fork: Callable[[], None] | None = None):
        self.stage, self.fn, self.seconds, self.on_fork = stage, fn, seconds, on_fork
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("fork")  # the worker inherits the compiled taxonomy: no pickling
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=self._child, args=(child,), daemon=True, name=f"planwatch-{self.stage}")
        self._proc.start()
        child.close()
        self._conn = parent

    def _child(self, conn) -> None:
        if self.on_fork is not None:
            self.on_fork()
        _serve(conn, self.fn)

    def __call__(self, *args: Any) -> Any:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        try:
            self._conn.send(args)
            ready = self._conn.poll(self.seconds)
            if not ready:
                self._kill()
                raise StageFailure(self.stage, f"over the {self.seconds:g} s budget (page quarantined)")
            kind, value = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            code = self._kill()
            raise StageFailure(self.stage, f"worker died (exit code {code})") from None
        if kind == "error":
            raise StageFailure(self.stage, value)
        return value

    def _kill(self) -> int | None:
        proc, self._proc = self._proc, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if proc is None:
            return None
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        return proc.exitcode

    def close(self) -> None:
        self._kill()

    def __enter__(self) -> "Budgeted":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


