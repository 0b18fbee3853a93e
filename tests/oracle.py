"""PyTorch as the test oracle: the one place tests get ``torch`` from.

Tests take the ``torch`` fixture (see ``conftest.py``) or call :func:`require_torch`. Without PyTorch
they are skipped, unless ``NNSIM_REQUIRE_REFERENCE=1`` (set by ``scripts/test.sh``) makes them fail.
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest

INSTALL_HINT = 'pip install -e ".[reference]" (or run the suite with: bash scripts/test.sh)'


def reference_required() -> bool:
    """Whether a missing PyTorch is a failure rather than a skip (``NNSIM_REQUIRE_REFERENCE=1``)."""
    return os.environ.get("NNSIM_REQUIRE_REFERENCE", "") == "1"


def require_torch() -> ModuleType:
    """Return the ``torch`` module; skip the calling test without it, or fail when it is required."""
    try:
        import torch
    except ImportError as exc:
        message = f"PyTorch, the reference implementation, is missing ({exc}). Install it: {INSTALL_HINT}"
        if reference_required():
            pytest.fail(f"{message}. NNSIM_REQUIRE_REFERENCE=1 makes this a failure.", pytrace=False)
        pytest.skip(message)
    return torch
