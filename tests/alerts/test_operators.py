"""alerts.operators: a failed DAG run is reported to operators once — not once per failing task or retry."""

import json
from types import SimpleNamespace

from sqlalchemy import func, select

from alerts.operators import on_failure
from store.db import session_scope
from store.models import OperatorNotice


def _context(dag_id="planwatch_ingest", run_id="scheduled__2026-03-12T09:00:00+00:00", task_id="fetch",
             error="fetch: connection refused"):
    """What Airflow hands a task's on_failure_callback (the parts planwatch reads)."""
    ti = SimpleNamespace(dag_id=dag_id, run_id=run_id, task_id=task_id, try_number=3,
                         log_url=f"http://airflow.local/dags/{dag_id}/runs/{run_id}/tasks/{task_id}")
    return {"ti": ti, "task_instance": ti, "dag": SimpleNamespace(dag_id=dag_id), "run_id": run_id,
            "dag_run": SimpleNamespace(run_id=run_id), "exception": RuntimeError(error)}


def _notices(url):
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(OperatorNotice))


def test_once_per_failed_run_by_email_and_slack(store_url, tmp_path, settings_for, connections, smtp_server,
                                                slack_server):
    settings = settings_for(store_url, tmp_path, operator_email="ops@example.com",
                            operator_slack_connection="slack_test")
    on_failure(_context(task_id="fetch"), settings=settings)
    on_failure(_context(task_id="store"), settings=settings)  # another task of the same run fails too
    assert len(smtp_server.messages) == 1 and len(slack_server.posts) == 1
    msg = smtp_server.messages[0]
    assert msg["To"] == "ops@example.com"
    assert msg["Subject"] == "planwatch: DAG run failed: planwatch_ingest (scheduled__2026-03-12T09:00:00+00:00)"
    body = msg.get_body(("plain",)).get_content()
    assert "Task:  fetch (try 3)" in body and "RuntimeError: fetch: connection refused" in body
    assert "planwatch_ingest" in json.dumps(slack_server.posts[0])

    on_failure(_context(run_id="manual__2026-03-12T10:00:00"), settings=settings)  # the next failed run
    assert len(smtp_server.messages) == 2 and len(slack_server.posts) == 2
    assert _notices(store_url) == 2


def test_error_text_is_escaped_for_slack(store_url, tmp_path, settings_for, connections, slack_server):
    settings = settings_for(store_url, tmp_path, operator_slack_connection="slack_test")
    on_failure(_context(error="<!channel> boom"), settings=settings)
    raw = json.dumps(slack_server.posts[0])
    assert "<!channel>" not in raw and "&lt;!channel&gt; boom" in raw


def test_a_notice_no_channel_took_is_tried_again(store_url, tmp_path, settings_for, connections, smtp_server):
    settings = settings_for(store_url, tmp_path, operator_email="ops@example.com")
    smtp_server.codes.append("451 4.3.0 try later")
    on_failure(_context(task_id="fetch"), settings=settings)  # does not raise into Airflow
    assert smtp_server.messages == [] and _notices(store_url) == 0
    on_failure(_context(task_id="store"), settings=settings)
    assert len(smtp_server.messages) == 1 and _notices(store_url) == 1


def test_without_operator_channels_nothing_is_recorded(store_url, tmp_path, settings_for, connections, smtp_server):
    on_failure(_context(), settings=settings_for(store_url, tmp_path))
    assert smtp_server.messages == [] and _notices(store_url) == 0


FAILING_DAG = """
import datetime as dt, os
from pathlib import Path

import pendulum
from airflow.sdk import dag, task

TRIES = Path(os.environ["PLANWATCH_TEST_TRIES"])


def tell_operators(context):
    from alerts.operators import on_failure
    from planwatch.settings import Settings

    home = Path(os.environ["PLANWATCH_HOME"])
    on_failure(context, settings=Settings(
        home=home, database_url=os.environ["PLANWATCH_DATABASE_URL"], feeds_path=home / "f.yaml",
        subscribers_path=home / "s.yaml", taxonomy_path=home / "t.yaml", operator_email="ops@example.com"))


@dag(dag_id="planwatch_failing_test", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, default_args={"retries": 1, "retry_delay": dt.timedelta(seconds=0),
                                  "on_failure_callback": tell_operators})
def failing():
    @task
    def first():
        with TRIES.open("a") as f:
            f.write("first\\n")
        raise RuntimeError("feed <b>down</b>")

    @task
    def second():
        with TRIES.open("a") as f:
            f.write("second\\n")
        raise RuntimeError("also down")

    first()
    second()


failing()
"""


def test_under_airflow_two_failing_tasks_with_retries_give_one_notice(airflow_db, store_url, tmp_path, connections,
                                                                     smtp_server, monkeypatch):
    """A real dag.test(): the task-level callback runs once per task, after its retry; one notice per run."""
    from airflow.dag_processing.dagbag import DagBag

    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "failing.py").write_text(FAILING_DAG)
    tries = tmp_path / "tries.txt"
    monkeypatch.setenv("PLANWATCH_TEST_TRIES", str(tries))
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path))
    monkeypatch.setenv("PLANWATCH_DATABASE_URL", store_url)
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps([
        {"name": "planwatch-alerts-test", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
         "kwargs": {"path": str(folder), "refresh_interval": 0}}]))
    bag = DagBag(str(folder))
    assert bag.import_errors == {}
    run = bag.dags["planwatch_failing_test"].test()
    assert run.state == "failed"
    assert sorted(tries.read_text().split()) == ["first", "first", "second", "second"]  # each retried once
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Subject"].startswith("planwatch: DAG run failed: planwatch_failing_test (")
    assert _notices(store_url) == 1
