"""`planwatch search` and `planwatch facts`: the full-text index and the filters, printed for people or scripts."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from rich.console import Console
from rich.text import Text

from extract.errors import PlanwatchError
from planwatch.settings import Settings
from store.search import Filters, QueryError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date: use YYYY-MM-DD, e.g. 2026-03-01") from None


def add_filter_options(p: argparse.ArgumentParser, *, facts: bool = False) -> None:
    p.add_argument("--technology", help="a technology id of config/taxonomy.yaml, e.g. ai, quantum, computing")
    p.add_argument("--plan", help="a plan key of config/taxonomy.yaml, e.g. 15th")
    p.add_argument("--language", help="language code, e.g. en or zh")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD",
                   help="first seen on or after (facts)" if facts else "published on or after")
    p.add_argument("--until", type=_date, metavar="YYYY-MM-DD",
                   help="first seen on or before (facts)" if facts else "published on or before")
    p.add_argument("--outlet", help="host of the outlet, e.g. cnn.com (subdomains included)")
    if facts:
        p.add_argument("--min-sources", type=int, metavar="N", help="carried by at least N articles")
        p.add_argument("--kind", choices=("new", "revised"), help="first values only, or revisions only")


def filters_from(args: argparse.Namespace, cfg: Settings) -> Filters:
    """The filters of the parsed options, with technology and plan checked against the taxonomy."""
    from planwatch.stages import taxonomy

    tax = taxonomy(cfg)
    if args.technology and args.technology not in tax.technology_ids:
        raise PlanwatchError(f"search: unknown technology '{args.technology}' "
                             f"(known: {', '.join(tax.technology_ids)})")
    if args.plan and tax.plan(args.plan) is None:
        raise PlanwatchError(f"search: unknown plan '{args.plan}' (known: {', '.join(p.key for p in tax.plans)})")
    try:
        return Filters(technology=args.technology, plan=args.plan, language=args.language, since=args.since,
                       until=args.until, outlet=args.outlet, min_sources=getattr(args, "min_sources", None),
                       kind=getattr(args, "kind", None))
    except QueryError as exc:
        raise PlanwatchError(str(exc)) from None


def _fact_line(f: dict) -> str:
    year = f" by {f['year']}" if f["year"] else ""
    flag = f" (revises #{f['revises_id']})" if f["revises_id"] else ""
    return f"#{f['id']} {f['phrase']} — {f['subject']}{year}, {f['source_count']} source(s){flag}"


def run_search(cfg: Settings, query: str, filters: Filters, *, limit: int = 20, as_json: bool = False,
               console: Console | None = None) -> int:
    from store import migrate, session_scope
    from store.export import fact_records
    from store.search import search_articles

    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as session:
        try:
            hits = search_articles(session, query, filters, limit=limit)
        except QueryError as exc:
            raise PlanwatchError(str(exc)) from None
        facts = {f["id"]: f for f in fact_records(session, sorted({i for h in hits for i in h.fact_ids}))}
    if as_json:
        for h in hits:
            print(json.dumps({
                "id": h.id, "title": h.title, "url": h.url, "outlet": h.host, "language": h.language,
                "published": h.published.isoformat() if h.published else None, "score": round(h.score, 6),
                "snippet": h.snippet.marked(), "facts": [facts[i] for i in h.fact_ids],
            }, ensure_ascii=False))
        return 0
    console = console or Console()
    if not hits:
        console.print(f"no articles match {query!r}", highlight=False)
        return 0
    for n, h in enumerate(hits, 1):
        console.print(Text.assemble((f"{n}. ", "dim"), (h.title or h.url, "bold"), "  ",
                                    (f"{h.host}, {h.published or 'undated'}", "cyan")))
        body = Text("   " + h.snippet.text)
        for a, b in h.snippet.spans:
            body.stylize("bold reverse", a + 3, b + 3)
        console.print(body)
        console.print(Text("   " + h.url, "dim"))
        for i in h.fact_ids:
            console.print(Text("   • " + _fact_line(facts[i])))
    return 0


def run_facts(cfg: Settings, filters: Filters, *, query: str | None = None, limit: int = 30, fmt: str = "table",
              console: Console | None = None) -> int:
    from planwatch.export import write_records
    from store import migrate, session_scope
    from store.export import FACT_FIELDS, fact_records
    from store.search import find_fact_ids

    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as session:
        try:
            ids = find_fact_ids(session, query, filters, limit=limit)
        except QueryError as exc:
            raise PlanwatchError(str(exc)) from None
        records = fact_records(session, ids)
    if fmt in ("json", "csv"):
        if fmt == "json":
            print(json.dumps(records, ensure_ascii=False, indent=1))
        else:
            write_records(records, "csv", sys.stdout, FACT_FIELDS)
        return 0
    console = console or Console(highlight=False)
    if not records:
        console.print("no facts match" if query or filters != Filters() else
                      "no facts yet: run `planwatch run` or let planwatch_ingest run")
        return 0
    console.print(f"{'first seen':<17} {'figure':<26} {'normalised':<18} {'year':<5} {'src':>3}  subject",
                  style="bold")
    for f in records:
        seen = f["first_seen_at"][:16].replace("T", " ")
        norm = f"{f['value']:g} {f['unit']}"
        flag = f"  (revises #{f['revises_id']})" if f["revises_id"] else ""
        console.print(f"{seen:<17} {f['phrase'][:26]:<26} {norm[:18]:<18} {f['year'] or '':<5} "
                      f"{f['source_count']:>3}  {(f['subject'] or '')[:50]}{flag}\n{'':<17} {f['first_url']}",
                      markup=False)
    return 0
