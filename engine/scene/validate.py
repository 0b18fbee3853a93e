"""Check a migrated document against the scene format (``schema.json`` says the same for other tools).

Checks here are structural: types, ranges, known names, and references between parts of the file
(a lock or lesson step naming a layer that exists). Whether the network's shapes fit together, the
weights fit the network and the data fits the network is checked when the scene is built.
"""

from __future__ import annotations

import dataclasses
import re
from functools import partial
from typing import Any

from engine.activations import ACTIVATIONS
from engine.data.features import FEATURES
from engine.data.image_folder import MAX_SIDE
from engine.data.playground import MAX_CLASSES, MAX_POINTS, PLAYGROUND_KINDS
from engine.image_layers import PADDINGS
from engine.initializers import INITIALIZERS
from engine.layers import LAYER_TYPES
from engine.losses import LOSSES, REGULARIZERS
from engine.optimizers import OPTIMIZERS
from engine.scene import checks as c
from engine.scene import limits, vocabulary
from engine.scene.datasets import IMAGE_SETS
from engine.scene.errors import SceneError, child, show
from engine.scene.migrate import FORMAT

TOP_REQUIRED = ("format", "version", "title", "network", "dataset")
TOP_OPTIONAL = ("description", "training", "view", "lesson", "locks", "notes", "arrows", "state")
DATA_SOURCES = ("playground", "iris", "csv", "inline", "images", "idx", "image_folder")
TASKS = ("classification", "regression")
CSV_TASKS = ("auto", "classification", "regression")
DTYPES = ("float32", "float64")
MAX_BATCH = 1_000_000
MAX_LAYER_NUMBER = 1e6
_ANY = re.compile(r"^.{1,64}$")


def validate_document(doc: Any) -> None:
    """Raise ``SceneError`` naming the first problem in a document of the current version."""
    from engine.scene import migrate

    top = c.obj(doc, "$", TOP_REQUIRED, TOP_OPTIONAL)
    if top["format"] != FORMAT:
        raise SceneError(f"format must be {FORMAT!r}", "$.format")
    if top["version"] != migrate.CURRENT_VERSION:
        raise SceneError(f"version must be {migrate.CURRENT_VERSION} after migration", "$.version")
    c.string(top["title"], "$.title", limits.MAX_TITLE, 1)
    if "description" in top:
        c.string(top["description"], "$.description", limits.MAX_DESCRIPTION)
    layers = network(top["network"], "$.network")
    dataset(top["dataset"], "$.dataset")
    if "training" in top:
        training(top["training"], "$.training")
    if "view" in top:
        c.free_form(top["view"], "$.view")
    if "lesson" in top:
        lesson(top["lesson"], "$.lesson", layers)
    if "locks" in top:
        locks(top["locks"], "$.locks", layers)
    for k, note in enumerate(c.array(top.get("notes", []), "$.notes")):
        path = child("$.notes", k)
        c.obj(note, path, ("text", "position"), ("size", "color"))
        c.string(note["text"], child(path, "text"), limits.MAX_NOTE)
        c.pair(note["position"], child(path, "position"))
        if "size" in note:
            c.pair(note["size"], child(path, "size"), positive=True)
        if "color" in note:
            c.string(note["color"], child(path, "color"), 7, 7, c.COLOR_PATTERN)
    for k, arrow in enumerate(c.array(top.get("arrows", []), "$.arrows")):
        path = child("$.arrows", k)
        c.obj(arrow, path, ("from", "to"), ("color",))
        c.pair(arrow["from"], child(path, "from"))
        c.pair(arrow["to"], child(path, "to"))
        if "color" in arrow:
            c.string(arrow["color"], child(path, "color"), 7, 7, c.COLOR_PATTERN)
    if "state" in top:
        state(top["state"], "$.state")


# -- network -----------------------------------------------------------------------------------------
def network(value: Any, path: str) -> dict[str, str]:
    """Check the graph's structure; return layer id -> layer type."""
    net = c.obj(value, path, ("nodes",), ("output",))
    nodes_path = child(path, "nodes")
    nodes = c.array(net["nodes"], nodes_path, limits.MAX_NODES, 1)
    layers: dict[str, str] = {}
    for k, node in enumerate(nodes):
        npath = child(nodes_path, k)
        c.obj(node, npath, ("id", "layer"), ("inputs", "position"))
        node_id = c.string(node["id"], child(npath, "id"), limits.MAX_ID, 1, c.ID_PATTERN)
        if node_id in layers:
            raise SceneError(f"another layer already has the id {node_id!r}", child(npath, "id"))
        layers[node_id] = layer(node["layer"], child(npath, "layer"))
        if "position" in node:
            c.pair(node["position"], child(npath, "position"))
    for k, node in enumerate(nodes):
        ipath = child(child(nodes_path, k), "inputs")
        for j, source in enumerate(c.array(node.get("inputs", []), ipath, limits.MAX_NODES)):
            c.string(source, child(ipath, j), limits.MAX_ID, 1)
            if source not in layers:
                raise SceneError(f"there is no layer {show(source)} to take input from", child(ipath, j))
    output = net.get("output")
    if output is not None:
        c.string(output, child(path, "output"), limits.MAX_ID, 1)
        if output not in layers:
            raise SceneError(f"there is no layer {show(output)}", child(path, "output"))
    return layers


def layer(value: Any, path: str) -> str:
    """Check one layer config ``{"type": "Dense", "units": 8, ...}``; return its type name."""
    if not isinstance(value, dict):
        c.obj(value, path)
    if "type" not in value:
        raise SceneError("a layer needs a 'type'", path)
    type_name = c.choice(value["type"], child(path, "type"), LAYER_TYPES, "layer type")
    fields = vocabulary.layer_fields(type_name)
    c.obj(value, path, ("type",), fields)
    for key, item in value.items():
        fpath = child(path, key)
        if key in ("units", "size"):
            c.integer(item, fpath, 1, limits.MAX_UNITS)
        elif key == "activation":
            c.choice(item, fpath, ACTIVATIONS, "activation")
        elif key == "use_bias":
            c.boolean(item, fpath)
        elif key == "rate":
            c.number(item, fpath, 0.0, 1.0, hi_open=True)
        elif key == "alpha":
            c.number(item, fpath, -MAX_LAYER_NUMBER, MAX_LAYER_NUMBER)
        elif key in ("kernel_init", "bias_init"):
            initializer(item, fpath)
        elif key == "momentum":
            c.number(item, fpath, 0.0, 1.0)
        elif key == "epsilon":
            c.number(item, fpath, 0.0, 1.0, lo_open=True)
        elif key == "filters":
            c.integer(item, fpath, 1, limits.MAX_UNITS)
        elif key in ("kernel_size", "stride", "pool_size"):
            if not (item is None and key == "stride" and type_name != "Conv2D"):
                window_size(item, fpath)
        elif key == "padding":
            c.choice(item, fpath, PADDINGS, "padding")
        elif key == "shape" and not (item is None and type_name == "Input"):
            for j, size in enumerate(c.array(item, fpath, 3, 1)):
                c.integer(size, child(fpath, j), 1, limits.MAX_WIDTH)
    return type_name


def window_size(value: Any, path: str) -> None:
    """A kernel, pool or stride size: one whole number, or [rows, columns]."""
    if isinstance(value, list):
        if len(value) != 2:
            raise SceneError("a window size is one number or [rows, columns]", path)
        for j, size in enumerate(value):
            c.integer(size, child(path, j), 1, limits.MAX_WINDOW)
    else:
        c.integer(value, path, 1, limits.MAX_WINDOW)


def initializer(value: Any, path: str) -> None:
    if isinstance(value, str):
        c.choice(value, path, INITIALIZERS, "initialiser")
        return
    if not isinstance(value, dict) or "type" not in value:
        raise SceneError("an initialiser is a name or an object with a 'type'", path)
    name = c.choice(value["type"], child(path, "type"), INITIALIZERS, "initialiser")
    fields = {f.name for f in dataclasses.fields(INITIALIZERS[name])}
    c.obj(value, path, ("type",), fields)
    for key in fields & set(value):
        c.number(value[key], child(path, key), -MAX_LAYER_NUMBER, MAX_LAYER_NUMBER)


# -- data and training -----------------------------------------------------------------------------------
def dataset(value: Any, path: str) -> None:
    if not isinstance(value, dict) or "source" not in value:
        c.obj(value, path, ("source",))
    source = c.choice(value["source"], child(path, "source"), DATA_SOURCES, "data source")
    p = partial(child, path)
    if source == "playground":
        c.obj(
            value,
            path,
            ("source", "kind"),
            ("n_points", "noise", "train_ratio", "seed", "features", "n_classes"),
        )
        kind = c.choice(value["kind"], p("kind"), PLAYGROUND_KINDS, "Playground set")
        c.integer(value.get("n_points", 500), p("n_points"), 2, MAX_POINTS)
        c.number(value.get("noise", 0.0), p("noise"), 0.0, 0.5)
        c.number(value.get("train_ratio", 0.5), p("train_ratio"), 0.0, 1.0, lo_open=True, hi_open=True)
        c.integer(value.get("seed", 0), p("seed"), 0, limits.MAX_SEED)
        _features(value.get("features", ["x1", "x2"]), p("features"))
        if PLAYGROUND_KINDS[kind] == "classification":
            c.integer(value.get("n_classes", 2), p("n_classes"), 2, MAX_CLASSES)
        elif "n_classes" in value:
            raise SceneError(f"{kind!r} is a regression set and has no classes", p("n_classes"))
    elif source == "iris":
        c.obj(value, path, ("source",), ("test_ratio", "seed", "standardize"))
        _split_options(value, path)
    elif source == "csv":
        c.obj(value, path, ("source", "path"), ("target", "task", "test_ratio", "seed", "standardize"))
        _relative_path(value["path"], p("path"), "CSV")
        target = value.get("target", -1)
        if isinstance(target, str):
            c.string(target, p("target"), limits.MAX_NAME, 1)
        else:
            c.integer(target, p("target"), -100_000, 100_000)
        c.choice(value.get("task", "auto"), p("task"), CSV_TASKS, "task")
        _split_options(value, path)
    elif source == "images":
        c.obj(value, path, ("source", "name"), ("test_ratio", "seed", "full"))
        name = c.choice(value["name"], p("name"), IMAGE_SETS, "image set")
        if name == "fashion_mnist" and "test_ratio" in value:
            raise SceneError("Fashion-MNIST has its own test images; it takes no test_ratio", p("test_ratio"))
        if name != "fashion_mnist" and "full" in value:
            raise SceneError("only Fashion-MNIST has a full set to choose", p("full"))
        if value.get("full") is not None:
            c.boolean(value["full"], p("full"))
        c.number(value.get("test_ratio", 0.2), p("test_ratio"), 0.0, 1.0, hi_open=True)
        c.integer(value.get("seed", 0), p("seed"), 0, limits.MAX_SEED)
    elif source == "idx":
        files = ("train_images", "train_labels")
        tests = ("test_images", "test_labels")
        c.obj(value, path, ("source", *files), (*tests, "test_ratio", "seed"))
        for key in files + tuple(k for k in tests if k in value):
            _relative_path(value[key], p(key), "IDX")
        if ("test_images" in value) != ("test_labels" in value):
            missing = "test_labels" if "test_images" in value else "test_images"
            raise SceneError(f"give both test files or neither; {missing!r} is missing", path)
        if "test_images" in value and "test_ratio" in value:
            raise SceneError("with test files the test_ratio is not used; leave it out", p("test_ratio"))
        c.number(value.get("test_ratio", 0.2), p("test_ratio"), 0.0, 1.0, hi_open=True)
        c.integer(value.get("seed", 0), p("seed"), 0, limits.MAX_SEED)
    elif source == "image_folder":
        c.obj(value, path, ("source", "path"), ("size", "grayscale", "test_ratio", "seed"))
        _relative_path(value["path"], p("path"), "image folder")
        size = c.array(value.get("size", [28, 28]), p("size"), 2, 2)
        for k, side in enumerate(size):
            c.integer(side, child(p("size"), k), 1, MAX_SIDE)
        c.boolean(value.get("grayscale", True), p("grayscale"))
        c.number(value.get("test_ratio", 0.2), p("test_ratio"), 0.0, 1.0, hi_open=True)
        c.integer(value.get("seed", 0), p("seed"), 0, limits.MAX_SEED)
    else:
        _inline(value, path)


def _relative_path(value: Any, path: str, what: str) -> str:
    """A file or folder path relative to the scene file, with '/' between folders."""
    text = c.string(value, path, 1000, 1)
    if text.startswith(("/", "\\")) or (len(text) > 1 and text[1] == ":") or "\0" in text:
        raise SceneError(f"give the {what} path relative to the scene file, with '/' between folders", path)
    return text


def _features(value: Any, path: str) -> None:
    names = c.unique_strings(value, path, _ANY, len(FEATURES))
    for k, name in enumerate(names):
        c.choice(name, child(path, k), FEATURES, "input feature")
    if not names:
        raise SceneError("choose at least one input feature", path)


def _split_options(value: dict[str, Any], path: str) -> None:
    c.number(value.get("test_ratio", 0.3), child(path, "test_ratio"), 0.0, 1.0, hi_open=True)
    c.integer(value.get("seed", 0), child(path, "seed"), 0, limits.MAX_SEED)
    c.boolean(value.get("standardize", True), child(path, "standardize"))


def _inline(value: Any, path: str) -> None:
    optional = ("n_classes", "class_names", "feature_names", "features", "standardize")
    c.obj(value, path, ("source", "name", "task", "train", "test"), optional)
    c.string(value["name"], child(path, "name"), limits.MAX_NAME, 1)
    task = c.choice(value["task"], child(path, "task"), TASKS, "task")
    if task == "classification":
        c.integer(value.get("n_classes", 2), child(path, "n_classes"), 2, 100)
    elif "n_classes" in value or "class_names" in value:
        raise SceneError("a regression set has no classes", child(path, "n_classes"))
    for key in ("class_names", "feature_names"):
        names = c.array(value.get(key, []), child(path, key), 5_000)
        for k, name in enumerate(names):
            c.string(name, child(child(path, key), k), limits.MAX_NAME, 1)
    two_d = "features" in value
    if two_d:
        _features(value["features"], child(path, "features"))
        if "standardize" in value:
            raise SceneError("2-D point sets are not standardised", child(path, "standardize"))
    else:
        c.boolean(value.get("standardize", False), child(path, "standardize"))
    rows = "points" if two_d else "x"
    for split in ("train", "test"):
        c.obj(value[split], child(path, split), (rows, "targets"))


def training(value: Any, path: str) -> None:
    optional = ("loss", "optimizer", "batch_size", "regularization", "seed", "init_seed", "shuffle", "dtype")
    c.obj(value, path, (), optional)
    p = partial(child, path)
    c.choice(value.get("loss", "mse"), p("loss"), LOSSES, "loss")
    opt = value.get("optimizer", "sgd")
    if isinstance(opt, str):
        c.choice(opt, p("optimizer"), OPTIMIZERS, "optimiser")
    else:
        if not isinstance(opt, dict) or "type" not in opt:
            raise SceneError("the optimiser is a name or an object with a 'type'", p("optimizer"))
        name = c.choice(opt["type"], child(p("optimizer"), "type"), OPTIMIZERS, "optimiser")
        fields = {f.name for f in dataclasses.fields(OPTIMIZERS[name])}
        c.obj(opt, p("optimizer"), ("type",), fields)
        for key in fields & set(opt):
            fpath = child(p("optimizer"), key)
            if key == "nesterov":
                c.boolean(opt[key], fpath)
            elif key == "learning_rate":
                c.number(opt[key], fpath, 0.0, 1e6)
            elif key == "eps":
                c.number(opt[key], fpath, 0.0, 1.0, lo_open=True)
            else:
                c.number(opt[key], fpath, 0.0, 1.0, hi_open=True)
    c.integer(value.get("batch_size", 10), p("batch_size"), 1, MAX_BATCH)
    reg = c.obj(value.get("regularization", {}), p("regularization"), (), ("kind", "rate"))
    c.choice(reg.get("kind", "none"), child(p("regularization"), "kind"), REGULARIZERS, "regularisation")
    c.number(reg.get("rate", 0.0), child(p("regularization"), "rate"), 0.0, 1e6)
    c.integer(value.get("seed", 0), p("seed"), 0, limits.MAX_SEED)
    c.integer(value.get("init_seed", 0), p("init_seed"), 0, limits.MAX_SEED)
    c.boolean(value.get("shuffle", True), p("shuffle"))
    c.choice(value.get("dtype", "float32"), p("dtype"), DTYPES, "dtype")


# -- lesson and locks ---------------------------------------------------------------------------------
def lesson(value: Any, path: str, layers: dict[str, str]) -> None:
    c.obj(value, path, (), ("text", "steps"))
    c.string(value.get("text", ""), child(path, "text"), limits.MAX_TEXT)
    steps_path = child(path, "steps")
    for k, step in enumerate(c.array(value.get("steps", []), steps_path)):
        spath = child(steps_path, k)
        c.obj(step, spath, ("text",), ("action",))
        c.string(step["text"], child(spath, "text"), limits.MAX_TEXT, 1)
        if step.get("action") is not None:
            action(step["action"], child(spath, "action"), layers)


def action(value: Any, path: str, layers: dict[str, str]) -> None:
    if not isinstance(value, dict) or "type" not in value:
        raise SceneError("an action is an object with a 'type'", path)
    kind = c.choice(value["type"], child(path, "type"), vocabulary.ACTIONS, "action")
    fields = vocabulary.ACTIONS[kind]
    c.obj(value, path, ("type", *fields))
    for key, what in fields.items():
        fpath = child(path, key)
        if key == "steps":
            c.integer(value[key], fpath, 1, 10_000_000)
        elif key == "epochs":
            c.integer(value[key], fpath, 1, 1_000_000)
        elif what == "layer":
            _layer_ref(value[key], fpath, layers)
        elif what == "name":
            c.string(value[key], fpath, 64, 1, c.NAME_PATTERN)
        elif what == "param":
            kind_of = _setting(value[key], fpath, layers)
            _setting_value(value["value"], child(path, "value"), kind_of)


def locks(value: Any, path: str, layers: dict[str, str]) -> None:
    c.obj(value, path, (), ("layers", "params", "controls"))
    lpath = child(path, "layers")
    for k, layer_id in enumerate(c.unique_strings(value.get("layers", []), lpath, _ANY)):
        _layer_ref(layer_id, child(lpath, k), layers)
    ppath = child(path, "params")
    for k, name in enumerate(c.unique_strings(value.get("params", []), ppath, _ANY)):
        _setting(name, child(ppath, k), layers)
    c.unique_strings(value.get("controls", []), child(path, "controls"))


def _layer_ref(value: Any, path: str, layers: dict[str, str]) -> str:
    c.string(value, path, limits.MAX_ID, 1)
    if value not in layers:
        raise SceneError(f"there is no layer {show(value)} in the network", path)
    return value


def _setting(value: Any, path: str, layers: dict[str, str]) -> str:
    c.string(value, path, 200, 1)
    kind = vocabulary.setting_type(value, layers)
    if kind is None:
        raise SceneError(
            f"unknown setting {show(value)}; use 'training.…', 'dataset.…' or '<layer id>.<field>'", path
        )
    return kind


def _setting_value(value: Any, path: str, kind: str) -> None:
    if kind == "number":
        c.number(value, path, -1e12, 1e12)
    elif kind == "integer":
        c.integer(value, path, -limits.MAX_INT, limits.MAX_INT)
    elif kind == "boolean":
        c.boolean(value, path)
    elif kind == "string":
        c.string(value, path, limits.MAX_NAME, 1)
    elif kind == "strings":
        for k, item in enumerate(c.array(value, path, 100)):
            c.string(item, child(path, k), limits.MAX_NAME, 1)
    elif kind == "none":
        raise SceneError("this setting can be locked but not set by a lesson step", path)
    elif value is not None and not isinstance(value, (bool, int, float, str)):
        raise SceneError("must be a number, a string or true/false", path)


# -- trained state -----------------------------------------------------------------------------------------
def state(value: Any, path: str) -> None:
    """Check the frame of a trained state; its arrays are checked as they are decoded."""
    c.obj(value, path, ("weights",), ("step", "epoch", "cursor", "optimizer", "history", "step_losses"))
    for key in ("step", "epoch", "cursor"):
        c.integer(value.get(key, 0), child(path, key), 0, limits.MAX_STEPS)
    wpath = child(path, "weights")
    c.obj(value["weights"], wpath, (), value["weights"].keys() if isinstance(value["weights"], dict) else ())
    if "optimizer" in value:
        opath = child(path, "optimizer")
        c.obj(value["optimizer"], opath, ("t", "m1", "m2"))
        c.integer(value["optimizer"]["t"], child(opath, "t"), 0, limits.MAX_STEPS)
        for key in ("m1", "m2"):
            moments = value["optimizer"][key]
            c.obj(moments, child(opath, key), (), moments.keys() if isinstance(moments, dict) else ())
    if "history" in value:
        c.obj(value["history"], child(path, "history"), HISTORY_COLUMNS)


HISTORY_COLUMNS = ("epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc")
