"""The kernels' cache folder follows their sources, and BLAS runs on the threads asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engine.kernels import cache

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, **env: str) -> str:
    full = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "NNSIM_BLAS_THREADS")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_cache_folder_is_keyed_on_every_kernel_source(tmp_path, monkeypatch):
    kernels = tmp_path / "kernels"
    kernels.mkdir()
    (kernels / "cpu.py").write_text("x = 1\n")
    (kernels / "conv.py").write_text("y = 1\n")
    monkeypatch.setattr(cache, "KERNELS", kernels)
    before = cache.sources_digest()
    (kernels / "conv.py").write_text("y = 2\n")  # only the embedded module changes
    assert cache.sources_digest() != before


def test_numba_caches_in_a_folder_of_this_kernel_version_under_the_given_base(tmp_path):
    code = (
        "import engine.kernels.cpu, numba.core.config as c, engine.kernels.cache as k; "
        "print(c.CACHE_DIR); print(k.sources_digest())"
    )
    folder, digest = _run(code, NUMBA_CACHE_DIR=str(tmp_path)).splitlines()
    assert Path(folder) == tmp_path / f"kernels-{digest}"
    # a child process that inherits the folder keeps it instead of nesting another one
    again, _ = _run(code, NUMBA_CACHE_DIR=folder).splitlines()
    assert again == folder


def test_old_versions_folders_are_removed_and_the_current_one_kept(tmp_path):
    old = tmp_path / "kernels-0000000000000000"
    old.mkdir()
    os.utime(old, (1, 1))
    other = tmp_path / "models"  # not ours: left alone
    other.mkdir()
    os.utime(other, (1, 1))
    folder = Path(
        _run("import engine.kernels, os; print(os.environ['NUMBA_CACHE_DIR'])", NUMBA_CACHE_DIR=str(tmp_path))
    )
    assert folder.is_dir() and not old.exists() and other.exists()


def test_blas_runs_on_one_thread_unless_asked_otherwise(tmp_path):
    code = (
        "import engine.kernels.cpu; from threadpoolctl import threadpool_info; "
        "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))"
    )
    cache_dir = str(tmp_path)
    assert _run(code, NUMBA_CACHE_DIR=cache_dir) == "[1]"
    if (os.cpu_count() or 1) >= 2:
        assert _run(code, NUMBA_CACHE_DIR=cache_dir, NNSIM_BLAS_THREADS="2") == "[2]"
