"""Property tests: random valid scenes round-trip; random corruptions give a SceneError, fast.

A corruption either leaves a file that still loads (then it must save and reload unchanged) or gives a
``SceneError`` from a planned check within a second: never a crash, a hang, or another exception.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import SGD, Activation, Adam, Dense, Dropout, Input, Network, Regularization, RMSprop
from engine.activations import ACTIVATIONS
from engine.data.features import FEATURES
from engine.losses import LOSSES
from engine.scene import (
    Arrow,
    CsvData,
    IdxData,
    ImageFolderData,
    ImageSetData,
    InlineData,
    IrisData,
    Lesson,
    LessonStep,
    Locks,
    Note,
    OptimizerState,
    PlaygroundData,
    Scene,
    SceneError,
    TrainedState,
    TrainingSpec,
    dumps_scene,
    load_schema,
    loads_scene,
)
from engine.scene.document import expected_weights
from engine.scene.vocabulary import DATASET_SETTINGS, TRAINING_SETTINGS

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
# Hostile files must fail fast; the bound is generous (loads take milliseconds) so a busy machine passes.
SLOW_LOAD_S = 5.0
PROPERTY = settings(
    max_examples=60,
    deadline=int(SLOW_LOAD_S * 1000),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SCHEMA = jsonschema.Draft202012Validator(load_schema())

# -- random valid scenes ---------------------------------------------------------------------------
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
titles = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
ids = st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,8}", fullmatch=True)
coords = st.floats(-1e6, 1e6, allow_nan=False)
sizes = st.floats(1.0, 1e4, allow_nan=False)
points = st.tuples(coords, coords)
colors = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)
fractions = st.floats(0.0, 0.95, allow_nan=False)
seeds = st.integers(0, 2**32 - 1)
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
view_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def hidden_layers(draw):
    kind = draw(st.sampled_from(["dense", "dense", "dropout", "activation"]))
    if kind == "dense":
        return Dense(
            draw(st.integers(1, 6)),
            draw(st.sampled_from(list(ACTIVATIONS))),
            use_bias=draw(st.booleans()),
            kernel_init=draw(
                st.sampled_from(
                    ["glorot_uniform", "he_normal", "zeros", {"type": "uniform", "low": -1.0, "high": 2.0}]
                )
            ),
            alpha=draw(st.floats(0.0, 1.0)),
        )
    if kind == "dropout":
        return Dropout(draw(fractions))
    return Activation(draw(st.sampled_from(list(ACTIVATIONS))))


@st.composite
def datasets(draw, n_inputs):
    kind = draw(st.sampled_from(["playground", "iris", "csv", "inline", "images", "idx", "image_folder"]))
    relative = st.from_regex(r"[a-z]{1,8}(/[a-z0-9_.\-]{1,8}){0,2}", fullmatch=True)
    if kind == "images":
        name = draw(st.sampled_from(["digits", "mnist5k", "fashion_mnist"]))
        if name == "fashion_mnist":
            return ImageSetData(name, seed=draw(seeds), full=draw(st.sampled_from([None, True, False])))
        return ImageSetData(name, draw(fractions), draw(seeds))
    if kind == "idx":
        tests = draw(st.booleans())
        return IdxData(
            draw(relative),
            draw(relative),
            draw(relative) if tests else None,
            draw(relative) if tests else None,
            0.2 if tests else draw(fractions),
            draw(seeds),
        )
    if kind == "image_folder":
        size = (draw(st.integers(1, 256)), draw(st.integers(1, 256)))
        return ImageFolderData(draw(relative), size, draw(st.booleans()), draw(fractions), draw(seeds))
    if kind == "playground":
        features = tuple(draw(st.permutations(FEATURES))[:n_inputs]) if n_inputs <= len(FEATURES) else ("x1",)
        task = draw(st.sampled_from(["circle", "xor", "gauss", "spiral", "plane", "multi_gauss"]))
        n_classes = draw(st.integers(2, 12)) if task not in ("plane", "multi_gauss") else 2
        return PlaygroundData(
            task,
            draw(st.integers(12, 1000)),
            draw(st.floats(0, 0.5)),
            draw(st.floats(0.05, 0.95)),
            draw(seeds),
            features,
            n_classes,
        )
    if kind == "iris":
        return IrisData(draw(fractions), draw(seeds), draw(st.booleans()))
    if kind == "csv":
        path = draw(st.from_regex(r"[a-z]{1,8}(/[a-z0-9_]{1,8}){0,2}\.csv", fullmatch=True))
        target = draw(st.integers(-5, 5) | st.text("abc", min_size=1, max_size=5))
        return CsvData(
            path,
            target,
            draw(st.sampled_from(["auto", "classification", "regression"])),
            draw(fractions),
            draw(seeds),
            draw(st.booleans()),
        )
    n_train, n_test = draw(st.integers(0, 6)), draw(st.integers(0, 6))
    two_d = draw(st.booleans())
    width = 2 if two_d else draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(seeds))
    classify = draw(st.booleans())
    n_classes = draw(st.integers(2, 5))

    def targets(n):
        return rng.integers(0, n_classes, n) if classify else rng.normal(size=(n, 2))

    return InlineData(
        name=draw(titles),
        task="classification" if classify else "regression",
        x_train=rng.normal(size=(n_train, width)),
        t_train=targets(n_train),
        x_test=rng.normal(size=(n_test, width)),
        t_test=targets(n_test),
        n_classes=n_classes if classify else 2,
        features=tuple(draw(st.permutations(FEATURES))[:3]) if two_d else None,
        standardize=False if two_d else draw(st.booleans()),
    )


@st.composite
def scenes(draw):
    n_inputs = draw(st.integers(1, 5))
    layers = (
        [Input(n_inputs)] + draw(st.lists(hidden_layers(), max_size=3)) + [Dense(draw(st.integers(1, 4)))]
    )
    names = draw(st.lists(ids, min_size=len(layers), max_size=len(layers), unique=True))
    network = Network.sequential(*layers, ids=names)
    optimizer = draw(
        st.sampled_from(
            [
                SGD(draw(st.floats(0, 10)), draw(fractions)),
                Adam(draw(st.floats(0, 1))),
                RMSprop(draw(st.floats(0, 1)), momentum=draw(fractions)),
            ]
        )
    )
    training = TrainingSpec(
        loss=draw(st.sampled_from(list(LOSSES))),
        optimizer=optimizer,
        batch_size=draw(st.integers(1, 512)),
        regularization=draw(
            st.sampled_from(
                [Regularization(), Regularization("l1", 0.01), Regularization("l2", draw(st.floats(0, 5)))]
            )
        ),
        seed=draw(seeds),
        init_seed=draw(seeds),
        shuffle=draw(st.booleans()),
        dtype=draw(st.sampled_from(["float32", "float64"])),
    )
    settings_names = st.sampled_from(
        sorted(TRAINING_SETTINGS)
        + sorted(DATASET_SETTINGS)
        + [f"{n}.rate" for n in names if isinstance(network.node(n).layer, Dropout)]
        or ["training.seed"]
    )
    actions = st.sampled_from(
        [
            None,
            {"type": "run_steps", "steps": draw(st.integers(1, 1000))},
            {"type": "run_epochs", "epochs": 3},
            {"type": "select_layer", "layer": draw(st.sampled_from(names))},
            {"type": "reset"},
            {"type": "show_panel", "panel": "loss"},
            {"type": "set_param", "param": "training.learning_rate", "value": 0.1},
        ]
    )
    state = None
    if draw(st.booleans()):
        dtype = np.float32 if draw(st.booleans()) else np.float64
        rng = np.random.default_rng(draw(seeds))
        shapes = expected_weights(network.resolve())
        weights = {k: rng.normal(size=s).astype(dtype) for k, s in shapes.items()}
        optimizer_state = None
        if draw(st.booleans()):
            optimizer_state = OptimizerState(
                draw(st.integers(0, 10**6)),
                {k: v * 0.5 for k, v in weights.items()},
                {k: np.abs(v) for k, v in weights.items()},
            )
        n_epochs = draw(st.integers(0, 5))
        history = None
        if draw(st.booleans()):
            history = {
                "epoch": np.arange(n_epochs, dtype=np.int64),
                "step": np.arange(n_epochs, dtype=np.int64) * 10,
                "train_loss": rng.random(n_epochs),
                "train_acc": np.full(n_epochs, np.nan),
                "test_loss": rng.random(n_epochs),
                "test_acc": rng.random(n_epochs),
            }
        losses = rng.random(draw(st.integers(0, 20))) if draw(st.booleans()) else None
        state = TrainedState(
            weights,
            draw(st.integers(0, 10**6)),
            draw(st.integers(0, 1000)),
            draw(st.integers(0, 5)),
            optimizer_state,
            history,
            losses,
        )
    return Scene(
        title=draw(titles),
        network=network,
        dataset=draw(datasets(n_inputs)),
        training=training,
        layout=draw(st.dictionaries(st.sampled_from(names), points, max_size=len(names))),
        description=draw(texts),
        view=draw(st.dictionaries(texts, view_values, max_size=4)),
        lesson=Lesson(
            draw(texts),
            tuple(LessonStep(draw(titles), draw(actions)) for _ in range(draw(st.integers(0, 4)))),
        ),
        locks=Locks(
            tuple(draw(st.lists(st.sampled_from(names), unique=True, max_size=3))),
            tuple(draw(st.lists(settings_names, unique=True, max_size=3))),
            tuple(draw(st.lists(st.sampled_from(["add_layer", "reset", "dataset"]), unique=True))),
        ),
        notes=tuple(
            Note(draw(texts), draw(points), (draw(sizes), draw(sizes)), draw(colors))
            for _ in range(draw(st.integers(0, 2)))
        ),
        arrows=tuple(Arrow(draw(points), draw(points), draw(colors)) for _ in range(draw(st.integers(0, 2)))),
        state=state,
    )


@PROPERTY
@given(scenes())
def test_random_valid_scenes_round_trip(scene):
    text = dumps_scene(scene)
    again = loads_scene(text)
    assert again == scene
    assert dumps_scene(again) == text
    assert again.network == scene.network
    if scene.state is not None:
        for key, w in scene.state.weights.items():
            assert again.state.weights[key].dtype == w.dtype
            assert again.state.weights[key].tobytes() == w.tobytes()


@PROPERTY
@given(scenes())
def test_random_valid_scenes_conform_to_the_schema(scene):
    SCHEMA.validate(json.loads(dumps_scene(scene)))


# -- corruptions ----------------------------------------------------------------------------------
CORPUS = [
    (ROOT / "scenes" / name).read_text(encoding="utf-8")
    for name in ("02-xor-hidden-layer.nnscene", "07-dropout.nnscene", "11-trained-xor.nnscene")
]
HOSTILE = [
    "null",
    "true",
    "-1",
    "0",
    "1.5",
    "-0.0",
    "1e308",
    "-1e308",
    "1e999",
    "123456789012345678901234567890",
    "9" * 5000,
    '""',
    '"x"',
    '"' + "a" * 300_000 + '"',
    "[]",
    "{}",
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "[" + ",".join(["0"] * 200_000) + "]",
    '{"dtype": "float32", "shape": [1000000000, 1000000000], "data": ""}',
    '{"dtype": "float16", "shape": [2], "data": "AAAAAA=="}',
    '{"dtype": "float32", "shape": [2], "data": "////"}',
    '{"type": "Dense", "units": 100000000}',
    '{"type": "Concat"}',
    '"\\ud800"',
    "NaN",
    "Infinity",
    "{" + ",".join(f'"k{i}": {i}' for i in range(50_000)) + "}",
]


def _nodes(doc, path=()):
    """Every (path, value) in a document."""
    yield path, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _nodes(value, path + (key,))
    elif isinstance(doc, list):
        for k, value in enumerate(doc):
            yield from _nodes(value, path + (k,))


def _replace(doc, path, value):
    if not path:
        return value
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@st.composite
def corrupted(draw):
    text = draw(st.sampled_from(CORPUS))
    how = draw(st.sampled_from(["truncate", "flip", "replace", "delete", "insert"]))
    if how == "truncate":
        return text[: draw(st.integers(0, len(text) - 1))]
    if how == "flip":
        raw = bytearray(text.encode("utf-8"))
        for _ in range(draw(st.integers(1, 5))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
        return bytes(raw)
    doc = json.loads(text)
    paths = [p for p, _ in _nodes(doc)]
    path = draw(st.sampled_from(paths))
    if how == "delete":
        if not path:
            return "{}"
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
        return json.dumps(doc)
    if how == "insert":
        parents = [p for p, v in _nodes(doc) if isinstance(v, dict)]
        parent_path = draw(st.sampled_from(parents))
        parent = doc
        for key in parent_path:
            parent = parent[key]
        parent[draw(st.text(max_size=10))] = draw(json_leaf)
        return json.dumps(doc)
    hostile = draw(st.sampled_from(HOSTILE))
    return json.dumps(_replace(doc, path, "\x00HOSTILE\x00")).replace('"\\u0000HOSTILE\\u0000"', hostile)


@PROPERTY
@given(corrupted())
def test_corrupted_files_give_a_clean_scene_error_quickly(text):
    start = time.perf_counter()
    try:
        scene = loads_scene(text)
    except SceneError as exc:
        assert exc.__cause__ is None, (
            f"an unplanned {type(exc.__cause__).__name__} reached the catch-all: {exc}"
        )
        assert exc.path.startswith("$")
        str(exc).encode("utf-8")  # printable on any terminal
    else:
        assert loads_scene(dumps_scene(scene)) == scene
    assert time.perf_counter() - start < SLOW_LOAD_S


@PROPERTY
@given(corrupted())
def test_a_corrupted_scene_that_loads_builds_or_fails_cleanly(text):
    try:
        scene = loads_scene(text)
    except SceneError:
        return
    assume(scene.dataset.source not in ("csv", "idx", "image_folder", "images"))  # files, big sets
    try:
        scene.make_trainer(evaluate=False, timeline_budget=1 << 20)
    except SceneError as exc:
        assert exc.__cause__ is None
