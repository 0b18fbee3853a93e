"""What the layer detail panel shows, worked out without Qt: which matrices, and their values.

:func:`make_plan` decides which heatmaps a layer gets; :class:`StepData` collects one mini-batch's phase
events as they arrive; :func:`gather` returns the arrays to show (from that phase data while stepping
phase by phase, else from the trainer at the current weights), a note for each one that is missing and
the caption under the panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine import Dense, Input, Phase, PhaseEvent, Trainer

SAMPLE_ROWS = 32  # training samples shown when no mini-batch is being stepped


@dataclass
class Plan:
    """What the grid shows for one layer: which matrices, their shapes and axis names."""

    layer: str
    kind: str  # "dense", "input", "image" (filters and feature maps) or "other"
    n_in: int
    n_out: int
    has_bias: bool
    input_names: tuple[str, ...]
    source: str = ""  # the layer feeding a Dense layer


def node_of(trainer: Trainer, layer_id: str):
    """The resolved graph node of ``layer_id``."""
    resolved = trainer.model.resolved
    return resolved.order[resolved.index(layer_id)]


def make_plan(trainer: Trainer, layer_id: str, feature_names: tuple[str, ...]) -> Plan | None:
    """The plan for ``layer_id``, or None when the trained network has no such layer."""
    model = trainer.model
    if not layer_id or layer_id not in model.resolved.shapes:
        return None
    node = node_of(trainer, layer_id)
    if len(model.resolved.shapes[layer_id]) == 3:
        return Plan(layer_id, "image", 0, 0, False, ())
    n_out = int(model.resolved.shapes[layer_id][0])
    if isinstance(node.layer, Input):
        return Plan(layer_id, "input", n_out, n_out, False, feature_names)
    if isinstance(node.layer, Dense):
        source = node.inputs[0]
        n_in = int(model.resolved.shapes[source][0])
        if isinstance(node_of(trainer, source).layer, Input):
            names = feature_names
        else:
            names = tuple(str(i + 1) for i in range(n_in))
        has_bias = f"{layer_id}.bias" in model.params
        return Plan(layer_id, "dense", n_in, n_out, has_bias, names, source)
    return Plan(layer_id, "other", n_out, n_out, False, ())


@dataclass
class StepData:
    """Phase data of one mini-batch, per layer, as the events arrive."""

    step: int
    trainer: Trainer
    caption: str = ""
    batch: np.ndarray | None = None
    deltas: dict[str, np.ndarray] = field(default_factory=dict)
    layers: dict[str, dict[str, np.ndarray | None]] = field(default_factory=dict)

    def take(self, event: PhaseEvent, shown: str) -> tuple[str, ...]:
        """Keep what ``event`` brings; return the colour groups of layer ``shown`` that it changed."""
        self.caption = event.caption()
        if event.batch is not None:
            self.batch = np.asarray(event.batch)
        if event.layer is not None and event.phase is Phase.FORWARD:
            entry = self.layers.setdefault(event.layer, {})
            entry["a"], entry["z"] = event.output, event.pre_activation
            return ("batch",) if event.layer == shown else ()
        if event.layer is not None and event.phase is Phase.BACKWARD:
            entry = self.layers.setdefault(event.layer, {})
            entry["ga"], entry["gz"] = event.output_grad, event.pre_activation_grad
            entry["kernel_grad"], entry["bias_grad"] = event.grads.get("kernel"), event.grads.get("bias")
            return ("batch_grads", "weight_grads") if event.layer == shown else ()
        if event.phase is Phase.UPDATE:
            self.deltas = event.deltas
        return ()


@dataclass
class Shown:
    """What :func:`gather` found: the arrays by heatmap key, notes for the missing ones, the caption
    and which training samples the batch rows are."""

    values: dict[str, np.ndarray | None]
    notes: dict[str, str]
    caption: str
    rows: np.ndarray | None


def last_grads(trainer: Trainer, layer: str) -> dict[str, np.ndarray]:
    """∂L/∂W and ∂L/∂b of the last mini-batch trained, from the trainer's gradient buffer."""
    if trainer.step_count == 0:
        return {}
    program = trainer.model.program
    out = {}
    for name in ("kernel", "bias"):
        key = f"{layer}.{name}"
        if key in trainer.model.params:
            s = program.slot(key)
            if s.offset + s.size <= trainer.grads.size:
                out[name] = trainer.grads[s.offset : s.offset + s.size].reshape(s.shape)
    return out


def gather(plan: Plan, trainer: Trainer, steps: StepData | None, mode: str, samples: np.ndarray) -> Shown:
    """The arrays of ``plan``'s heatmaps: from ``steps`` while stepping phase by phase, else the
    outputs for ``samples`` at the current weights and the last mini-batch's gradients.

    ``mode`` is ``"a"`` (outputs) or ``"z"`` (pre-activations, for a Dense layer).
    """
    model = trainer.model
    values: dict[str, np.ndarray | None] = {}
    notes: dict[str, str] = {}
    layer = plan.layer
    if plan.kind == "dense":
        values["kernel"] = model.params[f"{layer}.kernel"]
        values["bias"] = model.params.get(f"{layer}.bias")
    if steps is not None:
        entry = steps.layers.get(layer, {})
        use_z = plan.kind == "dense" and mode == "z"
        values["batch"] = entry.get("z" if use_z else "a")
        values["batch_grad"] = entry.get("gz" if use_z else "ga")
        values["kernel_grad"] = entry.get("kernel_grad")
        values["bias_grad"] = entry.get("bias_grad")
        notes["batch"] = "computed in the forward pass"
        for k in ("batch_grad", "kernel_grad", "bias_grad"):
            notes[k] = "computed in the backward pass"
        n_rows = len(steps.batch) if steps.batch is not None else 0
        caption = f"Step {steps.step + 1}, a mini-batch of {n_rows} training samples. {steps.caption}"
        delta = steps.deltas.get(f"{layer}.kernel")
        if delta is not None and delta.size:
            caption += f" The largest change of a weight here: {float(np.abs(delta).max()):.3g}."
        return Shown(values, notes, caption, steps.batch)
    acts = model.activations(samples)
    out = acts[layer]
    if plan.kind == "dense" and mode == "z":
        out = acts[plan.source] @ values["kernel"]
        if values["bias"] is not None:
            out += values["bias"]
    values["batch"] = out
    values["batch_grad"] = None
    notes["batch_grad"] = "seen when stepping\nphase by phase"
    if plan.kind == "dense":
        grads = last_grads(trainer, layer)
        values["kernel_grad"], values["bias_grad"] = grads.get("kernel"), grads.get("bias")
        for k in ("kernel_grad", "bias_grad"):
            notes[k] = "no step trained yet"
    last = "; gradients of the last mini-batch trained" if trainer.step_count else ""
    caption = f"Outputs of the first {len(samples)} training samples at the current weights{last}."
    return Shown(values, notes, caption, np.arange(len(samples)))
