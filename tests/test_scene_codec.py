"""Arrays in scene files: base64 of little-endian values with dtype and shape, and nothing else."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.scene import SceneError, decode_array, encode_array, limits
from engine.scene.codec import encoded_length

FAST = settings(max_examples=60, deadline=1000)

finite_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
    elements=st.floats(allow_nan=False, allow_infinity=False, width=32),
)


@FAST
@given(finite_arrays)
def test_round_trip_is_bit_exact(arr):
    back = decode_array(encode_array(arr), dtypes=("float32", "float64"))
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert back.tobytes() == np.ascontiguousarray(arr).tobytes()
    assert back.flags.writeable


def test_bytes_are_little_endian_whatever_the_machine():
    big = np.array([1.0, -2.5], dtype=">f4")
    enc = encode_array(big)
    assert enc["dtype"] == "float32" and enc["shape"] == [2]
    assert base64.b64decode(enc["data"]) == np.array([1.0, -2.5], "<f4").tobytes()
    np.testing.assert_array_equal(decode_array(enc), [1.0, -2.5])


def test_int64_only_where_asked_for():
    enc = encode_array(np.array([0, 2, 1], np.int64))
    np.testing.assert_array_equal(decode_array(enc, dtypes=("int64",)), [0, 2, 1])
    with pytest.raises(SceneError, match="dtype must be one of float32, float64") as info:
        decode_array(enc, "$.w")
    assert info.value.path == "$.w.dtype"


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.complex64, np.bool_, object])
def test_other_dtypes_are_refused_on_write(dtype):
    with pytest.raises(SceneError, match="arrays are stored as"):
        encode_array(np.zeros(3, dtype))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused_both_ways(bad):
    arr = np.array([1.0, bad], np.float32)
    with pytest.raises(SceneError, match="NaN or infinite"):
        encode_array(arr)
    forged = {
        "dtype": "float32",
        "shape": [2],
        "data": base64.b64encode(arr.astype("<f4").tobytes()).decode(),
    }
    with pytest.raises(SceneError, match="NaN or infinite values \\(first at index \\[1\\]\\)") as info:
        decode_array(forged, "$.state.weights['h1.bias']")
    assert info.value.path == "$.state.weights['h1.bias'].data"


def test_nan_is_allowed_only_on_request_and_infinity_never():
    arr = np.array([0.5, np.nan])
    np.testing.assert_array_equal(decode_array(encode_array(arr, allow_nan=True), allow_nan=True), arr)
    with pytest.raises(SceneError):
        decode_array(encode_array(arr, allow_nan=True))
    with pytest.raises(SceneError, match="infinite"):
        encode_array(np.array([np.inf]), allow_nan=True)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"shape": [2, 5]}, "$.a.data", "needs 10 values"),
        ({"shape": [3]}, "$.a.data", "needs 3 values"),
        ({"shape": [-1, 4]}, "$.a.shape[0]", "whole number >= 0"),
        ({"shape": [2.0, 4]}, "$.a.shape[0]", "whole number >= 0"),
        ({"shape": "2x4"}, "$.a.shape", "list of whole numbers"),
        ({"shape": [1, 1, 1, 1, 8]}, "$.a.shape", "at most 4 dimensions"),
        ({"shape": [10**9, 10**9]}, "$.a.shape", "at most"),
        ({"dtype": "<f4"}, "$.a.dtype", "dtype must be"),
        ({"dtype": None}, "$.a.dtype", "dtype must be"),
        ({"data": 12}, "$.a.data", "base64 string"),
        ({"data": "!" * 44}, "$.a.data", "not valid base64"),
        ({"pickle": "x"}, "$.a", "unknown key 'pickle'"),
    ],
)
def test_malformed_arrays_name_the_path(change, path, message):
    enc = encode_array(np.arange(8, dtype=np.float32).reshape(2, 4))
    enc.update(change)
    with pytest.raises(SceneError, match=message) as info:
        decode_array(enc, "$.a")
    assert info.value.path == path


def test_missing_keys_and_wrong_types():
    with pytest.raises(SceneError, match="has no 'data'"):
        decode_array({"dtype": "float32", "shape": [1]}, "$.a")
    with pytest.raises(SceneError, match="an object with dtype, shape and data"):
        decode_array([1.0, 2.0], "$.a")


def test_a_lying_length_is_refused_before_decoding():
    huge = {"dtype": "float64", "shape": [limits.MAX_ARRAY_ELEMENTS], "data": "AAAA"}
    with pytest.raises(SceneError, match="needs 50,000,000 values"):
        decode_array(huge, "$.a")


def test_encoded_length_matches_base64():
    for n in range(0, 20):
        assert encoded_length(n, 4) == len(base64.b64encode(bytes(4 * n)))


def test_size_cap_on_write(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ARRAY_ELEMENTS", 10)
    with pytest.raises(SceneError, match="at most 10 values"):
        encode_array(np.zeros(11, np.float32))
