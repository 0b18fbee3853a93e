"""The lesson panel: a scene's introduction and its numbered steps, each with an optional action button.

A step's action (``engine.scene.vocabulary.ACTIONS``) is done through the runner and the controller,
as if the student had used the window's own controls, so locks and the engine's checks still apply:

- ``run_steps`` / ``run_epochs``: train that many mini-batches / epochs;
- ``select_layer``: select the layer on the canvas and in the inspector;
- ``set_param``: change one setting (training settings, data set settings and layer parameters);
- ``reset``: fresh weights, step 0;
- ``show_panel``: open a panel (the window passes a ``show_panel`` callback).

An action type this version does not know is shown as a disabled button with a note.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine import NnsimError
from engine.scene import Lesson, LessonStep
from engine.scene.vocabulary import ACTIONS

NO_LESSON = "*This scene has no lesson.* Open a scene with a lesson (File ▸ Open) to follow its steps here."


def action_label(action: dict[str, Any]) -> str:
    """The button text for ``action``."""
    kind = action.get("type", "")
    if kind == "run_steps":
        return f"Run {int(action.get('steps', 0))} steps"
    if kind == "run_epochs":
        n = int(action.get("epochs", 0))
        return f"Train {n} epoch{'s' if n != 1 else ''}"
    if kind == "select_layer":
        return f"Select layer {action.get('layer', '')}"
    if kind == "set_param":
        return f"Set {action.get('param', '')} = {action.get('value', '')}"
    if kind == "reset":
        return "Reset the weights"
    if kind == "show_panel":
        return f"Open the {action.get('panel', '')} panel"
    return str(kind or "action")


def dataset_changes(name: str, value: Any) -> dict[str, Any]:
    """The data panel's ``DataChoice`` fields for the setting ``dataset.<name>`` = ``value``."""
    if name == "kind":
        return {"source": str(value)}
    if name == "noise":  # a share 0..0.5 in scenes; the panel counts percent
        return {"noise": int(round(100 * float(value)))}
    if name == "train_ratio":
        return {"train_percent": int(round(100 * float(value)))}
    if name == "test_ratio":
        return {"train_percent": int(round(100 * (1 - float(value))))}
    if name in ("n_points", "seed", "n_classes"):
        return {name: int(value)}
    if name == "features":
        names = [value] if isinstance(value, str) else list(value)
        return {"features": tuple(str(n) for n in names)}
    raise ValueError(f"'dataset.{name}' cannot be set from a lesson step")


class StepWidget(QFrame):
    """One numbered step: its Markdown text and, when it has one, the action's button."""

    def __init__(self, number: int, step: LessonStep, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = step
        self.setObjectName("lessonStep")
        self.setStyleSheet("#lessonStep { border: 1px solid #dadce0; border-radius: 6px; background: #fff; }")
        self.number = QLabel(str(number))
        self.number.setFixedSize(24, 24)
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number.setStyleSheet(
            "background: #1a73e8; color: white; border-radius: 12px; font-weight: bold;"
        )
        self.number.setToolTip(f"Step {number}")
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.MarkdownText)
        self.text.setText(step.text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setOpenExternalLinks(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        body = QVBoxLayout()
        body.setSpacing(4)
        body.addWidget(self.text)
        self.button: QPushButton | None = None
        self.note: QLabel | None = None
        if step.action is not None:
            self.button = QPushButton(action_label(step.action))
            known = step.action.get("type") in ACTIONS
            self.button.setEnabled(known)
            self.button.setToolTip(
                "Do this step" if known else "This version of nnsim does not know this action"
            )
            row = QHBoxLayout()
            row.addWidget(self.button)
            row.addStretch(1)
            body.addLayout(row)
            if not known:
                self.note = QLabel(
                    f"<i>This version of nnsim cannot do the action '{step.action.get('type', '')}'.</i>"
                )
                self.note.setStyleSheet("color: #80868b;")
                self.note.setWordWrap(True)
                body.addWidget(self.note)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.number, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(body, 1)

    def set_done(self, done: bool) -> None:
        colour = "#188038" if done else "#1a73e8"
        self.number.setStyleSheet(
            f"background: {colour}; color: white; border-radius: 12px; font-weight: bold;"
        )


class LessonPanel(QWidget):
    """Shows a :class:`engine.scene.Lesson` and does its steps' actions.

    Parameters
    ----------
    controller : SceneController
    runner : TrainingRunner
    show_panel : callable, optional
        ``show_panel(name) -> bool`` opens one of the window's panels (``show_panel`` actions).
    data_panel : DataPanel, optional
        ``dataset.*`` settings go through it (its fields follow); without it they go to the controller.

    Signals
    -------
    action_done(str)
        A message after an action ran or was refused (for the status bar).
    settings_changed()
        A ``set_param`` changed a training setting (panels showing settings should refresh).
    """

    action_done = Signal(str)
    settings_changed = Signal()

    def __init__(
        self,
        controller,
        runner,
        show_panel: Callable[[str], bool] | None = None,
        parent: QWidget | None = None,
        data_panel=None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.runner = runner
        self.show_panel = show_panel
        self.data_panel = data_panel
        self.lesson: Lesson | None = None
        self._data_refusal = ""
        self.steps: list[StepWidget] = []
        self.intro = QTextBrowser()
        self.intro.setOpenExternalLinks(True)
        self.intro.setToolTip("The lesson's introduction")
        self.intro.setMinimumHeight(80)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #5f6368;")
        self.message.setToolTip("What the last step's button did")
        self._steps_box = QWidget()
        self._steps_layout = QVBoxLayout(self._steps_box)
        self._steps_layout.setContentsMargins(0, 0, 0, 0)
        self._steps_layout.setSpacing(6)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self._steps_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.intro, 2)
        layout.addWidget(self.scroll, 3)
        layout.addWidget(self.message)
        self.set_lesson(None)

    # ------------------------------------------------------------------------------ showing
    def set_lesson(self, lesson: Lesson | None) -> None:
        """Show ``lesson`` (None or an empty lesson: a short "no lesson" text)."""
        self.lesson = lesson
        for widget in self.steps:
            self._steps_layout.removeWidget(widget)
            widget.deleteLater()
        self.steps = []
        while self._steps_layout.count():
            self._steps_layout.takeAt(0)
        self.message.clear()
        empty = lesson is None or (not lesson.text.strip() and not lesson.steps)
        self.intro.setMarkdown(NO_LESSON if empty else (lesson.text or ""))
        self.scroll.setVisible(not empty and bool(lesson.steps))
        if empty:
            return
        for number, step in enumerate(lesson.steps, start=1):
            widget = StepWidget(number, step)
            if widget.button is not None and widget.button.isEnabled():
                widget.button.clicked.connect(lambda _c=False, w=widget: self._on_step(w))
            self._steps_layout.addWidget(widget)
            self.steps.append(widget)
        self._steps_layout.addStretch(1)

    def _on_step(self, widget: StepWidget) -> None:
        if self.perform(widget.step.action or {}):
            widget.set_done(True)

    # ------------------------------------------------------------------------------ actions
    def perform(self, action: dict[str, Any]) -> bool:
        """Do ``action``; False (and a message) when it could not be done."""
        kind = action.get("type", "")
        handler = getattr(self, f"_do_{kind}", None)
        if kind not in ACTIONS or handler is None:
            return self._say(f"This version of nnsim cannot do the action '{kind}'.", False)
        try:
            return handler(action)
        except (NnsimError, ValueError, TypeError, KeyError) as exc:
            return self._say(f"Could not do '{action_label(action)}': {exc}", False)

    def _say(self, text: str, ok: bool) -> bool:
        self.message.setText(text)
        self.action_done.emit(text)
        return ok

    def _do_run_steps(self, action: dict[str, Any]) -> bool:
        n = int(action["steps"])
        if not self.controller.trainable:
            return self._say("The network is not finished, so it cannot train yet.", False)
        ok = self.runner.run_to(self.runner.trainer.step_count + n)
        return self._say(f"Training {n} steps…" if ok else "Training is busy; try again.", ok)

    def _do_run_epochs(self, action: dict[str, Any]) -> bool:
        n = int(action["epochs"])
        if not self.controller.trainable:
            return self._say("The network is not finished, so it cannot train yet.", False)
        ok = self.runner.train_epochs(n)
        return self._say(f"Training {n} epochs…" if ok else "Training is busy; try again.", ok)

    def _do_select_layer(self, action: dict[str, Any]) -> bool:
        layer = str(action["layer"])
        if layer not in {n.id for n in self.controller.network.nodes}:
            return self._say(f"There is no layer '{layer}' in this network.", False)
        self.controller.select(layer)
        return self._say(f"Selected layer {layer}.", True)

    def _do_reset(self, action: dict[str, Any]) -> bool:
        self.runner.reset()
        return self._say("Fresh weights: training starts again from step 0.", True)

    def _do_show_panel(self, action: dict[str, Any]) -> bool:
        panel = str(action["panel"])
        if self.show_panel is None or not self.show_panel(panel):
            return self._say(f"There is no '{panel}' panel to open here.", False)
        return self._say(f"Opened the {panel} panel.", True)

    def _do_set_param(self, action: dict[str, Any]) -> bool:
        param, value = str(action["param"]), action["value"]
        group, _, name = param.partition(".")
        if group == "training":
            ok = self._set_training(name, value)
            if ok:
                self.settings_changed.emit()
        elif group == "dataset":
            ok = self._set_dataset(name, value)
            if not ok:
                return self._say(f"'{param}' was not changed: {self._data_refusal or 'refused'}.", False)
        else:
            nodes = {n.id: n for n in self.controller.network.nodes}
            if group not in nodes:
                return self._say(f"There is no layer '{group}' in this network.", False)
            spec = nodes[group].layer
            if name not in {f.name for f in dataclasses.fields(spec)}:
                return self._say(f"Layer '{group}' has no setting '{name}'.", False)
            ok = self.controller.set_layer(group, dataclasses.replace(spec, **{name: value}))
            if not ok:
                return self._say(f"'{param}' was not changed (see the canvas).", False)
        return self._say(f"Set {param} = {value}." if ok else f"'{param}' was not changed.", ok)

    def _set_dataset(self, name: str, value: Any) -> bool:
        """Change one data set setting (``dataset.noise`` …) as the data panel would; one undo step."""
        from simulator.panels.data_panel import DataChoice, build_dataset, infer_choice

        self._data_refusal = ""
        panel = self.data_panel
        base = panel.choice if panel is not None else infer_choice(self.controller.dataset, DataChoice())
        choice = dataclasses.replace(base, **dataset_changes(name, value))
        if panel is not None:
            ok = panel.apply_choice(choice)
            if not ok:
                self._data_refusal = panel.error.text() if hasattr(panel.error, "text") else ""
            return ok
        reasons: list[str] = []

        def heard(_layer: str, why: str) -> None:
            reasons.append(why)

        self.controller.edit_refused.connect(heard)
        try:
            ok = self.controller.set_dataset(build_dataset(choice), f"Data: {name} = {value}")
        finally:
            self.controller.edit_refused.disconnect(heard)
        self._data_refusal = "; ".join(reasons)
        return ok

    def _set_training(self, name: str, value: Any) -> bool:
        trainer = self.runner.trainer
        settings = trainer.settings
        if name == "learning_rate":
            return self.runner.set_learning_rate(float(value))
        if name == "batch_size":
            trainer.configure(batch_size=int(value))
        elif name == "loss":
            trainer.configure(loss=str(value))
        elif name == "optimizer":
            trainer.configure(optimizer={"type": str(value), "learning_rate": trainer.learning_rate})
        elif name == "momentum":
            trainer.configure(optimizer=dataclasses.replace(settings.optimizer, momentum=float(value)))
        elif name == "regularization":
            trainer.configure(regularization=dataclasses.replace(settings.regularization, kind=str(value)))
        elif name == "regularization_rate":
            trainer.configure(regularization=dataclasses.replace(settings.regularization, rate=float(value)))
        else:
            raise ValueError(f"'training.{name}' cannot be changed while the scene is open")
        return True


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.controller import SceneController
    from simulator.default_scene import make_default_trainer
    from simulator.runner import TrainingRunner

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    panel = LessonPanel(SceneController(trainer), TrainingRunner(trainer))
    panel.set_lesson(
        Lesson(
            "# Spirals\n\nTwo interleaved spirals need **several** hidden layers.",
            (
                LessonStep("Train a little.", {"type": "run_steps", "steps": 50}),
                LessonStep("Look at the first hidden layer.", {"type": "select_layer", "layer": "h1"}),
                LessonStep("A later version's step.", {"type": "quiz"}),
                LessonStep("What do you notice about the loss?"),
            ),
        )
    )
    panel.resize(380, 560)
    panel.show()
    sys.exit(app.exec())
