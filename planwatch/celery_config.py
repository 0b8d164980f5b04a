"""Celery configuration of the cluster's workers: Airflow's own, and a warm start for every task.

A Celery worker forks its pool processes from the worker process (billiard's prefork pool always forks),
and each task's supervisor forks the task process from a pool process (Airflow's task SDK: a bare
``os.fork`` on Linux). What the worker process has imported and compiled before its pool starts, every
task inherits: planwatch's modules, trafilatura and detection's compiled patterns, which a cold task
spent ~0.4 s importing and ~0.2 s compiling on its first page. Cluster mode names ``CELERY_CONFIG`` in
``[celery] celery_config_options``; importing this module connects ``warm_up`` to ``worker_init``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

CELERY_CONFIG = DEFAULT_CELERY_CONFIG
SAMPLE_PAGES = Path(__file__).parent / "sample" / "articles"
WARM_PAGES = ("cnn-tech-plan.html", "zh-ai-compute.html")  # an English and a Chinese page

log = logging.getLogger("planwatch")


@worker_init.connect
def warm_up(**_signal) -> None:
    """Import the task modules, then read, detect and fingerprint the warm pages once (before the pool forks)."""
    try:
        import sqlalchemy.dialects.postgresql.psycopg2  # noqa: F401 - the store's driver
        import store.articles  # noqa: F401
        import store.entries  # noqa: F401
        from extract import poller  # noqa: F401
        from extract.article import extract_article
        from extract.dedup import fingerprint
        from extract.detect import detect
        from planwatch import settings, stages

        tax = stages.taxonomy(settings.load())
        for name in WARM_PAGES:
            article = extract_article((SAMPLE_PAGES / name).read_bytes(), f"https://warm.invalid/{name}")
            detect(article.text, title=article.title, published=article.date, taxonomy=tax)
            fingerprint(article.text)
    except Exception as exc:  # noqa: BLE001 - the tasks start cold and report a real problem themselves
        log.warning("planwatch: worker warm-up skipped, tasks start cold: %s", exc)
