"""Keyframes of a training run within a memory budget, so any earlier step can be restored exactly.

Training is deterministic given the state in a snapshot (randomness is counter-based), so the
timeline keeps only every ``interval``-th state and replays the gap. When the keyframes outgrow the
budget, the interval doubles and every other keyframe goes: memory stays bounded for any run length
while a rewind replays at most one interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_BUDGET = 256 * 1024 * 1024


@dataclass(frozen=True)
class Snapshot:
    """The full state of a trainer at the start of step ``step``."""

    step: int
    epoch: int
    cursor: int
    opt_t: int
    params: np.ndarray
    m1: np.ndarray
    m2: np.ndarray
    history_len: int
    losses_len: int

    @property
    def nbytes(self) -> int:
        return self.params.nbytes + self.m1.nbytes + self.m2.nbytes


class Timeline:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET, interval: int = 256) -> None:
        if budget_bytes <= 0:
            raise ValueError("the timeline budget must be positive")
        self.budget = int(budget_bytes)
        self.interval = max(1, int(interval))
        self._frames: dict[int, Snapshot] = {}

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self._frames.values())

    @property
    def steps(self) -> list[int]:
        return sorted(self._frames)

    def due(self, step: int) -> bool:
        return step % self.interval == 0 and step not in self._frames

    def next_due(self, step: int) -> int:
        """The first step after ``step`` at which a keyframe is wanted."""
        return (step // self.interval + 1) * self.interval

    def add(self, snap: Snapshot) -> None:
        self._frames[snap.step] = snap
        first = min(self._frames)
        while self.nbytes > self.budget and len(self._frames) > 1:
            self.interval *= 2
            for step in [s for s in self._frames if s % self.interval and s != first]:
                del self._frames[step]
            if len(self._frames) > 1 and self.interval > max(self._frames):
                # one frame per budget is all that fits: keep the first and the newest
                newest = max(self._frames)
                for step in [s for s in self._frames if s not in (first, newest)]:
                    del self._frames[step]
                if self.nbytes > self.budget:
                    del self._frames[newest if newest != snap.step else first]
                break

    def latest_at_or_before(self, step: int) -> Snapshot | None:
        candidates = [s for s in self._frames if s <= step]
        return self._frames[max(candidates)] if candidates else None

    def truncate_after(self, step: int) -> None:
        for s in [s for s in self._frames if s > step]:
            del self._frames[s]

    def clear(self) -> None:
        self._frames.clear()

    @property
    def earliest(self) -> int | None:
        return min(self._frames) if self._frames else None
