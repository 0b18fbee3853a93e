"""The benchmark script runs and reports every field it promises (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBERS = ("nnsim_ms", "torch_ms", "speedup", "nnsim_step_ms", "step_speedup", "warm_start_s", "import_s")


@pytest.mark.slow
@pytest.mark.reference
def test_bench_quick_json(torch):
    proc = subprocess.run(
        [sys.executable, "bench/engine.py", "--quick", "--json", "--workloads", "playground,iris"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [r["workload"] for r in rows] == ["playground", "iris"]
    for row in rows:
        for field in NUMBERS:
            assert isinstance(row[field], (int, float)) and row[field] > 0, (
                row["workload"],
                field,
                row[field],
            )
    assert "speedup" in proc.stderr  # the table goes to stderr beside the JSON


def test_bench_rejects_unknown_workload():
    proc = subprocess.run(
        [sys.executable, "bench/engine.py", "--workloads", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "nope" in proc.stderr
