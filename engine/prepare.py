"""Compile the engine's kernels ahead of time, so the first training step of a session starts at once.

Numba compiles each kernel on its first call and caches the machine code on disk; later processes
load it in well under a second. ``python -m engine.prepare`` (run by ``scripts/start.sh`` after an
install or update) trains a tiny network once along every path: the compiled ``run``, the
phase-by-phase ``step`` and ``phases``, evaluation and prediction.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def prepare(dtypes: tuple[str, ...] = ("float32",)) -> float:
    """Run every compiled path once per dtype; returns the seconds it took."""
    from engine import SGD, Dense, Dropout, Input, Network, Trainer, data

    start = time.perf_counter()
    ds = data.playground("xor", n_points=40, seed=0)
    for dtype in dtypes:
        net = Network.sequential(Input(2), Dense(4, "tanh"), Dropout(0.1), Dense(1, "tanh"))
        trainer = Trainer(net.build(seed=0, dtype=dtype), ds, optimizer=SGD(0.01), batch_size=10)
        trainer.run(3)
        trainer.step()
        for _ in trainer.phases():
            pass
        trainer.evaluate("test")
        trainer.model.predict(np.asarray(ds.x_test[:4]))
        trainer.model.activations(np.asarray(ds.x_test[:4]))
        trainer.rewind(1)
    return time.perf_counter() - start


def main() -> int:
    print(
        "Preparing the training engine (compiling its kernels once; this takes about a minute)…", flush=True
    )
    seconds = prepare()
    print(f"The training engine is ready ({seconds:.0f} s).", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
