"""Errors the engine raises, each naming what went wrong and where, so a window can show them as they are."""

from __future__ import annotations


class NnsimError(Exception):
    """Base class of every error the engine raises on purpose."""


class GraphError(NnsimError):
    """A network graph cannot be built: a shape mismatch, a cycle, a dangling input or no output.

    ``layer`` names the offending layer (or ``None`` when the problem is the graph as a whole).
    """

    def __init__(self, message: str, layer: str | None = None) -> None:
        super().__init__(f"layer '{layer}': {message}" if layer else message)
        self.layer = layer
        self.reason = message


class ConfigError(NnsimError):
    """A layer, loss, optimiser or initialiser was given a parameter it cannot use."""


class DataError(NnsimError):
    """A dataset cannot be made or loaded. ``row`` is the 1-based line number in a file, when known."""

    def __init__(self, message: str, row: int | None = None, source: str | None = None) -> None:
        where = ""
        if source:
            where += f"{source}: "
        if row is not None:
            where += f"row {row}: "
        super().__init__(where + message)
        self.row = row
        self.source = source
        self.reason = message


class DivergenceError(NnsimError):
    """Training produced a NaN or infinite loss or weight at step ``step`` (0-based), in ``layer``.

    The trainer is put back at the start of step ``resume_step``, the last state whose training
    stayed finite, so the user can lower the learning rate and carry on.
    """

    def __init__(self, message: str, step: int, layer: str | None, resume_step: int | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.layer = layer
        self.resume_step = step if resume_step is None else resume_step
