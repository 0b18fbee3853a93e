"""The one error a scene file can raise, naming the JSON path of the problem, and path helpers."""

from __future__ import annotations

import re

from engine.errors import NnsimError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHOWN = 60


class SceneError(NnsimError):
    """A scene file cannot be read, migrated, validated or built.

    Parameters
    ----------
    message : str
        What is wrong, in words a teacher can act on.
    path : str
        JSONPath of the offending value, such as ``$.network.nodes[3].layer.units``; ``$`` is the
        whole document.
    source : str, optional
        The file the scene came from, when there is one.
    """

    def __init__(self, message: str, path: str = "$", source: str | None = None) -> None:
        super().__init__(message)
        self.reason = message
        self.path = path
        self.source = source

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.path}: {self.reason}"

    def with_source(self, source: str) -> SceneError:
        """Return this error with the file name attached (the traceback is kept)."""
        self.source = source
        return self


def child(path: str, key: str | int) -> str:
    """The path of ``key`` inside ``path``: ``$.a`` + ``b`` -> ``$.a.b``; + ``3`` -> ``$.a[3]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}[{show(key)}]"


def show(value: object) -> str:
    """A short ``repr`` for messages: a hostile file's megabyte-long string is cut to a few words."""
    text = repr(value)
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 5] + "…" + text[-4:]
    return text


def type_name(value: object) -> str:
    """The JSON name of a parsed value's type, for messages such as 'must be a number, not a string'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
