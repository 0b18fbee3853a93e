"""Ahead-of-time preparation runs every compiled path without error (start.sh relies on it)."""

import subprocess
import sys


def test_prepare_runs_every_path_and_says_so():
    result = subprocess.run(
        [sys.executable, "-m", "engine.prepare"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "ready" in result.stdout
