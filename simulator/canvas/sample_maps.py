"""Every layer's values for one chosen training sample, for the canvas's feature-map stacks.

The image layers show the maps of one sample (the controller's ``sample``) rather than a batch mean,
which would blur digits and strokes into a grey average. One forward pass of one row, redone only when
the weights, the data or the sample change; networks without image layers skip it entirely.
"""

from __future__ import annotations

import numpy as np

from engine import Model, Trainer


def has_images(model: Model | None) -> bool:
    return model is not None and any(len(s) == 3 for s in model.resolved.shapes.values())


class SampleMaps:
    """``maps[layer_id]``: the flat (width,) values of training sample ``sample`` in that layer."""

    def __init__(self) -> None:
        self.maps: dict[str, np.ndarray] = {}
        self.sample = 0
        self._key: tuple | None = None
        self._flat: np.ndarray | None = None

    def update(self, model: Model | None, trainer: Trainer, sample: int) -> bool:
        """Recompute if anything changed; True when the maps are new."""
        if not has_images(model) or trainer.data.n_train == 0:
            changed = bool(self.maps)
            self.maps, self._key, self._flat = {}, None, None
            return changed
        sample = min(max(0, int(sample)), trainer.data.n_train - 1)
        key = (model, trainer.data, sample)
        if key == self._key and self._flat is not None and np.array_equal(self._flat, model.flat):
            return False
        self._key, self._flat, self.sample = key, model.flat.copy(), sample
        acts = model.activations(trainer.data.x_train[sample : sample + 1])
        self.maps = {k: np.asarray(v[0], np.float64) for k, v in acts.items()}
        return True
