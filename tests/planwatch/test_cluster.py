"""Cluster mode for real: `planwatch serve --cluster` with 2 Celery workers, Redis db 7, PostgreSQL databases of its own.

The test serves the sample feeds on loopback, triggers planwatch_ingest, waits for it and for the
planwatch_alerts run its Asset starts, then reads Airflow's own task instances: the mapped `process`
tasks ran on both workers, and every fact was alerted exactly once (one message per alerts run,
grouping its facts). LocalCluster stops everything it started, drops its databases and empties Redis db 7.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from planwatch.cluster import LocalCluster
from planwatch.demo import connection_env, mount_sample, write_config

REDIS_URL = "redis://127.0.0.1:6379/7"
PG = os.environ.get("PLANWATCH_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]


def _require_services() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        engine = sa.create_engine(f"{PG}/postgres", connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except (redis.RedisError, sa.exc.OperationalError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"cluster test needs PostgreSQL and Redis on 127.0.0.1: {exc}")
        pytest.skip(f"PostgreSQL or Redis is not reachable: {exc}")


@pytest.fixture
def cluster(tmp_path, http_server, smtp_server, slack_server):
    _require_services()
    mount_sample(http_server)
    env = dict(os.environ)
    env.update(write_config(tmp_path / "config", [("Sample wire", http_server.url("/rss.xml")),
                                                  ("Sample tech desk", http_server.url("/atom.xml"))],
                            [{"name": "everything", "email": "all@example.com"}]))
    env.update(connection_env(smtp_server, slack_server, "slack_cluster"))
    env.update({"PLANWATCH_PAGE_BATCH_SIZE": "2", "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1",
                "PLANWATCH_MAX_INSTANT_ALERTS": "50"})
    with LocalCluster(env, tmp_path / "home", redis_url=REDIS_URL, workers=2, concurrency=1, pg_server=PG) as c:
        yield c



def test_cluster_mode_spreads_processing_over_both_workers_and_alerts_once(cluster, smtp_server):
    cluster.wait_parsed("planwatch_ingest", "planwatch_alerts", timeout=240)
    cluster.trigger("planwatch_ingest")
    cluster.wait_settled("planwatch_ingest", "planwatch_alerts", timeout=240)

    states = cluster.query("SELECT dag_id, state FROM dag_run")
    assert {s for _, s in states} == {"success"}, states
    process = cluster.query("SELECT map_index, hostname, state FROM task_instance"
                            " WHERE dag_id = 'planwatch_ingest' AND task_id = 'process' AND map_index >= 0")
    assert len(process) >= 3 and {s for _, _, s in process} == {"success"}
    assert {h for _, h, _ in process} == {"worker-1", "worker-2"}  # mapped processing ran on both workers

    from store import session_scope
    from store.models import Delivery, Fact

    with session_scope(cluster.store_url) as s:
        facts = s.scalar(sa.select(sa.func.count()).select_from(Fact))
        deliveries = s.scalars(sa.select(Delivery)).all()
    assert facts > 0 and len(deliveries) == facts
    assert {d.status for d in deliveries} == {"sent"}
    # one message per alerts run that had something to send, grouping its facts: every fact in exactly one
    alert_runs = [r for r in cluster.runs("planwatch_alerts") if r[1] == "success"]
    to_all = [m for m in smtp_server.messages if "all@example.com" in m["To"]]
    assert 1 <= len(to_all) <= len(alert_runs)
    listed = sum(m.get_body(preferencelist=("plain",)).get_content().count("\n* ") for m in to_all)
    assert listed == facts  # each fact alerted once, however many workers and runs
