"""Recompute a whole-set panel no more often than keeps its cost a small share of the time.

Evaluating a large data set can take tens of milliseconds. :class:`CostThrottle` runs such a job at most
every ``min_interval`` seconds and otherwise only as often as keeps it under ``share`` of the time; a
call that comes too early schedules one for later, so the last state after training stops is drawn.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from PySide6.QtCore import QObject, QTimer

MIN_INTERVAL = 0.1
WORK_SHARE = 0.1


class CostThrottle:
    """Runs a job when its key changed and it is due; else schedules ``retry`` for when it is due."""

    def __init__(
        self,
        owner: QObject,
        retry: Callable[[], None],
        min_interval: float = MIN_INTERVAL,
        share: float = WORK_SHARE,
    ) -> None:
        self._key: Hashable | None = None
        self._next = 0.0
        self._min, self._share = min_interval, share
        self._timer = QTimer(owner)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(retry)

    def run(self, key: Hashable, job: Callable[[], None]) -> bool:
        """Run ``job`` now if ``key`` is new and the job is due; True when it ran."""
        if key == self._key:
            return False
        wait = self._next - time.perf_counter()
        if wait > 0:
            if not self._timer.isActive():
                self._timer.start(int(wait * 1000) + 1)
            return False
        start = time.perf_counter()
        self._key = key
        job()
        cost = time.perf_counter() - start
        self._next = time.perf_counter() + max(self._min, cost / self._share)
        return True

    def forget(self) -> None:
        """Make the next :meth:`run` happen whatever its key."""
        self._key = None
        self._next = 0.0
