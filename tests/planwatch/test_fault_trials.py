"""A short run of benchmarks/faults.py: every fault case, a trial or two each, nothing lost, no duplicate
except after a send the channel never answered (the full run is the benchmark)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

FAULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "faults.py"


def _faults():
    spec = importlib.util.spec_from_file_location("faults", FAULTS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _chattr_works(tmp_path: Path) -> bool:
    import subprocess

    probe = tmp_path / "probe"
    probe.write_text("x")
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(probe)]).returncode:
        return False
    subprocess.run(["chattr", "-i", str(probe)])
    return True


@pytest.mark.timeout(900)  # about 5 minutes on a loaded machine: each trial runs `planwatch run` two or three times
def test_every_fault_case_loses_nothing_and_duplicates_only_unanswered_sends(capsys, tmp_path):
    faults = _faults()
    cases = [c for c in faults.CASES if c != "store read-only mid-run" or _chattr_works(tmp_path)]
    code = faults.main(["--trials", "1", "--pairs", "2", "--seed", "3", "--only", *cases])
    out = capsys.readouterr().out
    rows = {m.group(1).strip(): tuple(map(int, m.group(2, 3, 4, 5))) for m in re.finditer(
        r"^(.+?)\s+trials\s+(\d+)\s+lost\s+(\d+)\s+duplicated\s+(\d+)\s+\(after no answer: (\d+)\)", out, re.M)}
    assert set(cases) <= set(rows), out
    for case in cases:
        trials, lost, duplicated, unanswered = rows[case]
        assert trials == (2 if case == "two runs at once" else 1) and lost == 0, out
        assert duplicated == unanswered, out  # a duplicate only where the channel gave no answer
    for case in ("slack 500", "slack 429", "store read-only mid-run", "store locked 45 s", "two runs at once"):
        if case in rows:
            assert rows[case][2] == 0, out
    for case in ("slack slow answer", "slack dropped connection", "smtp accepted, dropped"):
        assert rows[case][2] > 0, out  # the stand-in took the post, the client never heard: counted, not hidden
    assert code == 0 and "raw" not in out and "not capped" not in out, out

