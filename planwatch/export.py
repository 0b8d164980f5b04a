"""Record writers (csv, json, jsonl) and `planwatch export`: any size, one batch in memory, progress on a terminal.

CSV cells hold text: lists and nested records (technologies, sources, figures) are JSON in their cell,
empty cells are None. JSON is one array; JSONL one record per line.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from extract.errors import PlanwatchError
from planwatch.settings import Settings
from store.search import Filters

FORMATS = ("csv", "json", "jsonl")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_records(records: Iterable[dict], fmt: str, out: IO[str], fields: tuple[str, ...]) -> int:
    """Write ``records`` to ``out`` as they come; returns how many were written."""
    n = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for n, record in enumerate(records, 1):
            writer.writerow({k: _cell(record.get(k)) for k in fields})
    elif fmt == "jsonl":
        for n, record in enumerate(records, 1):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "json":
        out.write("[")
        for n, record in enumerate(records, 1):
            out.write(("\n" if n == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
        out.write("\n]\n" if n else "]\n")
    else:
        raise PlanwatchError(f"export: unknown format '{fmt}' (use one of {', '.join(FORMATS)})")
    return n


def _counted(records: Iterable[dict], progress: Progress, task) -> Iterator[dict]:
    for record in records:
        yield record
        progress.advance(task)


def export(cfg: Settings, kind: str, fmt: str, output: str | None, *, filters: Filters = Filters(),
           progress: bool | None = None, console: Console | None = None) -> int:
    """Stream every ``kind`` record to ``output`` (stdout when None or '-'); the file appears only when complete."""
    from store import migrate, session_scope
    from store.export import KINDS, count, iter_records

    if kind not in KINDS:
        raise PlanwatchError(f"export: unknown kind '{kind}' (use one of {', '.join(KINDS)})")
    if fmt not in FORMATS:
        raise PlanwatchError(f"export: unknown format '{fmt}' (use one of {', '.join(FORMATS)})")
    console = console or Console(stderr=True)
    to_file = output not in (None, "-")
    show = console.is_terminal and to_file if progress is None else progress
    target = Path(output).expanduser() if to_file else None
    if target is not None and not target.parent.is_dir():
        raise PlanwatchError(f"export: no such directory for --output: {target.parent}")
    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as session:
        total = count(session, kind, filters)
        records = iter_records(session, kind, filters)
        with Progress(TextColumn(f"export {kind}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=not show, transient=False) as bar:
            records = _counted(records, bar, bar.add_task(kind, total=total))
            if target is None:
                n = write_records(records, fmt, sys.stdout, KINDS[kind])
                sys.stdout.flush()
            else:
                n = _write_atomically(target, lambda out: write_records(records, fmt, out, KINDS[kind]))
    if to_file:
        console.print(f"exported {n} {kind} to {target}", highlight=False)
    return n


def _write_atomically(target: Path, write) -> int:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            n = write(out)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return n
