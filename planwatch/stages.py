"""One function per DAG task. Each is idempotent: a retried task does no harm.

Tasks pass ids and small summaries between them (XCom), never article data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import asdict, dataclass, field

from extract.cleantext import bounded
from extract.urls import redact
from planwatch import settings as settings_mod
from planwatch.budget import Budgeted, StageFailure, failure_text
from planwatch.settings import Settings

log = logging.getLogger("planwatch")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _settings(cfg: Settings | None) -> Settings:
    return cfg or settings_mod.load()


def fetch_policy(cfg: Settings):
    from extract.http import FetchPolicy

    return FetchPolicy(
        allow_private=cfg.allow_private_networks,
        allowed_networks=cfg.allowed_networks,
        user_agent="planwatch/0.1",
        contact_url=cfg.contact_url,
        global_limit=cfg.fetch_concurrency,
    )


def taxonomy(cfg: Settings):
    from extract.taxonomy import load_taxonomy

    return load_taxonomy(cfg.taxonomy_path)


def check_config(cfg: Settings | None = None) -> dict:
    """Load and validate every config file; raises ConfigErrors listing every mistake (file, entry, key, fix)."""
    from alerts import subscribers
    from extract.concepts import load_concepts
    from extract.errors import ConfigError, raise_all
    from planwatch.config import load_feeds
    from planwatch.preflight import feed_address_errors, slack_connection_errors, store_errors

    cfg = _settings(cfg)
    errors: list[ConfigError] = []

    def checked(load, default):
        try:
            return load()
        except ConfigError as exc:
            errors.append(exc)
            return default

    tax = checked(lambda: taxonomy(cfg), None)
    if tax is not None:
        checked(lambda: load_concepts(cfg.concepts_path, tax), None)
    feeds = checked(lambda: load_feeds(cfg.feeds_path, errors), [])
    tech_ids = sorted(tax.technology_ids) if tax is not None else []
    subs = checked(lambda: subscribers.load(cfg.subscribers_path, tech_ids), []) if tax is not None else []
    errors += feed_address_errors(cfg, feeds) + slack_connection_errors(cfg, subs) + store_errors(cfg)
    raise_all(errors)
    return {"feeds": len(feeds), "subscribers": len(subs), "technologies": len(tech_ids)}


# ---- planwatch_ingest -------------------------------------------------------------------------


def prepare(cfg: Settings | None = None, *, force: bool = False, feeds: list[str] | None = None) -> list[list[int]]:
    """Migrate the store, sync feeds from config, and return the due feeds in batches of ids.

    ``force`` makes every enabled feed due now, ``feeds`` the named ones (their backoff is cleared).
    """
    from planwatch.config import load_feeds
    from store import migrate, session_scope
    from store.feeds import due_feed_ids, poll_now, sync_feeds

    cfg = _settings(cfg)
    sources = load_feeds(cfg.feeds_path)
    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as session:
        sync_feeds(session, sources)
        if force or feeds:
            forced = poll_now(session, None if force else list(feeds))
            log.info("planwatch: polling %d feeds now, whatever their schedule: %s", len(forced), ", ".join(forced))
        ids = due_feed_ids(session, _now())
        if not ids:
            log.info("planwatch: %s", _why_nothing_is_due(session))
    size = cfg.feed_batch_size
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    log.info("planwatch: %d feeds due, in %d batches of at most %d", len(ids), len(batches), size)
    return batches


def _why_nothing_is_due(session) -> str:
    from store.feeds import schedule

    plan = schedule(session)
    if not plan.enabled:
        return "no feed is due: the feeds file lists no feed"
    waiting = plan.enabled - plan.backing_off - plan.dormant
    text = (f"no feed is due: of {plan.enabled} enabled feeds, {plan.backing_off} are backing off after failures, "
            f"{plan.dormant} are dormant and {waiting} are waiting for their interval")
    if plan.next_at is not None:
        minutes = max(0, round((plan.next_at - _now()).total_seconds() / 60))
        text += f"; next due: {plan.next_name!r} at {plan.next_at:%Y-%m-%d %H:%M} UTC (in {minutes} min)"
    return text + ". To poll now: trigger planwatch_ingest with force or feeds, or `planwatch feeds --poll-now`."


def poll_batch(feed_ids: list[int], cfg: Settings | None = None) -> dict:
    """Poll these feeds concurrently, record their state and their new entries."""
    from extract.poller import PollTarget, poll_sync, summarize
    from extract.schedule import PollState
    from extract.urls import canonical_url
    from store import session_scope
    from store.entries import add_entries, link_known_articles
    from store.models import Feed

    cfg = _settings(cfg)
    with session_scope(cfg.database_url) as session:
        targets = [
            PollTarget(feed_id=f.id, url=f.config_url, state=PollState(
                interval_minutes=f.interval_minutes, failures=f.failures, next_poll_at=f.next_poll_at,
                dormant=f.dormant, last_error=f.last_error, etag=f.etag, last_modified=f.last_modified,
                body_hash=f.body_hash, url=f.url, last_success_at=f.last_success_at))
            for f in session.query(Feed).filter(Feed.id.in_(feed_ids))
        ]
        names = dict(session.query(Feed.id, Feed.name).filter(Feed.id.in_(feed_ids)).all())
    outcomes = poll_sync(targets, fetch_policy(cfg))
    now = _now()
    added_by_feed: dict[int, int] = {}
    for outcome in outcomes:
        new = outcome.state
        with session_scope(cfg.database_url) as session:
            feed = session.get(Feed, outcome.feed_id)
            feed.failures, feed.next_poll_at, feed.dormant = new.failures, new.next_poll_at, new.dormant
            feed.last_status = outcome.status
            feed.last_error = new.last_error and bounded(redact(new.last_error))
            feed.etag, feed.last_modified, feed.body_hash = new.etag, new.last_modified, new.body_hash
            feed.url = new.url or feed.url
            feed.last_polled_at, feed.last_success_at = now, new.last_success_at
            parsed = outcome.parse
            if parsed is not None:
                feed.last_warning = parsed.warning and bounded(redact(parsed.warning))
                links = {e.link: canonical_url(e.link) for e in parsed.entries if e.link}
                added = add_entries(session, feed.id, parsed.entries, links)
                feed.entry_count += added
                added_by_feed[feed.id] = added
    with session_scope(cfg.database_url) as session:
        link_known_articles(session)  # a story already stored from another feed needs no fetch
    summary = summarize(outcomes)
    summary.new_entries = sum(added_by_feed.values())
    problems = [f"{names[o.feed_id]}: {bounded(redact(o.error))}" for o in outcomes if o.status in ("error", "gone")]
    dormant = sum(o.state.dormant for o in outcomes)
    log.info("planwatch: %s; %d dormant", redact(str(summary)), dormant)
    for problem in problems:
        log.warning("planwatch: %s", problem)
    _judge_poll(len(outcomes), problems, cfg.poll_failure_percent)
    return {"polled": summary.polled, "unchanged": summary.not_modified + summary.unchanged,
            "new_entries": summary.new_entries, "errors": summary.errors + summary.gone, "dormant": dormant,
            "problems": problems}


def _judge_poll(polled: int, problems: list[str], percent: int) -> None:
    """Fail the poll (its feeds' state is already recorded) when every feed, or more than ``percent``%, failed."""
    from extract.errors import PollFailed

    failed = len(problems)
    if not failed or (failed < polled and failed * 100 <= percent * polled):
        return
    shown = problems[:20] + ([f"... and {failed - 20} more"] if failed > 20 else [])
    share = "every one" if failed == polled else f"more than {percent}%"
    raise PollFailed(f"poll: {failed} of {polled} feeds failed ({share}; PLANWATCH_POLL_FAILURE_PERCENT="
                     f"{percent}): " + "; ".join(shown))


@dataclass
class ProcessSummary:
    fetched: int = 0
    new_articles: int = 0
    copies: int = 0
    no_text: int = 0
    errors: int = 0
    deferred: int = 0
    new_facts: int = 0
    revisions: int = 0
    corroborations: int = 0
    problems: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    quarantined_ids: list[int] = field(default_factory=list)


def plan_pages(cfg: Settings | None = None) -> list[list[int]]:
    """Entries whose page is still to fetch (one per canonical URL), in batches of ids for mapped tasks."""
    from store import session_scope
    from store.entries import pending_entries

    cfg = _settings(cfg)
    with session_scope(cfg.database_url) as session:
        ids = [e.id for e in pending_entries(session, cfg.max_pages_per_run)]
    size = cfg.page_batch_size
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    log.info("planwatch: %d pages to fetch, in %d batches of at most %d", len(ids), len(batches), size)
    return batches


def fetch_budget(cfg: Settings):
    """The page fetch time budgets of one run (or one mapped batch): per host and in all."""
    from extract.fetch_budget import FetchBudget

    return FetchBudget(host_seconds=cfg.host_fetch_budget, run_seconds=cfg.run_fetch_budget)


def process_batch(entry_ids: list[int], cfg: Settings | None = None, budget=None) -> dict:
    """Fetch, extract, detect and store the pages of these entries, one transaction per article.

    Entries already done (a retried batch, another worker) are skipped; a page already stored is linked;
    a page that breaks a stage is quarantined and the batch goes on. Pages the fetch ``budget`` (default:
    a new one for this batch) stops stay 'new' with the reason recorded, for the next run.
    """
    cfg = _settings(cfg)
    summary = ProcessSummary()
    todo = _todo(cfg, entry_ids)
    if todo:
        with _detector(cfg, taxonomy(cfg)) as detector:
            _process_pages(cfg, todo, detector, budget or fetch_budget(cfg), {e[0]: summary for e in todo})
    return asdict(summary)


def _todo(cfg: Settings, entry_ids: list[int]) -> list[tuple]:
    """(id, feed id, link, canonical URL) of these entries that are still 'new', in id order."""
    from sqlalchemy import select

    from store import session_scope
    from store.models import Entry

    with session_scope(cfg.database_url) as session:
        return [tuple(row) for row in session.execute(
            select(Entry.id, Entry.feed_id, Entry.link, Entry.canonical_url)
            .where(Entry.id.in_(entry_ids), Entry.status == "new").order_by(Entry.id))]


def finish_process(summaries: list[dict], cfg: Settings | None = None) -> dict:
    """Link other feeds' entries to the pages just stored, tell operators of quarantined pages, log totals."""
    from store import session_scope
    from store.entries import link_known_articles

    cfg = _settings(cfg)
    total = ProcessSummary()
    for part in summaries:
        for key, value in part.items():
            setattr(total, key, getattr(total, key) + value)
    with session_scope(cfg.database_url) as session:
        link_known_articles(session)  # other feeds' entries for the pages just stored need no fetch
    if total.quarantined:
        from alerts.operators import notify_quarantine

        notify_quarantine(cfg, list(zip(total.quarantined_ids, total.quarantined)))
    if not total.fetched:
        log.info("planwatch: no new entries to fetch")
    if total.deferred:
        log.warning("planwatch: %d pages deferred to the next run: a fetch time budget was spent "
                    "(PLANWATCH_HOST_FETCH_BUDGET / PLANWATCH_RUN_FETCH_BUDGET)", total.deferred)
    log.info(
        "planwatch: fetched %d pages in %d batches: %d articles (%d syndicated copies, %d without text), "
        "%d errors; %d new facts, %d revisions, %d corroborations",
        total.fetched, len(summaries), total.new_articles, total.copies, total.no_text, total.errors,
        total.new_facts, total.revisions, total.corroborations,
    )
    for problem in total.problems:
        log.warning("planwatch: %s", problem)
    return asdict(total)


def process_entries(cfg: Settings | None = None) -> dict:
    """All of a run's pages in this process, batch after batch as the mapped tasks would take them, through
    one fetch pipeline and one detection worker (each batch keeps its own summary); then finish_process."""
    cfg = _settings(cfg)
    batches = plan_pages(cfg)
    summaries = [ProcessSummary() for _ in batches]
    todo = [entry for batch in batches for entry in _todo(cfg, batch)]
    if todo:
        summary_of = {entry_id: summaries[n] for n, batch in enumerate(batches) for entry_id in batch}
        with _detector(cfg, taxonomy(cfg)) as detector:
            _process_pages(cfg, todo, detector, fetch_budget(cfg), summary_of)
    return finish_process([asdict(s) for s in summaries], cfg)


@dataclass
class _Page:
    """A page extracted and waiting for its detection (run in the worker while the next page is extracted)."""

    entry: tuple  # (entry id, feed id, link, canonical URL)
    article: object  # extract.records.Article
    pending: object = None  # planwatch.budget.Pending: (detection, fingerprint); None without text

    def outcome(self):
        """(detection, fingerprint), (None, None) for a page without text, or the StageFailure of detection."""
        if self.pending is None:
            return None, None
        try:
            return self.pending.result()
        except StageFailure as failure:
            return failure


def _process_pages(cfg: Settings, todo: list[tuple], detector, budget, summary_of: dict) -> None:
    """Each page: fetched (a chunk ahead), extracted, then detected in the worker while the next page is
    extracted, then stored in a transaction of its own; pages are stored in the order fetched."""
    from extract.errors import FetchDeferred

    waiting: _Page | None = None
    for entry, result in _fetched(todo, fetch_policy(cfg), budget):
        summary = summary_of[entry[0]]
        summary.fetched += not isinstance(result.error, FetchDeferred)
        page = None
        try:
            page = _read_one(cfg, entry, result, summary)
        except StageFailure as failure:
            _quarantine(cfg.database_url, entry[0], entry[2], failure, summary)
        outcome = waiting.outcome() if waiting is not None else None
        if page is not None and page.article.status == "ok":
            page.pending = detector.submit(page.article.text, page.article.title, page.article.date)
        if waiting is not None:
            _finish_one(cfg, waiting, outcome, summary_of[waiting.entry[0]])
        waiting = page
    if waiting is not None:
        _finish_one(cfg, waiting, waiting.outcome(), summary_of[waiting.entry[0]])


def _read_one(cfg: Settings, entry: tuple, result, summary: ProcessSummary) -> _Page | None:
    """Extract a fetched page; record a page that needs no extraction (deferred, a fetch error, stored already).

    A page fetched whole is extracted without asking the store first (it is asked in the store transaction);
    only a page that fails is looked up, so that one stored meanwhile is linked, not quarantined."""
    from extract.errors import FetchDeferred
    from store import session_scope
    from store.models import Entry

    entry_id, _feed_id, link, canon = entry
    if result.error is None:
        try:
            return _Page(entry, _read_page(result, link, canon, cfg.detect_max_chars))
        except StageFailure:
            if _stored_already(cfg, entry):
                return None
            raise
    with session_scope(cfg.database_url) as session:
        if _linked_to_stored(session, entry_id, canon):
            return None
        if isinstance(result.error, FetchDeferred):
            session.get(Entry, entry_id).error = bounded(redact(str(result.error)))
            summary.deferred += 1
            return None
        row = session.get(Entry, entry_id)
        row.attempts += 1
        permanent = not getattr(result.error, "transient", True) or row.attempts >= 3
        row.error = bounded(redact(str(result.error)))
        row.status = "error" if permanent else "new"
        summary.errors += 1
        summary.problems.append(f"{redact(link)}: {row.error}")
        return None


def _stored_already(cfg: Settings, entry: tuple) -> bool:
    from store import session_scope

    with session_scope(cfg.database_url) as session:
        return _linked_to_stored(session, entry[0], entry[3])


def _linked_to_stored(session, entry_id: int, canon: str) -> bool:
    """If the page is stored already (by an earlier run, or another worker meanwhile), link the entry to it."""
    from sqlalchemy import select

    from store.entries import link_entry
    from store.models import Article

    articles = Article.__table__
    existing = session.execute(select(articles.c.id, articles.c.status).where(articles.c.canonical_url == canon)).first()
    if existing is None or existing.status != "ok":
        return False
    link_entry(session, entry_id, existing.id)
    return True


def _finish_one(cfg: Settings, page: _Page, outcome, summary: ProcessSummary) -> None:
    """Store a page whose detection is done; a page that broke detection or the store is quarantined."""
    entry_id, _feed_id, link, _canon = page.entry
    try:
        if isinstance(outcome, StageFailure):
            if _stored_already(cfg, page.entry):
                return
            raise outcome
        _store_one(cfg, page, *outcome, summary)
    except StageFailure as failure:
        _quarantine(cfg.database_url, entry_id, link, failure, summary)


def _store_one(cfg: Settings, page: _Page, detection, fp: int | None, summary: ProcessSummary) -> None:
    """One transaction: the article (unless it is stored already: another worker meanwhile) and its entry, done."""
    from extract.dedup import bands, is_near_duplicate, probes
    from store import session_scope
    from store.articles import save_story
    from store.entries import link_entry, mark_stored

    entry_id, feed_id, _link, _canon = page.entry
    article = page.article
    with session_scope(cfg.database_url) as session:
        with _store_stage():
            saved = save_story(
                session, article, detection, feed_id=feed_id, fingerprint=fp,
                bands=bands(fp) if fp is not None else (), probes=probes(fp) if fp is not None else (),
                same=is_near_duplicate)
        if saved.before:
            link_entry(session, entry_id, saved.row.id)
            return
        mark_stored(session, entry_id, saved.row.id, article.error and bounded(article.error))
        changes = saved.changes
        summary.no_text += fp is None
        summary.new_articles += 1
        summary.copies += saved.copy is not None
        summary.new_facts += len(changes.new)
        summary.revisions += len(changes.revisions)
        summary.corroborations += len(changes.corroborated)


def _read_page(result, link: str, canon: str, max_chars: int):
    """The extracted article; a failure of extraction, or a text over the detection budget, is a StageFailure."""
    from extract.article import extract_article
    from extract.cleantext import clean_line, clean_text

    try:
        article = extract_article(result.content, result.final_url or link, content_type=result.content_type)
        article.title, article.text = clean_line(article.title), clean_text(article.text)
    except Exception as exc:  # RecursionError, MemoryError, a parser bug: this page only
        raise StageFailure("extract", failure_text(exc)) from None
    article.canonical_url = canon
    if article.status == "ok" and len(article.text) > max_chars:
        raise StageFailure("detect", f"text of {len(article.text):,} characters is over the {max_chars:,} budget "
                                     "(fix: raise PLANWATCH_DETECT_MAX_CHARS if such pages are real)")
    return article


@contextlib.contextmanager
def _store_stage():
    """A row this page cannot be stored as fails the page; a store that is down or busy stops the run."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from store.errors import StoreError

    try:
        yield
    except (StoreError, OperationalError):
        raise
    except (DBAPIError, ValueError, TypeError) as exc:
        raise StageFailure("store", failure_text(exc)) from None


def _detector(cfg: Settings, tax):
    """Detection and the text fingerprint, (detection, fingerprint), under the per-article time budget, in a
    worker process."""
    from extract.dedup import fingerprint
    from extract.detect import detect
    from store.db import forget_connections

    def run(text: str, title: str | None, published):
        return detect(text, title=title, published=published, taxonomy=tax), fingerprint(text)

    return Budgeted("detect", run, cfg.detect_timeout, on_fork=forget_connections)


def _quarantine(url: str, entry_id: int, link: str, failure: StageFailure, summary: ProcessSummary) -> None:
    """Mark the entry 'failed' with the one-line error, so no later run retries it; the run goes on."""
    from store import session_scope
    from store.models import Entry

    with session_scope(url) as session:
        entry = session.get(Entry, entry_id)
        entry.attempts += 1
        entry.status, entry.error = "failed", str(failure)
    summary.errors += 1
    summary.quarantined.append(f"{redact(link)}: {failure}")
    summary.quarantined_ids.append(entry_id)
    summary.problems.append(f"{redact(link)}: quarantined: {failure}")
    log.error("planwatch: entry %d quarantined: %s: %s", entry_id, redact(link), failure)


PAGE_CHUNK = 16  # pages fetched together; two chunks are held at once (one processed, the next fetched), each
# page up to the 20 MiB page cap


def _fetched(todo: list[tuple], policy, budget):
    """Fetch the pages chunk by chunk (concurrently within a chunk) under ``budget``, yielding (entry, result).

    The next chunk is fetched in a thread while the caller processes this one, so network waits overlap
    extraction; what the budget stops ends as FetchDeferred and waits for the next run."""
    from concurrent.futures import ThreadPoolExecutor

    from extract.poller import fetch_pages_sync

    chunks = [todo[i : i + PAGE_CHUNK] for i in range(0, len(todo), PAGE_CHUNK)]
    if not chunks:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="planwatch-fetch") as pool:
        def start(chunk):
            return pool.submit(fetch_pages_sync, [link for _, _, link, _ in chunk], policy, budget)

        pending = start(chunks[0])
        for n, chunk in enumerate(chunks):
            results = pending.result()
            if n + 1 < len(chunks):
                pending = start(chunks[n + 1])
            yield from zip(chunk, results)


def tell_operators(context) -> None:
    """Task-level on_failure_callback of the DAGs: one notice per failed run (never raises)."""
    from alerts.operators import on_failure

    try:
        cfg = _settings(None)
    except Exception as exc:  # settings broken: the task log has the error; no channel is known
        log.error("planwatch: cannot tell operators of the failed run: %s", exc)
        return
    on_failure(context, cfg)


# ---- planwatch_alerts / planwatch_digest --------------------------------------------------------


def sync_subscribers(cfg: Settings) -> int:
    from alerts import subscribers
    from store import migrate, session_scope

    specs = subscribers.load(cfg.subscribers_path, sorted(taxonomy(cfg).technology_ids))
    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as session:
        subscribers.sync(session, specs)
    return len(specs)


def asset_extra(summary: dict) -> dict:
    """What the planwatch://facts event carries: the counts planwatch_alerts decides on."""
    return {key: summary.get(key, 0) for key in ("new_facts", "revisions", "corroborations", "new_articles")}


def nothing_to_alert(extras: list[dict], cfg: Settings | None = None) -> str | None:
    """Why planwatch_alerts has nothing to do for these Asset events, or None if it has (or cannot tell)."""
    from alerts.outbox import due_count
    from store import migrate, session_scope

    counted = [e for e in extras if e and "new_facts" in e]
    if not extras or len(counted) < len(extras):
        return None  # a manual run, or an event from before the counts: do the full pass
    changes = sum(e.get("new_facts", 0) + e.get("revisions", 0) + e.get("corroborations", 0) for e in counted)
    if changes:
        return None
    cfg = _settings(cfg)
    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as session:
        waiting = due_count(session, _now())
    if waiting:
        return None
    reason = (f"nothing new: {len(counted)} planwatch://facts event(s) with 0 new facts, 0 revisions and "
              "0 corroborations, and no delivery is waiting for a retry")
    log.info("planwatch: alerts: %s", reason)
    return reason


def alerts_pass(cfg: Settings | None = None) -> dict:
    """Sync subscribers, queue deliveries for new and revised facts, send the instant ones."""
    from alerts import outbox, select
    from store import session_scope

    cfg = _settings(cfg)
    sync_subscribers(cfg)
    now = _now()
    with session_scope(cfg.database_url) as session:
        queued = select.enqueue(session, now)
    result = outbox.send_pending(cfg, now)
    summary = {"queued": queued, **asdict(result)}
    log.info("planwatch: alerts: %s", summary)
    return summary


def digest_pass(cfg: Settings | None = None) -> dict:
    """Send one digest per digest-mode subscriber."""
    from alerts import outbox, select
    from store import session_scope

    cfg = _settings(cfg)
    sync_subscribers(cfg)
    now = _now()
    with session_scope(cfg.database_url) as session:
        select.enqueue(session, now)
    summary = asdict(outbox.send_digest(cfg, now))
    log.info("planwatch: digest: %s", summary)
    return summary
