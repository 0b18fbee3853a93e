"""Where Numba keeps the compiled kernels: one folder per version of the kernel sources.

Numba checks a cached function against its own source file only, but ``cpu.train_steps`` compiles the
convolution, pooling and normalisation kernels of the other modules into itself. After a change to
``conv.py`` alone, the cached training step would go on running the old convolution. Keying the folder
on a digest of every kernel module makes any change start a fresh cache instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

KERNELS = Path(__file__).resolve().parent
PREFIX = "kernels-"
STALE_AFTER_S = 30 * 24 * 3600  # other versions' folders unused this long are removed


def sources_digest() -> str:
    """A short digest of every kernel module's source."""
    digest = hashlib.sha256()
    for path in sorted(KERNELS.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def base_dir() -> Path:
    """``NUMBA_CACHE_DIR`` as the user set it, else the user's cache folder for nnsim."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        path = Path(given)
        return path.parent if path.name.startswith(PREFIX) else path  # set by a parent nnsim process
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nnsim")) / "numba"


def configure() -> Path:
    """Point Numba's cache at this version's folder (before any kernel compiles or loads) and return it."""
    base = base_dir()
    folder = base / f"{PREFIX}{sources_digest()}"
    os.environ["NUMBA_CACHE_DIR"] = str(folder)  # child processes inherit it
    config = sys.modules.get("numba.core.config")
    if config is not None:  # Numba was imported first: it read the variable already
        config.CACHE_DIR = str(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # marks it used, so _remove_stale keeps it
    except OSError:
        pass  # Numba says itself when it cannot write its cache
    _remove_stale(base, folder)
    return folder


def _remove_stale(base: Path, keep: Path) -> None:
    """Remove other versions' folders nobody used for a day; never fails."""
    try:
        for other in base.glob(f"{PREFIX}*"):
            if other != keep and other.is_dir() and time.time() - other.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        pass
