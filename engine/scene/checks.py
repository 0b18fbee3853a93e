"""Small typed checks over parsed JSON, each raising a ``SceneError`` that names the JSON path."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from typing import Any

from engine.scene import limits
from engine.scene.errors import SceneError, child, show, type_name

ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
"""Layer ids, as ``engine.network`` accepts them."""
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
"""Names of panels, controls and parameters."""
COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


def obj(value: Any, path: str, required: Iterable[str] = (), optional: Iterable[str] = ()) -> dict[str, Any]:
    """Require an object with every ``required`` key and no key outside ``required`` and ``optional``."""
    if not isinstance(value, dict):
        raise SceneError(f"must be an object {{...}}, not {type_name(value)}", path)
    required = tuple(required)
    known = set(required) | set(optional)
    for key in required:
        if key not in value:
            raise SceneError(f"{key!r} is missing", path)
    for key in value:
        if key not in known:
            raise SceneError(f"unknown key {show(key)}; expected {_listed(sorted(known))}", child(path, key))
    return value


def string(
    value: Any, path: str, max_len: int, min_len: int = 0, pattern: re.Pattern[str] | None = None
) -> str:
    if not isinstance(value, str):
        raise SceneError(f"must be a string, not {type_name(value)}", path)
    if len(value) > max_len:
        raise SceneError(f"is {len(value):,} characters long; at most {max_len:,} are allowed", path)
    if len(value) < min_len:
        raise SceneError(
            "must not be empty" if min_len == 1 else f"needs at least {min_len} characters", path
        )
    if pattern is not None and not pattern.match(value):
        raise SceneError(f"{show(value)} is not a valid name here", path)
    return value


def choice(value: Any, path: str, options: Collection[str], what: str = "value") -> str:
    if not isinstance(value, str) or value not in options:
        raise SceneError(f"unknown {what} {show(value)}; choose one of {_listed(options)}", path)
    return value


def integer(value: Any, path: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            raise SceneError(f"must be a whole number written without a decimal point, not {value!r}", path)
        raise SceneError(f"must be a whole number, not {type_name(value)} {show(value)}", path)
    if not lo <= value <= hi:
        raise SceneError(f"must be between {lo:,} and {hi:,}, not {value:,}", path)
    return value


def number(
    value: Any, path: str, lo: float, hi: float, lo_open: bool = False, hi_open: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SceneError(f"must be a number, not {type_name(value)} {show(value)}", path)
    if not math.isfinite(value):
        raise SceneError(f"must be a finite number, not {value!r}", path)
    below = value <= lo if lo_open else value < lo
    above = value >= hi if hi_open else value > hi
    if below or above:
        left, right = "(" if lo_open else "[", ")" if hi_open else "]"
        raise SceneError(f"must be in {left}{lo:g}, {hi:g}{right}, not {value!r}", path)
    return value


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise SceneError(f"must be true or false, not {type_name(value)} {show(value)}", path)
    return value


def array(value: Any, path: str, max_items: int = limits.MAX_ITEMS, min_items: int = 0) -> list[Any]:
    if not isinstance(value, list):
        raise SceneError(f"must be a list [...], not {type_name(value)}", path)
    if len(value) > max_items:
        raise SceneError(f"holds {len(value):,} entries; at most {max_items:,} are allowed", path)
    if len(value) < min_items:
        raise SceneError(f"needs at least {min_items} entr{'y' if min_items == 1 else 'ies'}", path)
    return value


def pair(value: Any, path: str, positive: bool = False) -> tuple[float, float]:
    """Two numbers ``[x, y]`` (a canvas position), or two numbers > 0 (a size)."""
    array(value, path, 2, 2)
    lo = 0.0 if positive else -limits.MAX_COORDINATE
    x, y = (
        number(v, child(path, k), lo, limits.MAX_COORDINATE, lo_open=positive) for k, v in enumerate(value)
    )
    return float(x), float(y)


def unique_strings(
    value: Any, path: str, pattern: re.Pattern[str] = NAME_PATTERN, max_items: int = limits.MAX_ITEMS
) -> list[str]:
    items = array(value, path, max_items)
    seen: set[str] = set()
    for k, item in enumerate(items):
        string(item, child(path, k), 200, 1, pattern)
        if item in seen:
            raise SceneError(f"{show(item)} is listed twice", child(path, k))
        seen.add(item)
    return items


def free_form(value: Any, path: str) -> None:
    """A view-state object: plain JSON values within the view limits (no recursion into huge trees)."""
    obj(value, path, optional=value.keys() if isinstance(value, dict) else ())
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    count = 0
    while stack:
        item, where, depth = stack.pop()
        count += 1
        if count > limits.MAX_VIEW_ITEMS:
            raise SceneError(f"the view state holds more than {limits.MAX_VIEW_ITEMS:,} values", path)
        if isinstance(item, str):
            string(item, where, limits.MAX_VIEW_STRING)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise SceneError("must be a finite number", where)
        elif item is None or type(item) in (bool, int):
            pass
        elif isinstance(item, (list, dict)):
            if depth >= limits.MAX_VIEW_DEPTH:
                raise SceneError(f"the view state is nested more than {limits.MAX_VIEW_DEPTH} levels", where)
            if isinstance(item, list):
                stack.extend((v, child(where, k), depth + 1) for k, v in enumerate(item))
            else:
                for key, v in item.items():
                    string(key, child(where, str(key)), limits.MAX_NAME)
                    stack.append((v, child(where, key), depth + 1))
        else:
            raise SceneError(
                f"must be a JSON value (null, true/false, a number, a string, a list or an object), "
                f"not {type(item).__name__}",
                where,
            )


def _listed(options: Iterable[str]) -> str:
    names = [repr(o) for o in options]
    if len(names) > 12:
        names = names[:12] + ["…"]
    return ", ".join(names)
