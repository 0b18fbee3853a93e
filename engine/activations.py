"""Activation functions by name, and the integer codes the compiled kernels use for them."""

from __future__ import annotations

from engine.errors import ConfigError

#: Name -> code understood by ``engine.kernels.cpu``. The order is part of the kernel contract.
ACTIVATIONS: dict[str, int] = {
    "linear": 0,
    "relu": 1,
    "leaky_relu": 2,
    "sigmoid": 3,
    "tanh": 4,
    "softmax": 5,
    "gelu": 6,
}

#: One-line descriptions shown in tooltips and the inspector.
DESCRIPTIONS: dict[str, str] = {
    "linear": "f(z) = z",
    "relu": "f(z) = max(0, z)",
    "leaky_relu": "f(z) = z if z > 0 else α·z",
    "sigmoid": "f(z) = 1 / (1 + e^−z)",
    "tanh": "f(z) = tanh z",
    "softmax": "f(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ (over the units of one sample)",
    "gelu": "f(z) = z · Φ(z), Φ the standard normal CDF",
}

DEFAULT_LEAKY_ALPHA = 0.01


def activation_code(name: str) -> int:
    """The kernel code of activation ``name``; a clear error for an unknown name."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        valid = ", ".join(ACTIVATIONS)
        raise ConfigError(f"unknown activation '{name}'; choose one of: {valid}") from None
