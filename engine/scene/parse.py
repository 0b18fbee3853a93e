"""Bytes to a JSON document, with every guard a hostile file needs, before any scene logic runs.

The file size is checked first, the text must be UTF-8 (a byte-order mark is allowed), the JSON
must parse, and one iterative walk then caps nesting depth, the number of values and the size of
numbers. Every failure is a ``SceneError`` naming the JSON path; nothing else escapes.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from engine.scene import limits
from engine.scene.errors import SceneError, child, show


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a scene file, refusing one over ``limits.MAX_FILE_BYTES`` before reading it."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.MAX_FILE_BYTES:
                raise SceneError(_too_big(size))
            data = fh.read(limits.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SceneError("there is no such file") from None
    except IsADirectoryError:
        raise SceneError("this is a folder, not a scene file") from None
    except OSError as exc:
        raise SceneError(f"the file cannot be read ({exc.strerror or exc})") from None
    if len(data) > limits.MAX_FILE_BYTES:
        raise SceneError(_too_big(len(data)))
    return data


def _too_big(size: int) -> str:
    return f"the file is {size / 2**20:.0f} MB; a scene file may be at most {limits.MAX_FILE_BYTES >> 20} MB"


def decode_text(data: bytes | str) -> str:
    """UTF-8 bytes (with or without a byte-order mark) to text."""
    if isinstance(data, str):
        text = data
    else:
        if len(data) > limits.MAX_FILE_BYTES:
            raise SceneError(_too_big(len(data)))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SceneError(
                f"the file is not UTF-8 text (byte {exc.start} cannot be decoded); is it a scene file?"
            ) from None
    if len(text) > limits.MAX_FILE_BYTES:
        raise SceneError(_too_big(len(text)))
    return text.removeprefix("\ufeff")


class _Constant(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _reject_constant(name: str) -> float:
    raise _Constant(name)


def parse_json(text: str) -> Any:
    """Parse JSON text; errors name the line and column, and say when the file looks truncated."""
    if not text.strip():
        raise SceneError("the file is empty")
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        if _looks_truncated(text, exc.pos):
            lines = text.count("\n") + 1
            raise SceneError(
                f"the file ends in the middle of a value (line {exc.lineno} of {lines}); it may be truncated"
            ) from None
        raise SceneError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except _Constant as exc:
        raise SceneError(f"JSON has no {exc.name}; numbers must be finite") from None
    except RecursionError:
        raise SceneError(
            f"lists and objects are nested too deeply (more than {limits.MAX_DEPTH} levels)"
        ) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise SceneError(f"not valid JSON: {show(str(exc))}") from None
    check_values(doc)
    return doc


def _looks_truncated(text: str, pos: int) -> bool:
    """Whether a parse error at ``pos`` is the end of the text: nothing, or only a cut-off value, follows."""
    rest = text[pos:].rstrip()
    if not rest:
        return True
    if rest[0] == '"':
        return '"' not in rest[1:].replace("\\\\", "").replace('\\"', "")
    return _CUT_TOKEN.fullmatch(rest) is not None


_CUT_TOKEN = re.compile(r"[A-Za-z0-9.+\-]*")


def check_values(doc: Any) -> None:
    """Walk the document once, without recursion: depth, value count, finite and sane numbers."""
    # A path is kept as a linked list (parent, key) and written out only when a value fails.
    stack: list[tuple[Any, tuple | None, int]] = [(doc, None, 0)]
    count = 0
    while stack:
        value, where, depth = stack.pop()
        count += 1
        if count > limits.MAX_VALUES:
            raise SceneError(f"the file holds more than {limits.MAX_VALUES:,} values")
        if isinstance(value, str):
            _check_text(value, where)
            continue
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            if abs(value) > limits.MAX_INT:
                raise SceneError(f"the number {show(value)} is too large", _path(where))
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                raise SceneError("numbers must be finite (this one is too large)", _path(where))
            continue
        if depth >= limits.MAX_DEPTH:
            raise SceneError(
                f"lists and objects are nested more than {limits.MAX_DEPTH} levels deep", _path(where)
            )
        if isinstance(value, list):
            if len(value) > limits.MAX_VALUES:
                raise SceneError(f"the list holds {len(value):,} values", _path(where))
            stack.extend((item, (where, k), depth + 1) for k, item in enumerate(value))
        elif isinstance(value, dict):
            for key in value:
                _check_text(key, (where, key))
            stack.extend((item, (where, key), depth + 1) for key, item in value.items())


def _check_text(text: str, where: tuple | None) -> None:
    """Refuse a lone surrogate (a ``\\ud800`` escape JSON allows but UTF-8 cannot store)."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise SceneError(
                "holds a \\u escape that is not a character (a lone surrogate)", _path(where)
            ) from None


def _path(where: tuple | None) -> str:
    keys = []
    while where is not None:
        where, key = where
        keys.append(key)
    path = "$"
    for key in reversed(keys):
        path = child(path, key)
    return path
