"""Compiled kernels: ``cpu`` is the Numba target every trainer uses; ``layout`` its table contract.

``cpu`` here is a stand-in that imports the real module on first use: importing Numba and loading its
registries takes about a second, and a window can show a scene (and a notebook build a trainer) before
any kernel runs. ``from engine.kernels import cpu`` therefore costs nothing until a kernel is called.
"""

from __future__ import annotations

import importlib

from engine.kernels import cache

cache.configure()  # before any kernel compiles or loads


class _LazyKernels:
    """Forwards attribute reads to ``engine.kernels.cpu``, importing it on the first read.

    Each name read is kept on the instance, so later calls cost what a module attribute costs. Two
    threads reading at once are safe: Python's import lock makes the second wait for the first.
    """

    def __getattr__(self, name: str):
        value = getattr(importlib.import_module("engine.kernels.cpu"), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return "<engine.kernels.cpu, imported on first use>"


cpu = _LazyKernels()  # replaced by the module itself once ``engine.kernels.cpu`` is imported
