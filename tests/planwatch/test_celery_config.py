"""The cluster's Celery workers start warm: the configuration cluster mode names loads, and the worker_init
signal (sent in the worker process before it forks its pool) leaves planwatch, trafilatura and detection loaded."""

from __future__ import annotations

import os
import subprocess
import sys

from planwatch import serve, settings
from planwatch.settings import REPO

CHECK = """
import sys
from importlib import import_module
from celery.signals import worker_init
path = sys.argv[1]
module, _, name = path.rpartition(".")
config = getattr(import_module(module), name)
assert isinstance(config, dict) and config.get("broker_url"), config
assert "trafilatura" not in sys.modules and "extract.detect" not in sys.modules
worker_init.send(sender=None)
missing = [m for m in ("trafilatura", "extract.detect", "planwatch.stages", "store.articles") if m not in sys.modules]
assert not missing, missing
"""


def test_a_worker_process_is_warm_before_it_forks_its_pool(tmp_path):
    env = {**os.environ, "PLANWATCH_HOME": str(tmp_path), "PLANWATCH_DATABASE_URL": "postgresql://u@127.0.0.1/p",
           "PLANWATCH_AIRFLOW_DATABASE_URL": "postgresql://u@127.0.0.1/a", "AIRFLOW_HOME": str(tmp_path / "airflow")}
    cluster = serve.cluster_env(settings.load(env))
    done = subprocess.run([sys.executable, "-c", CHECK, cluster["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"]],
                          env={**env, **cluster}, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "warm-up skipped" not in done.stderr
