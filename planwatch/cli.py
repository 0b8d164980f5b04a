"""The `planwatch` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from extract.errors import PlanwatchError


def _analyze_one(source: str, cfg) -> dict:
    from extract.article import extract_article
    from extract.detect import detect
    from planwatch.stages import taxonomy

    if source.startswith(("http://", "https://")):
        from extract.poller import fetch_pages_sync
        from planwatch.stages import fetch_policy

        result = fetch_pages_sync([source], fetch_policy(cfg))[0]
        if result.error is not None:
            raise result.error
        article = extract_article(result.content, result.final_url or source, content_type=result.content_type)
    else:
        path = Path(source)
        if not path.is_file():
            raise PlanwatchError(f"analyze: no such file: {source}")
        content_type = "text/plain" if path.suffix.lower() == ".txt" else "text/html"
        article = extract_article(path.read_bytes(), path.resolve().as_uri(), content_type=content_type)
    detection = detect(article.text, title=article.title, published=article.date, taxonomy=taxonomy(cfg))
    return {
        "source": source,
        "title": article.title,
        "plans": detection.plans,
        "technologies": detection.technologies,
        "figures": [f.as_json() for f in detection.figures],
    }


def cmd_analyze(args, cfg) -> int:
    code = 0
    for source in args.inputs:
        try:
            result = _analyze_one(source, cfg)
        except PlanwatchError as exc:
            print(f"planwatch: {source}: {exc}", file=sys.stderr)
            code = 1
            continue
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(f"{source}: {result['title']}")
            print(f"  plans: {', '.join(result['plans']) or '-'}   technologies: {', '.join(result['technologies']) or '-'}")
            for f in result["figures"]:
                print(f"  • {f['phrase']!s:<28} {f['value']:g} {f['unit']} {f['qualifier'] or ''} "
                      f"{'by ' + str(f['year']) if f['year'] else ''} — {f['subject']}")
    return code


def cmd_eval(args, cfg) -> int:
    from planwatch.evaluation import main_eval

    if args.facts:
        from planwatch.facteval import main_eval_facts

        return main_eval_facts(args.dir, as_json=args.json)

    return main_eval(args.dir, as_json=args.json)


def cmd_run(args, cfg) -> int:
    from planwatch.runner import run_once

    summary = run_once(cfg, progress=not args.quiet)
    return 1 if summary.get("fatal") else 0


def cmd_facts(args, cfg) -> int:
    from planwatch.lookup import filters_from, run_facts

    if args.sightings is not None:
        from planwatch.factview import sightings_text
        from store import migrate, session_scope

        migrate(cfg.database_url)
        with session_scope(cfg.database_url) as session:
            print(sightings_text(session, args.sightings))
        return 0
    return run_facts(cfg, filters_from(args, cfg), query=args.query, limit=args.limit, fmt=args.format)


def cmd_search(args, cfg) -> int:
    from planwatch.lookup import filters_from, run_search

    return run_search(cfg, args.query, filters_from(args, cfg), limit=args.limit, as_json=args.json)


def cmd_export(args, cfg) -> int:
    from planwatch.export import export

    export(cfg, args.kind, args.format, args.output, progress=False if args.quiet else None)
    return 0


def cmd_datasette(args, cfg) -> int:
    from planwatch.datasette import serve

    return serve(cfg, host=args.host, port=args.port, write_only=args.write_only)


def cmd_feeds(args, cfg) -> int:
    from extract.urls import redact
    from store import migrate, session_scope
    from store.entries import quarantined_entries
    from store.feeds import all_feeds, poll_now

    migrate(cfg.database_url)
    if args is not None and (args.poll_now or args.all):
        from planwatch.config import load_feeds
        from store.feeds import sync_feeds

        with session_scope(cfg.database_url) as session:
            sync_feeds(session, load_feeds(cfg.feeds_path))
            names = poll_now(session, None if args.all else args.poll_now)
        print(f"the next ingest run polls {len(names)} feed(s) now: {', '.join(names)}")
        return 0
    with session_scope(cfg.database_url) as session:
        feeds = all_feeds(session)
        rows = [(f.name, f.enabled, f.dormant, f.last_status or "never polled", f.failures, f.entry_count,
                 f.last_polled_at, f.next_poll_at, redact(f.last_error or f.last_warning or "")) for f in feeds]
        names = {f.id: f.name for f in feeds}
        failed = [(names.get(e.feed_id, "?"), redact(e.link), e.error) for e in quarantined_entries(session)]
    if not rows:
        print("no feeds yet: they are synced from config/feeds.yaml on the next run")
        return 0
    print(f"{'feed':<32} {'state':<10} {'last':<13} {'fails':>5} {'entries':>7}  {'next poll':<16} problem")
    for name, enabled, dormant, status, fails, count, last, nxt, problem in rows:
        state = "disabled" if not enabled else "DORMANT" if dormant else "active"
        when = nxt.strftime("%Y-%m-%d %H:%M") if nxt else "now"
        print(f"{name[:32]:<32} {state:<10} {status:<13} {fails:>5} {count:>7}  {when:<16} {problem[:80]}")
    if failed:
        print(f"\n{len(failed)} quarantined entries (a stage failed on them; they are not retried):")
        for name, link, error in failed:
            print(f"  {name[:32]}: {link}\n      {error}")
    return 0


def cmd_deliveries(args, cfg) -> int:
    from alerts.outbox import failed_deliveries, retrying_deliveries
    from store import migrate, session_scope

    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as session:
        rows = failed_deliveries(session)
        lines = [f"#{d.id} {d.subscriber.name}: fact #{d.fact_id} after {d.attempts} attempt(s): {d.last_error}"
                 for d in rows]
        retrying = [f"#{d.id} {d.subscriber.name}: fact #{d.fact_id}, {d.attempts} attempt(s) so far, next "
                    f"{d.next_attempt_at:%Y-%m-%d %H:%M}: {d.last_error}" for d in retrying_deliveries(session)]
    print("\n".join(lines) if lines else "no failed deliveries")
    if retrying:
        print(f"\n{len(retrying)} deliveries failing and retried on later runs:\n" + "\n".join(retrying))
    return 0


def cmd_check(args, cfg) -> int:
    from planwatch.stages import check_config

    counts = check_config(cfg)
    print(f"config ok: {counts['feeds']} feeds, {counts['subscribers']} subscribers, "
          f"{counts['technologies']} technologies")
    return 0


def cmd_demo(args, cfg) -> int:
    from planwatch.demo import run_demo

    return run_demo()


def cmd_serve(args, cfg) -> int:
    from planwatch.serve import main as serve

    return serve(host=args.host, port=args.port, cluster=args.cluster, workers=args.workers)


def cmd_migrate(args, cfg) -> int:
    from store import migrate

    from extract.urls import redact

    migrate(cfg.database_url)
    print(f"store migrated: {redact(cfg.database_url)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planwatch", description="News monitor for China's 15th Five-Year Plan")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="one ingest pass and one alerts pass in this process",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="exit status:\n  0  the run did its job (problems with single feeds, pages or alerts "
                              "are listed)\n  1  the run could not do its job: every feed polled failed\n"
                              "  2  a config or settings error, or the store is unreachable, read-only or held "
                              "by another run")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("analyze", help="detection only, nothing stored")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL", help=".html or .txt files, or http(s) URLs")
    p.add_argument("--json", action="store_true", help="one JSON object per input on its own line")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("eval", help="score detection against annotated pages (gold.jsonl + articles/)")
    p.add_argument("dir")
    p.add_argument("--facts", action="store_true",
                   help="DIR is a stream (stream.jsonl, facts.jsonl, sightings.jsonl, pages/) or a folder of streams: "
                        "score fact identity, revisions and duplicate alerts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    from planwatch.lookup import add_filter_options

    p = sub.add_parser("facts", help="recent facts with their source counts, filtered or searched")
    p.add_argument("-n", "--limit", type=int, default=30)
    p.add_argument("--sightings", type=int, metavar="FACT_ID", help="a fact's sightings and why they are one fact")
    p.add_argument("-q", "--query", help="only facts whose subject or sentence match these words")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    add_filter_options(p, facts=True)
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("search", help="full-text search of stored articles, best first, with the facts they carry")
    p.add_argument("query", help="words that must all occur; \"a phrase\" in quotes; Chinese works inside text")
    p.add_argument("-n", "--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="one JSON object per article on its own line")
    add_filter_options(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("export", help="stream every fact, article or delivery to a file")
    p.add_argument("kind", choices=("facts", "articles", "deliveries"))
    p.add_argument("--format", choices=("csv", "json", "jsonl"), default="jsonl")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("datasette", help="open the SQLite store in Datasette with planwatch's metadata")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--write-only", action="store_true", help="only write metadata.yaml beside the store")
    p.set_defaults(func=cmd_datasette)

    p = sub.add_parser("feeds", help="feed health; --poll-now clears a feed's backoff for the next run")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--poll-now", action="append", metavar="NAME", help="poll this feed on the next run (repeatable)")
    which.add_argument("--all", action="store_true", help="poll every enabled feed on the next run")
    p.set_defaults(func=cmd_feeds)
    sub.add_parser("deliveries", help="deliveries that failed for good").set_defaults(func=cmd_deliveries)
    sub.add_parser("check", help="validate config/*.yaml").set_defaults(func=cmd_check)
    sub.add_parser("migrate", help="create or upgrade the planwatch store").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="the whole flow on loopback: sample feeds, local SMTP and Slack stand-in"
                   ).set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="start Airflow with the planwatch DAGs (what `make run` does)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--cluster", action="store_true",
                   help="CeleryExecutor with Redis, Airflow and the store on PostgreSQL (what `make run-cluster` does)")
    p.add_argument("--workers", type=int, default=None, help="Celery workers in cluster mode (default PLANWATCH_WORKERS)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    # Airflow's hooks configure logging when first imported; the CLI's own progress display says enough.
    logging.getLogger("planwatch").setLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        if args.command == "demo":
            return args.func(args, None)
        from planwatch import settings

        return args.func(args, settings.load())
    except PlanwatchError as exc:
        from extract.urls import redact

        print(f"planwatch: {redact(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
