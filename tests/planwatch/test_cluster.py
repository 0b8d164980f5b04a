"""Cluster mode for real: `planwatch serve --cluster` with 2 Celery workers, Redis db 7, PostgreSQL databases of its own.

The test serves the sample feeds on loopback, triggers planwatch_ingest, waits for it and for the
planwatch_alerts run its Asset starts, then reads Airflow's own task instances: the mapped `process`
tasks ran on both workers, and every fact was alerted exactly once. It stops everything it started and
drops its databases.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from planwatch.demo import connection_env, mount_sample, write_config

REDIS_URL = "redis://127.0.0.1:6379/7"
PG = os.environ.get("PLANWATCH_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
DEADLINE = 240


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster(tmp_path, http_server, smtp_server, slack_server, postgres_admin):
    redis_client = _redis()
    redis_client.flushdb()
    prefix = f"planwatch_cluster_{uuid.uuid4().hex[:10]}"
    store_url, airflow_url = f"{PG}/{prefix}_store", f"{PG}/{prefix}_airflow"
    mount_sample(http_server)
    env = dict(os.environ)
    env.update(write_config(tmp_path / "config", [("Sample wire", http_server.url("/rss.xml")),
                                                  ("Sample tech desk", http_server.url("/atom.xml"))],
                            [{"name": "everything", "email": "all@example.com"}]))
    env.update(connection_env(smtp_server, slack_server, "slack_cluster"))
    port = free_port()
    env.update({
        "PLANWATCH_HOME": str(tmp_path / "home"), "AIRFLOW_HOME": str(tmp_path / "home" / "airflow"),
        "PLANWATCH_DATABASE_URL": store_url, "PLANWATCH_AIRFLOW_DATABASE_URL": airflow_url,
        "PLANWATCH_BROKER_URL": REDIS_URL, "PLANWATCH_WORKERS": "2", "PLANWATCH_WORKER_CONCURRENCY": "1",
        "PLANWATCH_PAGE_BATCH_SIZE": "2", "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        "PLANWATCH_MAX_INSTANT_ALERTS": "50",
    })
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    from planwatch import serve, settings

    airflow_env = serve.cluster_env(settings.load(env), port=port)  # what the CLI needs to reach this cluster
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "planwatch.cli", "serve", "--cluster", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield {"env": airflow_env, "store": store_url, "airflow": airflow_url, "proc": proc, "log": tmp_path / "serve.log"}
    finally:
        _stop(proc)
        log.close()
        from store.db import dispose_all

        dispose_all()
        with postgres_admin.connect() as conn:
            for name in (f"{prefix}_store", f"{prefix}_airflow"):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        redis_client.flushdb()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever of its own process group is left (it started them all)
    except ProcessLookupError:
        pass


@pytest.fixture
def postgres_admin():
    engine = sa.create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError:
        pytest.skip("PostgreSQL is not reachable")
    yield engine
    engine.dispose()


def _wait(what: str, check, cluster, timeout: float = DEADLINE):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cluster["proc"].poll() is not None:
            pytest.fail(f"planwatch serve exited ({cluster['proc'].returncode}) while waiting for {what}:\n"
                        + cluster["log"].read_text(errors="replace")[-4000:])
        try:
            value = check()
        except sa.exc.SQLAlchemyError:  # the database or its tables are not there yet
            value = None
        if value:
            return value
        time.sleep(2)
    pytest.fail(f"timed out waiting for {what}:\n" + cluster["log"].read_text(errors="replace")[-4000:])


def _runs(engine, dag_id: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT run_id, state FROM dag_run WHERE dag_id = :d"), {"d": dag_id}).all()


def test_cluster_mode_spreads_processing_over_both_workers_and_alerts_once(cluster, smtp_server):
    airflow_db = sa.create_engine(cluster["airflow"])
    try:
        _wait("the DAGs to be parsed", lambda: _dags_parsed(airflow_db), cluster)
        subprocess.run([sys.executable, "-m", "airflow", "dags", "trigger", "planwatch_ingest"], env=cluster["env"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def settled() -> bool:
            ingest, alerts = _runs(airflow_db, "planwatch_ingest"), _runs(airflow_db, "planwatch_alerts")
            done = {"success", "failed"}
            return bool(ingest and alerts and all(s in done for _, s in ingest + alerts))

        _wait("planwatch_ingest and planwatch_alerts to finish", settled, cluster)
        with airflow_db.connect() as conn:
            states = conn.execute(sa.text("SELECT dag_id, state FROM dag_run")).all()
            assert {s for _, s in states} == {"success"}, states
            process = conn.execute(sa.text(
                "SELECT map_index, hostname, state FROM task_instance"
                " WHERE dag_id = 'planwatch_ingest' AND task_id = 'process' AND map_index >= 0")).all()
        assert len(process) >= 3 and {s for _, _, s in process} == {"success"}
        assert {h for _, h, _ in process} == {"worker-1", "worker-2"}  # mapped processing ran on both workers

        from store import session_scope
        from store.models import Delivery, Fact

        with session_scope(cluster["store"]) as s:
            facts = s.scalar(sa.select(sa.func.count()).select_from(Fact))
            deliveries = s.scalars(sa.select(Delivery)).all()
        assert facts > 0 and len(deliveries) == facts
        assert {d.status for d in deliveries} == {"sent"}
        to_all = [m for m in smtp_server.messages if "all@example.com" in m["To"]]
        assert len(to_all) == facts  # each fact alerted once, however many workers and runs
    finally:
        airflow_db.dispose()


def _dags_parsed(engine) -> bool:
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT dag_id FROM serialized_dag")).scalars().all()
    return {"planwatch_ingest", "planwatch_alerts"} <= set(found)
