"""Training speed of nnsim's engine beside PyTorch (CPU, eager), one thread each, in one run.

Run from the repository root::

    python bench/engine.py                  # the table
    python bench/engine.py --json           # one JSON object per workload on stdout, the table on stderr
    python bench/engine.py --quick --workloads playground,iris

Each figure is milliseconds per training step (one mini-batch: forward, loss, backward, SGD update)
in float32. The CNN workloads are Conv2D (3x3, valid, relu) -> MaxPool2D 2 -> Flatten -> Dense 10
on 1x28x28 images (``torch.nn.Conv2d`` etc. on the torch side). nnsim is timed through
``Trainer.run(n)`` (the compiled path) and ``Trainer.step()`` (the phase-by-phase path the window
uses); PyTorch through ``nn.Sequential`` + ``optim.SGD`` with mini-batches sliced in advance from a
shuffled copy of the data, which is its best case. Blocks of
many steps alternate between the sides; the fastest block of each side is reported.
"""

from __future__ import annotations

import os

# One BLAS/OpenMP thread for everything, set before numpy (or anything that loads BLAS) is imported.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path and its name would shadow the engine package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

MNIST_NOTE = "synthetic: random 28x28 uint8 pixels scaled to [0, 1], 10 random classes"


@dataclass(frozen=True)
class Workload:
    name: str
    sizes: tuple[int, ...]  # input, hidden..., output
    activation: str
    batch: int
    loss: str  # "mse" or "cross_entropy"
    learning_rate: float
    data: str  # one line on where the data comes from
    filters: int = 0  # > 0: a CNN, Conv2D(filters, 3, relu) -> MaxPool2D(2) -> Flatten -> Dense(output)


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "playground", (2, 8, 8, 1), "tanh", 10, "mse", 0.03, "Playground xor, 500 points (250 train)"
        ),
        Workload("iris", (4, 16, 3), "relu", 16, "cross_entropy", 0.1, "iris, 105 train rows"),
        Workload(
            "mnist-mlp", (784, 128, 64, 10), "relu", 64, "cross_entropy", 0.01, MNIST_NOTE + ", 5,000 rows"
        ),
        Workload(
            "wide-mlp", (784, 1024, 1024, 10), "relu", 512, "cross_entropy", 0.01, MNIST_NOTE + ", 4,096 rows"
        ),
        Workload(
            "mnist-cnn", (784, 10), "relu", 32, "cross_entropy", 0.01, MNIST_NOTE + ", 5,000 rows", filters=8
        ),
        Workload(
            "cnn32", (784, 10), "relu", 256, "cross_entropy", 0.01, MNIST_NOTE + ", 4,096 rows", filters=32
        ),
    )
}
IMAGE = (1, 28, 28)


def fill_numba_cache() -> float:
    """Compile or load the kernels in a child process, so this one finds a warm cache; returns seconds."""
    code = (
        "from engine import Network, Input, Dense, Trainer, SGD, data\n"
        "t = Trainer(Network.sequential(Input(2), Dense(2, 'tanh'), Dense(1, 'tanh')).build(),"
        " data.playground('xor', 20), optimizer=SGD(0.01), evaluate=False)\n"
        "t.run(1); t.step()\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def make_dataset(w: Workload):
    from engine import data

    if w.name == "playground":
        return data.playground("xor", n_points=500, seed=0)
    if w.name == "iris":
        return data.load_iris(seed=0)
    n_train = 5000 if w.name in ("mnist-mlp", "mnist-cnn") else 4096
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(n_train + 256, w.sizes[0]), dtype=np.uint8)
    x = pixels.astype(np.float64) / 255.0
    t = rng.integers(0, w.sizes[-1], size=n_train + 256)
    return data.Dataset(
        w.name,
        "classification",
        x[:n_train],
        x[n_train:],
        t[:n_train],
        t[n_train:],
        n_classes=w.sizes[-1],
        source=MNIST_NOTE,
        image_shape=IMAGE if w.filters else None,
    )


def make_trainer(w: Workload, dataset):
    from engine import SGD, Conv2D, Dense, Flatten, Input, MaxPool2D, Network, Trainer

    hidden = [Dense(n, w.activation) for n in w.sizes[1:-1]]
    out_act = "tanh" if w.loss == "mse" else "linear"  # cross-entropy reads logits, as torch does
    if w.filters:
        convs = (Conv2D(w.filters, 3, activation=w.activation), MaxPool2D(2), Flatten())
        net = Network.sequential(Input(shape=IMAGE), *convs, Dense(w.sizes[-1], out_act))
    else:
        net = Network.sequential(Input(w.sizes[0]), *hidden, Dense(w.sizes[-1], out_act))
    return Trainer(
        net.build(seed=0, dtype="float32"),
        dataset,
        loss=w.loss,
        optimizer=SGD(w.learning_rate),
        batch_size=w.batch,
        seed=0,
        evaluate=False,
    )


def make_torch_step(w: Workload, dataset, weights: dict[str, np.ndarray], torch) -> Callable[[int], None]:
    """A function training ``n`` steps of the same network in PyTorch, over pre-sliced batches."""
    nn = torch.nn
    layers: list = []
    if w.filters:
        conv = nn.Conv2d(IMAGE[0], w.filters, 3)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(weights["conv2d_1.kernel"]))
            conv.bias.copy_(torch.from_numpy(weights["conv2d_1.bias"]))
        layers += [conv, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
        linear = nn.Linear(weights["dense_1.kernel"].shape[0], w.sizes[-1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights["dense_1.kernel"].T.copy()))
            linear.bias.copy_(torch.from_numpy(weights["dense_1.bias"]))
        layers.append(linear)
    for k in range(1, 1 if w.filters else len(w.sizes)):
        linear = nn.Linear(w.sizes[k - 1], w.sizes[k])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights[f"dense_{k}.kernel"].T.copy()))
            linear.bias.copy_(torch.from_numpy(weights[f"dense_{k}.bias"]))
        layers.append(linear)
        if k < len(w.sizes) - 1:
            layers.append(nn.Tanh() if w.activation == "tanh" else nn.ReLU())
    if w.loss == "mse":
        layers.append(nn.Tanh())
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=w.learning_rate)
    order = np.random.default_rng(0).permutation(dataset.n_train)
    x = torch.from_numpy(np.ascontiguousarray(dataset.x_train[order], np.float32))
    if w.filters:
        x = x.reshape(-1, *IMAGE)
    if w.loss == "mse":
        t = torch.from_numpy(dataset.targets("pm1")[order].astype(np.float32))
        loss_fn: Callable = nn.MSELoss()
    else:
        t = torch.from_numpy(np.ascontiguousarray(dataset.t_train[order], np.int64))
        loss_fn = nn.CrossEntropyLoss()
    batches = [
        (x[i : i + w.batch].contiguous(), t[i : i + w.batch].contiguous())
        for i in range(0, dataset.n_train, w.batch)
    ]
    state = {"k": 0}

    def train(n: int) -> None:
        k = state["k"]
        for _ in range(n):
            xb, tb = batches[k]
            opt.zero_grad()
            loss = loss_fn(model(xb), tb)
            loss.backward()
            opt.step()
            k = k + 1 if k + 1 < len(batches) else 0
        state["k"] = k

    return train


def calibrate(train: Callable[[int], None], target_s: float) -> int:
    """The number of steps that takes about ``target_s`` seconds (at least 2)."""
    n = 1
    while True:
        start = time.perf_counter()
        train(n)
        took = time.perf_counter() - start
        if took >= target_s / 4 or n >= 1 << 22:
            return max(2, round(n * target_s / max(took, 1e-9)))
        n *= 4


def timed(train: Callable[[int], None], n: int) -> float:
    start = time.perf_counter()
    train(n)
    return (time.perf_counter() - start) / n * 1e3


def bench_workload(w: Workload, torch, repeats: int, target_s: float, log) -> dict:
    dataset = make_dataset(w)
    trainer = make_trainer(w, dataset)
    start = time.perf_counter()
    trainer.run(1)
    first_run_s = time.perf_counter() - start
    torch_train = make_torch_step(w, dataset, trainer.model.get_weights(), torch)

    def nnsim_run(n: int) -> None:
        if trainer.run(n) != n:
            raise RuntimeError(f"{w.name}: run({n}) stopped early")

    def nnsim_step(n: int) -> None:
        for _ in range(n):
            trainer.step()

    sides = {"nnsim": nnsim_run, "nnsim_step": nnsim_step, "torch": torch_train}
    steps = {}
    for name, fn in sides.items():
        fn(2)  # first-call costs, caches, the allocator
        steps[name] = calibrate(fn, target_s)
        fn(max(steps[name], dataset.n_train // w.batch + 2))  # a warm-up block that crosses an epoch end
        steps[name] = calibrate(fn, target_s)
    times: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for r in range(repeats):
        for name in names[r % 3 :] + names[: r % 3]:  # rotate who goes first
            times[name].append(timed(sides[name], steps[name]))
    log(f"  {w.name}: " + ", ".join(f"{k} {steps[k]} steps x {repeats}" for k in names))
    best = {k: min(v) for k, v in times.items()}
    median = {k: statistics.median(v) for k, v in times.items()}
    return {
        "workload": w.name,
        "nnsim_ms": round(best["nnsim"], 5),
        "torch_ms": round(best["torch"], 5),
        "speedup": round(best["torch"] / best["nnsim"], 3),
        "nnsim_step_ms": round(best["nnsim_step"], 5),
        "step_speedup": round(best["torch"] / best["nnsim_step"], 3),
        "nnsim_ms_median": round(median["nnsim"], 5),
        "torch_ms_median": round(median["torch"], 5),
        "nnsim_step_ms_median": round(median["nnsim_step"], 5),
        "first_run_s": round(first_run_s, 6),
        "layers": f"c{w.filters}k3-p2-{w.sizes[-1]}" if w.filters else "-".join(map(str, w.sizes)),
        "activation": w.activation,
        "batch": w.batch,
        "loss": w.loss,
        "data": w.data,
        "steps_per_block": steps,
        "blocks": repeats,
    }


def table(rows: list[dict], startup: dict) -> str:
    head = (
        f"{'workload':<12}{'layers':<18}{'batch':>6}{'nnsim run':>12}{'torch':>11}{'speedup':>9}"
        f"{'nnsim step':>12}{'speedup':>9}"
    )
    lines = [
        "ms per training step (one mini-batch), float32, SGD, one thread each; best block of each side",
        "",
        head,
        "-" * len(head),
    ]
    for r in rows:
        lines.append(
            f"{r['workload']:<12}{r['layers']:<18}{r['batch']:>6}{r['nnsim_ms']:>12.4f}"
            f"{r['torch_ms']:>11.4f}{r['speedup']:>8.2f}x{r['nnsim_step_ms']:>12.4f}"
            f"{r['step_speedup']:>8.2f}x"
        )
    lines += ["", "speedup = torch ms / nnsim ms (above 1: nnsim is faster)."]
    if any(r["workload"] in ("mnist-mlp", "wide-mlp", "mnist-cnn", "cnn32") for r in rows):
        lines.append(f"mnist-mlp, wide-mlp, mnist-cnn and cnn32 data are {MNIST_NOTE}.")
    if any(r["workload"] in ("mnist-cnn", "cnn32") for r in rows):
        lines.append("c8k3-p2-10: Conv2D 8 filters 3x3 relu (1x28x28 in), MaxPool2D 2, Flatten, Dense 10.")
    lines.append(
        f"import engine: {startup['import_s']:.3f} s; first run(1) with a warm Numba cache: "
        f"{startup['warm_start_s']:.3f} s (cache fill in a child process: {startup['cache_fill_s']:.1f} s)"
    )
    lines.append(f"torch {startup['torch']}, numpy {startup['numpy']}, numba {startup['numba']}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per workload on stdout")
    parser.add_argument("--quick", action="store_true", help="short blocks and few repeats (a smoke test)")
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma-separated, from: {', '.join(WORKLOADS)}"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed blocks per side (default 7, quick 2)"
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.workloads.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown or not names:
        parser.error(
            f"unknown workload(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(WORKLOADS)}"
        )
    args.names = names
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    repeats = args.repeats or (2 if args.quick else 7)
    target_s = 0.05 if args.quick else 0.3
    log("filling the Numba cache in a child process ...")
    cache_fill_s = fill_numba_cache()
    start = time.perf_counter()
    import engine  # noqa: F401  (timed: numpy and the engine's modules; Numba loads on first use)

    import_s = time.perf_counter() - start
    import numba
    import torch

    torch.set_num_threads(1)
    rows = []
    warm_start_s = None
    with threadpool_limits(limits=1):
        for name in args.names:
            log(f"{name} ...")
            row = bench_workload(WORKLOADS[name], torch, repeats, target_s, log)
            if warm_start_s is None:
                warm_start_s = row["first_run_s"]  # the first run(1) in this process loads the kernels
            rows.append(row)
    startup = {
        "import_s": round(import_s, 6),
        "warm_start_s": warm_start_s,
        "cache_fill_s": cache_fill_s,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
    }
    text = table(rows, startup)
    if args.json:
        for row in rows:
            row.update(
                import_s=startup["import_s"], warm_start_s=warm_start_s, threads=1, torch=torch.__version__
            )
            print(json.dumps(row), flush=True)
        log(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
