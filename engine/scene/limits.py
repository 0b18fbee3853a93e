"""Caps on what a scene file may hold, so a hostile or broken file fails fast instead of eating memory."""

from __future__ import annotations

MAX_FILE_BYTES = 200 * 1024 * 1024
"""A scene file larger than this is refused before it is read."""

MAX_DEPTH = 32
"""Deepest nesting of lists and objects anywhere in a document."""

MAX_VALUES = 500_000
"""Most JSON values (numbers, strings, lists, objects) in one document; arrays are single strings."""

MAX_INT = 2**53
"""Largest whole number accepted anywhere (larger ones are not exact as JSON numbers in most tools)."""

MAX_ARRAY_ELEMENTS = 50_000_000
"""Most elements in one encoded array (weights, optimiser moments, inline data)."""

MAX_ARRAY_DIMS = 4

MAX_PARAMS = 20_000_000
"""Most weights in one network."""

MAX_UNITS = 65_536
"""Largest width of one layer (Dense units, Input size)."""

MAX_WINDOW = 1_024
"""Largest side of a convolution kernel, a pooling window or a stride."""

MAX_WIDTH = 1_000_000
"""Most values one sample makes in all layers together (Concat can grow widths quickly)."""

MAX_WORK_BYTES = 4 * 2**30
"""Most memory a scene's training buffers may take (rows x layer widths)."""

MAX_NODES = 200
"""Most layers in one network (checking a graph takes time that grows fast with its size)."""

MAX_TITLE = 200
MAX_DESCRIPTION = 2_000
MAX_TEXT = 100_000
"""Longest lesson text or lesson step."""
MAX_NOTE = 10_000
MAX_NAME = 200
"""Longest name: a data set, a CSV path, a class name."""
MAX_ID = 64
MAX_ITEMS = 1_000
"""Most entries in one list of a scene: lesson steps, notes, arrows, locks."""

MAX_VIEW_ITEMS = 10_000
"""Most values in the free-form view state."""
MAX_VIEW_STRING = 10_000
MAX_VIEW_DEPTH = 8

MAX_COORDINATE = 1e7
"""Largest absolute canvas coordinate or size."""

MAX_SEED = 2**32 - 1
MAX_STEPS = 10**12
"""Largest step or epoch counter a trained scene may record."""
