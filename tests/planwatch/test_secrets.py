"""Secrets: credentials in URLs never printed or shown; generated secret files are 0600."""

from __future__ import annotations

import json
import stat

from extract.urls import redact
from planwatch.serve import airflow_env, private_password_file


def test_credentials_in_urls_are_redacted():
    text = "fetch: 404 at https://bob:s3cret@feeds.example/rss and postgresql+psycopg2://pw:hunter2@db/planwatch"
    out = redact(text)
    assert "s3cret" not in out and "hunter2" not in out and "bob" not in out
    assert "https://***@feeds.example/rss" in out and "postgresql+psycopg2://***@db/planwatch" in out
    assert redact("https://feeds.example/a@b") == "https://feeds.example/a@b"  # an @ in the path is no userinfo


def test_generated_secret_files_are_private(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    airflow_env(tmp_path)
    assert stat.S_IMODE((tmp_path / "jwt_secret").stat().st_mode) == 0o600
    path = private_password_file(tmp_path / "airflow")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and json.loads(path.read_text()) == {}
