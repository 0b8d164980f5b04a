"""Settings, declared once: environment variables ``PLANWATCH_*`` with defaults.

Every value is read and validated by ``load()``; a bad value raises ConfigError
naming the variable and the fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from extract.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO / "config"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(env: dict, name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"'{raw}' is not a yes/no value", key=name, fix="use 1 or 0")


def _int(env: dict, name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"'{raw}' is not a whole number", key=name, fix=f"use a number such as {default}") from None
    if value < minimum:
        raise ConfigError(f"{value} is below {minimum}", key=name, fix=f"use at least {minimum}")
    return value


def _percent(env: dict, name: str, default: int) -> int:
    value = _int(env, name, default, 0)
    if value > 100:
        raise ConfigError(f"{value} is above 100", key=name, fix=f"use a percentage such as {default}")
    return value


def _networks(env: dict, name: str) -> tuple[str, ...]:
    import ipaddress

    nets = tuple(n.strip() for n in (env.get(name) or "").split(",") if n.strip())
    for net in nets:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            raise ConfigError(f"'{net}' is not an address range", key=name, fix="use CIDRs such as 10.1.2.0/24") from None
    return nets


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    feeds_path: Path
    subscribers_path: Path
    taxonomy_path: Path
    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()
    contact_url: str = "https://github.com/planwatch/planwatch"
    smtp_conn_id: str = "smtp_default"
    mail_from: str = "planwatch@localhost"
    operator_email: str | None = None
    operator_slack_connection: str | None = None
    max_instant_alerts: int = 10
    feed_batch_size: int = 50
    fetch_concurrency: int = 16
    max_pages_per_run: int = 500
    poll_failure_percent: int = 50


def load(env: dict | None = None) -> Settings:
    """Read the settings from ``env`` (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    home = Path(env.get("PLANWATCH_HOME") or (Path.cwd() / ".planwatch")).expanduser().resolve()
    database_url = env.get("PLANWATCH_DATABASE_URL") or f"sqlite:///{home / 'planwatch.db'}"
    if "://" not in database_url:
        raise ConfigError(
            f"'{database_url}' is not a database URL",
            key="PLANWATCH_DATABASE_URL",
            fix="use sqlite:////abs/path.db or postgresql+psycopg2://user@host/db",
        )
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg2://" + database_url[len("postgresql://") :]
    paths = {}
    for key, name in (("PLANWATCH_FEEDS", "feeds.yaml"), ("PLANWATCH_SUBSCRIBERS", "subscribers.yaml"),
                      ("PLANWATCH_TAXONOMY", "taxonomy.yaml")):
        path = Path(env.get(key) or CONFIG_DIR / name).expanduser()
        if not path.is_file():
            raise ConfigError(f"file {path} does not exist", key=key, fix=f"point {key} at a YAML file like config/{name}")
        paths[key] = path
    return Settings(
        home=home,
        database_url=database_url,
        feeds_path=paths["PLANWATCH_FEEDS"],
        subscribers_path=paths["PLANWATCH_SUBSCRIBERS"],
        taxonomy_path=paths["PLANWATCH_TAXONOMY"],
        allow_private_networks=_flag(env, "PLANWATCH_ALLOW_PRIVATE_NETWORKS", False),
        allowed_networks=_networks(env, "PLANWATCH_ALLOWED_NETWORKS"),
        contact_url=env.get("PLANWATCH_CONTACT_URL") or Settings.contact_url,
        smtp_conn_id=env.get("PLANWATCH_SMTP_CONN_ID") or "smtp_default",
        mail_from=env.get("PLANWATCH_MAIL_FROM") or Settings.mail_from,
        operator_email=env.get("PLANWATCH_OPERATOR_EMAIL") or None,
        operator_slack_connection=env.get("PLANWATCH_OPERATOR_SLACK_CONNECTION") or None,
        max_instant_alerts=_int(env, "PLANWATCH_MAX_INSTANT_ALERTS", 10, 1),
        feed_batch_size=_int(env, "PLANWATCH_FEED_BATCH_SIZE", 50, 1),
        fetch_concurrency=_int(env, "PLANWATCH_FETCH_CONCURRENCY", 16, 1),
        max_pages_per_run=_int(env, "PLANWATCH_MAX_PAGES_PER_RUN", 500, 1),
        poll_failure_percent=_percent(env, "PLANWATCH_POLL_FAILURE_PERCENT", 50),
    )
