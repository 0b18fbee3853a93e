"""nnsim's training engine: networks as graphs of layers, trained with numpy and Numba; no Qt here.

A notebook needs only this module::

    from engine import Network, Input, Dense, Trainer, SGD, data
    net = Network.sequential(Input(2), Dense(8, "tanh"), Dense(1, "tanh"))
    trainer = Trainer(net.build(seed=0), data.playground("xor"), loss="mse", optimizer=SGD(0.03))
    trainer.run_epochs(100)
"""

from engine import data, metrics
from engine.errors import ConfigError, DataError, DivergenceError, GraphError, NnsimError
from engine.image_layers import AvgPool2D, Conv2D, Flatten, MaxPool2D, Reshape
from engine.initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Normal,
    Uniform,
    Zeros,
    initializer_from_config,
)
from engine.layers import (
    LAYER_TYPES,
    Activation,
    Add,
    Concat,
    Dense,
    Dropout,
    Input,
    LayerSpec,
    layer_from_config,
    tfp_dense,
)
from engine.losses import LOSSES, Regularization
from engine.model import Model
from engine.network import Network, Node
from engine.normalization import BatchNorm
from engine.optimizers import SGD, Adam, Optimizer, RMSprop, optimizer_from_config
from engine.phases import Phase, PhaseEvent
from engine.timeline import Snapshot
from engine.trainer import History, Settings, Trainer

__all__ = [
    "LAYER_TYPES",
    "LOSSES",
    "LayerSpec",
    "SGD",
    "Activation",
    "Adam",
    "Add",
    "AvgPool2D",
    "BatchNorm",
    "Concat",
    "ConfigError",
    "Conv2D",
    "Constant",
    "DataError",
    "Dense",
    "DivergenceError",
    "Flatten",
    "Dropout",
    "GlorotNormal",
    "GlorotUniform",
    "GraphError",
    "HeNormal",
    "HeUniform",
    "History",
    "Input",
    "MaxPool2D",
    "Model",
    "Network",
    "NnsimError",
    "Node",
    "Normal",
    "Optimizer",
    "Phase",
    "PhaseEvent",
    "RMSprop",
    "Regularization",
    "Reshape",
    "Settings",
    "Snapshot",
    "Trainer",
    "Uniform",
    "Zeros",
    "data",
    "initializer_from_config",
    "layer_from_config",
    "metrics",
    "optimizer_from_config",
    "tfp_dense",
]
