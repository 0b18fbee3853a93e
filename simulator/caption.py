"""The phase caption: what the current phase of training does, in plain words, with one worked formula.

:func:`describe` turns a ``PhaseEvent`` into a sentence that names the layer, its sizes, its activation,
the loss and the optimiser; :func:`example_formula` picks one formula with the actual numbers (the
first unit of the layer, or the weight that changed most). :class:`PhaseCaption` shows both and
follows a :class:`~simulator.runner.TrainingRunner`'s ``phase`` signal.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine import Phase, PhaseEvent
from engine.kernels import layout as L
from engine.layers import Activation, Add, Concat, Dense, Dropout, Input
from engine.losses import output_mode
from engine.optimizers import SGD, Adam
from simulator import formulas as F

IDLE_TEXT = (
    "Step phase (Shift+Right) to watch one mini-batch go forward through the network, "
    "meet the loss, send its error back and update the weights."
)
PHASE_COLOURS = {
    Phase.FORWARD: "#0877bd",
    Phase.LOSS: "#8e44ad",
    Phase.BACKWARD: "#e07b00",
    Phase.UPDATE: "#2e8b57",
}
LOSS_NAMES = {
    "mse": "mean squared error",
    "mae": "mean absolute error",
    "cross_entropy": "cross-entropy",
    "binary_cross_entropy": "binary cross-entropy",
}


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def badge(event: PhaseEvent | None, n_layers: int | None = None) -> str:
    """A short tag: ``Step 3 · Forward 2/5``; ``n_layers`` counts the Input too."""
    if event is None:
        return "Phases"
    name = event.phase.value.capitalize()
    where = ""
    if n_layers and event.layer_index is not None:
        if event.phase is Phase.FORWARD:
            where = f" {event.layer_index + 1}/{n_layers}"
        elif event.phase is Phase.BACKWARD:
            where = f" {n_layers - event.layer_index}/{n_layers - 1}"
    return f"Step {event.step + 1} · {name}{where}"


def describe(event: PhaseEvent, trainer=None) -> str:
    """One or two plain sentences on what ``event`` did; ``trainer`` supplies names and settings."""
    if trainer is None:
        return event.caption()
    try:
        return _describe(event, trainer)
    except (KeyError, ValueError, IndexError, AttributeError):
        return event.caption()


def _describe(event: PhaseEvent, trainer) -> str:
    model = trainer.model
    settings = trainer.settings
    if event.phase is Phase.LOSS:
        return _loss_text(event, trainer)
    if event.phase is Phase.UPDATE:
        return _update_text(event, settings)
    node = model.resolved.order[model.resolved.index(event.layer)]
    spec = node.layer
    is_output = event.layer == model.resolved.output
    if event.phase is Phase.FORWARD:
        return _forward_text(event, node, spec, trainer, is_output)
    return _backward_text(event, node, spec, trainer, is_output)


def _forward_text(event, node, spec, trainer, is_output: bool) -> str:
    rows = len(event.output)
    width = event.output.shape[1]
    n_in = sum(x.shape[1] for x in event.inputs)
    layer = f"layer '{event.layer}'"
    if isinstance(spec, Input):
        names = ", ".join(trainer.data.feature_names)
        return (
            f"Step {event.step + 1}, epoch {event.epoch + 1}: a mini-batch of "
            f"{_count(rows, 'training sample')} enters the network, "
            f"{_count(width, 'feature')} each ({names})."
        )
    if isinstance(spec, Dense):
        bias = ", adds the bias" if spec.use_bias else ""
        if spec.activation == "linear":
            act = " (no activation: the output is the weighted sum itself)"
        elif spec.activation == "softmax":
            act = f" and applies softmax, which turns the {width} sums into probabilities"
        else:
            act = f" and applies {spec.activation}"
        text = f"Forward: {layer} multiplies its {_count(n_in, 'input')} by the weights{bias}{act}"
    elif isinstance(spec, Activation):
        text = f"Forward: {layer} applies {spec.activation} to each of its {_count(n_in, 'input')}"
    elif isinstance(spec, Dropout):
        text = (
            f"Forward: {layer} silences a random {100 * spec.rate:.0f} % of its {_count(n_in, 'input')} "
            f"for this batch and scales the rest by {1 / (1 - spec.rate):.3g}"
        )
    elif isinstance(spec, Add):
        text = f"Forward: {layer} adds its inputs {_names(node.inputs)} value by value"
    elif isinstance(spec, Concat):
        sizes = " + ".join(str(x.shape[1]) for x in event.inputs)
        text = (
            f"Forward: {layer} places its inputs {_names(node.inputs)} side by side "
            f"({sizes} = {width} values)"
        )
    else:
        return event.caption()
    text += f": {_count(width, 'output')} for each of the {_count(rows, 'sample')}."
    if is_output:
        text += " These are the network's predictions."
    return text


def _names(ids) -> str:
    quoted = [f"'{i}'" for i in ids]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


def _fused(trainer, spec) -> bool:
    act = spec.activation if isinstance(spec, (Dense, Activation)) else "linear"
    return output_mode(trainer.settings.loss, act) == L.MODE_FUSED


def _loss_text(event, trainer) -> str:
    loss = trainer.settings.loss
    n = len(event.output)
    text = (
        f"Loss: the loss compares {_count(n * event.output.shape[1], 'prediction')} with their targets: "
        f"{loss} = {F.num(event.loss)} ({LOSS_NAMES.get(loss, loss)}, mean over the batch)."
    )
    if event.penalty:
        kind = trainer.settings.regularization.kind.upper()
        text += f" The {kind} penalty on the weights adds {F.num(event.penalty)}."
    model = trainer.model
    spec = model.resolved.order[model.resolved.index(event.layer)].layer
    if _fused(trainer, spec):
        text += (
            " Its gradient at the output's weighted sum is simply (p − t)/n: the backward pass starts here."
        )
    else:
        text += " Its gradient ∂L/∂y, one number per prediction, starts the backward pass."
    return text


def _backward_text(event, node, spec, trainer, is_output: bool) -> str:
    layer = f"layer '{event.layer}'"
    rows = len(event.output_grad)
    if isinstance(spec, Dense):
        if is_output and _fused(trainer, spec):
            delta = "the error signal δ = ∂L/∂z = (p − t)/n"
        else:
            delta = "the error signal δ = ∂L/∂a · f′(z)"
        n_in = event.input_grad.shape[1] if event.input_grad is not None else 0
        return (
            f"Backward: {delta} of {layer} flows back to its {_count(n_in, 'input')} through the weights; "
            f"each weight's gradient is ∂L/∂w = input × δ, summed over the {_count(rows, 'sample')}."
        )
    if isinstance(spec, Activation):
        return f"Backward: {layer} multiplies the error signal by {spec.activation}′ and passes it back."
    if isinstance(spec, Dropout):
        return (
            f"Backward: {layer} passes the error signal back only through the units it kept "
            f"(scaled by {1 / (1 - spec.rate):.3g}); silenced units get none."
        )
    if isinstance(spec, Add):
        return f"Backward: {layer} passes the same error signal to each of its inputs {_names(node.inputs)}."
    if isinstance(spec, Concat):
        return f"Backward: {layer} splits the error signal back among its inputs {_names(node.inputs)}."
    return event.caption()


def _largest_change(event: PhaseEvent) -> tuple[str, tuple[int, ...], float] | None:
    best = None
    for key, delta in event.deltas.items():
        if delta.size == 0:
            continue
        flat = int(np.argmax(np.abs(delta)))
        value = float(delta.flat[flat])
        if best is None or abs(value) > abs(best[2]):
            best = (key, tuple(int(i) for i in np.unravel_index(flat, delta.shape)), value)
    return best


def _update_text(event, settings) -> str:
    lr = event.learning_rate
    opt = settings.optimizer
    if isinstance(opt, SGD) and opt.momentum == 0:
        text = f"Update: each weight moves by −η·∂L/∂w = −{F.num(lr)} × ∂L/∂w, against its gradient."
    elif isinstance(opt, SGD):
        text = (
            f"Update: with momentum {F.num(opt.momentum)}, each weight moves by −η·v = −{F.num(lr)} × v, "
            f"where v = {F.num(opt.momentum)}·v + ∂L/∂w keeps part of the last steps."
        )
    elif isinstance(opt, Adam):
        text = (
            f"Update: Adam moves each weight by −η·m̂/(√v̂ + ε) with η = {F.num(lr)}: "
            "running averages of the gradient and of its square set each step's size."
        )
    else:
        text = (
            f"Update: RMSprop moves each weight by −η·g/(√v + ε) with η = {F.num(lr)}: "
            "a running average of the squared gradient sets each step's size."
        )
    reg = settings.regularization
    if reg.kind != "none" and reg.rate:
        pull = "λ·w" if reg.kind == "l2" else "λ·sign(w)"
        text += (
            f" {reg.kind.upper()} regularisation also pulls each weight toward 0 "
            f"({pull}, λ = {F.num(reg.rate)})."
        )
    best = _largest_change(event)
    if best is not None:
        text += f" The largest change is {F.num(best[2], signed=True)} in '{best[0]}'."
    return text


def example_formula(event: PhaseEvent, trace: F.BatchTrace, trainer) -> str:
    """One formula with the numbers for ``event`` (first unit, or the weight that changed most); may be ""."""
    if trainer is None or trace is None:
        return ""
    model, settings = trainer.model, trainer.settings
    try:
        if event.phase is Phase.FORWARD:
            formula = F.forward_formula(trace, model, event.layer, 0)
            where = f"unit 1 of '{event.layer}': "
        elif event.phase is Phase.LOSS:
            formula = F.loss_gradient_formula(trace, model, settings, 0)
            where = "output 1: "
        elif event.phase is Phase.BACKWARD:
            formula = F.backward_formula(trace, model, settings, event.layer, 0)
            where = f"unit 1 of '{event.layer}': "
        else:
            best = _largest_change(event)
            if best is None:
                return ""
            formula = F.update_formula(trace, model, settings, best[0], best[1])
            where = f"'{best[0]}' {list(i + 1 for i in best[1])}: "
    except (KeyError, ValueError, IndexError, AttributeError):
        return ""
    return where + formula.text if formula is not None else ""


class PhaseCaption(QFrame):
    """Shows the current phase as a coloured tag, a plain-words sentence and one worked formula.

    Parameters
    ----------
    runner : TrainingRunner, optional
        Follow its ``phase`` signal (the trainer, for names and settings, is read from it).
    """

    def __init__(self, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phaseCaption")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip("What the network is doing in the current phase of training, in plain words")
        self.tag = QLabel()
        self.tag.setToolTip("The mini-batch being trained and its phase: forward, loss, backward or update")
        self.tag.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(IDLE_TEXT)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula = QLabel()
        self.formula.setTextFormat(Qt.TextFormat.PlainText)
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula.setToolTip("The same computation with the actual numbers (first sample of the batch)")
        self.formula.setStyleSheet("color: #444;")
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.text)
        column.addWidget(self.formula)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.tag, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(column, 1)
        self.runner = None
        self.event: PhaseEvent | None = None
        self._set_tag(None, 0)
        self.formula.hide()
        if runner is not None:
            self.bind(runner)

    def bind(self, runner) -> None:
        """Follow ``runner.phase``."""
        self.runner = runner
        runner.phase.connect(self._on_phase)

    def _on_phase(self, event: PhaseEvent | None) -> None:
        runner = self.runner
        self.set_event(event, runner.trainer if runner else None, runner.trace if runner else None)

    def set_event(self, event: PhaseEvent | None, trainer=None, trace: F.BatchTrace | None = None) -> None:
        """Show ``event`` (None: the idle hint)."""
        self.event = event
        n_layers = len(trainer.model.resolved.order) if trainer is not None else 0
        self._set_tag(event, n_layers)
        if event is None:
            self.text.setText(IDLE_TEXT)
            self.formula.clear()
            self.formula.hide()
            return
        self.text.setText(describe(event, trainer))
        formula = example_formula(event, trace, trainer)
        self.formula.setText(formula)
        self.formula.setVisible(bool(formula))

    def _set_tag(self, event: PhaseEvent | None, n_layers: int) -> None:
        colour = PHASE_COLOURS.get(event.phase, "#777") if event is not None else "#777"
        self.tag.setText(badge(event, n_layers))
        self.tag.setStyleSheet(
            f"QLabel {{ background: {colour}; color: white; border-radius: 3px; padding: 2px 6px; "
            "font-weight: bold; }"
        )


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    trace = F.BatchTrace()
    for ev in trainer.phases():
        trace.add(ev)
        if ev.phase is Phase.BACKWARD:
            break
    caption = PhaseCaption()
    caption.set_event(trace.last, trainer, trace)
    caption.resize(760, 90)
    caption.show()
    raise SystemExit(app.exec())
