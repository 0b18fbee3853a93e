"""Start-up shortcuts: each gives the answer the slow way gives, and each falls back when it cannot."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*parts: str) -> str:
    """Run the parts (each dedented on its own) as one program in a fresh process; its stdout."""
    code = "\n".join(textwrap.dedent(part) for part in parts)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip()


TRAIN = """
    import sys
    import numpy as np
    from engine import SGD, Adam, Input, Network, Trainer, data, tfp_dense
    from engine.image_layers import Conv2D, Flatten, MaxPool2D
    from engine.layers import Dense

    def weights():
        net = Network.sequential(Input(2), tfp_dense(6, "tanh"), tfp_dense(1, "tanh"))
        t = Trainer(net.build(seed=3), data.playground("spiral", n_points=200), optimizer=SGD(0.03), seed=5)
        t.run_epochs(3)
        t.step()
        img = Network.sequential(Input(shape=(1, 8, 8)), Conv2D(3, 3, activation="relu"), MaxPool2D(2),
                                 Flatten(), Dense(10, "softmax"))
        u = Trainer(img.build(seed=1), data.load_digits(), loss="cross_entropy", optimizer=Adam(0.01),
                    batch_size=32, seed=2)
        u.run(20)
        return np.concatenate([t.model.flat, u.model.flat, [t.evaluate("test")[0]]])
"""


def test_cached_kernels_load_without_numbas_compiler_set_up_and_train_identically():
    warm = _run(TRAIN, "print(weights().sum())")  # fills the cache if this is its first use
    quick = _run(
        TRAIN,
        """
    w = weights()
    print(repr(w.tolist()))
    print("numba.np.polynomial.polynomial_core" in sys.modules)  # imported by a full set-up only
    """,
    )
    usual = _run(
        """
    import engine.kernels.quick_load as quick_load
    quick_load._installed = True  # as if installed: Numba loads its cache the usual way
    """,
        TRAIN,
        """
    w = weights()
    print(repr(w.tolist()))
    print("numba.np.polynomial.polynomial_core" in sys.modules)
    """,
    )
    quick_weights, quick_set_up = quick.splitlines()
    usual_weights, usual_set_up = usual.splitlines()
    assert warm
    assert quick_set_up == "False", "loading the cached kernels set up Numba's whole compiler"
    assert usual_set_up == "True"
    assert quick_weights == usual_weights, "the quickly loaded kernels trained differently"


def test_numba_still_compiles_new_code_after_a_quick_load():
    out = _run(
        TRAIN,
        """
    weights()
    from numba import njit

    @njit
    def tally(xs):  # lists and dicts: what the skipped set-up registers
        counts = {xs[0]: 0}
        for x in xs:
            counts[x] = counts.get(x, 0) + 1
        return len(counts)

    print(tally([1, 2, 2, 3, 3, 3]))
    """,
    )
    assert out == "3"


def test_scipys_blas_bindings_load_alone_and_fall_back_to_the_usual_import():
    out = _run(
        """
    import sys
    from engine.kernels import threads
    threads.load_scipy_blas()
    blas = sys.modules["scipy.linalg.cython_blas"]
    print("sgemm" in blas.__pyx_capi__, "scipy.linalg" in sys.modules)
    """
    )
    assert out == "True False"
    out = _run(
        """
    import importlib.machinery, sys
    from engine.kernels import threads
    importlib.machinery.EXTENSION_SUFFIXES[:] = [".nothing"]  # the file is not found: the usual import
    threads.load_scipy_blas()
    print("sgemm" in sys.modules["scipy.linalg.cython_blas"].__pyx_capi__, "scipy.linalg" in sys.modules)
    """
    )
    assert out == "True True"


@pytest.mark.gui
def test_the_quick_pyside_check_answers_as_pyside_does():
    out = _run(
        """
    import json, sys
    import PySide6.QtWidgets
    import engine.trainer, simulator.main_window
    from simulator import import_check

    feature = sys.modules[import_check.FEATURE_MODULE]
    usual = feature._mod_uses_pyside
    assert import_check.install() and import_check.install()  # a second install keeps the first
    quick = feature._mod_uses_pyside
    assert quick is not usual
    modules = [simulator.main_window, engine.trainer, json, sys, PySide6.QtWidgets, import_check]
    print([usual(m) for m in modules] == [quick(m) for m in modules], [quick(m) for m in modules])
    """
    )
    assert out == "True [True, False, False, False, False, True]"


def test_start_up_pauses_the_collector_then_freezes_what_it_built_and_resumes_it():
    out = _run(
        """
    import gc
    from simulator import start_up
    start_up.before_qt()
    during = gc.isenabled()
    start_up.finished()
    start_up.finished()  # once only
    print(during, gc.isenabled(), gc.get_freeze_count() > 0)
    """
    )
    assert out == "False True True"
