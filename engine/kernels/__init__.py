"""Compiled kernels. ``cpu`` is the Numba target every trainer uses; ``reference`` is plain numpy for tests."""
