"""Operator configuration in YAML: feeds. Errors name the file, the entry, the key and the fix.

``load_feeds`` checks every entry and raises all the mistakes it found at once (``ConfigErrors``).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from urllib.parse import urlsplit

from extract.errors import ConfigError, raise_all
from extract.records import FeedSource
from extract.yamlfile import read_yaml

FEED_KEYS = {"name", "url", "language", "interval_minutes", "enabled"}
LANGUAGES = ("en", "zh")
MIN_INTERVAL = 15
_HOST = re.compile(r"^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff.-]*[A-Za-z0-9\u00a1-\uffff])?)$")


def unknown_key(path: Path, where: str, key: str, allowed: set[str]) -> ConfigError:
    close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    fix = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(sorted(allowed))}"
    return ConfigError("unknown key", file=f"{path}: {where}", key=str(key), fix=fix)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a feed URL, or None."""
    if not url.lower().startswith(("http://", "https://")):
        return f"'{url}' is not an http(s) URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError as exc:
        return f"'{url}' is not a valid URL ({exc})"
    host = parts.hostname or ""
    if not host:
        return f"'{url}' has no host"
    if not _HOST.match(host) or ".." in host:
        return f"host '{host}' of '{url}' is not a valid host name"
    return None


def load_feeds(path: Path, errors: list[ConfigError] | None = None) -> list[FeedSource]:
    """Read config/feeds.yaml: a mapping with a ``feeds`` list of {name, url, language, interval_minutes, enabled}.

    Every mistake is raised at once; given ``errors``, they are added there and the valid feeds returned."""
    data = read_yaml(path, "PLANWATCH_FEEDS")
    if isinstance(data, dict) and set(data) - {"feeds"}:
        raise unknown_key(path, "top level", next(iter(set(data) - {"feeds"})), {"feeds"})
    items = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError("expected a 'feeds:' list", file=str(path), key="feeds",
                          fix="write 'feeds:' followed by '- name: ..., url: ...' entries")
    collect = errors is not None
    sources, errors = [], errors if collect else []
    urls: dict[str, str] = {}
    names: dict[str, str] = {}
    for i, item in enumerate(items):
        source = _feed(path, i, item, urls, names, errors)
        if source is not None:
            sources.append(source)
    if not collect:
        raise_all(errors)
    return sources


def _feed(path: Path, index: int, item, urls: dict, names: dict, errors: list) -> FeedSource | None:
    """Check one entry, adding each mistake to ``errors``; the source if it is enabled and valid."""
    where = f"feeds[{index}]"
    if not isinstance(item, dict):
        errors.append(ConfigError("each feed must be a mapping", file=f"{path}: {where}", fix="use 'name:' and 'url:' keys"))
        return None
    if isinstance(item.get("name"), str) and item["name"].strip():
        where = f"feed '{item['name'].strip()}'"
    found = len(errors)

    def fail(message: str, key: str, fix: str) -> None:
        errors.append(ConfigError(message, file=f"{path}: {where}", key=key, fix=fix))

    for key in item:
        if key not in FEED_KEYS:
            errors.append(unknown_key(path, where, key, FEED_KEYS))
    for key in ("name", "url"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            fail("is missing or empty", key, f"give the feed a {key}")
    name = item["name"].strip() if isinstance(item.get("name"), str) else ""
    if name and name in names:
        fail(f"same name as {names[name]}", "name", "give each feed its own name")
    elif name:
        names[name] = f"feeds[{index}]"
    url = item["url"].strip() if isinstance(item.get("url"), str) else ""
    problem = url_problem(url) if url else None
    if problem:
        fail(problem, "url", "use a full URL such as https://news.example.com/rss.xml")
    elif url in urls:
        fail(f"same URL as {urls[url]}", "url", "remove one of them")
    elif url:
        urls[url] = where
    interval = item.get("interval_minutes", 30)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < MIN_INTERVAL:
        fail(f"'{interval}' is not a whole number of minutes ≥ {MIN_INTERVAL}", "interval_minutes",
             f"use {MIN_INTERVAL} or more")
    language = item.get("language", "en")
    if language not in LANGUAGES:
        fail(f"'{language}' is not a language planwatch reads", "language", f"use {' or '.join(LANGUAGES)}")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        fail(f"'{enabled}' is not true/false", "enabled", "use true or false")
    if len(errors) > found or not enabled:
        return None
    return FeedSource(name=name, url=url, language=language, interval_minutes=interval)
