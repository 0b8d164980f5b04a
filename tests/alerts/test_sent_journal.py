"""Accepted messages whose 'sent' commit failed are kept outside the store and recorded before the next send."""

from __future__ import annotations

import datetime as dt
import stat

import pytest

from alerts import sent_journal
from store.errors import StoreUnavailable

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def url(tmp_path, monkeypatch):
    monkeypatch.setattr(sent_journal.tempfile, "gettempdir", lambda: str(tmp_path))
    return f"sqlite:///{tmp_path}/store.db"


def test_replay_marks_each_journalled_message_once_and_empties_the_journal(url):
    sent_journal.record(url, "t1", [1, 2], "instant", NOW)
    sent_journal.record(url, "t1", [3], "rollup", NOW)
    assert stat.S_IMODE(sent_journal.journal_path(url).stat().st_mode) == 0o600
    marked = []
    assert sent_journal.replay(url, lambda *a: marked.append(a) or len(a[1])) == 3
    assert marked == [("t1", [1, 2], "instant", NOW), ("t1", [3], "rollup", NOW)]
    assert not sent_journal.journal_path(url).exists()
    assert sent_journal.replay(url, lambda *a: pytest.fail("nothing left to replay")) == 0


def test_a_store_still_down_keeps_the_whole_journal_for_the_next_run(url):
    sent_journal.record(url, "t1", [1], "instant", NOW)
    sent_journal.record(url, "t2", [2], "instant", NOW)

    def down(*args):
        raise StoreUnavailable("cannot write (read-only)", "make it writable")

    with pytest.raises(StoreUnavailable):
        sent_journal.replay(url, down)
    marked = []
    assert sent_journal.replay(url, lambda *a: marked.append(a[1]) or 1) == 2
    assert marked == [[1], [2]]


def test_journals_of_two_stores_are_apart(url, tmp_path):
    other = f"sqlite:///{tmp_path}/other.db"
    sent_journal.record(url, "t1", [1], "instant", NOW)
    assert sent_journal.replay(other, lambda *a: pytest.fail("another store's journal")) == 0
    assert sent_journal.journal_path(url).exists()
