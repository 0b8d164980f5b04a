"""Subject quality: content-word overlap with the gold subject after the Chinese-to-English concept map."""

from pathlib import Path

from planwatch.evaluation import render, score
from planwatch.subjectscore import SubjectScore, content_words, overlap

EVAL = (Path(__file__).resolve().parents[2] / ".." / "shared" / "eval").resolve()


def test_chinese_subjects_meet_english_gold_through_the_concepts():
    assert overlap(content_words("全社会研发经费投入年均增长"), content_words("annual growth of total R&D spending")) > 0.8
    assert overlap(content_words("Spending on research and development"),
                   content_words("R&D expenditure growth")) > 0.3
    assert overlap(content_words("城镇化率"), content_words("AI-related industry")) == 0.0


def test_an_unreadable_subject_scores_nothing_and_is_counted():
    s = SubjectScore()
    s.add("China", "China's R&D spending")
    s.add("R&D spending", "R&D spending")
    assert (s.figures, s.unreadable, s.mean) == (2, 1, 0.5)


def test_planwatch_eval_prints_subject_quality_beside_precision_and_recall():
    report = score(EVAL)
    assert report.subjects.figures >= 60 and 0.0 < report.subjects.mean <= 1.0
    text = render(report)
    assert "subject quality" in text and f"{report.subjects.mean:6.3f}" in text and "weakest subjects" in text
