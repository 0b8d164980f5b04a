"""Poll many feeds (and fetch many pages) concurrently through the guarded client.

One ``GuardedClient`` per batch: at most ``policy.global_limit`` requests in
flight and ``policy.per_host`` per host, so N feeds of latency L take about
N·L / concurrency. A feed that fails is recorded as an error and the others go
on. Bodies whose hash equals the stored one are not parsed again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from extract.feeds import parse_feed
from extract.fetch_budget import FetchBudget
from extract.http import FetchPolicy, FetchResult, GuardedClient
from extract.records import FeedEntry, FeedParse
from extract.schedule import PollState, after_poll

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class PollTarget:
    """A feed to poll, with its stored state (validators, body hash, moved URL)."""

    feed_id: int | str
    url: str
    state: PollState = field(default_factory=PollState)

    @property
    def fetch_url(self) -> str:
        return self.state.url or self.url


@dataclass
class PollOutcome:
    """One feed's poll: ``status`` is 'ok' | 'not_modified' | 'unchanged' | 'error' | 'gone'."""

    feed_id: int | str
    url: str
    result: FetchResult
    parse: FeedParse | None  # None for 304, an unchanged body, or a fetch error
    body_hash: str | None
    status: str
    state: PollState  # the feed's state after this poll (store it)

    @property
    def error(self) -> str | None:
        if self.result.error is not None:
            return str(self.result.error)
        return self.parse.error if self.parse is not None else None


def body_hash(content: bytes) -> str:
    """The hash the store keeps to notice an unchanged body (sha256, hex)."""
    return hashlib.sha256(content).hexdigest()


def _outcome(target: PollTarget, result: FetchResult, now: dt.datetime, rng: random.Random) -> PollOutcome:
    state = target.state
    if result.error is not None:
        status = "gone" if getattr(result.error, "status", None) == 410 else "error"
        return PollOutcome(target.feed_id, target.url, result, None, None, status, after_poll(state, result, now, rng=rng))
    if result.status == 304:
        return PollOutcome(target.feed_id, target.url, result, None, None, "not_modified", after_poll(state, result, now, rng=rng))
    digest = body_hash(result.content)
    if digest == state.body_hash:
        new = after_poll(state, result, now, body_hash=digest, rng=rng)
        return PollOutcome(target.feed_id, target.url, result, None, digest, "unchanged", new)
    try:
        parsed = parse_feed(result.content, url=result.final_url, content_type=result.content_type)
    except Exception as exc:  # a parser bug must not stop the batch
        parsed = FeedParse(entries=[], error=f"feed: parser failed ({type(exc).__name__}: {exc})")
    new = after_poll(state, result, now, body_hash=digest, rng=rng, parse_error=parsed.error)
    return PollOutcome(target.feed_id, target.url, result, parsed, digest, "error" if parsed.error else "ok", new)


async def poll(
    feeds: list[PollTarget],
    policy: FetchPolicy | None = None,
    *,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> list[PollOutcome]:
    """Poll every feed concurrently (conditional GET) and parse what changed; one outcome per feed, in order."""
    policy = policy or FetchPolicy()
    rng = rng or random.Random()

    loop = asyncio.get_running_loop()
    # Parsing is CPU work: one worker thread does it, so the event loop keeps serving sockets
    # (and other fetches' deadlines stay fair) while a big feed is being parsed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="planwatch-parse") as parser:
        async with GuardedClient(policy) as client:

            async def one(target: PollTarget) -> PollOutcome:
                st = target.state
                result = await client.fetch(
                    target.fetch_url, etag=st.etag, last_modified=st.last_modified, max_bytes=policy.max_feed_bytes, accept=FEED_ACCEPT
                )
                when = now or dt.datetime.now(dt.timezone.utc)
                if result.error is None and result.status != 304:
                    return await loop.run_in_executor(parser, _outcome, target, result, when, rng)
                return _outcome(target, result, when, rng)

            return list(await asyncio.gather(*(one(t) for t in feeds)))


async def fetch_pages(urls: list[str], policy: FetchPolicy | None = None,
                      budget: FetchBudget | None = None) -> list[FetchResult]:
    """Fetch article pages concurrently with the page size cap and ``budget``; one result per URL, in order."""
    policy = policy or FetchPolicy()
    async with GuardedClient(policy, budget) as client:
        return list(
            await asyncio.gather(*(client.fetch(u, max_bytes=policy.max_page_bytes, accept=PAGE_ACCEPT) for u in urls))
        )


def poll_sync(feeds: list[PollTarget], policy: FetchPolicy | None = None, **kwargs: object) -> list[PollOutcome]:
    """``poll`` for synchronous callers (Airflow tasks)."""
    return asyncio.run(poll(feeds, policy, **kwargs))  # type: ignore[arg-type]


def fetch_pages_sync(urls: list[str], policy: FetchPolicy | None = None,
                     budget: FetchBudget | None = None) -> list[FetchResult]:
    """``fetch_pages`` for synchronous callers (Airflow tasks)."""
    return asyncio.run(fetch_pages(urls, policy, budget))


@dataclass
class PollSummary:
    """Counts of one poll batch, for the task log."""

    polled: int = 0
    ok: int = 0
    not_modified: int = 0
    unchanged: int = 0
    errors: int = 0
    gone: int = 0
    entries: int = 0
    new_entries: int = 0
    warnings: int = 0
    error_feeds: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"polled {self.polled} feeds: {self.ok} ok, {self.not_modified} not modified, {self.unchanged} unchanged, "
            f"{self.errors} errors, {self.gone} gone; {self.entries} entries, {self.new_entries} new; "
            f"{self.warnings} with recovered XML"
        )
        if self.error_feeds:
            text += "; failing: " + ", ".join(self.error_feeds[:10]) + (" …" if len(self.error_feeds) > 10 else "")
        return text


def summarize(
    outcomes: Iterable[PollOutcome], *, is_new: Callable[[PollOutcome, FeedEntry], bool] | None = None
) -> PollSummary:
    """Count a batch; ``is_new`` tells which entries were not seen before (default: all parsed entries)."""
    s = PollSummary()
    for o in outcomes:
        s.polled += 1
        if o.status == "ok":
            s.ok += 1
        elif o.status == "not_modified":
            s.not_modified += 1
        elif o.status == "unchanged":
            s.unchanged += 1
        elif o.status == "gone":
            s.gone += 1
            s.error_feeds.append(f"{o.feed_id}: {o.error}")
        else:
            s.errors += 1
            s.error_feeds.append(f"{o.feed_id}: {o.error}")
        if o.parse is not None:
            s.entries += len(o.parse.entries)
            s.new_entries += sum(1 for e in o.parse.entries if is_new is None or is_new(o, e))
            s.warnings += o.parse.warning is not None
    return s
