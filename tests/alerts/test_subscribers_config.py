"""alerts.subscribers: subscribers.yaml is checked key by key, and synced into the store without deleting anyone."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.subscribers import SubscriberSpec, load, sync
from extract.errors import ConfigError
from store.db import session_scope
from store.models import Subscriber

TECH = ["ai", "robotics", "semiconductors", "quantum"]
REPO = Path(__file__).resolve().parents[2]


def write(tmp_path, text):
    path = tmp_path / "subscribers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path, text) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path, TECH)
    assert str(path) in str(info.value)
    return info.value


def test_valid_file_with_defaults(tmp_path):
    path = write(tmp_path, """
- name: research-desk
  email: analysts@example.com
  technologies: [ai, semiconductors]
- name: newsroom
  slack_connection: slack_newsroom
  plans: ["15th"]
  languages: [en, zh]
  min_sources: 2
  mode: digest
  muted: true
""")
    desk, newsroom = load(path, TECH)
    assert desk == SubscriberSpec(name="research-desk", email="analysts@example.com",
                                  technologies=("ai", "semiconductors"))
    assert desk.mode == "instant" and desk.min_sources == 1 and desk.plans == () and not desk.muted
    assert newsroom.slack_connection == "slack_newsroom" and newsroom.email is None
    assert (newsroom.plans, newsroom.languages, newsroom.min_sources, newsroom.mode, newsroom.muted) == (
        ("15th",), ("en", "zh"), 2, "digest", True)


def test_shipped_config_and_empty_file_load(tmp_path):
    assert load(REPO / "config" / "subscribers.yaml", TECH) == []
    assert load(write(tmp_path, "# nobody yet\n"), TECH) == []


def test_typo_in_key_suggests_the_right_one(tmp_path):
    err = error_for(tmp_path, "- name: desk\n  email: a@example.com\n  technolgies: [ai]\n")
    assert err.key == "technolgies"
    assert "subscriber 'desk'" in str(err) and "did you mean 'technologies'?" in str(err)


@pytest.mark.parametrize("entry, key, words", [
    ("email: not-an-address", "email", "not an email address"),
    ("email: 'a@example.com\\nBcc: victim@example.com'", "email", "not an email address"),
    ("email: a@example.com\n  slack_connection: slack_x", "slack_connection", "exactly one channel"),
    ("mode: instant", "email", "exactly one channel"),
    ("email: a@example.com\n  mode: hourly", "mode", "'hourly' is not a mode"),
    ("email: a@example.com\n  technologies: [robotcs]", "technologies", "did you mean 'robotics'?"),
    ("email: a@example.com\n  plans: [13th]", "plans", "unknown plan"),
    ("email: a@example.com\n  min_sources: 0", "min_sources", "≥ 1"),
    ("email: a@example.com\n  muted: maybe", "muted", "true/false"),
    ("email: a@example.com\n  languages: [English!]", "languages", "not a language code"),
])
def test_bad_entries_name_entry_key_and_fix(tmp_path, entry, key, words):
    err = error_for(tmp_path, f"- name: desk\n  {entry}\n")
    assert err.key == key
    assert "subscriber 'desk'" in str(err) and words in str(err) and err.fix


def test_entry_without_name_is_named_by_index(tmp_path):
    err = error_for(tmp_path, "- name: a\n  email: a@example.com\n- email: b@example.com\n")
    assert "entry 1" in str(err) and err.key == "name"


def test_duplicate_name(tmp_path):
    err = error_for(tmp_path, "- name: a\n  email: a@example.com\n- name: a\n  email: b@example.com\n")
    assert err.key == "name" and "duplicate" in str(err) and "entry 1" in str(err)


def test_not_a_list_and_bad_yaml(tmp_path):
    assert "list of subscribers" in str(error_for(tmp_path, "name: a\n"))
    assert "invalid YAML at line 3" in str(error_for(tmp_path, "- name: a\n  email: [\n"))


def test_sync_upserts_and_deactivates_never_deletes(store_url):
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    a = SubscriberSpec(name="a", email="a@example.com", technologies=("ai",))
    b = SubscriberSpec(name="b", slack_connection="slack_b", mode="digest")
    with session_scope(store_url) as s:
        sync(s, [a, b], now=t0)
    with session_scope(store_url) as s:  # a changes its filters, b is removed from the file
        sync(s, [SubscriberSpec(name="a", email="a@example.com", technologies=("quantum",))],
             now=t0 + dt.timedelta(days=1))
    with session_scope(store_url) as s:
        rows = {r.name: r for r in s.scalars(select(Subscriber))}
    assert set(rows) == {"a", "b"}
    assert rows["a"].active and rows["a"].technologies == ["quantum"] and rows["a"].created_at == t0
    assert rows["b"].active is False and rows["b"].mode == "digest"
    # b comes back: active again, and counted as subscribed from now (not sent what it missed)
    later = t0 + dt.timedelta(days=5)
    with session_scope(store_url) as s:
        sync(s, [a, b], now=later)
    with session_scope(store_url) as s:
        back = s.scalar(select(Subscriber).where(Subscriber.name == "b"))
        assert back.active and back.created_at == later
        sync(s, [], now=later)
    with session_scope(store_url) as s:
        assert [r.active for r in s.scalars(select(Subscriber))] == [False, False]
