"""Under real Airflow (dag.test()): a failing poll fails the run once, without retries; the Asset event carries counts."""

import logging
import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from planwatch.demo import connection_env, mount_sample, write_config

DAGS = Path(__file__).resolve().parents[2] / "dags"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ingest(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(DAGS))
    assert bag.import_errors == {}
    return bag.dags["planwatch_ingest"]


def environment(tmp_path, monkeypatch, feeds, smtp_server, slack_server):
    env = write_config(tmp_path / "config", feeds, [])
    env.update(connection_env(smtp_server, slack_server, "slack_ops"))
    env.update({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'pw.db'}",
                "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1", "PLANWATCH_OPERATOR_EMAIL": "ops@example.com"})
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def task_states(run) -> dict[str, tuple[str, int]]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.scalars(select(TaskInstance).where(TaskInstance.dag_id == run.dag_id,
                                                         TaskInstance.run_id == run.run_id)).all()
        return {ti.task_id: (str(ti.state), ti.try_number) for ti in tis}


def test_every_feed_failing_fails_the_run_once_naming_the_feeds(ingest, tmp_path, monkeypatch, smtp_server,
                                                                 slack_server):
    feeds = [(f"Loopback {i}", f"http://127.0.0.1:{closed_port()}/rss.xml") for i in range(3)]
    environment(tmp_path, monkeypatch, feeds, smtp_server, slack_server)
    run = ingest.test()
    assert run.state == "failed"
    states = task_states(run)
    assert states["poll"] == ("failed", 1)  # no retry: the next scheduled run judges again
    assert states["process"][0] == "upstream_failed"
    notices = [m for m in smtp_server.messages if "ops@example.com" in m["To"]]
    assert len(notices) == 1
    body = notices[0].get_content()
    assert "planwatch_ingest" in notices[0]["Subject"] and "3 of 3 feeds failed" in body
    assert all(name in body for name, _ in feeds)


def test_a_config_error_fails_at_once_with_its_message_first(ingest, tmp_path, monkeypatch, smtp_server,
                                                              slack_server, caplog):
    environment(tmp_path, monkeypatch, [], smtp_server, slack_server)
    (tmp_path / "config" / "feeds.yaml").write_text("feeds:\n  - name: A\n    ulr: https://a.example/rss\n")
    caplog.set_level(logging.INFO, logger="planwatch")
    run = ingest.test()
    assert run.state == "failed"
    assert task_states(run)["plan_batches"] == ("failed", 1)
    errors = [r.getMessage() for r in caplog.records if r.name == "planwatch" and r.levelno >= logging.ERROR]
    assert errors and "feeds.yaml" in errors[0] and "did you mean 'url'" in errors[0]


def test_the_facts_asset_event_carries_the_counts(ingest, tmp_path, monkeypatch, http_server, smtp_server,
                                                   slack_server):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    from store import session_scope
    from store.models import Feed

    mount_sample(http_server)
    environment(tmp_path, monkeypatch, [("Sample wire", http_server.url("/rss.xml"))], smtp_server, slack_server)

    def last_extra(run):
        with create_session() as session:
            event = session.scalars(select(AssetEvent).join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                                    .where(AssetModel.name == "planwatch://facts",
                                           AssetEvent.source_run_id == run.run_id)).one()
            return dict(event.extra)

    first = ingest.test()
    assert first.state == "success"
    extra = last_extra(first)
    assert extra["new_facts"] >= 4 and extra["new_articles"] >= 4 and set(extra) == {
        "new_facts", "revisions", "corroborations", "new_articles"}

    with session_scope(f"sqlite:///{tmp_path / 'pw.db'}") as s:
        for feed in s.scalars(select(Feed)):
            feed.next_poll_at = None
    again = ingest.test()
    assert again.state == "success"
    assert last_extra(again) == {"new_facts": 0, "revisions": 0, "corroborations": 0, "new_articles": 0}
