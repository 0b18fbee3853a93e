"""Load the engine's cached kernels without setting up Numba's whole compiler first.

Before Numba loads any function from its cache it "refreshes" its CPU target: it imports and registers
the implementation of every Python and NumPy feature it can compile (lists, dicts, strings, random,
polynomials...). That takes about 0.35 s, once per process, and loading compiled code needs none of it:
only the memory-management runtime the compiled code calls. Numba refreshes its target again itself
before anything new compiles, so nothing is lost by skipping it here.

:func:`install` makes the cache do that for the engine's own kernels (``engine.*`` and ``simulator.*``);
any other cached function loads as Numba always does. If a Numba release changes what this relies on,
:func:`install` leaves Numba as it is and the kernels load the usual way, a little slower.
"""

from __future__ import annotations

OWN_PACKAGES = ("engine.", "simulator.")

_installed = False


def _is_own(cache) -> bool:
    module = getattr(getattr(cache, "_py_func", None), "__module__", None) or ""
    return module.startswith(OWN_PACKAGES)


def install() -> bool:
    """Make Numba's cache load the engine's kernels without refreshing its target; True when in place."""
    global _installed
    if _installed:
        return True
    try:
        from numba.core import caching
        from numba.core.runtime import rtsys

        usual = caching.Cache.load_overload
        guard = caching.Cache._guard_against_spurious_io_errors
        load = caching.Cache._load_overload
    except (ImportError, AttributeError):
        return False

    def load_overload(self, sig, target_context):
        if not _is_own(self):
            return usual(self, sig, target_context)
        rtsys.initialize(target_context)  # the runtime the compiled code calls (the rest of the refresh
        # registers what compiling needs; Numba does it before it compiles anything)
        with guard(self):
            return load(self, sig, target_context)

    load_overload.__doc__ = usual.__doc__
    caching.Cache.load_overload = load_overload
    _installed = True
    return True
