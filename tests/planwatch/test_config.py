"""Config files and settings: a mistake is an error that names the file, the key and the fix."""

import pytest

from extract.errors import ConfigError
from planwatch import settings
from planwatch.config import load_feeds
from planwatch.settings import CONFIG_DIR


def write(tmp_path, text):
    path = tmp_path / "feeds.yaml"
    path.write_text(text)
    return path


def test_the_shipped_feeds_are_valid_and_real():
    feeds = load_feeds(CONFIG_DIR / "feeds.yaml")
    assert len(feeds) >= 15
    assert {f.language for f in feeds} >= {"en", "zh"}
    assert all(f.url.startswith("https://") or f.url.startswith("http://") for f in feeds)
    assert not any("127.0.0.1" in f.url or "localhost" in f.url for f in feeds)


def test_a_typo_in_a_key_names_file_entry_key_and_fix(tmp_path):
    path = write(tmp_path, "feeds:\n  - name: Xinhua\n    ulr: https://x.example/rss\n")
    with pytest.raises(ConfigError) as err:
        load_feeds(path)
    message = str(err.value)
    assert str(path) in message and "feed 'Xinhua'" in message
    assert "'ulr'" in message and "did you mean 'url'" in message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("feeds:\n  - name: A\n    url: ftp://a.example/rss\n", "not an http(s) URL"),
        ("feeds:\n  - name: A\n    url: https://a.example/rss\n    interval_minutes: 5\n", "interval_minutes"),
        ("feeds:\n  - name: A\n", "key 'url': is missing"),
        ("feeds: [\n", "invalid YAML at line"),
        ("- name: A\n  url: https://a\n", "expected a 'feeds:' list"),
        ("feeds:\n  - {name: A, url: 'https://a.example'}\n  - {name: B, url: 'https://a.example'}\n", "same URL"),
        ("feeds:\n  - name: A\n    url: https://a.example/rss\n    enabled: sometimes\n", "key 'enabled'"),
    ],
)
def test_bad_feed_files_are_refused_with_a_clear_error(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=None) as err:
        load_feeds(write(tmp_path, text))
    assert expected in str(err.value)
    assert "fix:" in str(err.value)


def test_disabled_feeds_are_not_polled(tmp_path):
    path = write(tmp_path, "feeds:\n  - {name: A, url: 'https://a.example'}\n"
                           "  - {name: B, url: 'https://b.example', enabled: false}\n")
    assert [f.name for f in load_feeds(path)] == ["A"]


def test_settings_defaults_and_overrides(tmp_path):
    cfg = settings.load({"PLANWATCH_HOME": str(tmp_path)})
    assert cfg.database_url == f"sqlite:///{tmp_path / 'planwatch.db'}"
    assert cfg.allow_private_networks is False
    assert cfg.feeds_path == CONFIG_DIR / "feeds.yaml"
    cfg = settings.load({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1",
                         "PLANWATCH_DATABASE_URL": "postgresql://postgres@127.0.0.1/planwatch"})
    assert cfg.allow_private_networks is True
    assert cfg.database_url == "postgresql+psycopg2://postgres@127.0.0.1/planwatch"


@pytest.mark.parametrize(
    "env, key",
    [
        ({"PLANWATCH_ALLOW_PRIVATE_NETWORKS": "maybe"}, "PLANWATCH_ALLOW_PRIVATE_NETWORKS"),
        ({"PLANWATCH_FEEDS": "/nonexistent/feeds.yaml"}, "PLANWATCH_FEEDS"),
        ({"PLANWATCH_DATABASE_URL": "planwatch.db"}, "PLANWATCH_DATABASE_URL"),
        ({"PLANWATCH_MAX_INSTANT_ALERTS": "ten"}, "PLANWATCH_MAX_INSTANT_ALERTS"),
    ],
)
def test_bad_settings_name_the_variable(env, key):
    with pytest.raises(ConfigError) as err:
        settings.load(env)
    assert key in str(err.value) and "fix:" in str(err.value)
