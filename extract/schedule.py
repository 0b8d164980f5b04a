"""Pure poll scheduling: what one poll result means for a feed's next poll.

Rules (``after_poll``):

* the interval is the feed's own (default 30 min), never below 15 min;
* success (200 or 304) resets the failure count and schedules ``now + interval``;
* 304 keeps the stored validators and takes any new ones the server sent; a 200
  stores exactly the validators it came with;
* a 200 whose body hash equals the stored one is "unchanged" (caller skips parsing),
  whatever the ETag said; the validators of that answer are stored;
* errors back off: ``interval × 2^failures`` (failures counted including this one,
  so the first error waits 2 intervals), capped at 24 h;
* Retry-After (capped at 24 h) is a lower bound on the wait, also on success;
* every wait except the plain success interval gets 0–10 % jitter (never
  earlier than Retry-After), and no wait exceeds 24 h;
* a 200 body that is no feed (``parse_error``) counts as a failure;
* 410 Gone, or 30 failures in a row, makes a feed dormant: it is polled weekly,
  never deleted; any later success wakes it;
* a permanent redirect (301/308) replaces the stored URL once the new URL
  answered OK (200 or 304).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from extract.http import MAX_RETRY_AFTER, FetchResult

DEFAULT_INTERVAL_MINUTES = 30
MIN_INTERVAL_MINUTES = 15
MAX_WAIT = dt.timedelta(seconds=MAX_RETRY_AFTER)
DORMANT_WAIT = dt.timedelta(days=7)
DORMANT_AFTER_FAILURES = 30
JITTER = 0.10


@dataclass
class PollState:
    """A feed's polling state, as the store keeps it."""

    interval_minutes: int = DEFAULT_INTERVAL_MINUTES
    failures: int = 0
    next_poll_at: dt.datetime | None = None
    dormant: bool = False
    last_status: int | None = None
    last_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    url: str | None = None  # the URL to poll; None: as configured
    last_success_at: dt.datetime | None = None
    last_outcome: str | None = None  # ok | not_modified | unchanged | error | gone

    def due(self, now: dt.datetime) -> bool:
        return self.next_poll_at is None or self.next_poll_at <= now


def interval(state: PollState) -> dt.timedelta:
    """The feed's regular interval, floored at 15 minutes."""
    return dt.timedelta(minutes=max(state.interval_minutes or DEFAULT_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES))


def _jittered(wait: dt.timedelta, floor: dt.timedelta, rng: random.Random) -> dt.timedelta:
    wait = min(wait, MAX_WAIT)
    return max(min(wait * (1 + rng.uniform(0, JITTER)), MAX_WAIT), floor)


def after_poll(
    state: PollState,
    result: FetchResult,
    now: dt.datetime,
    *,
    body_hash: str | None = None,
    rng: random.Random | None = None,
    parse_error: str | None = None,
) -> PollState:
    """The state after ``result``; ``body_hash`` is the hash of a 200 body, ``parse_error`` a body that is no feed."""
    rng = rng or random.Random()
    step = interval(state)
    retry_after = dt.timedelta(seconds=min(result.retry_after_seconds or 0, MAX_RETRY_AFTER))
    new = replace(state, last_status=result.status)

    answered = result.status is not None and (200 <= result.status < 300 or result.status == 304)
    if result.error is None and answered and parse_error is None:
        new.failures = 0
        new.dormant = False
        new.last_error = None
        new.last_success_at = now
        if result.status == 304:  # validators stay; a 304 may refresh them
            new.etag = result.etag or state.etag
            new.last_modified = result.last_modified or state.last_modified
        else:  # a full answer: exactly its own validators (none if it sent none)
            new.etag, new.last_modified = result.etag, result.last_modified
        if result.status == 304:
            new.last_outcome = "not_modified"
        elif body_hash is not None and body_hash == state.body_hash:
            new.last_outcome = "unchanged"
        else:
            new.last_outcome = "ok"
            if body_hash is not None:
                new.body_hash = body_hash
        if result.permanent_redirect:
            new.url = result.permanent_redirect
        wait = step if retry_after <= step else _jittered(retry_after, retry_after, rng)
        new.next_poll_at = now + wait
        return new

    new.failures = state.failures + 1
    new.last_error = str(result.error) if result.error is not None else parse_error or f"fetch: unexpected status ({result.status})"
    gone = result.status == 410
    if gone or new.failures >= DORMANT_AFTER_FAILURES:
        new.dormant = True
        new.last_outcome = "gone" if gone else "error"
        new.next_poll_at = now + DORMANT_WAIT
        return new
    new.last_outcome = "error"
    backoff = step * (2 ** min(new.failures, 20))
    new.next_poll_at = now + _jittered(max(backoff, retry_after), retry_after, rng)
    return new
