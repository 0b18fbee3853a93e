"""The formula behind one neuron or one weight in the current phase, with the actual numbers plugged in.

Pure functions over the phase events of one mini-batch (a :class:`BatchTrace`), the model and the
trainer's settings; no Qt. Each returns a :class:`Formula` whose ``value`` is the number the engine
computed (taken from the event, so it is exact) and whose ``computed`` is the same number worked out
again from the numbers shown, so a test can check that the formula tells the truth. For example::

    a = tanh(Σ wᵢxᵢ + b) = tanh(0.53) = 0.485                      (FORWARD, first sample)
    δ = ∂L/∂a · f′(z) = (−0.181) × 0.991 = −0.179                   (BACKWARD)
    Δw = −η · Σ_b a₃·δ₁ = −0.03 × 0.0415 = −0.00125                 (UPDATE, summed over the batch)

Weights are indexed as the engine stores them: ``key`` ``"dense_2.kernel"`` with index ``(i, j)``
(input unit i → unit j), or ``"dense_2.bias"`` with index ``(j,)``. Units count from 0 in the API
and from 1 in the text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.kernels import layout as L
from engine.layers import Activation, Add, Concat, Dense, Dropout, Input
from engine.losses import output_mode
from engine.optimizers import SGD, Adam
from engine.phases import Phase, PhaseEvent

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


# ------------------------------------------------------------------------------------ numbers
def num(x: float, signed: bool = False) -> str:
    """``x`` to 3 significant digits with a true minus sign: ``0.485``, ``−0.0012``, ``1.2×10⁻⁵``."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    text = f"{x:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}×10{str(int(exponent)).translate(_SUP)}"
    if signed and x >= 0:
        text = "+" + text
    return text.replace("-", "−")


def par(x: float) -> str:
    """``num(x)``, in parentheses when negative (for products: ``0.41 × (−0.12)``)."""
    text = num(x)
    return f"({text})" if text.startswith("−") else text


def sub(n: int) -> str:
    """A 0-based unit index as a 1-based subscript: ``sub(2) == "₃"``."""
    return str(n + 1).translate(_SUB)


@dataclass(frozen=True)
class Formula:
    """One formula: ``symbolic = numbers… = value`` and what the symbols stand for."""

    symbolic: str  # "a = tanh(Σ wᵢxᵢ + b)"
    numbers: tuple[str, ...]  # intermediate forms with numbers: ("tanh(0.53)",)
    value: float  # the engine's number (from the event)
    computed: float  # the same number computed again from the numbers shown
    note: str = ""  # "first sample of the batch", "summed over the batch of 10"
    signed: bool = False  # show the value with its sign (changes: +0.0015)

    @property
    def text(self) -> str:
        body = " = ".join([self.symbolic, *self.numbers, num(self.value, self.signed)])
        return f"{body}  ({self.note})" if self.note else body

    def __str__(self) -> str:
        return self.text


# ------------------------------------------------------------------------------ batch trace
class BatchTrace:
    """The phase events of one mini-batch so far, looked up by phase and layer."""

    def __init__(self, events: tuple[PhaseEvent, ...] | list[PhaseEvent] = ()) -> None:
        self.events: list[PhaseEvent] = []
        self._forward: dict[str, PhaseEvent] = {}
        self._backward: dict[str, PhaseEvent] = {}
        self.loss: PhaseEvent | None = None
        self.update: PhaseEvent | None = None
        for event in events:
            self.add(event)

    def add(self, event: PhaseEvent) -> None:
        self.events.append(event)
        if event.phase is Phase.FORWARD:
            self._forward[event.layer] = event
        elif event.phase is Phase.BACKWARD:
            self._backward[event.layer] = event
        elif event.phase is Phase.LOSS:
            self.loss = event
        else:
            self.update = event

    def __len__(self) -> int:
        return len(self.events)

    @property
    def last(self) -> PhaseEvent | None:
        return self.events[-1] if self.events else None

    @property
    def batch_size(self) -> int:
        for event in self.events:
            if event.batch is not None:
                return len(event.batch)
        return 0

    def forward(self, layer: str) -> PhaseEvent | None:
        return self._forward.get(layer)

    def backward(self, layer: str) -> PhaseEvent | None:
        return self._backward.get(layer)


# --------------------------------------------------------------------------- activations
def activate(name: str, z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """The activation ``name`` in float64 (softmax over the last axis)."""
    z = np.asarray(z, np.float64)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == "gelu":
        return z * 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    return z


def derivative(name: str, z: float, alpha: float = 0.01) -> float:
    """f′(z) of an element-wise activation (not softmax)."""
    z = float(z)
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    if name == "leaky_relu":
        return 1.0 if z > 0 else alpha
    if name == "sigmoid":
        s = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - math.tanh(z) ** 2
    if name == "gelu":
        return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))) + z * math.exp(-0.5 * z * z) / math.sqrt(
            2 * math.pi
        )
    return 1.0


def _spec(model, layer: str):
    return model.resolved.order[model.resolved.index(layer)]


def _activation_of(spec) -> tuple[str, float]:
    if isinstance(spec, (Dense, Activation)):
        return spec.activation, spec.alpha
    return "linear", 0.0


def _sample_note(trace: BatchTrace, sample: int) -> str:
    if trace.batch_size <= 1:
        return ""
    return "first sample of the batch" if sample == 0 else f"sample {sample + 1} of the batch"


def _fused(model, settings, layer: str) -> bool:
    if settings is None or layer != model.resolved.output:
        return False
    name, _ = _activation_of(_spec(model, layer).layer)
    return output_mode(settings.loss, name) == L.MODE_FUSED


# ------------------------------------------------------------------------------- forward
def forward_formula(trace: BatchTrace, model, layer: str, unit: int, sample: int = 0) -> Formula | None:
    """How unit ``unit`` of ``layer`` got its output for one sample (needs the layer's FORWARD event)."""
    event = trace.forward(layer)
    if event is None:
        return None
    node = _spec(model, layer)
    spec = node.layer
    value = float(event.output[sample, unit])
    note = _sample_note(trace, sample)
    if isinstance(spec, Input):
        return Formula(f"x{sub(unit)}", (), value, value, note or "the sample's feature")
    if isinstance(spec, Dense):
        z_row = event.pre_activation[sample].astype(np.float64)
        z = float(z_row[unit])
        name = spec.activation
        inner = "Σ wᵢxᵢ + b" if spec.use_bias else "Σ wᵢxᵢ"
        if name == "linear":
            return Formula(f"a = {inner}", (), value, z, note)
        if name == "softmax":
            total = float(np.exp(z_row - z_row.max()).sum())
            shown = f"e^{par(z - z_row.max())} / {num(total)}"
            return Formula(
                f"a = e^z{sub(unit)} / Σₖ e^zₖ  (z = {inner})",
                (shown,),
                value,
                math.exp(z - z_row.max()) / total,
                (note + "; " if note else "") + "z shifted by its largest value",
            )
        return Formula(
            f"a = {name}({inner})", (f"{name}({num(z)})",), value, float(activate(name, z, spec.alpha)), note
        )
    x = [float(inp[sample, unit]) if unit < inp.shape[1] else math.nan for inp in event.inputs]
    if isinstance(spec, Activation):
        name = spec.activation
        if name == "softmax":
            row = event.inputs[0][sample].astype(np.float64)
            return Formula(
                "a = eˣ / Σₖ e^xₖ",
                (f"softmax({num(x[0])}, …)",),
                value,
                float(activate(name, row)[unit]),
                note,
            )
        return Formula(
            f"a = {name}(x)", (f"{name}({num(x[0])})",), value, float(activate(name, x[0], spec.alpha)), note
        )
    if isinstance(spec, Dropout):
        if x[0] == 0.0:
            return Formula("a = x · m", ("0 × m",), value, 0.0, "the input is 0")
        if value == 0.0:
            return Formula("a = x · 0", (f"{par(x[0])} × 0",), value, 0.0, "dropped for this sample")
        scale = 1.0 / (1.0 - spec.rate)
        return Formula(
            "a = x / (1 − p)",
            (f"{par(x[0])} / {num(1 - spec.rate)}",),
            value,
            x[0] * scale,
            "kept for this sample",
        )
    if isinstance(spec, Add):
        shown = " + ".join(par(v) for v in x)
        symbolic = " + ".join(f"x{sub(k)}" for k in range(len(x)))
        return Formula(f"a = {symbolic}", (shown,), value, float(sum(x)), note)
    if isinstance(spec, Concat):
        offset = unit
        for k, inp in enumerate(event.inputs):
            if offset < inp.shape[1]:
                source = float(inp[sample, offset])
                return Formula(f"a = x{sub(offset)} of input '{node.inputs[k]}'", (), value, source, note)
            offset -= inp.shape[1]
    return None


def contribution_formula(trace: BatchTrace, model, key: str, index: tuple[int, ...], sample: int = 0):
    """What a kernel weight adds to its unit's weighted sum in the forward pass: ``w · x``."""
    layer, name = key.rsplit(".", 1)
    event = trace.forward(layer)
    if event is None or name != "kernel":
        return None
    i, j = index
    w = float(model.params[key][i, j])
    x = float(event.inputs[0][sample, i])
    return Formula(
        f"w{sub(i)},{sub(j)} · x{sub(i)}",
        (f"{num(w)} × {par(x)}",),
        w * x,
        w * x,
        _sample_note(trace, sample),
    )


# ---------------------------------------------------------------------------------- loss
def loss_formula(trace: BatchTrace, settings) -> Formula | None:
    """The batch's data loss (mean over the batch) and the regularisation term, if any."""
    event = trace.loss
    if event is None:
        return None
    y = event.output.astype(np.float64)
    t = event.targets.astype(np.float64)
    n = y.size
    loss = settings.loss if settings is not None else "mse"
    if loss == "mse":
        symbolic, computed = f"L = mean((y − t)²) over {n} values", float(np.mean((y - t) ** 2))
    elif loss == "mae":
        symbolic, computed = f"L = mean(|y − t|) over {n} values", float(np.mean(np.abs(y - t)))
    elif loss == "cross_entropy":
        symbolic, computed = f"L = −mean over {len(y)} samples of Σ t·log p", float(event.loss)
    else:
        symbolic, computed = f"L = −mean(t·log p + (1 − t)·log(1 − p)) over {n} values", float(event.loss)
    note = ""
    if event.penalty:
        note = f"plus the regularisation penalty {num(event.penalty)}"
    return Formula(symbolic, (), float(event.loss), computed, note)


def loss_gradient_formula(trace: BatchTrace, model, settings, unit: int, sample: int = 0) -> Formula | None:
    """∂L/∂y for one output of one sample: the error signal the backward pass starts with."""
    event = trace.loss
    if event is None:
        return None
    y = float(event.output[sample, unit])
    t = float(event.targets[sample, unit])
    b, k = event.output.shape
    value = float(event.output_grad[sample, unit])
    loss = settings.loss if settings is not None else "mse"
    fused = _fused(model, settings, event.layer)
    note = _sample_note(trace, sample)
    if loss == "mse":
        return Formula(
            f"∂L/∂y = 2(y − t) / {b * k}",
            (f"2 × ({num(y)} − {num(t)}) / {b * k}",),
            value,
            2 * (y - t) / (b * k),
            note,
        )
    if loss == "mae":
        return Formula(
            f"∂L/∂y = sign(y − t) / {b * k}",
            (f"sign({num(y)} − {num(t)}) / {b * k}",),
            value,
            float(np.sign(y - t)) / (b * k),
            note,
        )
    n = b if loss == "cross_entropy" else b * k
    if fused:
        return Formula(f"∂L/∂z = (p − t) / {n}", (f"({num(y)} − {num(t)}) / {n}",), value, (y - t) / n, note)
    if loss == "cross_entropy":
        p = float(activate("softmax", event.output[sample].astype(np.float64))[unit])
        symbolic = f"∂L/∂y = (softmax(y) − t) / {n}"
    else:
        p = float(activate("sigmoid", y))
        symbolic = f"∂L/∂y = (σ(y) − t) / {n}"
    return Formula(symbolic, (f"({num(p)} − {num(t)}) / {n}",), value, (p - t) / n, note)


# ------------------------------------------------------------------------------ backward
def backward_formula(trace: BatchTrace, model, settings, layer: str, unit: int, sample: int = 0):
    """The error signal of one unit: δ = ∂L/∂z for a Dense unit, ∂L/∂x for the others."""
    event = trace.backward(layer)
    forward = trace.forward(layer)
    if event is None or forward is None:
        return None
    spec = _spec(model, layer).layer
    note = _sample_note(trace, sample)
    g = float(event.output_grad[sample, unit])
    if isinstance(spec, Dense):
        value = float(event.pre_activation_grad[sample, unit])
        name = spec.activation
        if _fused(model, settings, layer):
            return Formula(
                "δ = ∂L/∂z = (p − t) / n",
                (),
                value,
                g,
                (note + "; " if note else "") + "the loss and f fused",
            )
        if name == "softmax":
            a = forward.output[sample].astype(np.float64)
            grow = event.output_grad[sample].astype(np.float64)
            inner = float(a @ grow)
            return Formula(
                "δ = a · (∂L/∂a − Σₖ aₖ·∂L/∂aₖ)",
                (f"{num(a[unit])} × ({num(g)} − {par(inner)})",),
                value,
                float(a[unit] * (g - inner)),
                note,
            )
        z = float(forward.pre_activation[sample, unit])
        d = derivative(name, z, spec.alpha)
        return Formula(
            "δ = ∂L/∂a · f′(z)",
            (f"{par(g)} × {num(d)}",),
            value,
            g * d,
            note + (f"; f = {name}" if note else f"f = {name}"),
        )
    if not isinstance(spec, (Activation, Dropout, Add)):
        return None  # the Input has no error to pass on; a Concat only routes it
    first = _spec(model, layer).inputs[0]
    if len(model.resolved.consumers.get(first, ())) > 1:
        # the event's ∂L/∂x sums the error from every layer that reads ``first``: show this layer's share
        note = (
            note + "; " if note else ""
        ) + f"this layer's share: '{first}' also gets error from other layers"
        value = None
    else:
        value = float(event.input_grad[sample, unit])
    if isinstance(spec, Activation) and spec.activation != "softmax":
        x = float(forward.inputs[0][sample, unit])
        d = derivative(spec.activation, x, spec.alpha)
        return _local("∂L/∂x = ∂L/∂a · f′(x)", (f"{par(g)} × {num(d)}",), value, g * d, note)
    if isinstance(spec, Dropout):
        x = float(forward.inputs[0][sample, unit])
        if x != 0:
            kept = forward.output[sample, unit] != 0
        elif value is not None and g != 0:  # a zero input hides the mask: read it from the gradients
            kept = value != 0
        else:
            kept = True
        m = 1.0 / (1.0 - spec.rate) if kept else 0.0
        return _local("∂L/∂x = ∂L/∂a · m", (f"{par(g)} × {num(m)}",), value, g * m, note)
    if isinstance(spec, Add):
        note = (note + "; " if note else "") + "the same for every input"
        return _local("∂L/∂x = ∂L/∂a", (), value, g, note)
    return None


def _local(
    symbolic: str, numbers: tuple[str, ...], value: float | None, computed: float, note: str
) -> Formula:
    """A formula whose value is the event's when it has one, else the computed share."""
    return Formula(symbolic, numbers, computed if value is None else value, computed, note)


def _batch_product(a: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    prod = a.astype(np.float64) * d.astype(np.float64)
    return float(prod.sum()), float(prod.mean())


def gradient_formula(trace: BatchTrace, model, key: str, index: tuple[int, ...]) -> Formula | None:
    """∂L/∂w of one kernel weight or bias: Σ over the batch of input × δ (needs FORWARD and BACKWARD)."""
    layer, name = key.rsplit(".", 1)
    event, forward = trace.backward(layer), trace.forward(layer)
    if event is None or forward is None or name not in event.grads or event.pre_activation_grad is None:
        return None
    j = index[-1]
    value = float(event.grads[name][tuple(index)])
    delta = event.pre_activation_grad[:, j]
    b = len(delta)
    if name == "kernel":
        i = index[0]
        a = forward.inputs[0][:, i]
        symbol = f"a{sub(i)}·δ{sub(j)}"
        head = f"∂L/∂w{sub(i)},{sub(j)}"
    else:
        a = np.ones_like(delta)
        symbol = f"δ{sub(j)}"
        head = f"∂L/∂b{sub(j)}"
    total, mean = _batch_product(a, delta)
    if b == 1:
        shown = f"{num(a[0])} × {par(delta[0])}" if name == "kernel" else num(delta[0])
        return Formula(f"{head} = {symbol}", (shown,), value, total)
    means = f"mean δ{sub(j)} = {num(delta.mean())}"
    if name == "kernel":
        means = f"mean a{sub(index[0])} = {num(a.mean())}, " + means
    return Formula(
        f"{head} = Σ_b {symbol}",
        (f"{b} × mean({symbol})", f"{b} × {par(mean)}"),
        value,
        b * mean,
        f"summed over the batch of {b}; {means}",
    )


def update_formula(trace: BatchTrace, model, settings, key: str, index: tuple[int, ...]) -> Formula | None:
    """The change of one weight at UPDATE: Δw = −η·∂L/∂w for plain SGD, the optimiser's step otherwise."""
    if trace.update is None or key not in trace.update.deltas:
        return None
    value = float(trace.update.deltas[key][tuple(index)])
    lr = float(trace.update.learning_rate)
    grad = gradient_formula(trace, model, key, index)
    layer, name = key.rsplit(".", 1)
    symbol = "w" if name == "kernel" else "b"
    optimizer = settings.optimizer if settings is not None else SGD(lr)
    reg = settings.regularization if settings is not None and name == "kernel" else None
    plain = isinstance(optimizer, SGD) and optimizer.momentum == 0
    if not plain or grad is None:
        step = value / -lr if lr else 0.0
        rule = (
            "v"
            if isinstance(optimizer, SGD)
            else ("m̂/(√v̂ + ε)" if isinstance(optimizer, Adam) else "g/(√v + ε)")
        )
        return Formula(
            f"Δ{symbol} = −η · {rule}",
            (f"−{num(lr)} × {par(step)}",),
            value,
            -lr * step,
            f"{optimizer.name}",
            True,
        )
    g = grad.value
    if reg is not None and reg.kind != "none" and reg.rate:
        w_before = float(model.params[key][tuple(index)]) - value
        extra = reg.rate * w_before if reg.kind == "l2" else reg.rate * float(np.sign(w_before))
        term = "λ·w" if reg.kind == "l2" else "λ·sign(w)"
        return Formula(
            f"Δ{symbol} = −η · (∂L/∂{symbol} + {term})",
            (f"−{num(lr)} × ({num(g)} + {par(extra)})",),
            value,
            -lr * (g + extra),
            f"{reg.kind.upper()} regularisation λ = {num(reg.rate)}",
            True,
        )
    b = trace.batch_size
    forward = trace.forward(layer)
    if b == 1 and name == "kernel" and forward is not None:
        a = float(forward.inputs[0][0, index[0]])
        d = float(trace.backward(layer).pre_activation_grad[0, index[-1]])
        return Formula(
            f"Δw = −η · a{sub(index[0])} · δ{sub(index[-1])}",
            (f"−{num(lr)} × {par(a)} × {par(d)}",),
            value,
            -lr * a * d,
            "",
            True,
        )
    inner = grad.symbolic.split(" = ", 1)[1]
    return Formula(
        f"Δ{symbol} = −η · {inner}",
        (f"−{num(lr)} × {par(g)}",),
        value,
        -lr * g,
        grad.note if b > 1 else "",
        True,
    )


# ----------------------------------------------------------------------------- dispatch
def neuron_formula(
    trace: BatchTrace, model, settings, layer: str, unit: int, sample: int = 0
) -> Formula | None:
    """The formula that fits a unit in the trace's latest phase (for a tooltip), or None."""
    last = trace.last
    if last is None:
        return None
    if last.phase in (Phase.BACKWARD, Phase.UPDATE) and trace.backward(layer) is not None:
        return backward_formula(trace, model, settings, layer, unit, sample)
    if last.phase is not Phase.FORWARD and layer == model.resolved.output and trace.loss is not None:
        return loss_gradient_formula(trace, model, settings, unit, sample)
    return forward_formula(trace, model, layer, unit, sample)


def weight_formula(trace: BatchTrace, model, settings, key: str, index: tuple[int, ...]) -> Formula | None:
    """The formula that fits a weight in the trace's latest phase (for a tooltip), or None."""
    last = trace.last
    if last is None:
        return None
    if last.phase is Phase.UPDATE:
        return update_formula(trace, model, settings, key, index)
    layer = key.rsplit(".", 1)[0]
    if last.phase is Phase.BACKWARD and trace.backward(layer) is not None:
        return gradient_formula(trace, model, key, index)
    return contribution_formula(trace, model, key, index)
