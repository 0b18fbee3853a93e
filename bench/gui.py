"""Frame time and training speed of the real window while it plays at full speed (offscreen).

Run from the repository root::

    python bench/gui.py                 # the table
    python bench/gui.py --json          # one JSON object per scene on stdout, the table on stderr
    python bench/gui.py --quick         # a smoke test of a few seconds

Scenes:

- ``spiral-tfp``: TensorFlow Playground's own spiral set-up — 500 points, half for training, features
  x1, x2, sin x1, sin x2, six hidden layers of 8 tanh neurons (``engine.tfp_dense``), a tanh output,
  mean squared error, SGD 0.03 on mini-batches of 10 — with every neuron's heatmap and the 100 × 100
  output redrawn each frame.
- ``mnist-mlp``: 784-128-64-10 relu, cross-entropy, SGD 0.01, mini-batches of 64, with the weight
  heatmaps of its first layer (784 × 128). The data is synthetic: random 28 × 28 pixels in [0, 1]
  with random labels of 10 classes (5,000 training and 256 test rows) — MNIST's shapes, not its digits.

What is measured, while the runner plays at full speed (``Speed.FULL``: training in a worker
thread, views redrawn on ``updated`` about 30 times a second):

- ``p50_ms`` / ``p95_ms``: GUI-thread time per frame that is not training — the ``updated`` slots,
  the repaint and the event loop — from one ``updated`` to the next: the GUI thread's CPU time
  (``time.thread_time``, the event loop sleeping when idle), minus the time inside ``trainer.run`` on
  the GUI thread (if any);
- ``epochs_per_s`` while playing, and ``headless_epochs_per_s``: the same trainer's ``run()`` alone
  for the same wall time (measured before and after the window's turn, averaged);
  ``headless_fraction`` is their ratio;
- ``startup_s``: a fresh process, from its start to a usable window (shown and painted, the engine's
  kernels loaded: Play and Step train at once, the heatmaps and the decision boundary drawn), with
  Numba's cache filled (median of three); ``window_s``: the same process, from its start to its window
  shown and painted with the scene, Play accepted (pressed then, training starts when the engine is
  ready); ``complete_s``: the watch panels (curves, layer detail, confusion...) built and drawn too,
  which follows the engine. All three end when the child says so on its stdout, not when it exits
  (closing the window and tearing the interpreter down is not start-up). Warm means what a second
  start finds: Numba's cache and Python's bytecode (``__pycache__``, which an installed copy also has)
  filled by one unmeasured start first. The child opens ``MainWindow`` as ``nnsim`` does, without
  this bench's timing wrappers. ``python bench/gui.py --startup-only N`` times only this.

One BLAS thread throughout, as ``bench/engine.py``. The window is :func:`make_window`'s: the main
window as it opens, with the views each scene is about in front. ``slots_ms_per_frame`` splits the
per-frame work between the views' ``refresh``; ``repaint_ms`` is a full repaint of each dock alone.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

SCENES = ("spiral-tfp", "mnist-mlp")
MNIST_NOTE = "synthetic: random 28x28 pixels in [0, 1], 10 random classes, 5,000 train + 256 test rows"
TARGETS = {"p95_ms": 12.0, "headless_fraction": 0.60, "spiral_epochs_per_s": 1000.0}
READY_TIMEOUT_S = 300.0


# ------------------------------------------------------------------------------------------ scenes
def make_trainer(scene: str):
    """A fresh, untrained trainer for ``scene``."""
    from engine import SGD, Dense, Input, Network, Trainer, data, tfp_dense

    if scene == "spiral-tfp":
        dataset = data.playground(
            "spiral",
            n_points=500,
            noise=0.0,
            train_ratio=0.5,
            seed=0,
            features=("x1", "x2", "sin(x1)", "sin(x2)"),
        )
        net = Network.sequential(Input(4), *[tfp_dense(8, "tanh") for _ in range(6)], tfp_dense(1, "tanh"))
        return Trainer(net.build(seed=0), dataset, loss="mse", optimizer=SGD(0.03), batch_size=10, seed=0)
    if scene == "mnist-mlp":
        rng = np.random.default_rng(1)
        n_train, n_test = 5000, 256
        x = rng.integers(0, 256, size=(n_train + n_test, 784), dtype=np.uint8).astype(np.float64) / 255.0
        t = rng.integers(0, 10, size=n_train + n_test)
        dataset = data.Dataset(
            "mnist-shaped",
            "classification",
            x[:n_train],
            x[n_train:],
            t[:n_train],
            t[n_train:],
            n_classes=10,
            source=MNIST_NOTE,
        )
        net = Network.sequential(Input(784), Dense(128, "relu"), Dense(64, "relu"), Dense(10, "linear"))
        return Trainer(
            net.build(seed=0), dataset, loss="cross_entropy", optimizer=SGD(0.01), batch_size=64, seed=0
        )
    raise ValueError(f"unknown scene {scene!r}; known: {', '.join(SCENES)}")


class TimedParts:
    """Times the ``refresh`` of each part of the window by wrapping it on the instance."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.frames = 0

    def wrap(self, name: str, obj: object, method: str = "refresh") -> None:
        inner = getattr(obj, method)
        self.seconds[name], self.calls[name] = 0.0, 0

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        setattr(obj, method, timed)

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)
        self.calls = dict.fromkeys(self.calls, 0)
        self.frames = 0

    def per_frame_ms(self) -> dict[str, float]:
        return {k: round(1e3 * v / max(1, self.frames), 3) for k, v in self.seconds.items()}


@dataclass
class Window:
    """What :func:`make_window` returns: the top-level widget, its runner and what it draws."""

    widget: object
    runner: object
    views: list[str] = field(default_factory=list)
    is_ready: Callable[[], bool] = lambda: True
    parts: TimedParts | None = None


def make_window(trainer, scene: str) -> Window:
    """The window to measure: ``simulator.main_window.MainWindow(trainer=...)``, as a user opens it.

    spiral-tfp shows the canvas (every neuron's heatmap, the weight lines), the 100 × 100 output and the
    training curves; mnist-mlp shows the layer detail of its first layer (784 × 128 weight heatmaps) in
    the Watch tabs. Update this function when the window's parts are renamed.
    """
    from simulator.main_window import MainWindow

    window = MainWindow(trainer=trainer)
    window.resize(1440, 900)
    watch = window.curves
    if scene == "mnist-mlp":
        window.controller.select("dense_1")
        window.watch_tabs.setCurrentWidget(window.layer_detail)
        watch = window.layer_detail
    parts = TimedParts()
    parts.wrap("canvas", window.canvas)
    parts.wrap("output view", window.decision_view)
    parts.wrap(type(watch).__name__, watch)
    views = [
        "canvas (neuron heatmaps, weight lines)",
        "output view 100x100",
        f"watch tab: {type(watch).__name__}",
    ]
    return Window(window, window.runner, views, lambda: window.ready, parts)


# ------------------------------------------------------------------------------------------ timing
class _TimedRun:
    """Wraps ``trainer.run`` to add up the time spent training (in all, and on the GUI thread)."""

    def __init__(self, trainer) -> None:
        import threading

        self.trainer = trainer
        self.inner = trainer.run
        self.seconds = 0.0
        self.gui_seconds = 0.0
        self._gui_thread = threading.get_ident()
        self._ident = threading.get_ident
        trainer.run = self

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            took = time.perf_counter() - start
            self.seconds += took
            if self._ident() == self._gui_thread:
                self.gui_seconds += took

    def remove(self) -> None:
        del self.trainer.run


def headless_speed(trainer, seconds: float) -> float:
    """Epochs per second of ``trainer.run`` alone, in ~12 ms calls, for ``seconds``."""
    n = 16
    start = time.perf_counter()
    epoch0 = trainer.epoch
    while (now := time.perf_counter()) - start < seconds:
        t0 = now
        trainer.run(n)
        took = time.perf_counter() - t0
        n = max(1, int(n * min(2.0, max(0.5, 0.012 / max(took, 1e-6)))))
    return (trainer.epoch - epoch0) / (time.perf_counter() - start)


def play_and_measure(app, win: Window, seconds: float) -> dict:
    """Play at full speed for ``seconds``; per-frame GUI time and epochs per second."""
    from simulator.runner import Speed

    runner = win.runner
    trainer = runner.trainer
    timed = _TimedRun(trainer)
    from PySide6.QtCore import QEventLoop, QTimer

    marks: list[tuple[float, float]] = []  # (wall time, GUI CPU seconds not training) at each ``updated``

    def mark() -> None:
        marks.append((time.perf_counter(), time.thread_time() - timed.gui_seconds))

    runner.updated.connect(mark)
    if win.parts is not None:
        win.parts.reset()
    if hasattr(runner, "set_speed"):
        runner.set_speed(Speed.FULL)
    epoch0 = trainer.epoch
    start = time.perf_counter()
    runner.play()
    loop = QEventLoop()
    QTimer.singleShot(round(1000 * seconds), loop.quit)
    runner.playing_changed.connect(loop.quit)  # an error stopped play
    if runner.is_playing:
        loop.exec()
    runner.playing_changed.disconnect(loop.quit)
    wall = time.perf_counter() - start
    epochs = trainer.epoch - epoch0
    runner.pause()
    app.processEvents()
    runner.updated.disconnect(mark)
    if win.parts is not None:
        win.parts.frames = max(1, len(marks))
        gui_parts = win.parts.per_frame_ms()
    else:
        gui_parts = {}
    timed.remove()
    gui = []
    for (_t0, s0), (_t1, s1) in zip(marks[1:-2], marks[2:-1], strict=True):
        gui.append(s1 - s0)
    gui_ms = np.array(gui) * 1e3 if gui else np.array([np.nan])
    intervals = np.diff([m[0] for m in marks[1:-1]]) if len(marks) > 3 else np.array([np.nan])
    return {
        "p50_ms": float(np.median(gui_ms)),
        "p95_ms": float(np.percentile(gui_ms, 95)),
        "frames": len(gui),
        "fps": float(1.0 / np.median(intervals)),
        "epochs_per_s": epochs / wall,
        "steps_per_s": None,
        "training_share": timed.seconds / wall,
        "slots_ms": gui_parts,
    }


def repaint_costs(app, win: Window, repeats: int = 7) -> dict[str, float]:
    """Median milliseconds of a full synchronous repaint of the central area and of each visible dock."""
    from PySide6.QtWidgets import QDockWidget

    parts = {"central": win.widget.centralWidget()}
    parts.update({d.objectName(): d.widget() for d in win.widget.findChildren(QDockWidget) if d.isVisible()})
    app.processEvents()
    costs = {}
    for name, widget in parts.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            widget.repaint()
            times.append(time.perf_counter() - start)
        costs[name] = round(1e3 * statistics.median(times), 3)
    return costs


STARTUP_MARKS = ("painted", "ready", "complete")  # what the start-up child prints, in this order


def fill_caches(scene: str = "spiral-tfp") -> None:
    """One unmeasured start: compiles (or loads) the kernels into Numba's cache and writes Python's
    bytecode, so the starts measured next find what any start after the first finds."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--startup-child", scene],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=900,
    )


def startup_times(scene: str) -> dict[str, float]:
    """Seconds from spawning a fresh process to each of :data:`STARTUP_MARKS` (warm caches)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--startup-child", scene],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marks: dict[str, float] = {}
    for line in proc.stdout:
        word = line.strip()
        if word in STARTUP_MARKS and word not in marks:
            marks[word] = time.perf_counter() - start
    stderr = proc.stderr.read()
    if proc.wait(timeout=READY_TIMEOUT_S) != 0 or set(marks) != set(STARTUP_MARKS):
        raise RuntimeError(f"start-up child failed: {stderr[-2000:]}")
    return marks


def startup_seconds(scene: str, repeats: int = 3) -> dict[str, float]:
    """Medians over ``repeats`` fresh processes: ``startup_s`` (usable: shown, painted, engine ready),
    ``window_s`` (shown and painted with the scene, Play accepted) and ``complete_s`` (watch panels in)."""
    runs = [startup_times(scene) for _ in range(repeats)]
    return {
        "startup_s": statistics.median(r["ready"] for r in runs),
        "window_s": statistics.median(r["painted"] for r in runs),
        "complete_s": statistics.median(r["complete"] for r in runs),
    }


def _startup_child(scene: str) -> int:
    """Open the window as ``nnsim`` does (simulator.app.run_app) and say when it is painted and ready.

    "painted": the event loop has drawn the window's first frame (paint events reached its widgets);
    "ready": the engine is ready (its kernels loaded) and the canvas has drawn its heatmaps since;
    "complete": the watch panels (built once the engine is ready) are in and drawn too. The child
    waits in Qt's event loop, as the application does (a polling loop would fight the warm-up thread
    for the GIL).
    """
    from simulator import start_up  # as run_app does

    start_up.before_qt()
    # isort: split
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    start_up.after_qt()
    from simulator.main_window import MainWindow

    app = QApplication.instance() or QApplication(["nnsim-bench"])
    loop = QEventLoop()

    class FirstPaint(QObject):
        """Ends the waiting loop after the first frame of what it filters (the app: any widget)."""

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                app.removeEventFilter(self)
                obj.removeEventFilter(self)
                QTimer.singleShot(0, loop.quit)  # after the rest of this frame
            return False

    first_paint = FirstPaint()
    app.installEventFilter(first_paint)
    QTimer.singleShot(round(1000 * READY_TIMEOUT_S), loop.quit)
    window = MainWindow(trainer=make_trainer(scene))
    window.watch_tabs.built.connect(start_up.finished)
    window.resize(1440, 900)
    window.show()
    loop.exec()
    print("painted", flush=True)
    if not window.ready:
        window.engine_ready.connect(loop.quit)
        loop.exec()
    canvas = window.canvas.viewport()  # the heatmaps drawn: the canvas's next frame after the engine's
    canvas.installEventFilter(first_paint)
    loop.exec()
    print("ready", flush=True)
    if not window.watch_tabs.is_built:
        window.watch_tabs.built.connect(loop.quit)
        loop.exec()
    app.processEvents()
    window.grab()
    print("complete", flush=True)
    return 0 if window.ready else 1


# ---------------------------------------------------------------------------------------- main
def run_scene(app, scene: str, seconds: float, startup: bool) -> dict:
    starts = (  # first, while this process has no window or training of its own
        {k: round(v, 3) for k, v in startup_seconds(scene).items()}
        if startup
        else {"startup_s": None, "window_s": None, "complete_s": None}
    )
    trainer = make_trainer(scene)
    win = make_window(trainer, scene)
    win.widget.show()
    deadline = time.perf_counter() + READY_TIMEOUT_S
    while not win.is_ready() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)
    trainer = win.runner.trainer
    trainer.run(64)  # warm every path once
    before = headless_speed(trainer, seconds)
    gui = play_and_measure(app, win, seconds)
    repaint = repaint_costs(app, win)
    after = headless_speed(trainer, seconds)
    headless = (before + after) / 2
    steps_per_epoch = -(-trainer.data.n_train // trainer.settings.batch_size)
    gui["steps_per_s"] = gui["epochs_per_s"] * steps_per_epoch
    result = {
        "workload": scene,
        "p50_ms": round(gui["p50_ms"], 3),
        "p95_ms": round(gui["p95_ms"], 3),
        "epochs_per_s": round(gui["epochs_per_s"], 2),
        "headless_fraction": round(gui["epochs_per_s"] / headless, 4) if headless else None,
        "headless_epochs_per_s": round(headless, 2),
        "steps_per_s": round(gui["steps_per_s"], 1),
        "fps": round(gui["fps"], 1),
        "frames": gui["frames"],
        "training_share": round(gui["training_share"], 4),
        "slots_ms_per_frame": gui["slots_ms"],
        "repaint_ms": repaint,
        **starts,
        "seconds": seconds,
        "views": win.views,
        "data": MNIST_NOTE if scene == "mnist-mlp" else "Playground spiral, 500 points (250 train)",
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
    }
    win.widget.close()
    app.processEvents()
    return result


def _startup_report(repeats: int, as_json: bool, say: Callable[[str], None]) -> int:
    runs = []
    for i in range(repeats):
        runs.append(startup_times("spiral-tfp"))
        run = runs[-1]
        say(
            f"start {i + 1}: window painted {run['painted']:.3f} s, engine ready {run['ready']:.3f} s, "
            f"watch panels in {run['complete']:.3f} s"
        )
    row = {
        "workload": "spiral-tfp",
        "startup_s": round(statistics.median(r["ready"] for r in runs), 3),
        "window_s": round(statistics.median(r["painted"] for r in runs), 3),
        "complete_s": round(statistics.median(r["complete"] for r in runs), 3),
        "runs": runs,
    }
    if as_json:
        print(json.dumps(row), flush=True)
    say(
        f"median of {repeats}: window painted {row['window_s']:.3f} s, "
        f"usable (engine ready) {row['startup_s']:.3f} s, watch panels in {row['complete_s']:.3f} s"
    )
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per scene on stdout")
    parser.add_argument("--quick", action="store_true", help="1.5 s per measurement, no start-up timing")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement (default 5)")
    parser.add_argument(
        "--scenes", default=",".join(SCENES), help=f"comma-separated, from {', '.join(SCENES)}"
    )
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    parser.add_argument(
        "--startup-only",
        type=int,
        metavar="N",
        help="only time N fresh starts of the window (spiral-tfp) and print each and the medians",
    )
    parser.add_argument("--startup-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    scenes = [s for s in args.scenes.split(",") if s]
    unknown = [s for s in scenes if s not in SCENES]
    if unknown:
        parser.error(f"unknown scene(s): {', '.join(unknown)}; known: {', '.join(SCENES)}")
    args.scene_list = scenes
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.startup_child:
        return _startup_child(args.startup_child)
    from PySide6.QtWidgets import QApplication
    from threadpoolctl import threadpool_limits

    def say(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    seconds = 1.5 if args.quick else args.seconds
    startup = not (args.quick or args.no_startup)
    if startup or args.startup_only:
        fill_caches()
    if args.startup_only:
        return _startup_report(args.startup_only, args.json, say)
    app = QApplication.instance() or QApplication(["nnsim-bench"])
    rows = []
    with threadpool_limits(1):
        for scene in args.scene_list:
            row = run_scene(app, scene, seconds, startup)
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
    head = (
        "scene",
        "p50 ms",
        "p95 ms",
        "fps",
        "epochs/s",
        "headless",
        "fraction",
        "window s",
        "start s",
        "panels s",
    )
    widths = (12, 7, 7, 5, 9, 9, 8, 8, 7, 8)
    say(
        " ".join(
            f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(head, widths, strict=True))
        )
    )
    for r in rows:
        start = f"{r['startup_s']:.2f}" if r["startup_s"] is not None else "–"
        shown = f"{r['window_s']:.2f}" if r["window_s"] is not None else "–"
        panels = f"{r['complete_s']:.2f}" if r["complete_s"] is not None else "–"
        fraction = r["headless_fraction"]
        say(
            f"{r['workload']:<12} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} {r['fps']:>5.1f} "
            f"{r['epochs_per_s']:>9.1f} {r['headless_epochs_per_s']:>9.1f} {fraction:>8.1%} "
            f"{shown:>8} {start:>7} {panels:>8}"
        )
    say(
        f"targets: p95 <= {TARGETS['p95_ms']:g} ms, >= {TARGETS['headless_fraction']:.0%} of headless, "
        f"spiral-tfp >= {TARGETS['spiral_epochs_per_s']:,.0f} epochs/s (reported, not asserted)"
    )
    for r in rows:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in r["slots_ms_per_frame"].items())
        say(f"{r['workload']}: ms per frame in each refresh: {parts}")
        parts = ", ".join(f"{k} {v:.2f}" for k, v in r["repaint_ms"].items())
        say(f"{r['workload']}: ms for a full repaint of each part: {parts}")
    say("views: " + "; ".join(rows[0]["views"]) if rows else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
