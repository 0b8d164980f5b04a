"""The `planwatch` command as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seed" / "five-year-plan-tech-cnn.txt"


def planwatch(*args, env=None):
    return subprocess.run([sys.executable, "-m", "planwatch.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seed is not beside this checkout")
def test_analyze_the_seed_article():
    out = planwatch("analyze", str(SEED), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["plans"] == ["15th"]
    assert {"ai", "robotics", "aerospace", "quantum", "biomedicine", "semiconductors", "computing"} <= set(
        result["technologies"])
    figures = sorted((f["value"], f["unit"], f["qualifier"], f["year"]) for f in result["figures"])
    assert figures == sorted([(10, "percent", None, None), (7, "percent", "at_least", None),
                              (1e13, "CNY", "more_than", 2030), (50, "count", "more_than", None)])
    ai = next(f for f in result["figures"] if f["unit"] == "CNY")
    assert ai["alt"] == {"value": 1.45e12, "unit": "USD"} and "AI-related industry" in ai["subject"]
    assert set(result) == {"source", "title", "plans", "technologies", "figures"}
    assert set(ai) >= {"value", "unit", "low", "high", "qualifier", "year", "subject", "technologies", "sentence",
                       "alt"}


def test_analyze_html_over_http_one_line_per_input(http_server, tmp_path):
    from planwatch.demo import SAMPLE, mount_sample

    mount_sample(http_server)
    page = SAMPLE / "articles" / "cnn-tech-plan.html"
    out = planwatch("analyze", str(page), http_server.url("/articles/cnn-tech-plan.html"), "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2 and lines[0]["figures"] == lines[1]["figures"] and lines[0]["figures"]


def test_analyze_reports_a_missing_file_and_goes_on(tmp_path):
    out = planwatch("analyze", str(tmp_path / "nope.html"), "--json")
    assert out.returncode == 1 and "no such file" in out.stderr


def test_a_bad_setting_is_a_clear_error_not_a_traceback():
    import os

    env = dict(os.environ, PLANWATCH_ALLOW_PRIVATE_NETWORKS="perhaps")
    out = planwatch("feeds", env=env)
    assert out.returncode == 2
    assert "PLANWATCH_ALLOW_PRIVATE_NETWORKS" in out.stderr and "Traceback" not in out.stderr
