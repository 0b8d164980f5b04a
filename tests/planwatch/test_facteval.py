"""planwatch eval --facts on a held-out stream: the scorer runs the real pipeline and its scores can fail."""

from pathlib import Path

import pytest

from planwatch.facteval import score_stream, score_streams

STREAMS = Path(__file__).resolve().parents[1] / "fixtures" / "streams"


def test_stream_s1_keeps_the_scores_reached():
    s = score_stream(STREAMS / "s1")
    assert s.gold_facts == 20 and s.gold_sightings == 69
    assert s.merged == 0 and s.second_run_new == 0
    assert s.split <= 3 and s.cross_language_joined >= 12
    assert s.revisions == 2 and s.revisions_caught >= 1


def test_a_folder_without_streams_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no stream.jsonl"):
        score_streams(tmp_path)
