"""The ``nnsim`` command.

``nnsim`` with no arguments opens the simulator window. ``--help`` and ``--version`` work without a
display and without importing Qt: the window's modules are imported only when it opens.

Subcommands are added in :func:`build_parser` with ``add_subparsers``; each sets a ``handler``
default (``sub.set_defaults(handler=run_train)``) that :func:`main` calls with the parsed arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from simulator import __version__

DESCRIPTION = (
    "nnsim is a visual neural-network simulator for teaching. Build a network by drag and drop, "
    "watch its weights and activations change as it trains, step through forward and "
    "back-propagation phase by phase, rewind, and save the scene."
)
EPILOG = (
    "Run without arguments to open the simulator window. "
    "Without a display, set QT_QPA_PLATFORM=offscreen or run it under xvfb-run."
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for the ``nnsim`` command line."""
    parser = argparse.ArgumentParser(prog="nnsim", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"nnsim {__version__}")
    parser.set_defaults(handler=open_window)
    return parser


def open_window(args: argparse.Namespace) -> int:
    """Open the simulator window and return the application's exit code."""
    from simulator.app import run_app  # imports Qt, so only here

    return run_app(["nnsim"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnsim`` command line and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # --help, --version and usage errors exit inside argparse
        return _exit_code(exc.code)
    handler: Handler = args.handler
    return handler(args)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
