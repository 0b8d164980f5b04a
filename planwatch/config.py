"""Operator configuration in YAML: feeds. Errors name the file, the entry, the key and the fix."""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from extract.errors import ConfigError
from extract.records import FeedSource

FEED_KEYS = {"name", "url", "language", "interval_minutes", "enabled"}
MIN_INTERVAL = 15


def read_yaml(path: Path):
    """Parse a YAML file; a syntax error becomes a ConfigError with the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(path), fix="check the path") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"invalid YAML{where}: {problem}", file=str(path), fix="correct the YAML syntax") from None


def unknown_key(path: Path, where: str, key: str, allowed: set[str]) -> ConfigError:
    close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    fix = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(sorted(allowed))}"
    return ConfigError("unknown key", file=f"{path}: {where}", key=str(key), fix=fix)


def load_feeds(path: Path) -> list[FeedSource]:
    """Read config/feeds.yaml: a mapping with a ``feeds`` list of {name, url, language, interval_minutes, enabled}."""
    data = read_yaml(path)
    if isinstance(data, dict) and set(data) - {"feeds"}:
        raise unknown_key(path, "top level", next(iter(set(data) - {"feeds"})), {"feeds"})
    items = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError("expected a 'feeds:' list", file=str(path), key="feeds",
                          fix="write 'feeds:' followed by '- name: ..., url: ...' entries")
    sources, seen = [], {}
    for i, item in enumerate(items):
        where = f"feeds[{i}]"
        if not isinstance(item, dict):
            raise ConfigError("each feed must be a mapping", file=f"{path}: {where}", fix="use 'name:' and 'url:' keys")
        if isinstance(item.get("name"), str):
            where = f"feed '{item['name']}'"
        for key in item:
            if key not in FEED_KEYS:
                raise unknown_key(path, where, key, FEED_KEYS)
        for key in ("name", "url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ConfigError("is missing or empty", file=f"{path}: {where}", key=key, fix=f"give the feed a {key}")
        url = item["url"].strip()
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"'{url}' is not an http(s) URL", file=f"{path}: {where}", key="url",
                              fix="use a URL starting with https://")
        if url in seen:
            raise ConfigError(f"same URL as {seen[url]}", file=f"{path}: {where}", key="url", fix="remove one of them")
        seen[url] = where
        interval = item.get("interval_minutes", 30)
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < MIN_INTERVAL:
            raise ConfigError(f"'{interval}' is not a whole number of minutes ≥ {MIN_INTERVAL}",
                              file=f"{path}: {where}", key="interval_minutes", fix=f"use {MIN_INTERVAL} or more")
        language = item.get("language", "en")
        if not isinstance(language, str) or not language:
            raise ConfigError("must be a language code", file=f"{path}: {where}", key="language", fix="use en or zh")
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"'{enabled}' is not true/false", file=f"{path}: {where}", key="enabled",
                              fix="use true or false")
        if enabled:
            sources.append(FeedSource(name=item["name"].strip(), url=url, language=language, interval_minutes=interval))
    return sources
