"""Dump the full detection output on every page corpus, or diff a dump against the code as it is now.

    uv run python benchmarks/compare_detection.py dump /tmp/det_before.json
    uv run python benchmarks/compare_detection.py diff /tmp/det_before.json

Corpora: ../shared/eval, tests/fixtures/eval_own, tests/fixtures/eval_real (when present), planwatch/sample
and ../shared/realpages. Each page is extracted and detected as `planwatch analyze --json` would; a diff
lists, page by page, the figures (and plans, technologies) that appeared or disappeared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extract.article import extract_article  # noqa: E402
from extract.detect import detect  # noqa: E402
from extract.taxonomy import default_taxonomy  # noqa: E402

CORPORA = [REPO.parent / "shared" / "eval", REPO / "tests" / "fixtures" / "eval_own",
           REPO / "tests" / "fixtures" / "eval_real", REPO / "planwatch" / "sample",
           REPO.parent / "shared" / "realpages"]


def _pages() -> list[Path]:
    pages = []
    for corpus in CORPORA:
        folder = corpus / "articles" if (corpus / "articles").is_dir() else corpus
        pages += sorted(p for p in folder.glob("*") if p.suffix.lower() in (".html", ".htm", ".txt"))
    return pages


def dump() -> dict[str, dict]:
    tax = default_taxonomy()
    out = {}
    for page in _pages():
        ctype = "text/plain" if page.suffix.lower() == ".txt" else "text/html"
        article = extract_article(page.read_bytes(), page.resolve().as_uri(), content_type=ctype)
        det = detect(article.text, title=article.title, published=article.date, taxonomy=tax)
        out[str(page.relative_to(REPO.parent))] = {
            "plans": det.plans, "technologies": det.technologies,
            "figures": [json.dumps(f.as_json(), ensure_ascii=False, sort_keys=True) for f in det.figures]}
    return out


def _same_fields(before: dict[str, dict], after: dict[str, dict]) -> tuple[dict[str, dict], set[str]]:
    """``after`` with the figure fields ``before`` lacks dropped (a field added since is not a change of output),
    and the names of those fields."""
    old = {k for page in before.values() for f in page["figures"][:1] for k in json.loads(f)}
    added: set[str] = set()
    out = {}
    for name, page in after.items():
        figures = []
        for f in page["figures"]:
            fields = json.loads(f)
            added |= set(fields) - old if old else set()
            figures.append(json.dumps({k: v for k, v in fields.items() if not old or k in old},
                                      ensure_ascii=False, sort_keys=True))
        out[name] = page | {"figures": figures}
    return out, added


def diff(before: dict[str, dict], after: dict[str, dict]) -> int:
    after, added = _same_fields(before, after)
    if added:
        print(f"figure fields added since the dump (not compared): {', '.join(sorted(added))}")
    changed = 0
    for page in sorted(set(before) | set(after)):
        a, b = before.get(page), after.get(page)
        if a == b:
            continue
        changed += 1
        print(f"== {page}")
        if a is None or b is None:
            print("   only " + ("after" if a is None else "before"))
            continue
        for key in ("plans", "technologies"):
            if a[key] != b[key]:
                print(f"   {key}: {a[key]} -> {b[key]}")
        for f in a["figures"]:
            if f not in b["figures"]:
                print(f"   - {f}")
        for f in b["figures"]:
            if f not in a["figures"]:
                print(f"   + {f}")
    print(f"{changed} of {len(set(before) | set(after))} pages differ")
    return changed


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("dump", "diff"):
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[1])
    if argv[0] == "dump":
        path.write_text(json.dumps(dump(), ensure_ascii=False, indent=1))
        return 0
    return 1 if diff(json.loads(path.read_text()), dump()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
