"""Edit a built network and keep the weights of everything the edit did not touch.

A student can grow a net mid-lesson: add a neuron, remove a layer, change an activation. Each edit
returns a NEW ``Model`` (the old one is left as it was), built from the edited ``Network`` with fresh
weights from the initialisers and then overwritten with every old weight that still means the same.

How old weights are matched. Every feature (one column of a layer's output) is traced back to where it
was made: a ``Dense`` unit or an ``Input`` feature. ``Activation`` and ``Dropout`` pass their input's
features through, ``Add`` carries its first input's features and ``Concat`` joins its inputs' features
in order. For a ``Dense`` layer present in both networks, kernel row ``i`` (new input feature ``i``) is
taken from the old row whose input feature has the same origin, and column ``j`` from the old unit
``map_out[j]``. New units, new inputs and layers whose type changed keep their fresh values. When a
layer now reads from somewhere else entirely (a layer was inserted in front of it or removed), it keeps
the overlapping part of its kernel: all of it when its input width is unchanged. Other layers with
weights (Conv2D, BatchNorm) keep them whole when their type and weight shapes are unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from engine.errors import ConfigError, GraphError
from engine.layers import Activation, Add, Concat, Dense, Dropout, Input, LayerSpec, shape_size
from engine.model import Model
from engine.network import Network, Node, Resolved

__all__ = [
    "add_layer",
    "add_neuron",
    "rebuild",
    "remove_layer",
    "remove_neuron",
    "set_activation",
    "set_units",
]

_INPUT = "\x00input"  # origin key shared by the Input of both networks, whatever its id

Origin = tuple[str, int]  # (layer the feature was made by, its index there; -1 for a feature that is new)


# ------------------------------------------------------------------------------------------ rebuild
def rebuild(
    old: Model, network: Network, feature_maps: dict[str, list[int]] | None = None, seed: int | None = None
) -> Model:
    """Build ``network`` and copy into it every weight of ``old`` that still makes sense.

    ``feature_maps[layer_id]`` sends each output unit of a Dense layer (or each feature of the Input,
    keyed by the Input's id) in the new network to an old unit index, or ``-1`` for a new unit that keeps
    its fresh weights. Without one, a layer's units map to the same index over ``min(old, new)`` units.
    Fresh weights come from the initialisers with ``seed`` (default ``old.seed``); the dtype is ``old``'s.
    """
    feature_maps = dict(feature_maps or {})
    res = network.resolve()
    old_res = old.resolved
    old_nodes = {n.id: n for n in old_res.order}
    out_maps = _output_maps(old_res, res, feature_maps)

    new = Model.create(network, seed=old.seed if seed is None else int(seed), dtype=old.dtype)
    old_origins = _origins(old_res, {})
    origins = _origins(res, out_maps)
    for node in res.order:
        prev = old_nodes.get(node.id)
        if prev is None or type(prev.layer) is not type(node.layer):
            continue
        if not isinstance(node.layer, Dense):
            _copy_whole(new, old, node.id)
            continue
        in_map = _input_map(origins[node.inputs[0]], old_origins[prev.inputs[0]])
        out_map = np.asarray(out_maps[node.id], np.int64)
        _copy(new, old, f"{node.id}.kernel", in_map, out_map)
        _copy(new, old, f"{node.id}.bias", None, out_map)
    return new


def _output_maps(
    old_res: Resolved, res: Resolved, feature_maps: dict[str, list[int]]
) -> dict[str, list[int]]:
    """For every Dense layer and the Input: new unit -> old unit of the same layer, or -1."""
    old_nodes = {n.id: n for n in old_res.order}
    new_ids = {n.id for n in res.order}
    for key in feature_maps:
        if key not in new_ids:
            raise ConfigError(f"feature_maps names layer '{key}', which is not in the edited network")
    maps: dict[str, list[int]] = {}
    for node in res.order:
        layer = node.layer
        if not isinstance(layer, (Dense, Input)):
            if node.id in feature_maps:
                raise ConfigError(
                    f"layer '{node.id}': feature_maps applies to Dense and Input layers, "
                    f"not {layer.type_name}"
                )
            continue
        width = shape_size(res.shapes[node.id])
        prev = old_res.input if isinstance(layer, Input) else old_nodes.get(node.id)
        if prev is None or type(prev.layer) is not type(layer):
            old_width = 0
        else:
            old_width = shape_size(old_res.shapes[prev.id])
        if node.id in feature_maps:
            maps[node.id] = _check_map(node.id, feature_maps[node.id], width, old_width)
        else:
            maps[node.id] = [j if j < old_width else -1 for j in range(width)]
    return maps


def _check_map(layer_id: str, mapping: Sequence[int], width: int, old_width: int) -> list[int]:
    values = list(mapping)
    if len(values) != width:
        raise ConfigError(
            f"layer '{layer_id}': its feature map has {len(values)} entries but the layer has {width} units"
        )
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not -1 <= v < old_width:
            raise ConfigError(
                f"layer '{layer_id}': feature map entries are old unit indices 0..{old_width - 1} "
                f"or -1 (new); received {v!r}"
            )
    kept = [int(v) for v in values if v >= 0]
    if len(set(kept)) != len(kept):
        raise ConfigError(f"layer '{layer_id}': its feature map names the same old unit twice")
    return [int(v) for v in values]


def _origins(res: Resolved, out_maps: dict[str, list[int]]) -> dict[str, list[Origin]]:
    """Where each feature of each layer was made. Without ``out_maps``: the identity (the old network)."""
    origins: dict[str, list[Origin]] = {}
    for node in res.order:
        layer = node.layer
        width = shape_size(res.shapes[node.id])
        if isinstance(layer, (Dense, Input)):
            key = _INPUT if isinstance(layer, Input) else node.id
            mapping = out_maps.get(node.id, range(width))
            origins[node.id] = [(key, int(j)) for j in mapping]
        elif isinstance(layer, Concat):
            origins[node.id] = [o for i in node.inputs for o in origins[i]]
        elif isinstance(layer, (Activation, Dropout, Add)):
            origins[node.id] = origins[node.inputs[0]]
        else:  # a layer type this module does not know: its features are its own
            origins[node.id] = [(node.id, -1)] * width
    return origins


def _input_map(new: list[Origin], old: list[Origin]) -> np.ndarray:
    """New input feature -> position in the layer's old input, or -1.

    Features are matched by origin; a feature that appears several times (a Concat of a layer and an
    Activation of it) is matched occurrence by occurrence. When no origin of the new input occurs in the
    old one, the layer reads from a different place now and keeps the overlapping rows.
    """
    old_sources = {src for src, _ in old}
    if not any(src in old_sources for src, _ in new):
        return np.asarray([i if i < len(old) else -1 for i in range(len(new))], np.int64)
    positions: dict[Origin, list[int]] = {}
    for p, origin in enumerate(old):
        positions.setdefault(origin, []).append(p)
    out = np.full(len(new), -1, np.int64)
    for i, origin in enumerate(new):
        if origin[1] < 0:
            continue
        free = positions.get(origin)
        if free:
            out[i] = free.pop(0)
    return out


def _copy(new: Model, old: Model, key: str, rows: np.ndarray | None, cols: np.ndarray) -> None:
    if key not in new.params or key not in old.params:
        return
    dst, src = new.params[key], old.params[key]
    jc = np.flatnonzero(cols >= 0)
    if rows is None:
        dst[jc] = src[cols[jc]]
        return
    ir = np.flatnonzero(rows >= 0)
    if ir.size and jc.size:
        dst[np.ix_(ir, jc)] = src[np.ix_(rows[ir], cols[jc])]


def _copy_whole(new: Model, old: Model, layer_id: str) -> None:
    """Keep every weight array of a layer that is not Dense (a Conv2D kernel, BatchNorm's scale and
    statistics) whose shape is unchanged; a changed one starts fresh."""
    for key, dst in new.params.items():
        if key.rsplit(".", 1)[0] == layer_id and key in old.params and old.params[key].shape == dst.shape:
            dst[...] = old.params[key]


# ------------------------------------------------------------------------------------------ edits
def add_neuron(model: Model, layer_id: str, index: int | None = None) -> Model:
    """One more unit in Dense layer ``layer_id``, at ``index`` (default: after the last one)."""
    layer = _dense(model, layer_id)
    n = layer.units
    if index is None:
        index = n
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index <= n:
        raise ConfigError(
            f"layer '{layer_id}': a new neuron goes at an index from 0 to {n}; received {index!r}"
        )
    index = int(index)
    mapping = list(range(index)) + [-1] + list(range(index, n))
    net = model.network.replace_layer(layer_id, dataclasses.replace(layer, units=n + 1))
    return _rebuilt(model, net, layer_id, f"add a neuron to '{layer_id}'", {layer_id: mapping})


def remove_neuron(model: Model, layer_id: str, index: int) -> Model:
    """Remove unit ``index`` of Dense layer ``layer_id`` with its incoming and outgoing weights."""
    layer = _dense(model, layer_id)
    n = layer.units
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise ConfigError(f"layer '{layer_id}': it has neurons 0 to {n - 1}; there is no neuron {index!r}")
    if n == 1:
        raise ConfigError(f"layer '{layer_id}': a layer needs at least one neuron")
    mapping = [j for j in range(n) if j != index]
    net = model.network.replace_layer(layer_id, dataclasses.replace(layer, units=n - 1))
    return _rebuilt(model, net, layer_id, f"remove neuron {index} of '{layer_id}'", {layer_id: mapping})


def set_units(model: Model, layer_id: str, units: int) -> Model:
    """Give Dense layer ``layer_id`` ``units`` units, adding or removing them at the end."""
    layer = _dense(model, layer_id)
    try:
        edited = dataclasses.replace(layer, units=units)
    except ConfigError as exc:
        raise ConfigError(f"layer '{layer_id}': {exc}") from None
    net = model.network.replace_layer(layer_id, edited)
    return _rebuilt(model, net, layer_id, f"give '{layer_id}' {units} units")


def set_activation(model: Model, layer_id: str, activation: str) -> Model:
    """Change the activation of a Dense or Activation layer; every weight is kept."""
    layer = model.network.node(layer_id).layer
    if not isinstance(layer, (Dense, Activation)):
        raise ConfigError(
            f"layer '{layer_id}': only Dense and Activation layers have an activation, not {layer.type_name}"
        )
    try:
        edited = dataclasses.replace(layer, activation=activation)
    except ConfigError as exc:
        raise ConfigError(f"layer '{layer_id}': {exc}") from None
    net = model.network.replace_layer(layer_id, edited)
    return _rebuilt(model, net, layer_id, f"set the activation of '{layer_id}'")


def add_layer(model: Model, after_id: str, layer: LayerSpec, id: str | None = None) -> Model:
    """Insert ``layer`` after ``after_id``; whatever read ``after_id`` now reads the new layer.

    Inserted after the output layer, the new layer becomes the output.
    """
    net = model.network
    net.node(after_id)
    if not isinstance(layer, LayerSpec):
        raise ConfigError(f"add_layer() takes a layer spec such as Dense(8). Received: {layer!r}")
    if isinstance(layer, Input):
        raise ConfigError("a network has one Input layer; a second one cannot be inserted")
    if id is not None and not isinstance(id, str):
        raise GraphError("a layer id is text", layer=str(id))
    new_id = id or net.fresh_id(layer)
    edited = net.insert_after(after_id, layer, id=new_id)
    if net.output == after_id:
        edited = edited.with_output(new_id)
    return _rebuilt(model, edited, new_id, f"insert '{new_id}' after '{after_id}'")


def remove_layer(model: Model, layer_id: str) -> Model:
    """Remove a one-input layer; the layers it fed read its input instead."""
    net = model.network
    node = net.node(layer_id)
    res = model.resolved
    if isinstance(node.layer, Input):
        raise GraphError(
            "the Input layer cannot be removed: the data enters the network there", layer=layer_id
        )
    if layer_id == res.output:
        raise GraphError(
            "the output layer cannot be removed: the network's answer comes from it (change its units or "
            "activation instead)",
            layer=layer_id,
        )
    if len(node.inputs) != 1:
        raise GraphError(
            f"only a layer with one input can be removed this way; this {node.layer.type_name} has "
            f"{len(node.inputs)}",
            layer=layer_id,
        )
    source = node.inputs[0]
    nodes = tuple(
        Node(n.id, n.layer, tuple(source if i == layer_id else i for i in n.inputs))
        for n in net.nodes
        if n.id != layer_id
    )
    return _rebuilt(model, Network(nodes, net.output), layer_id, f"remove '{layer_id}'")


# ------------------------------------------------------------------------------------------ helpers
def _dense(model: Model, layer_id: str) -> Dense:
    layer = model.network.node(layer_id).layer
    if not isinstance(layer, Dense):
        raise ConfigError(
            f"layer '{layer_id}': only a Dense layer has neurons to edit, not {layer.type_name}"
        )
    return layer


def _rebuilt(
    model: Model, network: Network, layer_id: str, what: str, feature_maps: dict[str, list[int]] | None = None
) -> Model:
    """``rebuild``, with a graph error restated as the edit that caused it (naming the layer it is about)."""
    try:
        network.resolve()
    except GraphError as exc:
        raise GraphError(f"cannot {what}: {exc.reason}", layer=exc.layer or layer_id) from None
    return rebuild(model, network, feature_maps)
