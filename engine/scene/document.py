"""Scene <-> document (the parsed JSON object), and the build phase that names paths in engine errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from engine.draft import check_draft
from engine.errors import ConfigError, GraphError
from engine.layers import layer_from_config
from engine.losses import Regularization
from engine.network import Network, Resolved
from engine.optimizers import optimizer_from_config
from engine.scene import limits
from engine.scene.codec import decode_array, encode_array
from engine.scene.datasets import dataset_from_json
from engine.scene.errors import SceneError, child, show
from engine.scene.migrate import FORMAT
from engine.scene.model import (
    Arrow,
    Lesson,
    LessonStep,
    Locks,
    Note,
    OptimizerState,
    Scene,
    TrainedState,
    TrainingSpec,
)
from engine.scene.validate import HISTORY_COLUMNS

# -- Scene -> document ----------------------------------------------------------------------------------


def to_document(scene: Scene) -> dict[str, Any]:
    """The JSON object of a scene, keys in a fixed order (see ``docs/scene-format.md``)."""
    from engine.scene import migrate

    doc: dict[str, Any] = {"format": FORMAT, "version": migrate.CURRENT_VERSION, "title": scene.title}
    if scene.description:
        doc["description"] = scene.description
    nodes = []
    for node in scene.network.nodes:
        entry: dict[str, Any] = {"id": node.id, "layer": node.layer.to_config(), "inputs": list(node.inputs)}
        if node.id in scene.layout:
            entry["position"] = [float(v) for v in scene.layout[node.id]]
        nodes.append(entry)
    doc["network"] = {"nodes": nodes, "output": scene.network.output}
    doc["dataset"] = scene.dataset.to_json()
    t = scene.training
    doc["training"] = {
        "loss": t.loss,
        "optimizer": t.optimizer.to_config(),
        "batch_size": t.batch_size,
        "regularization": {"kind": t.regularization.kind, "rate": t.regularization.rate},
        "seed": t.seed,
        "init_seed": t.init_seed,
        "shuffle": t.shuffle,
        "dtype": t.dtype,
    }
    doc["view"] = scene.view
    steps = [
        {"text": s.text, **({"action": s.action} if s.action is not None else {})} for s in scene.lesson.steps
    ]
    doc["lesson"] = {"text": scene.lesson.text, "steps": steps}
    locks = scene.locks
    doc["locks"] = {
        "layers": list(locks.layers),
        "params": list(locks.params),
        "controls": list(locks.controls),
    }
    doc["notes"] = [
        {"text": n.text, "position": _pair(n.position), "size": _pair(n.size), "color": n.color}
        for n in scene.notes
    ]
    doc["arrows"] = [{"from": _pair(a.start), "to": _pair(a.end), "color": a.color} for a in scene.arrows]
    if scene.state is not None:
        doc["state"] = _state_document(scene.state)
    return doc


def _pair(p: tuple[float, float]) -> list[float]:
    return [float(p[0]), float(p[1])]


def _state_document(s: TrainedState) -> dict[str, Any]:
    out: dict[str, Any] = {"step": s.step, "epoch": s.epoch, "cursor": s.cursor}
    out["weights"] = {k: encode_array(v) for k, v in s.weights.items()}
    if s.optimizer is not None:
        out["optimizer"] = {
            "t": s.optimizer.t,
            "m1": {k: encode_array(v) for k, v in s.optimizer.m1.items()},
            "m2": {k: encode_array(v) for k, v in s.optimizer.m2.items()},
        }
    if s.history is not None:
        out["history"] = {k: encode_array(s.history[k], allow_nan=True) for k in HISTORY_COLUMNS}
    if s.step_losses is not None:
        out["step_losses"] = encode_array(s.step_losses, allow_nan=True)
    return out


# -- document -> Scene ------------------------------------------------------------------------------------


def from_document(doc: dict[str, Any], base_dir: Path | None = None) -> Scene:
    """Build a Scene from a validated document of the current version; engine errors get JSON paths."""
    network, layout = build_network(doc["network"], "$.network")
    draft = check_draft(network)
    trained = draft.trainable.resolve() if draft.trainable is not None else None
    state = doc.get("state")
    lesson = doc.get("lesson", {})
    locks = doc.get("locks", {})
    return Scene(
        title=doc["title"],
        network=network,
        dataset=dataset_from_json(doc["dataset"]),
        training=build_training(doc.get("training", {}), "$.training"),
        layout=layout,
        description=doc.get("description", ""),
        view=doc.get("view", {}),
        lesson=Lesson(
            lesson.get("text", ""),
            tuple(LessonStep(s["text"], s.get("action")) for s in lesson.get("steps", [])),
        ),
        locks=Locks(
            tuple(locks.get("layers", ())), tuple(locks.get("params", ())), tuple(locks.get("controls", ()))
        ),
        notes=tuple(
            Note(
                n["text"], _point(n["position"]), _point(n.get("size", Note.size)), n.get("color", Note.color)
            )
            for n in doc.get("notes", [])
        ),
        arrows=tuple(
            Arrow(_point(a["from"]), _point(a["to"]), a.get("color", Arrow.color))
            for a in doc.get("arrows", [])
        ),
        state=None if state is None else build_state(state, trained, "$.state", draft.unfinished),
        base_dir=base_dir,
    )


def _point(value: Any) -> tuple[float, float]:
    return float(value[0]), float(value[1])


def build_network(value: dict[str, Any], path: str) -> tuple[Network, dict[str, tuple[float, float]]]:
    """Build and check the network as drawn; a GraphError or ConfigError becomes a SceneError at its node.

    Layers not connected yet (no inputs, or not leading to the output) are kept: they are checked as
    ``engine.draft.check_draft`` checks a graph on the canvas, and only the trainable part is trained.
    """
    nodes_path = child(path, "nodes")
    net = Network()
    layout: dict[str, tuple[float, float]] = {}
    index: dict[str, int] = {}
    for k, entry in enumerate(value["nodes"]):
        npath = child(nodes_path, k)
        try:
            layer = layer_from_config(entry["layer"])
        except ConfigError as exc:
            raise SceneError(str(exc), _field_path(child(npath, "layer"), entry["layer"], str(exc))) from None
        try:
            net = net.add(layer, id=entry["id"], inputs=entry.get("inputs", []))
        except GraphError as exc:
            raise SceneError(exc.reason, npath) from None
        index[entry["id"]] = k
        if "position" in entry:
            layout[entry["id"]] = _point(entry["position"])
    net = net.with_output(value.get("output"))
    try:
        draft = check_draft(net)
    except GraphError as exc:
        where = child(nodes_path, index[exc.layer]) if exc.layer in index else path
        layer = f"layer {exc.layer!r}: " if exc.layer else ""
        raise SceneError(f"{layer}{exc.reason}", where) from None
    if draft.trainable is None:
        raise SceneError(f"nothing can be trained yet: {draft.why_not}", path)
    shapes = draft.shapes
    width = sum(math.prod(shape) for shape in shapes.values())
    if width > limits.MAX_WIDTH:
        raise SceneError(f"the layers hold {width:,} values per sample; at most {limits.MAX_WIDTH:,}", path)
    n_params = sum(
        math.prod(s)
        for node in net.nodes
        if node.id in shapes
        for s in node.layer.param_shapes([shapes[i] for i in node.inputs]).values()
    )
    if n_params > limits.MAX_PARAMS:
        raise SceneError(
            f"the network has {n_params:,} weights; at most {limits.MAX_PARAMS:,} are allowed", path
        )
    return net, layout


def _field_path(path: str, config: dict[str, Any], message: str) -> str:
    """Point at the one field an engine message names (``units=0`` -> ``...layer.units``)."""
    named = [key for key in config if key != "type" and (f"{key}=" in message or f" {key} " in message)]
    return child(path, named[0]) if len(named) == 1 else path


def build_training(value: dict[str, Any], path: str) -> TrainingSpec:
    try:
        optimizer = optimizer_from_config(value.get("optimizer", "sgd"))
    except ConfigError as exc:
        raise SceneError(str(exc), child(path, "optimizer")) from None
    reg = value.get("regularization", {})
    return TrainingSpec(
        loss=value.get("loss", "mse"),
        optimizer=optimizer,
        batch_size=value.get("batch_size", 10),
        regularization=Regularization(reg.get("kind", "none"), reg.get("rate", 0.0)),
        seed=value.get("seed", 0),
        init_seed=value.get("init_seed", 0),
        shuffle=value.get("shuffle", True),
        dtype=value.get("dtype", "float32"),
    )


def expected_weights(resolved: Resolved) -> dict[str, tuple[int, ...]]:
    """Every weight key of a network and its shape, in the order the model lays them out."""
    return {
        f"{node.id}.{name}": tuple(shape)
        for node in resolved.order
        for name, shape in resolved.param_shapes[node.id].items()
    }


def _weight_dict(
    value: dict[str, Any],
    path: str,
    expected: dict[str, tuple[int, ...]],
    unfinished: dict[str, str] | None = None,
) -> dict[str, np.ndarray]:
    for key in value:
        if key not in expected:
            layer_id = key.rsplit(".", 1)[0]
            if unfinished and layer_id in unfinished:
                raise SceneError(
                    f"layer {show(layer_id)} is not part of the trained network ({unfinished[layer_id]}), "
                    "so it has no weights",
                    child(path, key),
                )
            raise SceneError(f"there is no weight {show(key)} in this network", child(path, key))
    missing = [key for key in expected if key not in value]
    if missing:
        raise SceneError(f"weights are missing for {', '.join(missing[:5])}", path)
    out = {}
    for key, shape in expected.items():
        arr = decode_array(value[key], child(path, key))
        if arr.shape != shape:
            raise SceneError(
                f"has shape {list(arr.shape)}, but layer {key.split('.')[0]!r} needs {list(shape)}",
                child(child(path, key), "shape"),
            )
        out[key] = arr
    return out


def build_state(
    value: dict[str, Any], resolved: Resolved, path: str, unfinished: dict[str, str] | None = None
) -> TrainedState:
    """The trained state; its weights are those of ``resolved``, the trainable part of the network."""
    expected = expected_weights(resolved)
    weights = _weight_dict(value["weights"], child(path, "weights"), expected, unfinished)
    optimizer = None
    if "optimizer" in value:
        opath = child(path, "optimizer")
        opt = value["optimizer"]
        optimizer = OptimizerState(
            opt["t"],
            _weight_dict(opt["m1"], child(opath, "m1"), expected, unfinished),
            _weight_dict(opt["m2"], child(opath, "m2"), expected, unfinished),
        )
    history = None
    if "history" in value:
        hpath = child(path, "history")
        history = {}
        for key in HISTORY_COLUMNS:
            integer = key in ("epoch", "step")
            arr = decode_array(
                value["history"][key],
                child(hpath, key),
                ("int64",) if integer else ("float64",),
                allow_nan=key.endswith("_acc"),
            )
            if arr.ndim != 1:
                raise SceneError(f"must be 1-D, not {list(arr.shape)}", child(child(hpath, key), "shape"))
            if integer and np.any(arr < 0):
                raise SceneError("holds a negative count", child(child(hpath, key), "data"))
            history[key] = arr
        lengths = {len(a) for a in history.values()}
        if len(lengths) > 1:
            raise SceneError("the history columns have different lengths", hpath)
    losses = None
    if "step_losses" in value:
        lpath = child(path, "step_losses")
        losses = decode_array(value["step_losses"], lpath, ("float64",), allow_nan=True)
        if losses.ndim != 1:
            raise SceneError(f"must be 1-D, not {list(losses.shape)}", child(lpath, "shape"))
    return TrainedState(
        weights,
        value.get("step", 0),
        value.get("epoch", 0),
        value.get("cursor", 0),
        optimizer,
        history,
        losses,
    )
