"""Budgets that keep one hostile page from holding or stopping a run.

``Budgeted`` runs a function (detection) in a forked worker process: past ``seconds`` the worker is
killed, and a RecursionError, a MemoryError or a dead worker comes back as one ``StageFailure``
whose text is one line ("detect: over the 30 s budget"). The caller quarantines that page and goes
on with the next. The worker is reused between calls and started again after a kill. ``submit``
starts a call and returns at once, so the caller works on (extracts the next page) while it runs.

The worker is a plain ``os.fork`` child, not a ``multiprocessing.Process``: a Celery worker's task
process counts as daemonic, and multiprocessing refuses to start children from one.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Pipe
from typing import Any

from extract.cleantext import bounded
from extract.errors import PlanwatchError

__all__ = ["Budgeted", "Pending", "StageFailure", "failure_text"]


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
        parent, child = Pipe()
        pid = os.fork()  # the worker inherits the compiled taxonomy: no pickling
        if pid == 0:
            parent.close()
            code = 0
            try:
                if self.on_fork is not None:
                    self.on_fork()
                _serve(child, self.fn)
            except BaseException:
                code = 1
            finally:
                os._exit(code)  # no atexit handlers or finalisers of the parent's objects in the worker
        child.close()
        self._proc, self._conn = _Worker(pid), parent

    def __call__(self, *args: Any) -> Any:
        return self.submit(*args).result()

    def submit(self, *args: Any) -> "Pending":
        """Start ``fn(*args)`` in the worker and return at once; ``result()`` waits, within the budget from now.

        One call at a time: collect a submitted call's result before submitting the next.
        """
        if self._proc is None or not self._proc.alive():
            self._start()
        try:
            self._conn.send(args)
        except (BrokenPipeError, ConnectionResetError, OSError):
            return Pending(self, time.monotonic() + self.seconds, sent=False)
        return Pending(self, time.monotonic() + self.seconds)

    def _collect(self, deadline: float, sent: bool) -> Any:
        try:
            if not sent:
                raise BrokenPipeError
            ready = self._conn.poll(max(deadline - time.monotonic(), 0))
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
        return proc.stop()

    def close(self) -> None:
        self._kill()

    def __enter__(self) -> "Budgeted":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Pending:
    """A call running in a ``Budgeted`` worker; ``result()`` returns its value or raises StageFailure."""

    def __init__(self, budgeted: Budgeted, deadline: float, sent: bool = True) -> None:
        self._budgeted, self._deadline, self._sent = budgeted, deadline, sent

    def result(self) -> Any:
        return self._budgeted._collect(self._deadline, self._sent)


class _Worker:
    """A forked child by pid: is it alive, and kill-and-reap it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exitcode: int | None = None

    def _reap(self, flags: int) -> bool:
        if self.exitcode is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere
            self.exitcode = -1
            return True
        if pid == 0:
            return False
        self.exitcode = os.waitstatus_to_exitcode(status)
        return True

    def alive(self) -> bool:
        return not self._reap(os.WNOHANG)

    def stop(self, wait: float = 5) -> int | None:
        """Kill the child if it still runs and reap it; its exit code (negative: the signal)."""
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        end = time.monotonic() + wait
        while not self._reap(os.WNOHANG) and time.monotonic() < end:
            time.sleep(0.01)
        return self.exitcode
