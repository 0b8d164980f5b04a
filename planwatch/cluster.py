"""A throw-away local cluster for tests and benchmarks: `planwatch serve --cluster` with databases of its own.

``LocalCluster`` creates two PostgreSQL databases (store and Airflow metadata) named with a unique
prefix, uses one Redis database number as broker, starts ``planwatch serve --cluster`` in its own
process group, and on exit stops it, drops both databases and empties the Redis database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

DONE = {"success", "failed"}


class ClusterError(RuntimeError):
    """The cluster did not come up or did not finish in time; the message ends with serve's log."""


class LocalCluster:
    def __init__(self, env: dict[str, str], home: Path, *, redis_url: str, workers: int = 2, concurrency: int = 1,
                 pg_server: str = "postgresql+psycopg2://postgres@127.0.0.1:5432", prefix: str = "planwatch_cluster",
                 port: int | None = None) -> None:
        from planwatch import serve, settings

        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.pg_server, self.redis_url, self.home = pg_server, redis_url, home
        self.store_url = f"{pg_server}/{self.name}_store"
        self.airflow_url = f"{pg_server}/{self.name}_airflow"
        self.port = port or _free_port()
        self.env = dict(env)
        self.env.update({
            "PLANWATCH_HOME": str(home), "AIRFLOW_HOME": str(home / "airflow"),
            "PLANWATCH_DATABASE_URL": self.store_url, "PLANWATCH_AIRFLOW_DATABASE_URL": self.airflow_url,
            "PLANWATCH_BROKER_URL": redis_url, "PLANWATCH_WORKERS": str(workers),
            "PLANWATCH_WORKER_CONCURRENCY": str(concurrency),
        })
        self.env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
        self.airflow_env = serve.cluster_env(settings.load(self.env), port=self.port)  # for `airflow` CLI calls
        self.log_path = home / "serve.log"
        self.proc: subprocess.Popen | None = None
        self._airflow_db: sa.Engine | None = None

    def __enter__(self) -> "LocalCluster":
        self._redis().flushdb()
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "planwatch.cli", "serve", "--cluster", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._airflow_db = sa.create_engine(self.airflow_url)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url, socket_connect_timeout=3)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def wait(self, what: str, check, timeout: float = 300, every: float = 2) -> object:
        """Poll ``check()`` until it returns something true; database errors count as not yet."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc is not None and self.proc.poll() is not None:
                raise ClusterError(f"cluster: planwatch serve exited ({self.proc.returncode}) while waiting for "
                                   f"{what}:\n{self.log_tail()}")
            try:
                value = check()
            except sa.exc.SQLAlchemyError:  # the database or its tables are not there yet
                value = None
            if value:
                return value
            time.sleep(every)
        raise ClusterError(f"cluster: timed out after {timeout:.0f} s waiting for {what}:\n{self.log_tail()}")

    def query(self, sql: str, **params) -> list:
        with self._airflow_db.connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def wait_parsed(self, *dag_ids: str, timeout: float = 300) -> None:
        self.wait("the DAGs to be parsed", lambda: set(dag_ids) <= {
            r[0] for r in self.query("SELECT dag_id FROM serialized_dag")}, timeout)

    def wait_workers(self, count: int, timeout: float = 300) -> None:
        """Until ``count`` Celery workers answer a ping on the broker (each has started its pool)."""
        from celery import Celery

        app = Celery(broker=self.redis_url)
        try:
            self.wait(f"{count} Celery workers", lambda: len(app.control.ping(timeout=1.0)) >= count, timeout, every=1)
        finally:
            app.close()

    def trigger(self, dag_id: str, conf: dict | None = None) -> None:
        extra = ["--conf", json.dumps(conf)] if conf else []
        subprocess.run([sys.executable, "-m", "airflow", "dags", "trigger", dag_id, *extra], env=self.airflow_env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def runs(self, dag_id: str) -> list:
        """(run_id, state, start_date, end_date) of every run of ``dag_id``, oldest first."""
        return self.query("SELECT run_id, state, start_date, end_date FROM dag_run WHERE dag_id = :d"
                          " ORDER BY id", d=dag_id)

    def wait_settled(self, *dag_ids: str, timeout: float = 300) -> None:
        """Until every DAG named has a run, all their runs are finished and no Asset event waits to start one."""
        def settled() -> bool:
            runs = [self.runs(d) for d in dag_ids]
            queued = self.query("SELECT count(*) FROM asset_dag_run_queue WHERE target_dag_id = ANY(:d)",
                                d=list(dag_ids))
            return all(runs) and all(r[1] in DONE for rs in runs for r in rs) and not queued[0][0]

        self.wait(f"{', '.join(dag_ids)} to finish", settled, timeout)

    def stop(self) -> None:
        """Stop serve and what it started, drop the databases, empty the Redis database."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=45)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # leftovers of the process group serve leads
            except ProcessLookupError:
                pass
            self.proc = None
        if self._airflow_db is not None:
            self._airflow_db.dispose()
            self._airflow_db = None
        from store.db import dispose_all

        dispose_all()
        admin = sa.create_engine(f"{self.pg_server}/postgres", isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for url in (self.store_url, self.airflow_url):
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)'))
        finally:
            admin.dispose()
        self._redis().flushdb()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
