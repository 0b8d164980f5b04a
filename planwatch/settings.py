"""Settings, declared once: environment variables ``PLANWATCH_*`` with defaults.

Every value is read and validated by ``load()``; a bad value raises ConfigError
naming the variable and the fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from extract.errors import ConfigError, raise_all

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
    return _number(env, name, default, minimum, int, "a whole number")


def _number(env: dict, name: str, default: float, minimum: float, kind: type = float, what: str = "a number"):
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"'{raw}' is not {what}", key=name, fix=f"use a number such as {default:g}") from None
    if not value >= minimum:
        raise ConfigError(f"{value:g} is below {minimum:g}", key=name, fix=f"use at least {minimum:g}")
    return value


_DRIVERS = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2"}
_URL_FIX = "use sqlite:////abs/path.db or postgresql://user@host:5432/db"


def _database_url(raw: str, key: str = "PLANWATCH_DATABASE_URL") -> str:
    """A URL SQLAlchemy can open: postgres:// and postgresql:// get the installed driver; port and scheme checked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from extract.urls import redact

    if "://" not in raw:
        raise ConfigError(f"'{redact(raw)}' is not a database URL", key=key, fix=_URL_FIX)
    scheme, rest = raw.split("://", 1)
    raw = f"{_DRIVERS.get(scheme.lower(), scheme)}://{rest}"
    try:
        url = make_url(raw)
        url.port  # noqa: B018 - parsing the port raises for 'abc'
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"'{redact(raw)}' is not a valid database URL ({exc})", key=key, fix=_URL_FIX) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"database '{url.get_backend_name()}' is not supported", key=key, fix=_URL_FIX)
    if url.get_backend_name() == "postgresql" and not url.database:
        raise ConfigError(f"'{redact(raw)}' names no database", key=key, fix="end the URL with /planwatch")
    return raw
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
    concepts_path: Path = CONFIG_DIR / "concepts.yaml"
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
    detect_timeout: float = 30.0
    detect_max_chars: int = 500_000
    run_fetch_budget: float = 900.0
    host_fetch_budget: float = 120.0
    page_batch_size: int = 200
    airflow_database_url: str = "postgresql+psycopg2://postgres@127.0.0.1:5432/planwatch_airflow"
    broker_url: str = "redis://127.0.0.1:6379/0"
    workers: int = 2
    worker_concurrency: int = 2
    poll_failure_percent: int = 50


WORKER_NAME = "PLANWATCH_WORKER_NAME"  # per Celery worker process: its name in task instances (serve.hostname)


def load(env: dict | None = None) -> Settings:
    """Read the settings from ``env`` (default: os.environ); every bad value is reported, all at once."""
    env = dict(os.environ if env is None else env)
    errors: list[ConfigError] = []

    def read(parse, *args, fallback=None):
        try:
            return parse(env, *args)
        except ConfigError as exc:
            errors.append(exc)
            return fallback

    home = Path(env.get("PLANWATCH_HOME") or (Path.cwd() / ".planwatch")).expanduser().resolve()
    database_url = read(lambda e: _database_url(e.get("PLANWATCH_DATABASE_URL") or f"sqlite:///{home / 'planwatch.db'}"))
    paths = {key: read(_config_file, key, name) for key, name in (
        ("PLANWATCH_FEEDS", "feeds.yaml"), ("PLANWATCH_SUBSCRIBERS", "subscribers.yaml"),
        ("PLANWATCH_TAXONOMY", "taxonomy.yaml"), ("PLANWATCH_CONCEPTS", "concepts.yaml"))}
    values = dict(
        allow_private_networks=read(_flag, "PLANWATCH_ALLOW_PRIVATE_NETWORKS", False),
        allowed_networks=read(_networks, "PLANWATCH_ALLOWED_NETWORKS"),
        max_instant_alerts=read(_int, "PLANWATCH_MAX_INSTANT_ALERTS", 10, 1),
        feed_batch_size=read(_int, "PLANWATCH_FEED_BATCH_SIZE", 50, 1),
        fetch_concurrency=read(_int, "PLANWATCH_FETCH_CONCURRENCY", 16, 1),
        max_pages_per_run=read(_int, "PLANWATCH_MAX_PAGES_PER_RUN", 500, 1),
        detect_timeout=read(_number, "PLANWATCH_DETECT_TIMEOUT", Settings.detect_timeout, 0.1),
        detect_max_chars=read(_int, "PLANWATCH_DETECT_MAX_CHARS", Settings.detect_max_chars, 1000),
        run_fetch_budget=read(_number, "PLANWATCH_RUN_FETCH_BUDGET", Settings.run_fetch_budget, 1),
        host_fetch_budget=read(_number, "PLANWATCH_HOST_FETCH_BUDGET", Settings.host_fetch_budget, 1),
        page_batch_size=read(_int, "PLANWATCH_PAGE_BATCH_SIZE", 200, 1),
        airflow_database_url=read(lambda e: _database_url(e.get("PLANWATCH_AIRFLOW_DATABASE_URL")
                                                          or Settings.airflow_database_url,
                                                          "PLANWATCH_AIRFLOW_DATABASE_URL")),
        broker_url=env.get("PLANWATCH_BROKER_URL") or Settings.broker_url,
        workers=read(_int, "PLANWATCH_WORKERS", 2, 1),
        worker_concurrency=read(_int, "PLANWATCH_WORKER_CONCURRENCY", 2, 1),
        poll_failure_percent=read(_percent, "PLANWATCH_POLL_FAILURE_PERCENT", 50),
    )
    raise_all(errors)
    return Settings(
        home=home,
        database_url=database_url,
        feeds_path=paths["PLANWATCH_FEEDS"],
        subscribers_path=paths["PLANWATCH_SUBSCRIBERS"],
        taxonomy_path=paths["PLANWATCH_TAXONOMY"],
        concepts_path=paths["PLANWATCH_CONCEPTS"],
        contact_url=env.get("PLANWATCH_CONTACT_URL") or Settings.contact_url,
        smtp_conn_id=env.get("PLANWATCH_SMTP_CONN_ID") or "smtp_default",
        mail_from=env.get("PLANWATCH_MAIL_FROM") or Settings.mail_from,
        operator_email=env.get("PLANWATCH_OPERATOR_EMAIL") or None,
        operator_slack_connection=env.get("PLANWATCH_OPERATOR_SLACK_CONNECTION") or None,
        **values,
    )


def _config_file(env: dict, key: str, name: str) -> Path:
    path = Path(env.get(key) or CONFIG_DIR / name).expanduser()
    if not path.is_file():
        raise ConfigError(f"file {path} does not exist", key=key, fix=f"point {key} at a YAML file like config/{name}")
    return path
