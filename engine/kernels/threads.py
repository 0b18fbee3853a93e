"""BLAS on one thread, unless ``NNSIM_BLAS_THREADS`` says otherwise.

The matrix products of a course-sized network take micro- to milliseconds. With two BLAS threads on a
laptop whose other core draws the window, every product waits for a busy core: a 400 × 64 layer trained
ten times slower than on one thread. One thread is steady, and leaves the other core to the window.
"""

from __future__ import annotations

import os

ENV = "NNSIM_BLAS_THREADS"


def blas_threads() -> int:
    """The number of BLAS threads asked for (``NNSIM_BLAS_THREADS``, default 1)."""
    try:
        return max(1, int(os.environ.get(ENV, "1")))
    except ValueError:
        return 1


def limit_blas_threads() -> int:
    """Limit every loaded BLAS library, SciPy's (which the kernels' ``np.dot`` calls) included."""
    import scipy.linalg.cython_blas  # noqa: F401 - loads the library the kernels use, so the limit reaches it
    from threadpoolctl import threadpool_limits

    n = blas_threads()
    threadpool_limits(limits=n, user_api="blas")
    return n
