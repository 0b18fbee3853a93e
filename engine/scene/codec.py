"""Arrays in a scene file: ``{"dtype": "float32", "shape": [2, 8], "data": "<base64>"}``.

The bytes are the array in C order, little-endian, base64-encoded (RFC 4648, with padding). Only
``float32``, ``float64`` and ``int64`` are read; nothing is ever unpickled or evaluated. The encoded
length is checked against the shape before any decoding, so a lying header costs nothing.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np

from engine.scene import limits
from engine.scene.errors import SceneError, child, show, type_name

DTYPES: dict[str, np.dtype] = {
    "float32": np.dtype("<f4"),
    "float64": np.dtype("<f8"),
    "int64": np.dtype("<i8"),
}
KEYS = ("dtype", "shape", "data")


def encode_array(array: np.ndarray, allow_nan: bool = False) -> dict[str, Any]:
    """Return the JSON form of a float32, float64 or int64 array (a copy, little-endian, C order).

    ``allow_nan`` lets NaN through (never infinity), for history columns such as a regression's
    accuracy.

    Raises
    ------
    SceneError
        For another dtype, too many elements, or NaN and infinite values.
    """
    arr = np.asarray(array)
    name = arr.dtype.name
    if name not in DTYPES:
        raise SceneError(f"arrays are stored as {', '.join(DTYPES)}, not {name}")
    if arr.size > limits.MAX_ARRAY_ELEMENTS:
        raise SceneError(f"an array holds at most {limits.MAX_ARRAY_ELEMENTS:,} values, not {arr.size:,}")
    if arr.ndim > limits.MAX_ARRAY_DIMS:
        raise SceneError(f"arrays have at most {limits.MAX_ARRAY_DIMS} dimensions, not {arr.ndim}")
    if arr.dtype.kind == "f":
        bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
        if np.any(bad):
            raise SceneError(
                "the array holds infinite values" if allow_nan else "the array holds NaN or infinite values"
            )
    raw = np.ascontiguousarray(arr, DTYPES[name]).tobytes()
    return {"dtype": name, "shape": list(arr.shape), "data": base64.b64encode(raw).decode("ascii")}


def encoded_length(n_elements: int, itemsize: int) -> int:
    """Length of the base64 text for ``n_elements`` values of ``itemsize`` bytes, with padding."""
    return 4 * math.ceil(n_elements * itemsize / 3)


def decode_array(
    value: Any,
    path: str = "$",
    dtypes: tuple[str, ...] = ("float32", "float64"),
    allow_nan: bool = False,
) -> np.ndarray:
    """Read an encoded array at JSON path ``path``; returns a native-endian, writeable copy.

    Parameters
    ----------
    dtypes : tuple of str
        The dtypes accepted here (weights take float32 or float64; labels take int64).
    allow_nan : bool
        Accept NaN (never infinity), as in the accuracy column of a regression's history.
    """
    if not isinstance(value, dict):
        raise SceneError(f"an array is an object with dtype, shape and data, not {type_name(value)}", path)
    extra = sorted(set(value) - set(KEYS))
    if extra:
        raise SceneError(f"unknown key {show(extra[0])}; an array has only {', '.join(KEYS)}", path)
    for key in KEYS:
        if key not in value:
            raise SceneError(f"the array has no {key!r}", path)
    dtype = value["dtype"]
    if not isinstance(dtype, str) or dtype not in dtypes:
        raise SceneError(f"dtype must be one of {', '.join(dtypes)}, not {show(dtype)}", child(path, "dtype"))
    shape = _shape(value["shape"], child(path, "shape"))
    n = math.prod(shape)
    data = value["data"]
    data_path = child(path, "data")
    if not isinstance(data, str):
        raise SceneError(f"data must be a base64 string, not {type_name(data)}", data_path)
    itemsize = DTYPES[dtype].itemsize
    expected = encoded_length(n, itemsize)
    if len(data) != expected:
        have = len(data) * 3 // 4 // itemsize
        raise SceneError(
            f"the shape {list(shape)} needs {n:,} values ({expected:,} base64 characters), "
            f"but data holds about {have:,} ({len(data):,} characters)",
            data_path,
        )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise SceneError("data is not valid base64", data_path) from None
    if len(raw) != n * itemsize:
        raise SceneError(f"data holds {len(raw):,} bytes; the shape needs {n * itemsize:,}", data_path)
    arr = np.frombuffer(raw, DTYPES[dtype]).astype(DTYPES[dtype].newbyteorder("="), copy=True)
    arr = arr.reshape(shape)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if allow_nan:
            bad &= ~np.isnan(arr)
        if np.any(bad):
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            what = "infinite" if allow_nan else "NaN or infinite"
            raise SceneError(f"the array holds {what} values (first at index {list(index)})", data_path)
    return arr


def _shape(value: Any, path: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise SceneError(f"shape must be a list of whole numbers, not {type_name(value)}", path)
    if len(value) > limits.MAX_ARRAY_DIMS:
        raise SceneError(f"arrays have at most {limits.MAX_ARRAY_DIMS} dimensions, not {len(value)}", path)
    for k, dim in enumerate(value):
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 0:
            raise SceneError(f"a dimension must be a whole number >= 0, not {show(dim)}", child(path, k))
    n = math.prod(value)
    if n > limits.MAX_ARRAY_ELEMENTS:
        raise SceneError(f"the shape {value} holds {n:,} values; at most {limits.MAX_ARRAY_ELEMENTS:,}", path)
    return tuple(value)
