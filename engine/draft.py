"""Checking a network while it is being drawn: some layers may not be connected yet.

The window lets a student drop a layer and wire it later, so the graph on the canvas is often
incomplete. ``check_draft`` separates what must be refused at once (a cycle, a shape mismatch,
too many inputs) from what is merely unfinished (a layer without inputs or not reaching the
output), and picks out the connected part that can already be trained.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import GraphError
from engine.layers import Input, Shape, ShapeError
from engine.network import Network, Node, _topological_order, check_links


@dataclass(frozen=True)
class DraftCheck:
    """What a draft graph allows.

    shapes : output shape of every layer whose inputs are all connected
    unfinished : ``{layer_id: reason}`` for layers that cannot take part in training yet
    trainable : the connected part from the Input to the output, or None
    why_not : why nothing can be trained yet (when ``trainable`` is None)
    """

    shapes: dict[str, Shape]
    unfinished: dict[str, str]
    trainable: Network | None
    why_not: str | None


def check_draft(net: Network) -> DraftCheck:
    """Raise GraphError (naming the layer) for what can never work; report what is unfinished."""
    check_links(net)
    inputs = [n.id for n in net.nodes if isinstance(n.layer, Input)]
    if len(inputs) > 1:
        raise GraphError("a network has one Input layer", layer=inputs[1])
    order = _topological_order(net.nodes)  # raises on a cycle

    shapes: dict[str, Shape] = {}
    unfinished: dict[str, str] = {}
    for n in order:
        low, _ = n.layer.arity
        if len(n.inputs) < low:
            unfinished[n.id] = "not connected: drag a link into it from another layer"
            continue
        missing = [i for i in n.inputs if i not in shapes]
        if missing:
            unfinished[n.id] = f"its input '{missing[0]}' is not connected yet"
            continue
        try:
            shapes[n.id] = n.layer.infer_shape([shapes[i] for i in n.inputs])
            n.layer.param_shapes([shapes[i] for i in n.inputs])
        except ShapeError as exc:
            raise GraphError(f"shape mismatch: {exc}", layer=n.id) from None

    trainable, why = _trainable_part(net, order, shapes, unfinished)
    return DraftCheck(shapes, unfinished, trainable, why)


def _trainable_part(
    net: Network, order: list[Node], shapes: dict[str, Shape], unfinished: dict[str, str]
) -> tuple[Network | None, str | None]:
    if not any(isinstance(n.layer, Input) for n in order):
        return None, "add an Input layer"
    users: dict[str, list[str]] = {n.id: [] for n in order}
    for n in order:
        for i in n.inputs:
            users[i].append(n.id)
    if net.output is not None and net.output in shapes:
        output = net.output
    else:
        sinks = [
            n.id
            for n in order
            if n.id in shapes and not isinstance(n.layer, Input) and not any(u in shapes for u in users[n.id])
        ]
        if not sinks:
            return None, "add a layer after the Input and connect it"
        if len(sinks) > 1:
            return None, f"connect the loose ends ({', '.join(sinks)}) so one layer is the output"
        output = sinks[0]
    keep: set[str] = set()
    stack = [output]
    while stack:
        current = stack.pop()
        if current in keep:
            continue
        keep.add(current)
        stack.extend(net.node(current).inputs)
    nodes = tuple(n for n in net.nodes if n.id in keep)
    part = Network(nodes, output)
    for n in order:
        if n.id not in keep and n.id not in unfinished:
            unfinished[n.id] = "it does not lead to the output"
    try:
        part.resolve()
    except GraphError as exc:
        return None, str(exc)
    return part, None
