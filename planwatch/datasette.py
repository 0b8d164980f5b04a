"""Datasette metadata for the SQLite store (planwatch/datasette.yaml) and `planwatch datasette`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import yaml

from extract.errors import ConfigError, PlanwatchError
from planwatch.settings import Settings

METADATA = Path(__file__).with_name("datasette.yaml")
_TABLE_KEYS = {"title", "description", "fts_table", "fts_pk", "sort", "sort_desc", "columns", "hidden", "facets",
               "label_column", "size", "searchmode"}
_QUERY_KEYS = {"title", "description", "sql", "hide_sql"}


def load_metadata(database: str, path: Path = METADATA) -> dict:
    """Datasette metadata for a database file named ``database``.db, checked against the store's tables and columns."""
    from store.models import Base

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read Datasette metadata: {exc}", file=str(path), fix="restore the file") from None
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping", file=str(path), fix="see planwatch/datasette.yaml in the repository")
    unknown = set(data) - {"title", "description", "tables", "queries"}
    if unknown:
        raise ConfigError("unknown key", file=str(path), key=sorted(unknown)[0],
                          fix="use title, description, tables and queries")
    tables = Base.metadata.tables
    for name, spec in (data.get("tables") or {}).items():
        if name not in tables:
            raise ConfigError("no such table in the store", file=str(path), key=f"tables.{name}",
                              fix=f"use one of {', '.join(sorted(tables))}")
        if set(spec) - _TABLE_KEYS:
            raise ConfigError("unknown key", file=str(path), key=f"tables.{name}.{sorted(set(spec) - _TABLE_KEYS)[0]}",
                              fix=f"use {', '.join(sorted(_TABLE_KEYS))}")
        for column in spec.get("columns") or {}:
            if column not in tables[name].c:
                raise ConfigError("no such column", file=str(path), key=f"tables.{name}.columns.{column}",
                                  fix=f"use one of {', '.join(tables[name].c.keys())}")
    for name, spec in (data.get("queries") or {}).items():
        if not isinstance(spec, dict) or not spec.get("sql") or set(spec) - _QUERY_KEYS:
            raise ConfigError("a canned query needs 'sql' (and may have title, description, hide_sql)",
                              file=str(path), key=f"queries.{name}", fix="give the query an sql: key")
    database_meta = {"tables": data.get("tables") or {}, "queries": data.get("queries") or {}}
    return {"title": data.get("title"), "description": data.get("description"),
            "databases": {database: database_meta}}


def _sqlite_path(cfg: Settings) -> Path:
    if not cfg.database_url.startswith("sqlite:///"):
        raise PlanwatchError("datasette: Datasette opens SQLite files only; PLANWATCH_DATABASE_URL is not SQLite "
                             "(export with `planwatch export` instead)")
    return Path(cfg.database_url.split("///", 1)[1])


def write_metadata(cfg: Settings) -> Path:
    """Write metadata.yaml beside the SQLite store, so `datasette <home>` (directory mode) picks it up."""
    db = _sqlite_path(cfg)
    target = db.parent / "metadata.yaml"
    target.write_text(yaml.safe_dump(load_metadata(db.stem), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def serve(cfg: Settings, *, host: str = "127.0.0.1", port: int = 8001, write_only: bool = False) -> int:
    from store import migrate

    migrate(cfg.database_url)
    target = write_metadata(cfg)
    db = _sqlite_path(cfg)
    command = ["datasette", "serve", str(db), "--metadata", str(target), "--host", host, "--port", str(port)]
    if write_only:
        print(f"metadata written to {target}; run: {' '.join(command)}")
        return 0
    exe = shutil.which("datasette") or (Path(sys.executable).parent / "datasette")
    if not Path(exe).exists():
        raise PlanwatchError("datasette: Datasette is not installed: `uv sync --extra datasette` "
                             "or `pip install 'planwatch[datasette]'`")
    os.execv(str(exe), [str(exe), *command[1:]])
    return 0  # pragma: no cover - execv does not return
