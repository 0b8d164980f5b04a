"""The README shows what the code does: its alert excerpt is the golden email, its settings exist."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_alert_excerpt_is_what_the_renderer_produces():
    golden = (REPO / "tests" / "alerts" / "golden" / "email.txt").read_text(encoding="utf-8")
    block = README.split("```text\n", 1)[1].split("```", 1)[0]
    body = block.split("\n\n", 1)[1].strip()
    assert body and body in golden


def test_every_documented_setting_is_read_by_the_settings_module():
    source = (REPO / "planwatch" / "settings.py").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(PLANWATCH_[A-Z_]+)`", README))
    assert len(documented) >= 10
    missing = {name for name in documented if name not in source and name != "PLANWATCH_TEST_PG"}
    assert missing == set()


def test_the_documented_commands_exist():
    from planwatch.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    used = re.findall(r"uv run planwatch (\w+)", README)
    assert len(set(used)) >= 5
    assert set(used) <= commands
