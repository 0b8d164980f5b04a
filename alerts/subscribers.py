"""Subscribers: read and check config/subscribers.yaml, and sync it into the store.

Every mistake in the file is a ConfigError naming the file, the entry (its name, or its
index when it has none), the key and a fix. A subscriber removed from the file is kept
in the store with ``active=False`` so its delivery history stays.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from extract.errors import ConfigError, raise_all
from extract.yamlfile import read_yaml
from store.models import Subscriber, utcnow
from store.upsert import insert_ignore

KEYS = ("name", "email", "slack_connection", "technologies", "plans", "languages", "min_sources", "mode", "muted")
PLANS = ("15th", "14th")
MODES = ("instant", "digest")
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_CONN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class SubscriberSpec:
    """One entry of subscribers.yaml, checked. Empty filter tuples mean 'all'."""

    name: str
    email: str | None = None
    slack_connection: str | None = None
    technologies: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    min_sources: int = 1
    mode: str = "instant"
    muted: bool = False


def load(path: str | Path, technology_ids: Iterable[str]) -> list[SubscriberSpec]:
    """Read and check subscribers.yaml; ``technology_ids`` are the taxonomy ids a filter may name."""
    path = Path(path)
    data = read_yaml(path, "PLANWATCH_SUBSCRIBERS")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError("expected a list of subscribers", file=str(path),
                          fix="write entries as '- name: ...' lines, or [] for none")
    known = set(technology_ids)
    specs: list[SubscriberSpec] = []
    seen: dict[str, int] = {}
    errors: list[ConfigError] = []
    for index, item in enumerate(data):
        try:
            spec = _entry(path, index, item, known)
        except ConfigError as exc:
            errors.append(exc)
            continue
        if spec.name in seen:
            errors.append(ConfigError(f"duplicate name (entry {seen[spec.name]} has it too)",
                                      file=f"{path}: subscriber '{spec.name}' (entry {index})", key="name",
                                      fix="give each subscriber its own name"))
        seen[spec.name] = index
        specs.append(spec)
    raise_all(errors)
    return specs


def sync(session: Session, specs: Iterable[SubscriberSpec], now: dt.datetime | None = None) -> None:
    """Upsert ``specs`` by name; subscribers no longer listed become inactive (never deleted).

    A subscriber that comes back (re-added or unmuted) starts afresh: its ``created_at`` is
    reset to now, so it is not sent what it missed while away.
    """
    now = now or utcnow()
    specs = list(specs)
    insert_ignore(session, Subscriber, [dict(name=s.name, created_at=now, updated_at=now) for s in specs], ["name"])
    for spec in specs:
        row = session.scalars(select(Subscriber).where(Subscriber.name == spec.name).with_for_update()).one()
        returning = (row.active is False) or (row.muted and not spec.muted)
        values = asdict(spec)
        for key in ("technologies", "plans", "languages"):
            values[key] = list(values[key])
        changed = any(getattr(row, k) != v for k, v in values.items()) or not row.active
        for key, value in values.items():
            setattr(row, key, value)
        row.active = True
        if returning:
            row.created_at = now
        if changed:
            row.updated_at = now
    names = [s.name for s in specs]
    stale = update(Subscriber).where(Subscriber.active.is_(True))
    if names:
        stale = stale.where(Subscriber.name.not_in(names))
    session.execute(stale.values(active=False, updated_at=now))
    session.flush()


def _entry(path: Path, index: int, item, known_tech: set[str]) -> SubscriberSpec:
    where = f"{path}: entry {index}"
    if not isinstance(item, dict):
        raise ConfigError("each subscriber must be a mapping", file=where, fix="start the entry with '- name: ...'")
    name = item.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{path}: subscriber '{name.strip()}'"

    def fail(message: str, key: str, fix: str) -> ConfigError:
        return ConfigError(message, file=where, key=key, fix=fix)

    for key in item:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            raise fail("unknown key", str(key), f"did you mean '{close[0]}'?" if close
                       else f"use only {', '.join(KEYS)}")
    if not isinstance(name, str) or not name.strip():
        raise fail("is missing or empty", "name", "give the subscriber a unique name")
    if any(c in name for c in "\r\n") or len(name) > 200:
        raise fail("must be one line of at most 200 characters", "name", "shorten the name")
    email, slack = item.get("email"), item.get("slack_connection")
    if (email is None) == (slack is None):
        key = "email" if email is None else "slack_connection"
        raise fail("give exactly one channel: email or slack_connection", key,
                   "keep one of 'email: ADDRESS' and 'slack_connection: CONN_ID'")
    if email is not None and (not isinstance(email, str) or not _ADDRESS.match(email.strip())):
        raise fail(f"'{email}' is not an email address", "email", "write one address such as desk@example.com")
    if slack is not None and (not isinstance(slack, str) or not _CONN_ID.match(slack.strip())):
        raise fail(f"'{slack}' is not an Airflow connection id", "slack_connection",
                   "use the id of a Slack incoming-webhook connection, e.g. slack_newsroom")
    technologies = _strings(item, "technologies", fail)
    for tech in technologies:
        if tech not in known_tech:
            close = difflib.get_close_matches(tech, sorted(known_tech), n=1)
            raise fail(f"unknown technology '{tech}'", "technologies",
                       f"did you mean '{close[0]}'?" if close else "use ids from config/taxonomy.yaml")
    plans = _strings(item, "plans", fail)
    for plan in plans:
        if plan not in PLANS:
            raise fail(f"unknown plan '{plan}'", "plans", 'use "15th", "14th" or both')
    languages = _strings(item, "languages", fail)
    for language in languages:
        if not _LANGUAGE.match(language):
            raise fail(f"'{language}' is not a language code", "languages", "use codes such as en or zh")
    min_sources = item.get("min_sources", 1)
    if not isinstance(min_sources, int) or isinstance(min_sources, bool) or min_sources < 1:
        raise fail(f"'{min_sources}' is not a whole number ≥ 1", "min_sources", "use 1 (every figure) or more")
    mode = item.get("mode", "instant")
    if mode not in MODES:
        raise fail(f"'{mode}' is not a mode", "mode", "use instant or digest")
    muted = item.get("muted", False)
    if not isinstance(muted, bool):
        raise fail(f"'{muted}' is not true/false", "muted", "use true or false")
    return SubscriberSpec(
        name=name.strip(), email=email.strip() if email else None, slack_connection=slack.strip() if slack else None,
        technologies=technologies, plans=plans, languages=languages, min_sources=min_sources, mode=mode, muted=muted,
    )


def _strings(item: dict, key: str, fail) -> tuple[str, ...]:
    value = item.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail("must be a list of names", key, f"write {key}: [a, b] (or leave it out for all)")
    return tuple(dict.fromkeys(v.strip() for v in value))
