"""The DAG files import cleanly, do no work at parse time, and are wired as DESIGN.md says."""

import ast
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {"planwatch_ingest", "planwatch_alerts", "planwatch_digest"}


def test_dag_files_import_only_the_sdk_and_pendulum_at_top_level():
    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                assert node.module in ("__future__", "airflow.sdk"), f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert [a.name for a in node.names] == ["pendulum"], f"{path.name} imports {node.names[0].name}"


def test_schedules_and_docs(dagbag):
    ingest, alerts, digest = (dagbag.dags[d] for d in ("planwatch_ingest", "planwatch_alerts", "planwatch_digest"))
    assert ingest.max_active_runs == 1 and ingest.catchup is False
    assert ingest.timetable.expression == "*/30 * * * *"
    assert digest.timetable.expression == "0 7 * * *"
    outlets = [(t.task_id, o.name) for t in ingest.tasks for o in t.outlets]
    assert outlets == [("finish", "planwatch://facts")]  # one Asset event per run, not one per batch
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    process = ingest.get_task("process")
    assert isinstance(process, MappedOperator) and process.upstream_task_ids == {"plan_pages"}
    assert ingest.get_task("plan_pages").upstream_task_ids == {"poll"}
    assert "planwatch://facts" in repr(alerts.timetable.asset_condition)
    for dag in (ingest, alerts, digest):
        assert dag.doc_md and len(dag.doc_md) > 200
        assert all(t.retries >= 1 and t.on_failure_callback for t in dag.tasks)
