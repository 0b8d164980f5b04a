"""The detection worker runs wherever a task runs: also in a daemonic process, as under a Celery worker."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from planwatch.budget import Budgeted, StageFailure


def _square(x: int) -> int:
    return x * x


def _slow(x: int) -> int:
    time.sleep(30)
    return x


def _die(x: int) -> int:
    os._exit(3)


def _in_daemon(queue) -> None:
    """What a Celery task process does: run Budgeted in a process multiprocessing counts as daemonic."""
    outcome = []
    with Budgeted("detect", _square, 10) as square:
        outcome.append(square(7))
    with Budgeted("detect", _slow, 0.5) as slow:
        try:
            slow(1)
        except StageFailure as exc:
            outcome.append(str(exc))
    queue.put(outcome)


def test_the_worker_starts_inside_a_daemonic_process():
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_in_daemon, args=(queue,), daemon=True)
    proc.start()
    outcome = queue.get(timeout=30)
    proc.join(10)
    assert outcome == [49, "detect: over the 0.5 s budget (page quarantined)"]
    assert proc.exitcode == 0


def test_a_worker_past_its_budget_is_killed_and_the_next_call_gets_a_new_one():
    calls = {"fn": _slow}

    def run(x):
        return calls["fn"](x)

    with Budgeted("detect", run, 0.3) as budgeted:
        with pytest.raises(StageFailure, match="over the 0.3 s budget"):
            budgeted(1)
        first = budgeted._proc
        assert first is None  # killed and reaped, not left running
        calls["fn"] = _square  # the next fork sees the new function
        assert budgeted(5) == 25
        pid = budgeted._proc.pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # close() reaped it: no zombie left behind


def test_a_worker_that_dies_is_one_stage_failure_with_its_exit_code():
    with Budgeted("detect", _die, 5) as budgeted:
        with pytest.raises(StageFailure, match=r"detect: worker died \(exit code 3\)"):
            budgeted(1)
        budgeted.fn = _square
        assert budgeted(3) == 9


def _mark(path: str) -> str:
    with open(path, "w") as f:
        f.write("done")
    return path


def test_a_submitted_call_runs_while_the_caller_works_on(tmp_path):
    marker = tmp_path / "ran"
    with Budgeted("detect", _mark, 10) as budgeted:
        pending = budgeted.submit(str(marker))
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)  # the caller's own work: the call is done before its result is asked for
        assert marker.exists()
        assert pending.result() == str(marker)
        assert budgeted(str(tmp_path / "again")) == str(tmp_path / "again")  # the same worker serves the next call


def test_a_submitted_call_keeps_its_budget_from_submission_when_collected_late():
    with Budgeted("detect", _slow, 0.3) as budgeted:
        pending = budgeted.submit(1)
        time.sleep(0.5)
        with pytest.raises(StageFailure, match="over the 0.3 s budget"):
            pending.result()
        assert budgeted._proc is None  # killed and reaped
