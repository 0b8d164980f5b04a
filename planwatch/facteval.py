"""`planwatch eval --facts DIR`: run the pipeline over a stream of pages and score its facts against a gold
clustering of figure sightings into facts.

A stream folder holds (format of tests/fixtures/streams/README.md):

- ``stream.jsonl``: pages in publication order, ``{"id", "file", "url", "date", "lang", "outlet"}``
- ``facts.jsonl``: gold facts, ``{"fact", "concept", "kind", "value", "unit", "year", "plan", "revises"}``
- ``sightings.jsonl``: every figure of every plan page, ``{"page", "phrase", "fact", "where"}``
- ``pages/<id>.html``

Each page goes through extraction, detection, copy detection and the store (a fresh SQLite database), as
``planwatch run`` would store it. A gold sighting is matched to the figure of ours whose phrase overlaps
where the gold phrase stands in the article text. Then, per gold fact, the facts of ours its sightings
reached: more than one is a split (each extra one a duplicate alert); one fact of ours reached by two
gold facts is a merge. A cross-language fact is joined when its English and Chinese sightings reached one
fact of ours. A gold revision is caught when our fact for the new value revises our fact for the old one; a
revision of ours that gold does not have is false. The stream is then stored a second time: it must add
no fact.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select


@dataclass
class StreamScore:
    path: str
    pages: int = 0
    gold_facts: int = 0
    gold_sightings: int = 0
    matched_sightings: int = 0
    facts_seen: int = 0  # gold facts with at least one matched sighting
    split: int = 0
    merged: int = 0
    cross_language: int = 0
    cross_language_joined: int = 0
    revisions: int = 0
    revisions_caught: int = 0
    false_revisions: int = 0
    duplicate_alerts: int = 0
    facts_without_gold: int = 0  # facts of ours that no gold sighting reached (figures gold does not list)
    second_run_new: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def split_pct(self) -> float:
        return 100.0 * self.split / self.facts_seen if self.facts_seen else 0.0

    @property
    def join_pct(self) -> float:
        return 100.0 * self.cross_language_joined / self.cross_language if self.cross_language else 100.0

    def add(self, other: "StreamScore") -> None:
        for name, value in asdict(other).items():
            if isinstance(value, int) and name != "path":
                setattr(self, name, getattr(self, name) + value)


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _store_stream(url: str, root: Path, stream: list[dict]) -> tuple[dict[str, int], int]:
    """Store every page of ``stream`` in order; returns page id → article id, and the facts added."""
    from extract.article import extract_article
    from extract.dedup import bands, fingerprint, is_near_duplicate, probes
    from extract.detect import detect
    from store import session_scope
    from store.articles import save_story
    from store.models import Article

    ids, added = {}, 0
    for page in stream:
        article = extract_article((root / page["file"]).read_bytes(), page["url"])
        article.canonical_url = page["url"]
        if article.date is None and page.get("date"):
            article.date = dt.date.fromisoformat(page["date"])
        with session_scope(url) as session:
            existing = session.scalar(select(Article).where(Article.canonical_url == page["url"]))
            if existing is not None and existing.status == "ok":
                ids[page["id"]] = existing.id
                continue
            detection, fp = None, None
            if article.status == "ok":
                detection = detect(article.text, title=article.title, published=article.date)
                fp = fingerprint(article.text)
            row, _copy, changes, _before = save_story(
                session, article, detection, fingerprint=fp, bands=bands(fp) if fp is not None else (),
                probes=probes(fp) if fp is not None else (), same=is_near_duplicate)
            ids[page["id"]] = row.id
            added += len(changes.new) + len(changes.revisions)
    return ids, added


def _our_fact(text: str, figures: list, phrase: str) -> int | None:
    """The fact of our figure whose phrase overlaps the gold ``phrase`` in ``text``."""
    at = text.find(phrase)
    if at < 0:
        squeezed = phrase.replace(" ", "")
        hits = [f for f in figures if f.phrase and (f.phrase in phrase or squeezed in f.phrase.replace(" ", ""))]
        return hits[0].fact_id if hits else None
    end = at + len(phrase)
    best, best_overlap = None, 0
    for f in figures:
        if f.start_offset is None or f.fact_id is None:
            continue
        overlap = min(end, f.end_offset) - max(at, f.start_offset)
        if overlap > best_overlap:
            best, best_overlap = f.fact_id, overlap
    return best


def score_stream(folder: str | Path) -> StreamScore:
    """Run the pipeline over one stream folder and score its facts."""
    from store import migrate, session_scope
    from store.models import Article, Fact

    root = Path(folder)
    stream = _read_jsonl(root / "stream.jsonl")
    gold = {f["fact"]: f for f in _read_jsonl(root / "facts.jsonl")}
    sightings = _read_jsonl(root / "sightings.jsonl")
    lang = {p["id"]: ("zh" if p["lang"].startswith("zh") else "en") for p in stream}
    result = StreamScore(str(root), pages=len(stream), gold_facts=len(gold), gold_sightings=len(sightings))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/stream.db"
        migrate(url)
        ids, _ = _store_stream(url, root, stream)
        _, result.second_run_new = _store_stream(url, root, stream)
        ours_of: dict[str, set[int]] = defaultdict(set)
        by_lang: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        gold_of: dict[int, set[str]] = defaultdict(set)
        with session_scope(url) as session:
            for s in sightings:
                article = session.get(Article, ids[s["page"]])
                fact_id = _our_fact(article.text, list(article.figures), s["phrase"]) if s["where"] == "body" else None
                if fact_id is None:
                    if s["where"] == "body":
                        result.notes.append(f"missed {s['page']}: {s['phrase']!r} ({s['fact']})")
                    continue
                result.matched_sightings += 1
                ours_of[s["fact"]].add(fact_id)
                by_lang[s["fact"]][lang[s["page"]]].add(fact_id)
                gold_of[fact_id].add(s["fact"])
            facts = {f.id: f for f in session.scalars(select(Fact))}
            result.facts_seen = len(ours_of)
            for gid, ours in ours_of.items():
                if len(ours) > 1:
                    result.split += 1
                    result.duplicate_alerts += len(ours) - 1
                    result.notes.append(f"split {gid} ({gold[gid]['concept']}): " + "; ".join(
                        f"#{i} {facts[i].match_key or '-'} {facts[i].kind} '{facts[i].subject}'" for i in sorted(ours)))
            for fid, gids in gold_of.items():
                if len(gids) > 1:
                    result.merged += 1
                    result.notes.append(f"merged #{fid} '{facts[fid].subject}': " + ", ".join(sorted(gids)))
            for gid, langs in by_lang.items():
                if len(langs) == 2:
                    result.cross_language += 1
                    joined = len(langs["en"] | langs["zh"]) == 1
                    result.cross_language_joined += joined
                    if not joined:
                        result.notes.append(f"not joined {gid} ({gold[gid]['concept']}): en {sorted(langs['en'])}"
                                            f" zh {sorted(langs['zh'])}")
            for gid, g in gold.items():
                if g.get("revises"):
                    result.revisions += 1
                    new, old = ours_of.get(gid, set()), ours_of.get(g["revises"], set())
                    caught = any(facts[n].revises_id in old for n in new)
                    result.revisions_caught += caught
                    if not caught:
                        result.notes.append(f"revision missed: {gid} revises {g['revises']}")
            for fid, fact in facts.items():
                if fact.revises_id is None:
                    continue
                gids = gold_of.get(fid, set())
                olds = gold_of.get(fact.revises_id, set())
                if not any(gold[g].get("revises") in olds for g in gids):
                    result.false_revisions += 1
                    result.notes.append(f"false revision #{fid} '{fact.subject}' revises #{fact.revises_id}")
            result.facts_without_gold = sum(1 for fid in facts if fid not in gold_of)
    return result


def score_streams(path: str | Path) -> tuple[StreamScore, list[StreamScore]]:
    """Score ``path`` (one stream folder, or a folder of stream folders); returns the total and each stream."""
    root = Path(path)
    folders = [root] if (root / "stream.jsonl").is_file() else sorted(
        p for p in root.iterdir() if (p / "stream.jsonl").is_file())
    if not folders:
        raise FileNotFoundError(f"eval --facts: no stream.jsonl in {root} or its folders")
    each = [score_stream(f) for f in folders]
    total = StreamScore(str(root))
    for s in each:
        total.add(s)
    return total, each


def _line(s: StreamScore) -> str:
    return (f"{Path(s.path).name:<10} facts split {s.split_pct:5.1f}% ({s.split}/{s.facts_seen})  merged {s.merged}  "
            f"cross-language joined {s.join_pct:5.1f}% ({s.cross_language_joined}/{s.cross_language})  "
            f"revisions caught {s.revisions_caught}/{s.revisions}  false revisions {s.false_revisions}  "
            f"duplicate alerts {s.duplicate_alerts}  second run adds {s.second_run_new}  "
            f"sightings matched {s.matched_sightings}/{s.gold_sightings}")


def main_eval_facts(path: str, as_json: bool = False) -> int:
    """Print the fact scores of a stream folder (or a folder of streams)."""
    total, each = score_streams(path)
    if as_json:
        out = {"total": asdict(total) | {"split_pct": total.split_pct, "join_pct": total.join_pct},
               "streams": [asdict(s) | {"split_pct": s.split_pct, "join_pct": s.join_pct} for s in each]}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return 0
    lines = [f"planwatch eval --facts: {path}"] + [_line(s) for s in each] + [_line(total).replace(
        Path(total.path).name.ljust(10), "all".ljust(10), 1)]
    for s in each:
        lines += ["", Path(s.path).name] + [f"  {n}" for n in s.notes]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
