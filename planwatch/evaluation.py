"""Score detection against annotated pages: a folder with gold.jsonl and articles/<id>.html.

Figures match when the unit is the same and our value, low, high or conversion is within 0.5% of the gold
value or value_max (our value also as it reads in its dimension's base unit: 20 ms is 0.02 s); each gold figure is matched once, each of our figures (and its conversion) once.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from extract.article import extract_article
from extract.detect import detect
from extract.figures import is_core_unit
from extract.records import Figure
from extract.taxonomy import Taxonomy
from planwatch.subjectscore import SubjectScore

TOLERANCE = 0.005
GOLD_PLANS = {"15th": ["15th"], "14th": ["14th"], "both": ["14th", "15th"], "unspecified": ["unspecified"], None: []}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_json(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class PageResult:
    id: str
    gold_plans: list[str]
    plans: list[str]
    gold_technologies: list[str]
    technologies: list[str]
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    wrong_years: list[str] = field(default_factory=list)
    wrong_qualifiers: list[str] = field(default_factory=list)
    status: str = "ok"

    @property
    def plan_correct(self) -> bool:
        return sorted(self.plans) == sorted(self.gold_plans)


@dataclass
class Report:
    path: str
    pages: list[PageResult]
    figures_core: Score
    figures_other: Score
    technologies: Score
    negative_pages: int
    negative_figures: int
    matched: int = 0  # gold figures matched by one of our figures' own values (not a conversion)
    years_right: int = 0
    qualifiers_right: int = 0
    subjects: SubjectScore = field(default_factory=SubjectScore)

    @property
    def plan_accuracy(self) -> float:
        return sum(p.plan_correct for p in self.pages) / len(self.pages) if self.pages else 1.0

    def as_json(self) -> dict:
        return {
            "path": self.path, "pages": len(self.pages),
            "figures_core": self.figures_core.as_json(), "figures_other": self.figures_other.as_json(),
            "technologies": self.technologies.as_json(), "plan_accuracy": round(self.plan_accuracy, 4),
            "negative_pages": self.negative_pages, "negative_figures": self.negative_figures,
            "year_accuracy": round(self.years_right / self.matched, 4) if self.matched else 1.0,
            "qualifier_accuracy": round(self.qualifiers_right / self.matched, 4) if self.matched else 1.0,
            "subjects": self.subjects.as_json(),
            "details": [asdict(p) | {"plan_correct": p.plan_correct} for p in self.pages],
        }


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b)) or a == b


def _slots(fig: Figure) -> list[tuple[str, list[tuple[tuple[float | None, ...], str]]]]:
    """What one of our figures can match: its own value (and range ends), also in its dimension's base unit, its
    conversion, and the start value of a change; each slot matches one gold figure at most."""
    main = [((fig.value, fig.low, fig.high), fig.unit)]
    if fig.normalised is not None:
        main.append(((fig.normalised.value, fig.normalised.high), fig.normalised.unit))
    slots = [("main", main)]
    if fig.alt is not None:
        slots.append(("alt", [((fig.alt.value,), fig.alt.unit)]))
    if fig.kind == "change" and fig.previous is not None:  # 'climbed from 7.5 to 14' is one figure stating both
        slots.append(("from", [((fig.previous,), fig.unit)]))
    return slots


def _describe_ours(fig: Figure, slot: str) -> str:
    if slot == "alt":
        return f"{fig.alt.value:g} {fig.alt.unit} (conversion of '{fig.phrase}')"
    if slot == "from":
        return f"{fig.previous:g} {fig.unit} (start of the change to '{fig.phrase}')"
    rng = f"–{fig.high:g}" if fig.high is not None else ""
    return f"{fig.value:g}{rng} {fig.unit} '{fig.phrase}' — {fig.subject}"


def _describe_gold(g: dict) -> str:
    rng = f"–{g['value_max']:g}" if g.get("value_max") is not None else ""
    return f"{g['value']:g}{rng} {g['unit']} '{g.get('phrase', '')}' — {g.get('subject', '')}"


def match_figures(ours: list[Figure], gold: list[dict]) -> tuple[list[tuple], list[dict], list[tuple]]:
    """Pair our figure slots with gold figures one to one; returns (pairs, missed gold, unmatched slots)."""
    used: set[int] = set()
    pairs, unmatched = [], []
    for fig in ours:
        for name, readings in _slots(fig):
            hit = next((i for values, unit in readings for i, g in enumerate(gold) if i not in used
                        and g["unit"] == unit and any(_close(v, g["value"]) or _close(v, g.get("value_max"))
                                                      for v in values)), None)
            if hit is None:
                unmatched.append((fig, name, readings[0][1]))
            else:
                used.add(hit)
                pairs.append((fig, name, gold[hit]))
    return pairs, [g for i, g in enumerate(gold) if i not in used], unmatched


def score(eval_dir: str | Path, taxonomy: Taxonomy | None = None) -> Report:
    """Run extraction and detection over every annotated page of ``eval_dir`` and score it."""
    root = Path(eval_dir)
    gold_lines = [json.loads(line) for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    core, other, tech = Score(), Score(), Score()
    pages, negative_pages, negative_figures = [], 0, 0
    matched = years_right = qualifiers_right = 0
    subjects = SubjectScore()
    for g in sorted(gold_lines, key=lambda x: x["id"]):
        page = root / "articles" / f"{g['id']}.html"
        article = extract_article(page.read_bytes(), g.get("url") or page.resolve().as_uri())
        det = detect(article.text, title=article.title, published=article.date, taxonomy=taxonomy)
        result = PageResult(g["id"], sorted(GOLD_PLANS[g.get("plan")]), sorted(det.plans),
                            sorted(g.get("technologies") or []), sorted(det.technologies), status=article.status)
        if g.get("plan") is None:
            negative_pages += 1
            negative_figures += len(det.figures)
            result.false_alarms = [_describe_ours(f, "main") for f in det.figures]
            pages.append(result)
            continue
        gt, dt_ = set(result.gold_technologies), set(result.technologies)
        tech.tp += len(gt & dt_)
        tech.fp += len(dt_ - gt)
        tech.fn += len(gt - dt_)
        pairs, missed, unmatched = match_figures(det.figures, g.get("figures") or [])
        for fig, slot, gf in pairs:
            (core if is_core_unit(gf["unit"]) else other).tp += 1
            if slot != "main":
                continue
            if gf.get("subject"):
                subjects.add(fig.subject, gf["subject"])
            matched += 1
            years_right += fig.year == gf.get("year")
            qualifiers_right += fig.qualifier == gf.get("qualifier")
            if fig.year != gf.get("year"):
                result.wrong_years.append(f"ours {fig.year} gold {gf.get('year')}: {_describe_gold(gf)}")
            if fig.qualifier != gf.get("qualifier"):
                result.wrong_qualifiers.append(f"ours {fig.qualifier} gold {gf.get('qualifier')}: {_describe_gold(gf)}")
        for gf in missed:
            (core if is_core_unit(gf["unit"]) else other).fn += 1
            result.misses.append(_describe_gold(gf))
        for fig, name, unit in unmatched:
            (core if is_core_unit(unit) else other).fp += 1
            result.false_alarms.append(_describe_ours(fig, name))
        pages.append(result)
    return Report(str(root), pages, core, other, tech, negative_pages, negative_figures, matched, years_right,
                  qualifiers_right, subjects)


def _line(name: str, s: Score) -> str:
    return (f"  {name:<22} P {s.precision:6.3f}   R {s.recall:6.3f}   F1 {s.f1:6.3f}"
            f"   (tp {s.tp}, fp {s.fp}, fn {s.fn})")


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def render(report: Report) -> str:
    """The report as text: the scores, then every plan error, miss and false alarm by page."""
    plan_ok = sum(p.plan_correct for p in report.pages)
    out = [f"planwatch eval: {report.path} — {len(report.pages)} pages", "",
           "figures",
           _line("core units", report.figures_core),
           _line("other units", report.figures_other),
           _line("technologies", report.technologies),
           f"  {'plan accuracy':<22} {report.plan_accuracy:6.3f}   ({plan_ok}/{len(report.pages)})",
           f"  {'subject quality':<22} {report.subjects.mean:6.3f}   (mean content-word overlap with the gold subject "
           f"over {report.subjects.figures} matched figures; {report.subjects.unreadable} unreadable)",
           f"  {'negative pages':<22} {report.negative_pages} pages without China's plan, "
           f"{report.negative_figures} figures reported on them (must be 0)",
           f"  {'year, qualifier':<22} {_share(report.years_right, report.matched):6.3f}   "
           f"{_share(report.qualifiers_right, report.matched):6.3f}   right of {report.matched} matched figures"]
    for p in report.pages:
        notes = []
        if not p.plan_correct:
            notes.append(f"    plan: ours {p.plans or '-'} gold {p.gold_plans or '-'}")
        if p.gold_plans and sorted(p.technologies) != sorted(p.gold_technologies):
            extra = sorted(set(p.technologies) - set(p.gold_technologies))
            lost = sorted(set(p.gold_technologies) - set(p.technologies))
            notes.append(f"    technologies: extra {extra or '-'} missed {lost or '-'}")
        notes += [f"    miss: {m}" for m in p.misses]
        notes += [f"    false alarm: {f}" for f in p.false_alarms]
        notes += [f"    year: {w}" for w in p.wrong_years] + [f"    qualifier: {w}" for w in p.wrong_qualifiers]
        if notes:
            out += ["", f"{p.id}" + (f" [{p.status}]" if p.status != "ok" else "")] + notes
    weakest = sorted(report.subjects.worst, key=lambda x: x[0])[:10]
    if weakest:
        out += ["", "weakest subjects (overlap, ours, gold)"]
        out += [f"    {v:.2f}  {ours or '(empty)'!r}  gold {gold!r}" for v, ours, gold in weakest]
    return "\n".join(out)


def main_eval(path: str, as_json: bool = False) -> int:
    """`planwatch eval DIR`: print the scores of detection on an annotated folder."""
    report = score(path)
    text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) if as_json else render(report)
    sys.stdout.write(text + "\n")
    return 0
