"""A host that drips 1 byte a second cannot hold a run: past its fetch budget the rest waits for the next run."""

from __future__ import annotations

import dataclasses
import time

import pytest
from sqlalchemy import select

from extract.errors import FetchDeferred, FetchTimeout
from extract.fetch_budget import FetchBudget
from extract.http import FetchPolicy
from extract.poller import fetch_pages_sync
from planwatch import settings, stages
from planwatch.demo import SAMPLE, connection_env, write_config
from planwatch.standins import Reply

DRIPS = 6


def drip():
    for _ in range(120):
        yield b"x"
        time.sleep(1)


def resolver(host: str) -> list[str]:
    return ["127.0.0.1"]  # drip.test and fast.test are two hosts on the one local server


@pytest.fixture
def served(http_server):
    for i in range(DRIPS):
        http_server.routes[f"/drip/{i}"] = lambda req: Reply(200, headers={"Content-Type": "text/plain"}, stream=drip())
    http_server.routes["/good"] = Reply(200, (SAMPLE / "articles" / "cnn-tech-plan.html").read_bytes(),
                                        {"Content-Type": "text/html; charset=utf-8"})
    return http_server


def test_a_dripping_host_is_cut_at_its_budget_and_its_queued_pages_never_start(served):
    policy = FetchPolicy(allow_private=True, resolver=resolver, per_host=2)
    drips = [f"http://drip.test:{served.port}/drip/{i}" for i in range(DRIPS)]
    budget = FetchBudget(host_seconds=2)
    results = fetch_pages_sync(drips + [f"http://fast.test:{served.port}/good"], policy, budget)
    assert all(isinstance(r.error, FetchDeferred) for r in results[:DRIPS]), [str(r.error) for r in results]
    assert "host drip.test spent its fetch budget of 2 s (PLANWATCH_HOST_FETCH_BUDGET)" in str(results[0].error)
    assert all(r.content == b"" for r in results[:DRIPS])
    assert len(served.hits("/drip/0") + [h for i in range(1, DRIPS) for h in served.hits(f"/drip/{i}")]) == 2
    assert results[-1].ok and b"Five-Year Plan" in results[-1].content  # the other host is not held
    assert budget.deferred_hosts == {"drip.test"}


def test_the_run_budget_cuts_fetches_in_flight_and_defers_the_rest(served):
    policy = FetchPolicy(allow_private=True, resolver=resolver, per_host=2)
    budget = FetchBudget(run_seconds=1)
    results = fetch_pages_sync([f"http://drip.test:{served.port}/drip/{i}" for i in range(3)], policy, budget)
    assert all(isinstance(r.error, FetchDeferred) and "PLANWATCH_RUN_FETCH_BUDGET" in str(r.error) for r in results)
    later = fetch_pages_sync([f"http://fast.test:{served.port}/good"], policy, budget)
    assert isinstance(later[0].error, FetchDeferred)  # spent for every host
    assert len(served.hits("/good")) == 0


def test_without_a_budget_the_client_deadline_still_applies(served):
    policy = FetchPolicy(allow_private=True, resolver=resolver, total_timeout=1.5)
    results = fetch_pages_sync([f"http://drip.test:{served.port}/drip/0"], policy, FetchBudget())
    assert isinstance(results[0].error, FetchTimeout) and not isinstance(results[0].error, FetchDeferred)


@pytest.fixture
def cfg(served, db_url, tmp_path, monkeypatch, smtp_server, slack_server):
    links = [f"http://drip.test:{served.port}/drip/{i}" for i in range(DRIPS)] + [served.url("/good")]
    items = "".join(f"<item><title>S{i}</title><link>{link}</link></item>" for i, link in enumerate(links))
    served.routes["/feed.xml"] = Reply(200, f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                            f'{items}</channel></rss>', {"Content-Type": "application/rss+xml"})
    env = write_config(tmp_path / "config", [("drip", served.url("/feed.xml"))], [])
    env.update(connection_env(smtp_server, slack_server, "slack_ops"))
    env.update({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_DATABASE_URL": db_url,
                "PLANWATCH_HOST_FETCH_BUDGET": "2"})
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    real = stages.fetch_policy
    monkeypatch.setattr(stages, "fetch_policy", lambda c: dataclasses.replace(real(c), resolver=resolver))
    return settings.load()


def test_deferred_pages_stay_new_with_the_reason_recorded_and_are_fetched_next_run(cfg, served):
    from store import session_scope
    from store.models import Entry

    for batch in stages.prepare(cfg):
        stages.poll_batch(batch, cfg)
    summary = stages.process_entries(cfg)
    assert summary["deferred"] == DRIPS and summary["new_articles"] == 1 and summary["fetched"] == 1
    with session_scope(cfg.database_url) as s:
        drips = [e for e in s.scalars(select(Entry)) if "/drip/" in e.link]
        assert {e.status for e in drips} == {"new"} and {e.attempts for e in drips} == {0}
        assert all("deferred to the next run: host drip.test spent its fetch budget" in e.error for e in drips)
    for i in range(DRIPS):
        served.routes[f"/drip/{i}"] = Reply(200, b"China's 15th Five-Year Plan.", {"Content-Type": "text/plain"})
    again = stages.process_entries(cfg)
    assert again["deferred"] == 0 and again["fetched"] == DRIPS
    with session_scope(cfg.database_url) as s:
        assert {e.status for e in s.scalars(select(Entry))} == {"done"}
