"""The ``nnsim`` command.

``nnsim`` with no arguments opens the simulator window; ``nnsim LESSON.nnscene`` opens it on that
scene. ``--help``, ``--version`` and the headless subcommands work without a display and without
importing Qt: the window's modules are imported only when it opens, and the engine only when a
subcommand needs it.

    nnsim train SCENE --epochs N [--out OUT.nnscene]   train without a window, print final metrics
    nnsim info SCENE                                   summarise layers, weights, data and lesson
    nnsim validate SCENE_OR_FOLDER...                  check scene files; exit 1 if any is broken

Subcommands are added in :func:`build_parser` with ``add_subparsers``; each sets a ``handler``
default (``sub.set_defaults(handler=run_train)``) that :func:`main` calls with the parsed arguments.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from simulator import __version__

DESCRIPTION = (
    "nnsim is a visual neural-network simulator for teaching. Build a network by drag and drop, "
    "watch its weights and activations change as it trains, step through forward and "
    "back-propagation phase by phase, rewind, and save the scene."
)
EPILOG = (
    "Run without arguments to open the simulator window, or with a SCENE file (.nnscene) to open it "
    "on that scene. "
    "Without a display, set QT_QPA_PLATFORM=offscreen or run it under xvfb-run; "
    "the train, info and validate commands need no display."
)
SCENE_SUFFIX = ".nnscene"
SUBCOMMANDS = ("train", "info", "validate")

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for the ``nnsim`` command line."""
    parser = argparse.ArgumentParser(
        prog="nnsim",
        usage="%(prog)s [-h] [--version] [SCENE | COMMAND ...]",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"nnsim {__version__}")
    parser.set_defaults(handler=open_window)
    commands = parser.add_subparsers(title="commands without a window", metavar="COMMAND", prog="nnsim")

    train = commands.add_parser(
        "train",
        help="train a scene without a window and print its final metrics",
        description="Train a scene headless, with a progress bar on stderr, and print the final metrics. "
        "With --out, save the trained scene (weights, optimiser state and history) to a new file.",
    )
    train.add_argument("scene", metavar="SCENE", help="the .nnscene file to train")
    length = train.add_mutually_exclusive_group(required=True)
    length.add_argument("--epochs", type=_positive_int, metavar="N", help="train N epochs")
    length.add_argument("--steps", type=_positive_int, metavar="N", help="train N mini-batches")
    train.add_argument(
        "--out", metavar="OUT.nnscene", help="save the trained scene here (a .bak keeps an old file)"
    )
    train.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    train.set_defaults(handler=run_train)

    info = commands.add_parser(
        "info",
        help="summarise a scene: layers, parameter count, data set, training and lesson",
        description="Print a summary of a scene: its layers and parameter count, its data set, "
        "its training settings, its lesson and whether it stores trained weights.",
    )
    info.add_argument("scene", metavar="SCENE", help="the .nnscene file")
    info.set_defaults(handler=run_info)

    validate = commands.add_parser(
        "validate",
        help="check scene files and report every broken one (exit status 1 if any)",
        description="Check scene files: each must load, and its data set must fit its network. "
        "A folder stands for the .nnscene files in it. Prints one line per file; the exit status is 1 "
        "if any file has an error.",
    )
    validate.add_argument("scenes", nargs="+", metavar="SCENE", help=".nnscene files or folders")
    validate.add_argument("--quiet", "-q", action="store_true", help="print only the files with errors")
    validate.set_defaults(handler=run_validate)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, not {value}")
    return value


def open_window(args: argparse.Namespace) -> int:
    """Open the simulator window and return the application's exit code."""
    from simulator.app import run_app  # imports Qt, so only here

    return run_app(["nnsim"], scene_path=getattr(args, "scene_path", None))


def scene_argument(argv: Sequence[str]) -> str | None:
    """The SCENE of ``nnsim SCENE``: a first argument naming a ``.nnscene`` or an existing file.

    Subcommand names (train, info, validate) and options are never taken for a scene.
    """
    if not argv:
        return None
    first = argv[0]
    if first.startswith("-") or first in SUBCOMMANDS:
        return None
    if first.lower().endswith(SCENE_SUFFIX) or Path(first).is_file():
        return first
    return None


# -- train ----------------------------------------------------------------------------------------------


class ProgressBar:
    """A plain-text progress bar: redrawn in place on a terminal, a line per tenth otherwise (logs)."""

    def __init__(self, total: int, unit: str, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = max(1, total)
        self.unit = unit
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self._last_draw = -math.inf
        self._last_tenth = -1
        self._last_done = -1
        self._width = 0

    def update(self, done: int, loss: float | None = None, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        tenth = done * 10 // self.total
        if self.tty:
            if not force and now - self._last_draw < 0.1 and done < self.total:
                return
        elif tenth == self._last_tenth and not force:
            return
        if done == self._last_done and force:
            return
        self._last_draw, self._last_tenth, self._last_done = now, tenth, done
        filled = done * 30 // self.total
        bar = "#" * filled + "." * (30 - filled)
        text = f"{self.unit} {done}/{self.total} [{bar}] {100 * done / self.total:3.0f}%"
        if loss is not None and math.isfinite(loss):
            text += f"  loss {loss:.4g}"
        text += f"  {now - self.start:.1f} s"
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()


def run_train(args: argparse.Namespace) -> int:
    """``nnsim train``: train a scene headless; save it with ``--out``."""
    from engine.errors import DivergenceError
    from engine.scene import SceneError, load_scene, save_scene, scene_from_trainer

    try:
        scene = load_scene(args.scene)
        trainer = scene.make_trainer()
    except SceneError as exc:
        return _fail(exc)
    unit, total = ("epoch", args.epochs) if args.epochs else ("step", args.steps)
    bar = ProgressBar(total, unit, enabled=not args.quiet)
    start_step, start_epoch = trainer.step_count, trainer.epoch
    started = time.monotonic()
    interrupted = False
    try:
        done = 0
        while done < total:
            if args.epochs:
                trainer.run_epochs(1)
                done += 1
            else:
                chunk = min(total - done, max(1, trainer.data.n_train // max(1, trainer.settings.batch_size)))
                done += trainer.run(chunk)
            bar.update(done, _last_loss(trainer))
    except DivergenceError as exc:
        bar.close()
        print(f"nnsim: {exc}", file=sys.stderr)
        if args.out:
            print(f"nnsim: {args.out} was not written", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        interrupted = True
    bar.update(done, _last_loss(trainer), force=True)
    bar.close()
    seconds = time.monotonic() - started
    steps, epochs = trainer.step_count - start_step, trainer.epoch - start_epoch
    print(
        f"{'interrupted after' if interrupted else 'trained'} {epochs} epochs ({steps} steps) "
        f"in {seconds:.1f} s"
    )
    loss_name = trainer.settings.loss
    for split in ("train", "test"):
        n = trainer.data.n_train if split == "train" else trainer.data.n_test
        if n == 0:
            continue
        loss, acc = trainer.evaluate(split)
        line = f"{split:<6} loss {loss:.6g} ({loss_name})"
        if trainer.data.task == "classification":
            line += f"  accuracy {100 * acc:.1f} %"
        print(line)
    if args.out:
        try:
            save_scene(scene_from_trainer(trainer, scene), args.out)
        except SceneError as exc:
            return _fail(exc)
        print(f"saved {args.out}")
    return 130 if interrupted else 0


def _last_loss(trainer) -> float | None:
    history = trainer.history
    if len(history):
        return float(history.train_loss[-1])
    return None


# -- info and validate ------------------------------------------------------------------------------------


def run_info(args: argparse.Namespace) -> int:
    """``nnsim info``: print a summary of one scene."""
    from engine.scene import SceneError, describe, load_scene

    try:
        scene = load_scene(args.scene)
    except SceneError as exc:
        return _fail(exc)
    try:
        dataset = scene.make_dataset()
    except SceneError as exc:
        dataset = exc
    print(f"{args.scene}\n")
    print(describe(scene, dataset))
    return 0


def scene_files(names: Sequence[str]) -> list[Path]:
    """The files named, with each folder replaced by the ``.nnscene`` files in it (sorted)."""
    files: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix == SCENE_SUFFIX and p.is_file()))
        else:
            files.append(path)
    return files


def check_scene_file(path: Path) -> str | None:
    """Load ``path`` and set up its training run; return the problem, or None when the file is good."""
    from engine.scene import SceneError, load_scene

    try:
        scene = load_scene(path)
        scene.make_trainer(evaluate=False)
    except SceneError as exc:
        exc.source = None
        return str(exc)
    except Exception as exc:  # a bug must not stop a teacher's check of a whole folder
        return f"unexpected {type(exc).__name__}: {exc}"
    return None


def run_validate(args: argparse.Namespace) -> int:
    """``nnsim validate``: check every file; print ``ok``/``error`` lines; exit 1 if any has an error."""
    files = scene_files(args.scenes)
    if not files:
        print("nnsim: no .nnscene files found", file=sys.stderr)
        return 1
    bad = 0
    for path in files:
        problem = check_scene_file(path)
        if problem is None:
            if not args.quiet:
                print(f"ok     {path}")
        else:
            bad += 1
            print(f"error  {path}: {problem}")
    if bad:
        verb = "has" if bad == 1 else "have"
        print(f"{bad} of {len(files)} file{'s' if len(files) != 1 else ''} {verb} errors", file=sys.stderr)
    return 1 if bad else 0


def _fail(exc: Exception) -> int:
    print(f"nnsim: error: {exc}", file=sys.stderr)
    return 1


# -- entry point -------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnsim`` command line and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.
    """
    parser = build_parser()
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse_arguments(parser, arguments)
    except SystemExit as exc:  # --help, --version and usage errors exit inside argparse
        return _exit_code(exc.code)
    handler: Handler = args.handler
    return handler(args)


def parse_arguments(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; ``nnsim SCENE`` opens the window on SCENE (no other arguments may follow)."""
    scene = scene_argument(argv)
    if scene is None:
        args = parser.parse_args(list(argv))
        args.scene_path = None
        return args
    if len(argv) > 1:
        parser.error(f"unexpected arguments after the scene {scene}: {' '.join(argv[1:])}")
    return argparse.Namespace(handler=open_window, scene_path=scene)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
