"""A plain-text summary of a scene (``nnsim info``): network, data, training, lesson, saved progress."""

from __future__ import annotations

import math
import textwrap

from engine.data import Dataset
from engine.draft import check_draft
from engine.scene.datasets import (
    IMAGE_SETS,
    CsvData,
    IdxData,
    ImageFolderData,
    ImageSetData,
    InlineData,
    IrisData,
    PlaygroundData,
)
from engine.scene.model import Scene


def describe(scene: Scene, dataset: Dataset | Exception | None = None) -> str:
    """Summarise ``scene``; ``dataset`` is the made data set, or the error making it gave."""
    lines = [scene.title, "=" * min(len(scene.title), 80)]
    if scene.description:
        lines += [scene.description]
    lines += ["", "Network", *_network_lines(scene), "", "Data", "  " + _data_line(scene)]
    if isinstance(dataset, Dataset):
        d = dataset
        task = f"{d.n_classes} classes" if d.task == "classification" else "regression"
        if d.is_image:
            c, h, w = d.image_shape
            inputs = f"({'grey' if c == 1 else f'{c}-channel'} images of {h}×{w} pixels)"
        else:
            inputs = f"({', '.join(d.feature_names)})"
        counts = f"{d.n_train} training and {d.n_test} test samples"
        lines.append(f"  {counts}, {d.n_inputs} inputs {inputs}, {task}")
        if d.is_image and d.task == "classification":
            lines.append(f"  classes: {textwrap.shorten(', '.join(d.class_names), 100, placeholder=' …')}")
    elif isinstance(dataset, Exception):
        lines.append(f"  cannot be made: {dataset}")
    t = scene.training
    opt = t.optimizer.to_config()
    opt_text = ", ".join(f"{k}={v}" for k, v in opt.items() if k != "type")
    reg = "none" if t.regularization.kind == "none" else f"{t.regularization.kind} {t.regularization.rate:g}"
    lines += [
        "",
        "Training",
        f"  loss {t.loss}, optimiser {opt['type']} ({opt_text}), batch size {t.batch_size}",
        f"  regularisation {reg}, data seed {t.seed}, weight seed {t.init_seed}, "
        f"shuffle {'on' if t.shuffle else 'off'}, {t.dtype}",
    ]
    lines += ["", "Lesson", f"  {len(scene.lesson.steps)} steps"]
    for k, step in enumerate(scene.lesson.steps, 1):
        first = step.text.strip().splitlines()[0] if step.text.strip() else ""
        action = f"  [{step.action['type']}]" if step.action else ""
        lines.append(f"  {k:>2}. {textwrap.shorten(first, 90, placeholder=' …')}{action}")
    locks = scene.locks
    if locks.layers or locks.params or locks.controls:
        lines += ["", "Locked"]
        for what, names in (
            ("layers", locks.layers),
            ("settings", locks.params),
            ("controls", locks.controls),
        ):
            if names:
                lines.append(f"  {what}: {', '.join(names)}")
    if scene.notes or scene.arrows:
        lines += ["", f"Canvas: {len(scene.notes)} note(s), {len(scene.arrows)} arrow(s)"]
    s = scene.state
    lines += [""]
    if s is None:
        lines.append("Untrained: no weights stored (they are drawn from the weight seed)")
    else:
        extra = []
        if s.optimizer is not None:
            extra.append("optimiser state")
        if s.history is not None:
            extra.append(f"history of {len(s.history['epoch'])} epochs")
        stored = sum(math.prod(w.shape) for w in s.weights.values())
        lines.append(
            f"Trained: {stored:,} weights stored at step {s.step}, epoch {s.epoch}"
            + (f", with {' and '.join(extra)}" if extra else "")
        )
    return "\n".join(lines)


def _network_lines(scene: Scene) -> list[str]:
    """The trainable part's table, then the layers not connected yet."""
    draft = check_draft(scene.network)
    lines = (
        [draft.trainable.summary()]
        if draft.trainable is not None
        else [f"  nothing to train: {draft.why_not}"]
    )
    for layer_id, why in draft.unfinished.items():
        lines.append(f"  not connected yet: {layer_id} ({why})")
    return lines


def _data_line(scene: Scene) -> str:
    d = scene.dataset
    if isinstance(d, PlaygroundData):
        classes = f", {d.n_classes} classes" if d.task == "classification" else ""
        return (
            f"Playground {d.kind!r} ({d.task}{classes}): {d.n_points} points, noise {d.noise:g}, "
            f"{d.train_ratio:.0%} for training, features {', '.join(d.features)}, seed {d.seed}"
        )
    if isinstance(d, IrisData):
        scaled = "standardised" if d.standardize else "in cm"
        return (
            f"Fisher's iris flowers: {d.test_ratio:.0%} held out for testing, inputs {scaled}, seed {d.seed}"
        )
    if isinstance(d, CsvData):
        return f"CSV file {d.path!r}, target {d.target!r}, task {d.task}, {d.test_ratio:.0%} for testing"
    if isinstance(d, ImageSetData):
        if d.name == "fashion_mnist":
            which = {None: "full set if installed, else the shipped subset", True: "full set"}.get(
                d.full, "shipped subset"
            )
            return f"image set {IMAGE_SETS[d.name]} ({which}), its own test images, seed {d.seed}"
        return f"image set {IMAGE_SETS[d.name]}: {d.test_ratio:.0%} held out for testing, seed {d.seed}"
    if isinstance(d, IdxData):
        test = f"{d.test_ratio:.0%} for testing"
        if d.test_images:
            test = f"test files {d.test_images!r}, {d.test_labels!r}"
        return f"IDX files {d.train_images!r}, {d.train_labels!r}, {test}, seed {d.seed}"
    if isinstance(d, ImageFolderData):
        colour = "grey" if d.grayscale else "colour"
        return (
            f"pictures in folder {d.path!r}, resized to {d.size[0]}×{d.size[1]} {colour}, "
            f"{d.test_ratio:.0%} for testing, seed {d.seed}"
        )
    if isinstance(d, InlineData):
        counts = f"{len(d.x_train)} training, {len(d.x_test)} test"
        return f"points stored in the scene ({d.name!r}, {d.task}): {counts}"
    return type(d).__name__
