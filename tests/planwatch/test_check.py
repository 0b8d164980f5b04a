"""`planwatch check` answers every bad config case with file, entry, key and fix — all errors at once."""

from __future__ import annotations

import pytest

from extract.errors import ConfigErrors
from planwatch import settings
from planwatch.cli import main
from planwatch.settings import CONFIG_DIR

FEEDS = """feeds:
  - {name: Alien, url: 'https://a.example/rss', language: klingon}
  - {name: Twice, url: 'https://b.example/rss'}
  - {name: Twice, url: 'https://c.example/rss'}
  - {name: Spaced, url: 'https://bad host.example/rss'}
  - {name: Bare, url: 'https://'}
  - {name: Local, url: 'http://127.0.0.1:8000/rss'}
"""
SUBSCRIBERS = """- {name: desk, slack_connection: slack_nowhere}
- {name: mail, email: desk@example.com}
"""


@pytest.fixture
def env(tmp_path, monkeypatch):
    (tmp_path / "feeds.yaml").write_text(FEEDS)
    (tmp_path / "subscribers.yaml").write_text(SUBSCRIBERS)
    values = {"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_FEEDS": str(tmp_path / "feeds.yaml"),
              "PLANWATCH_SUBSCRIBERS": str(tmp_path / "subscribers.yaml"),
              "PLANWATCH_TAXONOMY": str(CONFIG_DIR / "taxonomy.yaml"),
              "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "0", "PLANWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'pw.db'}"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AIRFLOW_CONN_SLACK_NOWHERE", raising=False)
    return tmp_path


def test_check_lists_every_mistake_at_once(env, capsys):
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    lines = [line.strip() for line in err.splitlines() if "fix:" in line]
    expected = [
        ("feed 'Alien'", "key 'language'", "'klingon' is not a language planwatch reads", "use en or zh"),
        ("feed 'Twice'", "key 'name'", "same name as feeds[1]", "give each feed its own name"),
        ("feed 'Spaced'", "key 'url'", "host 'bad host.example'", "use a full URL"),
        ("feed 'Bare'", "key 'url'", "has no host", "use a full URL"),
        ("feed 'Local'", "key 'url'", "loopback or private", "PLANWATCH_ALLOW_PRIVATE_NETWORKS=1"),
        ("subscriber 'desk'", "key 'slack_connection'", "'slack_nowhere' is not defined", "AIRFLOW_CONN_SLACK_NOWHERE"),
    ]
    for parts in expected:
        assert any(all(p in line for p in parts) for line in lines), (parts, err)
    assert "6 config errors" in err
    assert "Traceback" not in err


def test_a_latin1_config_file_is_a_clear_error(env, capsys):
    (env / "feeds.yaml").write_bytes("feeds:\n  - {name: Caf\xe9, url: 'https://a.example/rss'}\n".encode("latin-1"))
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "feeds.yaml: is not UTF-8 text (byte 0xe9 on line 2)" in err and "save the file as UTF-8" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("url, expected", [
    ("postgresql://postgres@127.0.0.1:1/planwatch", "cannot reach"),
    ("postgresql://postgres:hunter2@127.0.0.1:abc/planwatch", "is not a valid database URL"),
    ("mysql://u@h/db", "is not supported"),
])
def test_database_url_problems_are_settings_errors(env, monkeypatch, capsys, url, expected):
    monkeypatch.setenv("PLANWATCH_DATABASE_URL", url)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "PLANWATCH_DATABASE_URL" in err and expected in err and "fix:" in err
    assert "hunter2" not in err and "Traceback" not in err


def test_postgres_scheme_gets_the_installed_driver():
    assert settings.load({"PLANWATCH_DATABASE_URL": "postgres://u@h/db"}).database_url == "postgresql+psycopg2://u@h/db"


def test_bad_settings_are_all_reported_together():
    with pytest.raises(ConfigErrors) as err:
        settings.load({"PLANWATCH_MAX_INSTANT_ALERTS": "ten", "PLANWATCH_DETECT_TIMEOUT": "soon",
                       "PLANWATCH_FEEDS": "/nonexistent.yaml"})
    assert {e.key for e in err.value.errors} == {"PLANWATCH_MAX_INSTANT_ALERTS", "PLANWATCH_DETECT_TIMEOUT",
                                                  "PLANWATCH_FEEDS"}


def test_check_validates_the_concepts_file_with_every_mistake(env, monkeypatch, capsys):
    good_feeds = "feeds:\n  - {name: Ok, url: 'https://a.example/rss'}\n"
    (env / "feeds.yaml").write_text(good_feeds)
    (env / "subscribers.yaml").write_text("- {name: mail, email: desk@example.com}\n")
    (env / "concepts.yaml").write_text("concepts:\n  Bad-Id:\n    en: [x]\n  gdp:\n    en: [GDP]\n  odd:\n    en: [y]\n"
                                       "    colour: red\n  jobs:\n    label: jobs\n  rate:\n    en: [gdp]\n")
    monkeypatch.setenv("PLANWATCH_CONCEPTS", str(env / "concepts.yaml"))
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "concepts.yaml" in line and "fix:" in line]
    for key in ("concepts.Bad-Id", "concepts.odd.colour", "concepts.jobs", "concepts.rate.en"):
        assert any(f"key '{key}'" in line for line in lines), (key, err)
    assert "4 config errors" in err


def test_concepts_setting_must_name_an_existing_file(env, monkeypatch):
    monkeypatch.setenv("PLANWATCH_CONCEPTS", str(env / "missing.yaml"))
    with pytest.raises(Exception) as err:
        settings.load()
    assert "PLANWATCH_CONCEPTS" in str(err.value) and "missing.yaml" in str(err.value)
