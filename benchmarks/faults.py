"""Fault trials on loopback: kill -9, a locked or read-only store, failing channels, two runs at once.

    uv run python benchmarks/faults.py [--trials 20] [--pairs 25] [--only CASE ...]

Each trial starts from a copy of one ingested store (the sample bundle, one email and one Slack
subscriber), injects its fault, then lets the next run go on undisturbed (time passing is simulated
by making claimed and backed-off deliveries due again). It prints per case: trials, lost (a delivery
that never reached its channel, or a run that ended with a raw traceback), duplicated (a delivery
that reached its channel more than once) and how many of those duplicates followed a send the channel
never answered, and whether each repeat says "Sent again" so a reader can tell it from the first
copy. Kills are timed from one undisturbed run of each phase (kill_window), and the kills
that landed while a Slack post was in flight are counted: a duplicate after any other kill is planwatch's
own. Nothing leaves 127.0.0.1. A delivery is found in a received message by its headline and figure; a
clean run first checks that each delivery is found exactly once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planwatch.demo import connection_env, mount_sample, write_config  # noqa: E402
from planwatch.standins import HTTPServer, Reply, SlackStandIn, SMTPServer  # noqa: E402

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))
LOCK_HOLD = 45.0  # seconds another process holds the store locked
SLOW = 2.0  # seconds the slow Slack answer takes; the client gives up after SLACK_TIMEOUT below
SLACK_TIMEOUT = 1.0
RAW = ("Traceback", "OperationalError", "IntegrityError", "Bus error")


@dataclass
class Tally:
    trials: int = 0
    lost: int = 0
    duplicated: int = 0
    unanswered_dups: int = 0
    in_send: int = 0  # kills that landed while a Slack post was in flight
    unmarked: int = 0  # duplicates whose repeat does not say "Sent again" (a reader could not tell them apart)
    notes: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        note = f"  ({'; '.join(sorted(set(self.notes))[:3])})" if self.notes else ""
        return (f"{name:<28} trials {self.trials:>3}   lost {self.lost:>3}   duplicated {self.duplicated:>3}"
                f"   (after no answer: {self.unanswered_dups})"
                + (f"   killed inside a send: {self.in_send}" if self.in_send else "")
                + (f"   repeats not marked: {self.unmarked}" if self.unmarked else "") + note)


class SMTPDropping(SMTPServer):
    """An SMTP server that, while ``drop_next`` is set, accepts a message and drops the connection unanswered."""

    def __init__(self) -> None:
        super().__init__()
        self.drop_next = 0
        inner = self._controller.handler
        outer = self

        class Dropping:
            async def handle_RCPT(self, *args):
                return await inner.handle_RCPT(*args)

            async def handle_DATA(self, server, session, envelope):
                result = await inner.handle_DATA(server, session, envelope)
                if outer.drop_next:
                    outer.drop_next -= 1
                    server.transport.abort()
                return result

        self._controller.handler = Dropping()


class Bench:
    """The stand-ins, the config and the ingested template store shared by every trial."""

    def __init__(self, root: Path):
        self.root = root
        self.http, self.smtp, self.slack = HTTPServer().start(), SMTPDropping().start(), SlackStandIn().start()
        mount_sample(self.http)
        self.env = dict(os.environ)
        self.env.update(write_config(
            root / "config",
            [("Sample wire (RSS)", self.http.url("/rss.xml")), ("Sample tech desk (Atom)", self.http.url("/atom.xml"))],
            [{"name": "research-desk", "email": "analyst@example.com"},
             {"name": "newsroom", "slack_connection": "slack_demo"}]))
        self.env.update(connection_env(self.smtp, self.slack))
        self.env.update({"PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1", "PYTHONUNBUFFERED": "1"})
        self.env.pop("PLANWATCH_TAXONOMY", None)
        self.template = root / "template"
        self._ingest_template()

    def store(self, name: str) -> Path:
        """A fresh copy of the ingested store (no delivery queued yet)."""
        folder = self.root / name
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(self.template, folder)
        return folder

    def _ingest_template(self) -> None:
        self.template.mkdir()
        env = self._env(self.template)
        code = subprocess.run([sys.executable, "-c", "from planwatch import settings, stages; cfg = settings.load();"
                               "[stages.poll_batch(b, cfg) for b in stages.prepare(cfg)]; stages.process_entries(cfg)"],
                              env=env, capture_output=True, text=True)
        if code.returncode:
            raise SystemExit(f"faults: ingest of the template store failed:\n{code.stderr[-2000:]}")
        _checkpoint(self.template / "planwatch.db")

    def _env(self, folder: Path) -> dict:
        return {**self.env, "PLANWATCH_HOME": str(folder), "PLANWATCH_DATABASE_URL": f"sqlite:///{folder}/planwatch.db"}

    def start_run(self, folder: Path, **extra: str) -> subprocess.Popen:
        return subprocess.Popen([PLANWATCH, "run", "--quiet"], env={**self._env(folder), **extra},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def reset_channels(self) -> None:
        self.slack.requests.clear()
        self.slack.accepted.clear()
        self.slack.responses.clear()
        self.smtp.messages.clear()
        self.smtp.envelopes.clear()
        self.smtp.drop_next = 0

    def received(self) -> dict[str, list[str]]:
        """The text of every message each channel took (Slack: posts the stand-in answered 200, also too late)."""
        return {"smtp": [_mail_text(m) for m in self.smtp.messages],
                "slack": [json.dumps(p, ensure_ascii=False) for p in self.slack.accepted]}

    def stop(self) -> None:
        self.http.stop(), self.smtp.stop(), self.slack.stop()


def _mail_text(msg) -> str:
    part = msg.get_body(("plain",))
    return part.get_content() if part is not None else str(msg)


def _checkpoint(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _make_due(db: Path) -> None:
    """Time passes: claims expire and backoffs end (what the next runs would see after waiting)."""
    with sqlite3.connect(db, timeout=60) as conn:
        conn.execute("UPDATE deliveries SET next_attempt_at = NULL WHERE status = 'pending'")


def _deliveries(db: Path) -> list[tuple[int, str, str, str]]:
    """(id, status, channel, needle) of every delivery; the needle finds it in a received message."""
    from alerts import render
    from alerts.escape import mrkdwn
    from store import session_scope
    from store.models import Delivery

    with session_scope(f"sqlite:///{db}") as session:
        rows = list(session.query(Delivery).order_by(Delivery.id))
        items = render.items_for(session, rows)
        return [(row.id, row.status, "slack", json.dumps(mrkdwn(item.headline), ensure_ascii=False)[1:-1])
                if row.subscriber.slack_connection else (row.id, row.status, "smtp", item.headline)
                for row, item in zip(rows, items)]


def settle(bench: Bench, folder: Path, tally: Tally, unanswered: set[int] | None = None) -> None:
    """Run on undisturbed until nothing is pending, then count lost and duplicated deliveries."""
    db = folder / "planwatch.db"
    bench.slack.responses.clear()
    bench.smtp.drop_next = 0
    for _ in range(3):
        _make_due(db)
        proc = bench.start_run(folder)
        _out, err = proc.communicate(timeout=300)
        if any(r in err for r in RAW):
            tally.lost += 1
            tally.notes.append("raw traceback on the rerun")
        if all(status != "pending" for _i, status, _c, _n in _deliveries(db)):
            break
    texts = bench.received()
    for delivery_id, status, channel, needle in _deliveries(db):
        seen = sum(needle in t for t in texts[channel])
        if status != "sent" or seen == 0:
            tally.lost += 1
            tally.notes.append(f"delivery {status}, seen {seen}x")
        elif seen > 1:
            tally.duplicated += seen - 1
            tally.unmarked += max(0, seen - 1 - sum(needle in t and "Sent again:" in t for t in texts[channel]))
            if unanswered is not None and delivery_id in unanswered:
                tally.unanswered_dups += seen - 1


def baseline(bench: Bench) -> None:
    """A clean run: every delivery is found exactly once, so the needles count right."""
    bench.reset_channels()
    folder = bench.store("baseline")
    tally = Tally()
    settle(bench, folder, tally)
    found = _deliveries(folder / "planwatch.db")
    if tally.lost or tally.duplicated or not found:
        raise SystemExit(f"faults: the clean run does not count right ({tally.line('baseline')}, {len(found)} deliveries)")
    print(f"baseline: {len(found)} deliveries, {len(bench.smtp.messages)} emails, {len(bench.slack.accepted)} Slack posts")


def _judge_stop(proc: subprocess.Popen, tally: Tally, fine: tuple[str, ...]) -> None:
    """A faulted run may stop, but only with one clear line: never a raw driver error or traceback."""
    _out, err = proc.communicate(timeout=300)
    if any(r in err for r in RAW):
        tally.lost += 1
        last = [line for line in err.strip().splitlines() if line.strip()][-1:]  # the exception, after the traceback
        tally.notes.append(f"raw error: {next(r for r in RAW if r in err)}: {last[0].strip()[:160] if last else ''}")
    elif proc.returncode not in (0, -9) and not any(f in err for f in fine):
        tally.notes.append(f"exit {proc.returncode}: {err.strip().splitlines()[-1][:90] if err.strip() else ''}")


def _kill_store(bench: Bench, n: int, during: str) -> Path:
    folder = bench.store(f"kill-{during}-{n}")
    if during == "ingest":
        with sqlite3.connect(folder / "planwatch.db") as conn:  # everything to fetch again
            conn.executescript("DELETE FROM feeds; DELETE FROM entries;")
    bench.reset_channels()
    return folder


def kill_window(bench: Bench, during: str) -> tuple[float, float]:
    """Seconds after its start between which a kill lands in the phase: timed on one undisturbed run.

    Ingest: the whole run. Alerts: from just before the first Slack post (answered after 0.4 s) to the run's end,
    so kills fall before, inside and after the send, before the `sent` commit.
    """
    folder = _kill_store(bench, -1, during)
    sends: list[list[float]] = []
    bench.slack.routes["/hook"] = _slow_ok(bench.slack, 0.4, sends)
    started = time.monotonic()
    bench.start_run(folder).communicate(timeout=300)
    took = time.monotonic() - started
    bench.slack.routes["/hook"] = bench.slack._reply
    if during == "ingest" or not sends:
        return 0.3, took
    return max(0.1, sends[0][0] - started - 0.3), took


def trial_kill(bench: Bench, n: int, during: str, tally: Tally, rng: random.Random,
               window: tuple[float, float]) -> None:
    folder = _kill_store(bench, n, during)
    sends: list[list[float]] = []  # [start, end] of each Slack post the stand-in handled
    if during == "alerts":
        bench.slack.routes["/hook"] = _slow_ok(bench.slack, 0.4, sends)
    proc = bench.start_run(folder)
    in_send = False
    try:
        proc.wait(rng.uniform(*window))
    except subprocess.TimeoutExpired:
        proc.kill()
        killed_at = time.monotonic()
        in_send = any(span[0] <= killed_at and (len(span) == 1 or span[1] >= killed_at) for span in sends)
    proc.communicate()
    bench.slack.routes["/hook"] = bench.slack._reply
    tally.trials += 1
    tally.in_send += in_send
    # a kill inside a send is a send never answered; any other duplicate is planwatch's own
    unanswered = {d for d, _s, _c, _n in _deliveries(folder / "planwatch.db")} if in_send else set()
    settle(bench, folder, tally, unanswered=unanswered)


def _slow_ok(slack: SlackStandIn, delay: float, sends: list[list[float]] | None = None):
    """Slack's usual answer after ``delay`` seconds; each post's [start, end] is appended to ``sends``."""
    def reply(req):
        span = [time.monotonic()]
        if sends is not None:
            sends.append(span)
        answer = slack._reply(req)
        time.sleep(delay)
        span.append(time.monotonic())
        return answer
    return reply


def trial_lock(bench: Bench, n: int, tally: Tally, rng: random.Random) -> None:
    folder = bench.store(f"lock-{n}")
    bench.reset_channels()
    proc = bench.start_run(folder)
    time.sleep(rng.uniform(0.5, 4.0))
    conn = sqlite3.connect(folder / "planwatch.db", timeout=60, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    held = time.monotonic()
    while time.monotonic() - held < LOCK_HOLD and proc.poll() is None:
        time.sleep(0.2)
    conn.execute("ROLLBACK")
    conn.close()
    _judge_stop(proc, tally, ("another planwatch run holds the store",))
    tally.trials += 1
    settle(bench, folder, tally)


def trial_read_only(bench: Bench, n: int, tally: Tally, rng: random.Random) -> None:
    folder = bench.store(f"ro-{n}")
    bench.reset_channels()
    proc = bench.start_run(folder)
    time.sleep(rng.uniform(0.5, 5.0))
    # root ignores file modes; +i binds root too. The -shm index is left alone: SQLite maps it into memory, and
    # an immutable mapping that must grow kills the process with SIGBUS inside SQLite (outside planwatch's reach)
    files = [folder, *(f for f in folder.glob("planwatch.db*") if not f.name.endswith("-shm"))]
    subprocess.run(["chattr", "+i", *map(str, files)], check=True)
    try:
        _judge_stop(proc, tally, ("read-only", "cannot write", "store:"))
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)
    tally.trials += 1
    settle(bench, folder, tally)


def trial_channel(bench: Bench, n: int, fault: str, tally: Tally) -> None:
    """One alerts pass in this process meets the fault on its first send; the next passes go clean."""
    from alerts import channels
    from planwatch import settings, stages

    folder = bench.store(f"{fault}-{n}")
    bench.reset_channels()
    env = bench._env(folder)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    channels.SLACK_TIMEOUT = SLACK_TIMEOUT
    try:
        if fault == "slack 500":
            bench.slack.responses.append(Reply(500, b"internal_error"))
        elif fault == "slack 429":
            bench.slack.responses.append(Reply(429, b"rate_limited", {"Retry-After": "1000000000"}))
        elif fault == "slack slow answer":
            bench.slack.responses.append(Reply(200, b"ok", delay=SLOW))
        elif fault == "slack dropped connection":
            bench.slack.responses.append(Reply(200, b"ok", drop=True))
        elif fault == "smtp accepted, dropped":
            bench.smtp.drop_next = 1
        cfg = settings.load()
        first = stages.alerts_pass(cfg)
        if fault == "slack 429":
            _check_retry_after(folder / "planwatch.db", tally)
        unanswered = _unanswered(folder / "planwatch.db", first, fault)
        from store.db import dispose_all

        dispose_all()
        tally.trials += 1
        settle(bench, folder, tally, unanswered)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _check_retry_after(db: Path, tally: Tally) -> None:
    with sqlite3.connect(db) as conn:
        latest = conn.execute("SELECT max(next_attempt_at) FROM deliveries WHERE status = 'pending'").fetchone()[0]
    if latest and latest[:4] > "2100":
        tally.notes.append(f"Retry-After not capped: next attempt {latest}")


def _unanswered(db: Path, first: dict, fault: str) -> set[int]:
    """Deliveries whose first send got no answer from the channel (they may have arrived)."""
    if fault not in ("slack slow answer", "slack dropped connection", "smtp accepted, dropped"):
        return set()
    return {d for d, status, _c, _n in _deliveries(db) if status == "pending"}


def trial_pair(bench: Bench, n: int, tally: Tally) -> None:
    """Two `planwatch run` on one fresh store at once: both complete, or one stops with the clear message."""
    folder = bench.root / f"pair-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    bench.reset_channels()
    procs = [bench.start_run(folder), bench.start_run(folder)]
    for proc in procs:
        _judge_stop(proc, tally, ("another planwatch run holds the store",))
    tally.trials += 1
    with sqlite3.connect(folder / "planwatch.db") as conn:
        copies = conn.execute("SELECT count(*) - count(DISTINCT canonical_url) FROM articles").fetchone()[0]
    tally.duplicated += copies
    settle(bench, folder, tally)


CASES = ("kill -9 during ingest", "kill -9 during alerts", "store locked 45 s", "store read-only mid-run",
         "slack 500", "slack 429", "slack slow answer", "slack dropped connection", "smtp accepted, dropped",
         "two runs at once")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--pairs", type=int, default=25)
    ap.add_argument("--only", nargs="*", choices=CASES, default=list(CASES))
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    logging.disable(logging.CRITICAL)  # the in-process alerts passes would log every injected failure
    results: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory(prefix="planwatch-faults-") as tmp:
        bench = Bench(Path(tmp))
        try:
            baseline(bench)
            for case in args.only:
                tally = results[case] = Tally()
                count = args.pairs if case == "two runs at once" else args.trials
                window = kill_window(bench, case.rsplit(" ", 1)[-1]) if case.startswith("kill") else None
                for n in range(count):
                    if case.startswith("kill"):
                        trial_kill(bench, n, case.rsplit(" ", 1)[-1], tally, rng, window)
                    elif case == "store locked 45 s":
                        trial_lock(bench, n, tally, rng)
                    elif case == "store read-only mid-run":
                        trial_read_only(bench, n, tally, rng)
                    elif case == "two runs at once":
                        trial_pair(bench, n, tally)
                    else:
                        trial_channel(bench, n, case, tally)
                print(tally.line(case), flush=True)
        finally:
            bench.stop()
    total = Tally(*(sum(getattr(t, k) for t in results.values())
                    for k in ("trials", "lost", "duplicated", "unanswered_dups", "in_send", "unmarked")))
    print(total.line("all"))
    return 1 if total.lost or total.duplicated > total.unanswered_dups or total.unmarked else 0


if __name__ == "__main__":
    sys.exit(main())
