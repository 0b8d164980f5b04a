"""Checks of the configuration against the world, for `planwatch check`: feed addresses, connections, store."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from extract.errors import ConfigError
from planwatch.settings import Settings


def _private(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False  # a name: the fetch guard checks what it resolves to
    return not ip.is_global


def feed_address_errors(cfg: Settings, feeds) -> list[ConfigError]:
    """Feeds on loopback or private addresses while private networks are off."""
    if cfg.allow_private_networks:
        return []
    allowed = [ipaddress.ip_network(n, strict=False) for n in cfg.allowed_networks]
    errors = []
    for feed in feeds:
        host = urlsplit(feed.url).hostname or ""
        try:
            exempt = any(ipaddress.ip_address(host) in net for net in allowed)
        except ValueError:
            exempt = False
        if _private(host) and not exempt:
            errors.append(ConfigError(f"host '{host}' is a loopback or private address; such fetches are refused",
                                      file=f"{cfg.feeds_path}: feed '{feed.name}'", key="url",
                                      fix="set PLANWATCH_ALLOW_PRIVATE_NETWORKS=1, or add the range to "
                                          "PLANWATCH_ALLOWED_NETWORKS"))
    return errors


def connection_defined(conn_id: str) -> bool:
    """Whether Airflow can resolve ``conn_id`` (AIRFLOW_CONN_<ID> or its metadata database)."""
    if os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}"):
        return True
    try:
        from airflow.models.connection import Connection

        Connection.get_connection_from_secrets(conn_id)
        return True
    except Exception:  # AirflowNotFoundException, or no Airflow database to ask
        return False


def slack_connection_errors(cfg: Settings, subscribers) -> list[ConfigError]:
    """Subscribers (and the operators' setting) naming a Slack connection Airflow does not have."""
    errors = []
    for sub in subscribers:
        if sub.slack_connection and not connection_defined(sub.slack_connection):
            errors.append(ConfigError(f"connection '{sub.slack_connection}' is not defined",
                                      file=f"{cfg.subscribers_path}: subscriber '{sub.name}'", key="slack_connection",
                                      fix=f"add it in Airflow (Admin → Connections) or set "
                                          f"AIRFLOW_CONN_{sub.slack_connection.upper()}"))
    conn = cfg.operator_slack_connection
    if conn and not connection_defined(conn):
        errors.append(ConfigError(f"connection '{conn}' is not defined", key="PLANWATCH_OPERATOR_SLACK_CONNECTION",
                                  fix=f"add it in Airflow or set AIRFLOW_CONN_{conn.upper()}"))
    return errors


def store_errors(cfg: Settings) -> list[ConfigError]:
    """The store cannot be opened: named as a settings error."""
    from sqlalchemy import text

    from store.db import engine_for
    from store.errors import StoreError, translated

    try:
        with translated(cfg.database_url), engine_for(cfg.database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except StoreError as exc:
        return [ConfigError(f"store: {exc.message}", key="PLANWATCH_DATABASE_URL", fix=exc.fix)]
    return []
