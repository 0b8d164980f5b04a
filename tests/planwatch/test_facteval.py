"""planwatch eval --facts on a held-out stream: the scorer runs the real pipeline and its scores can fail."""

from pathlib import Path

import pytest

from planwatch.facteval import score_stream, score_streams

STREAMS = Path(__file__).resolve().parents[1] / "fixtures" / "streams"


def test_the_five_held_out_streams_meet_the_bars():
    total, each = score_streams(STREAMS)
    assert [Path(s.path).name for s in each] == ["s1", "s2", "s3", "s4", "s5"]
    assert total.gold_facts == 89 and total.gold_sightings == 326
    assert total.merged == 0 and total.second_run_new == 0
    assert total.split_pct <= 5.0 and total.join_pct >= 90.0
    assert total.revisions == 10 and total.revisions_caught == 10 and total.false_revisions == 0


def test_a_folder_without_streams_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no stream.jsonl"):
        score_streams(tmp_path)
