"""A real Airflow 3 API server with the planwatch plugin, over a store filled by the real pipeline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
USERS = {"admin": "admin-pw", "viewer": "viewer-pw", "operator": "operator-pw"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory):
    """The sample bundle run through the real pipeline (poll, fetch, detect, store, alerts) into SQLite."""
    from planwatch import settings
    from planwatch.demo import connection_env, mount_sample, write_config
    from planwatch.runner import run_once
    from servers import HTTPServer, SlackStandIn, SMTPServer

    home = tmp_path_factory.mktemp("console-store")
    http, smtp, slack = HTTPServer().start(), SMTPServer().start(), SlackStandIn().start()
    try:
        mount_sample(http)
        feeds = [("Sample wire", http.url("/rss.xml")), ("Sample tech desk", http.url("/atom.xml")),
                 ("Broken feed", http.url("/missing.xml"))]
        subscribers = [{"name": "everything", "email": "all@example.com"},
                       {"name": "newsroom", "slack_connection": "slack_console"}]
        env = write_config(home / "config", feeds, subscribers)
        env.update(connection_env(smtp, slack, "slack_console"))
        env.update({"PLANWATCH_HOME": str(home), "PLANWATCH_DATABASE_URL": f"sqlite:///{home / 'planwatch.db'}",
                    "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1"})
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            run_once(settings.load(), progress=False)
            # a later story raises the AI-industry target: a revision
            write_config(home / "config", feeds + [("Sample follow-ups", http.url("/revision/rss2.xml"))], subscribers)
            run_once(settings.load(), progress=False)
        finally:
            for key, value in saved.items():
                os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    finally:
        http.stop(), smtp.stop(), slack.stop()
    return env


@pytest.fixture(scope="session")
def api_server(airflow_db, sample_store, tmp_path_factory):
    """``airflow api-server`` on a free port with plugins/ loaded and three users: admin, viewer, operator (op)."""
    home = Path(os.environ["AIRFLOW_HOME"])
    passwords = home / "console_passwords.json"
    passwords.write_text(json.dumps(USERS))
    port = _free_port()
    env = dict(os.environ, **sample_store)
    env.update({
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer,operator:op",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": "console-test-secret-" + "x" * 40,
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__PORT": str(port),
    })
    # the DAGs in Airflow's database, so that the UI shows them (and the planwatch tab on each)
    subprocess.run([sys.executable, "-m", "airflow", "dags", "reserialize"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    log = open(tmp_path_factory.mktemp("api-server") / "api-server.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "airflow", "api-server", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"airflow api-server exited ({proc.returncode}):\n{log.read()[-4000:]}")
            try:
                if httpx.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"airflow api-server did not answer within 180 s:\n{log.read()[-4000:]}")
            time.sleep(1)
        yield type("Server", (), {"url": base, "log": log, "env": env})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def token(server, user: str) -> str:
    answer = httpx.post(f"{server.url}/auth/token", json={"username": user, "password": USERS[user]}, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="session")
def as_user(api_server):
    """``as_user('viewer')``: an httpx client that sends that user's Bearer token."""
    clients = {}

    def client(user: str) -> httpx.Client:
        if user not in clients:
            clients[user] = httpx.Client(base_url=api_server.url, timeout=30,
                                         headers={"Authorization": f"Bearer {token(api_server, user)}"})
        return clients[user]

    yield client
    for c in clients.values():
        c.close()
