"""The scorer, and the detection bars on the shared development set and on our own held-out pages."""

import json
from pathlib import Path

import pytest

from extract.records import Alt, Figure, Normalised
from planwatch.evaluation import main_eval, match_figures, render, score

REPO = Path(__file__).resolve().parents[2]
SHARED_EVAL = (REPO / ".." / "shared" / "eval").resolve()
OWN_EVAL = REPO / "tests" / "fixtures" / "eval_own"
REAL_EVAL = REPO / "tests" / "fixtures" / "eval_real"


def assert_bars(report, *, core_recall=0.90, technologies_f1=0.90):
    assert report.figures_core.precision >= 0.95, render(report)
    assert report.figures_core.recall >= core_recall, render(report)
    assert report.figures_other.f1 >= 0.80, render(report)
    assert report.technologies.f1 >= technologies_f1, render(report)
    assert report.plan_accuracy >= 0.95, render(report)
    assert report.negative_pages > 0 and report.negative_figures == 0, render(report)


def test_bars_on_shared_development_set():
    if not (SHARED_EVAL / "gold.jsonl").is_file():
        pytest.skip(f"shared eval set not found at {SHARED_EVAL}")
    assert_bars(score(SHARED_EVAL))


def test_bars_on_own_held_out_pages():
    gold = [json.loads(line) for line in (OWN_EVAL / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(gold) >= 12
    assert {g["lang"] for g in gold} >= {"en", "zh-Hans", "zh-Hant"}
    assert_bars(score(OWN_EVAL))


def test_bars_on_real_published_pages():
    """Pages written by someone who never saw the code, in the style of state media, releases and indicator tables."""
    gold = [json.loads(line) for line in (REAL_EVAL / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(gold) >= 26 and {g["lang"] for g in gold} >= {"en", "zh-Hans", "zh-Hant"}
    assert_bars(score(REAL_EVAL), core_recall=0.92, technologies_f1=0.92)


def fig(value, unit, **kw):
    return Figure(value=value, unit=unit, phrase=str(value), sentence="", **kw)


def test_a_conversion_matches_a_second_gold_figure():
    ours = [fig(1e13, "CNY", alt=Alt(1.45e12, "USD"))]
    gold = [{"value": 1e13, "unit": "CNY"}, {"value": 1.45e12, "unit": "USD"}]
    pairs, missed, unmatched = match_figures(ours, gold)
    assert len(pairs) == 2 and missed == [] and unmatched == []


def test_values_match_within_half_a_percent_and_by_range_end():
    gold = [{"value": 100, "unit": "GW"}, {"value": 4.5, "value_max": 5, "unit": "percent"}]
    pairs, missed, unmatched = match_figures([fig(100.4, "GW"), fig(5, "percent", low=5, high=5)], gold)
    assert len(pairs) == 2
    pairs, missed, unmatched = match_figures([fig(101, "GW"), fig(4.5, "count")], gold)
    assert pairs == [] and len(missed) == 2 and len(unmatched) == 2


def test_a_figure_matches_gold_written_in_its_base_unit_once():
    ours = [fig(1.1e8, "kW", normalised=Normalised("GW", 110.0))]
    pairs, missed, unmatched = match_figures(ours, [{"value": 110, "unit": "GW"}, {"value": 1.1e8, "unit": "kW"}])
    assert len(pairs) == 1 and len(missed) == 1 and unmatched == []
    pairs, missed, unmatched = match_figures(ours, [{"value": 120, "unit": "GW"}])
    assert pairs == [] and unmatched == [(ours[0], "main", "kW")]


def test_year_and_qualifier_of_matched_figures_are_scored(tmp_path):
    page = ("<p>China's 15th Five-Year Plan sets a goal of lifting research spending by at least 7% a year by 2030, "
            "officials said on Thursday in Beijing.</p>")
    root = write_eval(tmp_path / "yq", [
        {"id": "p1", "plan": "15th", "technologies": [],
         "figures": [{"phrase": "7%", "value": 7, "unit": "percent", "qualifier": "more_than", "year": 2030}]},
    ], {"p1": page})
    report = score(root)
    assert (report.matched, report.years_right, report.qualifiers_right) == (1, 1, 0)
    assert "qualifier: ours at_least gold more_than" in render(report)


def test_each_gold_figure_is_matched_once():
    pairs, missed, unmatched = match_figures([fig(5, "percent"), fig(5, "percent")], [{"value": 5, "unit": "percent"}])
    assert len(pairs) == 1 and len(unmatched) == 1


def write_eval(root: Path, gold: list[dict], pages: dict[str, str]) -> Path:
    (root / "articles").mkdir(parents=True)
    (root / "gold.jsonl").write_text("\n".join(json.dumps(g) for g in gold), encoding="utf-8")
    for pid, body in pages.items():
        (root / "articles" / f"{pid}.html").write_text(
            f"<html><body><article>{body}</article></body></html>", encoding="utf-8")
    return root


def test_scorer_counts_misses_false_alarms_and_plan_errors(tmp_path, capsys):
    page = ("<p>China's 15th Five-Year Plan sets a goal of lifting research spending by at least 7% a year, "
            "officials said on Thursday in Beijing.</p><p>Chip output will rise 20% a year, and artificial "
            "intelligence will get more support under the plan, the ministry said.</p>")
    root = write_eval(tmp_path / "ev", [
        {"id": "p1", "plan": "14th", "technologies": ["ai", "quantum"],
         "figures": [{"phrase": "7%", "value": 7, "unit": "percent"}, {"phrase": "9 GW", "value": 9, "unit": "GW"}]},
    ], {"p1": page})
    report = score(root)
    assert (report.figures_core.tp, report.figures_core.fp, report.figures_core.fn) == (1, 1, 0)
    assert (report.figures_other.tp, report.figures_other.fn) == (0, 1)
    assert report.plan_accuracy == 0
    assert (report.technologies.tp, report.technologies.fp, report.technologies.fn) == (1, 1, 1)
    text = render(report)
    assert "miss: 9 GW '9 GW'" in text and "false alarm: 20 percent" in text and "plan: ours ['15th']" in text
    assert main_eval(str(root), as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["figures_core"]["precision"] == 0.5


def test_figures_on_a_page_without_the_plan_are_counted(tmp_path):
    page = "<p>Xiaomi is pressing ahead with its five-year plan and will spend 100 billion yuan on chips, it said.</p>"
    root = write_eval(tmp_path / "neg", [{"id": "n1", "plan": None, "technologies": [], "figures": []}], {"n1": page})
    report = score(root)
    assert report.negative_pages == 1 and report.negative_figures == 0 and report.plan_accuracy == 1
