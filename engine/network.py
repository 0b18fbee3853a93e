"""A network as a directed acyclic graph of layers, with shape inference and errors that name the layer.

``Network`` is an immutable description (ids, layer specs, links). ``Network.resolve()`` checks it and
infers every shape; ``Network.build(seed)`` makes a ``Model`` with weights. Edits return a new
``Network``, which is what undo in the window and weight-keeping rebuilds rely on.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ConfigError, GraphError
from engine.layers import Input, LayerSpec, Shape, ShapeError, layer_from_config

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")


@dataclass(frozen=True)
class Node:
    """One layer in the graph: its id, its spec and the ids of the layers that feed it, in order."""

    id: str
    layer: LayerSpec
    inputs: tuple[str, ...] = ()

    def to_config(self) -> dict[str, Any]:
        return {"id": self.id, "layer": self.layer.to_config(), "inputs": list(self.inputs)}


@dataclass(frozen=True)
class Resolved:
    """A checked graph: nodes in an order where every input comes first, and every node's shape."""

    order: tuple[Node, ...]
    shapes: dict[str, Shape]
    param_shapes: dict[str, dict[str, Shape]]
    output: str
    consumers: dict[str, tuple[str, ...]]

    @property
    def input(self) -> Node:
        return self.order[0]

    def index(self, node_id: str) -> int:
        for k, node in enumerate(self.order):
            if node.id == node_id:
                return k
        raise KeyError(node_id)


@dataclass(frozen=True)
class Network:
    """An immutable graph of layers. Build one with ``sequential`` or ``add``; check it with ``resolve``."""

    nodes: tuple[Node, ...] = ()
    output: str | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def sequential(cls, *layers: LayerSpec, ids: Sequence[str] | None = None) -> Network:
        """A chain: the first layer must be an ``Input``; each later layer feeds on the one before."""
        net = cls()
        previous: str | None = None
        for k, layer in enumerate(layers):
            node_id = ids[k] if ids is not None else None
            net = net.add(layer, id=node_id, inputs=[] if previous is None else [previous])
            previous = net.nodes[-1].id
        return net

    def add(
        self, layer: LayerSpec, id: str | None = None, inputs: Iterable[str] | str | None = None
    ) -> Network:
        """Return a new network with ``layer`` added. ``inputs`` defaults to the last node added."""
        if not isinstance(layer, LayerSpec):
            raise ConfigError(f"add() takes a layer spec such as Dense(8). Received: {layer!r}")
        if id is None:
            id = self.fresh_id(layer)
        if not isinstance(id, str) or not _ID.match(id):
            raise GraphError(
                "a layer id starts with a letter and holds letters, digits, '_' or '-'", layer=str(id)
            )
        if any(n.id == id for n in self.nodes):
            raise GraphError("another layer already has this id", layer=id)
        if inputs is None:
            inputs = () if isinstance(layer, Input) or not self.nodes else (self.nodes[-1].id,)
        elif isinstance(inputs, str):
            inputs = (inputs,)
        return Network(self.nodes + (Node(id, layer, tuple(inputs)),), self.output)

    def fresh_id(self, layer: LayerSpec) -> str:
        """An unused id such as ``dense_3`` (``input`` for the first Input)."""
        base = layer.type_name.lower()
        taken = {n.id for n in self.nodes}
        if base == "input" and "input" not in taken:
            return "input"
        k = 1
        while f"{base}_{k}" in taken:
            k += 1
        return f"{base}_{k}"

    # -- edits (each returns a new Network) ----------------------------------------------------
    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise GraphError("there is no layer with this id", layer=node_id)

    def replace_layer(self, node_id: str, layer: LayerSpec) -> Network:
        self.node(node_id)
        return Network(
            tuple(Node(n.id, layer, n.inputs) if n.id == node_id else n for n in self.nodes), self.output
        )

    def set_inputs(self, node_id: str, inputs: Sequence[str]) -> Network:
        self.node(node_id)
        nodes = tuple(Node(n.id, n.layer, tuple(inputs)) if n.id == node_id else n for n in self.nodes)
        return Network(nodes, self.output)

    def remove(self, node_id: str) -> Network:
        """Remove a layer; layers it fed lose that link (they may now be dangling: resolve says so)."""
        self.node(node_id)
        nodes = tuple(
            Node(n.id, n.layer, tuple(i for i in n.inputs if i != node_id))
            for n in self.nodes
            if n.id != node_id
        )
        return Network(nodes, None if self.output == node_id else self.output)

    def insert_after(self, node_id: str, layer: LayerSpec, id: str | None = None) -> Network:
        """Insert ``layer`` between ``node_id`` and everything it fed (how a student adds a hidden layer)."""
        self.node(node_id)
        new_id = id or self.fresh_id(layer)
        if not _ID.match(new_id):
            raise GraphError(
                "a layer id starts with a letter and holds letters, digits, '_' or '-'", layer=new_id
            )
        if any(n.id == new_id for n in self.nodes):
            raise GraphError("another layer already has this id", layer=new_id)
        rewired = tuple(
            Node(n.id, n.layer, tuple(new_id if i == node_id else i for i in n.inputs)) for n in self.nodes
        )
        pos = next(k for k, n in enumerate(rewired) if n.id == node_id) + 1
        nodes = rewired[:pos] + (Node(new_id, layer, (node_id,)),) + rewired[pos:]
        return Network(nodes, self.output)

    def with_output(self, node_id: str | None) -> Network:
        return Network(self.nodes, node_id)

    # -- checking -------------------------------------------------------------------------------
    def resolve(self) -> Resolved:
        """Check the graph and infer every shape. Raises GraphError naming the layer and the reason."""
        cached = self._cache.get("resolved")
        if cached is None:
            cached = _resolve(self)
            self._cache["resolved"] = cached
        return cached

    def build(self, seed: int = 0, dtype: Any = "float32"):
        """Make a ``Model``: weights drawn from each layer's initialisers with a seed derived per layer."""
        from engine.model import Model

        return Model.create(self, seed=seed, dtype=dtype)

    # -- config round trip ------------------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        return {"nodes": [n.to_config() for n in self.nodes], "output": self.output}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Network:
        if not isinstance(config, dict) or not isinstance(config.get("nodes"), list):
            raise ConfigError("a network config is a dict with a list of 'nodes'")
        net = cls()
        for k, entry in enumerate(config["nodes"]):
            if not isinstance(entry, dict) or "id" not in entry or "layer" not in entry:
                raise ConfigError(f"nodes[{k}] needs an 'id' and a 'layer'")
            inputs = entry.get("inputs", [])
            if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
                raise ConfigError(f"nodes[{k}].inputs must be a list of layer ids")
            try:
                layer = layer_from_config(entry["layer"])
            except ConfigError as exc:
                raise ConfigError(f"nodes[{k}] ('{entry['id']}'): {exc}") from None
            net = net.add(layer, id=entry["id"], inputs=inputs)
        output = config.get("output")
        if output is not None and not isinstance(output, str):
            raise ConfigError("'output' must be a layer id or null")
        return net.with_output(output)

    def summary(self) -> str:
        """A text table of layers, output shapes and parameter counts (for notebooks and ``nnsim info``)."""
        res = self.resolve()
        lines = [f"{'layer':<16}{'type':<12}{'output':<14}{'params':>8}  inputs"]
        total = 0
        for node in res.order:
            count = sum(_prod(s) for s in res.param_shapes[node.id].values())
            total += count
            lines.append(
                f"{node.id:<16}{node.layer.type_name:<12}{_show_shape(res.shapes[node.id]):<14}{count:>8}  "
                + ", ".join(node.inputs)
            )
        lines.append(f"total parameters: {total}")
        return "\n".join(lines)


def _show_shape(shape: Shape) -> str:
    return str(shape[0]) if len(shape) == 1 else "×".join(str(s) for s in shape)


def _prod(shape: Shape) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


def _resolve(net: Network) -> Resolved:
    if not net.nodes:
        raise GraphError("the network is empty: add an Input layer and at least one more layer")
    ids = {n.id: n for n in net.nodes}
    inputs = [n for n in net.nodes if isinstance(n.layer, Input)]
    if not inputs:
        raise GraphError("the network has no Input layer, so no data can enter it")
    if len(inputs) > 1:
        raise GraphError(
            f"the network has {len(inputs)} Input layers ({', '.join(n.id for n in inputs)}); "
            "only one is supported",
            layer=inputs[1].id,
        )
    check_links(net)
    for n in net.nodes:
        low, high = n.layer.arity
        if len(n.inputs) < low:
            need = "no inputs" if high == 0 else f"at least {low} input{'s' if low > 1 else ''}"
            got = "none" if not n.inputs else str(len(n.inputs))
            raise GraphError(f"{n.layer.type_name} needs {need} but has {got} (a dangling layer)", layer=n.id)

    order = _topological_order(net.nodes)
    consumers: dict[str, list[str]] = {n.id: [] for n in net.nodes}
    for n in net.nodes:
        for i in n.inputs:
            consumers[i].append(n.id)

    if net.output is not None:
        if net.output not in ids:
            raise GraphError(f"the output layer '{net.output}' does not exist")
        output = net.output
    else:
        sinks = [n.id for n in order if not consumers[n.id] and not isinstance(n.layer, Input)]
        if not sinks:
            raise GraphError("the network has no output: add a layer after the Input")
        if len(sinks) > 1:
            raise GraphError(
                f"the network has {len(sinks)} loose ends ({', '.join(sinks)}); "
                "connect them so one layer is the output",
                layer=sinks[0],
            )
        output = sinks[0]
    if isinstance(ids[output].layer, Input):
        raise GraphError("the output cannot be the Input layer: add a layer after it", layer=output)

    needed = _ancestors(ids, output)
    for n in order:
        if n.id not in needed:
            raise GraphError("it is not connected to the output", layer=n.id)

    shapes: dict[str, Shape] = {}
    params: dict[str, dict[str, Shape]] = {}
    for n in order:
        in_shapes = [shapes[i] for i in n.inputs]
        try:
            shapes[n.id] = n.layer.infer_shape(in_shapes)
            params[n.id] = n.layer.param_shapes(in_shapes)
        except ShapeError as exc:
            raise GraphError(f"shape mismatch: {exc}", layer=n.id) from None
    return Resolved(tuple(order), shapes, params, output, {k: tuple(v) for k, v in consumers.items()})


def check_links(net: Network) -> None:
    """Refuse links that can never work, finished graph or not: an unknown or repeated input, a layer
    feeding itself, more inputs than the layer takes."""
    ids = {n.id for n in net.nodes}
    for n in net.nodes:
        _, high = n.layer.arity
        for i in n.inputs:
            if i not in ids:
                raise GraphError(f"its input '{i}' does not exist", layer=n.id)
            if i == n.id:
                raise GraphError("a layer cannot feed itself", layer=n.id)
        if len(set(n.inputs)) != len(n.inputs):
            raise GraphError("the same layer is connected to it twice", layer=n.id)
        if high is not None and len(n.inputs) > high:
            what = "no inputs" if high == 0 else f"{high} input" + ("s" if high > 1 else "")
            raise GraphError(
                f"{n.layer.type_name} takes {what}; use Add or Concat to merge layers", layer=n.id
            )


def _topological_order(nodes: tuple[Node, ...]) -> list[Node]:
    """Kahn's algorithm, stable in insertion order; a leftover node sits on a cycle."""
    remaining = {n.id: len(n.inputs) for n in nodes}
    by_id = {n.id: n for n in nodes}
    users: dict[str, list[str]] = {n.id: [] for n in nodes}
    for n in nodes:
        for i in n.inputs:
            users[i].append(n.id)
    position = {n.id: k for k, n in enumerate(nodes)}
    ready = [position[n.id] for n in nodes if remaining[n.id] == 0]
    heapq.heapify(ready)
    order: list[Node] = []
    while ready:
        current = nodes[heapq.heappop(ready)].id
        order.append(by_id[current])
        for u in users[current]:
            remaining[u] -= 1
            if remaining[u] == 0:
                heapq.heappush(ready, position[u])
    if len(order) != len(nodes):
        stuck = [n.id for n in nodes if remaining[n.id] > 0]
        raise GraphError(f"the connections form a cycle through {', '.join(stuck)}", layer=stuck[0])
    return order


def _ancestors(ids: dict[str, Node], output: str) -> set[str]:
    seen = {output}
    stack = [output]
    while stack:
        for i in ids[stack.pop()].inputs:
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return seen
