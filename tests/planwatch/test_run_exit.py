"""`planwatch run` exits non-zero when it could not do its job, and never prints a credential."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from planwatch.demo import write_config
from planwatch.standins import Reply

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planwatch.cli", "run", "-q"], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


def _env(tmp_path, feeds):
    env = dict(os.environ)
    env.update(write_config(tmp_path / "config", feeds, []))
    env.update({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1",
                "PLANWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'pw.db'}"})
    return env


def test_every_feed_failing_exits_1_without_printing_credentials(tmp_path):
    port = closed_port()
    env = _env(tmp_path, [("a", f"http://reader:s3cret@127.0.0.1:{port}/a.xml"),
                          ("b", f"http://127.0.0.1:{port}/b.xml")])
    out = run(env)
    assert out.returncode == 1, out.stderr
    assert "every one of the 2 feeds polled failed" in out.stderr
    assert "s3cret" not in out.stdout + out.stderr


def test_an_unreachable_store_exits_2_with_one_line(tmp_path):
    env = _env(tmp_path, [("a", "http://127.0.0.1:9/a.xml")])
    env["PLANWATCH_DATABASE_URL"] = f"postgresql://postgres:hunter2@127.0.0.1:{closed_port()}/planwatch"
    out = run(env)
    assert out.returncode == 2
    assert "store: cannot reach" in out.stderr and "Traceback" not in out.stderr and "hunter2" not in out.stderr


def test_a_good_run_exits_0(tmp_path, http_server):
    http_server.routes["/feed.xml"] = Reply(200, '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                                 '</channel></rss>', {"Content-Type": "application/rss+xml"})
    env = _env(tmp_path, [("a", http_server.url("/feed.xml"))])
    out = run(env)
    assert out.returncode == 0, out.stderr
