"""Compiled kernels: ``cpu`` is the Numba target every trainer uses; ``layout`` its table contract."""
