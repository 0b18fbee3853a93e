"""Training settings: learning rate, batch size, optimiser, loss and regularisation, editable while training.

Each change goes to ``controller.trainer.configure(...)`` and applies from the next mini-batch. The
controller replaces its trainer after some edits, so the panel always asks it for the current one and
re-reads every field on ``trainer_changed``. A change the engine refuses is shown in red under its field,
and the field goes back to the setting still in use.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

from engine import LOSSES, SGD, Adam, ConfigError, NnsimError, Optimizer, Regularization, RMSprop, Trainer
from simulator.controller import SceneController
from simulator.panels.forms import (
    LEARNING_RATES,
    REGULARIZATION_RATES,
    ErrorLabel,
    LadderCombo,
    NumberField,
    note_label,
    set_item_enabled,
    set_tooltip,
    with_error,
    write_quietly,
)

MAX_BATCH = 500
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}
OPTIMIZER_TIPS = {
    "sgd": "Stochastic gradient descent: w ← w − η·g, optionally with momentum",
    "adam": "Adam: a step per weight scaled by running averages of the gradient and its square",
    "rmsprop": "RMSprop: each weight's step divided by a running average of its gradient's size",
}
LOSS_LABELS = {
    "mse": "Mean squared error",
    "mae": "Mean absolute error",
    "cross_entropy": "Cross-entropy",
    "binary_cross_entropy": "Binary cross-entropy",
}
REGULARIZERS = {
    "none": ("None", "No penalty on the weights"),
    "l1": ("L1", "Adds rate·Σ|w| to the loss: pushes weights to exactly 0"),
    "l2": ("L2", "Adds rate/2·Σw² to the loss: keeps weights small"),
}
#: the lock names (docs/scene-format.md, "Setting names") that guard each field of the panel
FIELD_LOCKS = {
    "learning_rate": ("training.learning_rate",),
    "batch_size": ("training.batch_size",),
    "optimizer": ("training.optimizer",),
    "sgd.momentum": ("training.optimizer", "training.momentum"),
    "sgd.nesterov": ("training.optimizer", "training.momentum"),
    "adam.beta1": ("training.optimizer",),
    "adam.beta2": ("training.optimizer",),
    "adam.eps": ("training.optimizer",),
    "rmsprop.rho": ("training.optimizer",),
    "rmsprop.eps": ("training.optimizer",),
    "rmsprop.momentum": ("training.optimizer", "training.momentum"),
    "loss": ("training.loss",),
    "regularization": ("training.regularization",),
    "regularization_rate": ("training.regularization", "training.regularization_rate"),
}
LOCK_NOTE = "🔒 Locked by the teacher"
#: (field key, label, optimiser, tooltip, kind of widget, default)
OPTIMIZER_FIELDS = (
    (
        "sgd.momentum",
        "Momentum",
        "sgd",
        "Share of the last step carried into the next (0 = none)",
        "fraction",
        0.0,
    ),
    (
        "sgd.nesterov",
        "Nesterov",
        "sgd",
        "Look ahead along the momentum before taking the gradient",
        "check",
        False,
    ),
    ("adam.beta1", "β₁", "adam", "Decay of the running average of the gradient (below 1)", "number", 0.9),
    (
        "adam.beta2",
        "β₂",
        "adam",
        "Decay of the running average of the squared gradient (below 1)",
        "number",
        0.999,
    ),
    ("adam.eps", "ε", "adam", "Small number added to the divisor so it is never 0", "number", 1e-8),
    ("rmsprop.rho", "ρ", "rmsprop", "Decay of the running average of the squared gradient", "number", 0.9),
    ("rmsprop.eps", "ε", "rmsprop", "Small number added to the divisor so it is never 0", "number", 1e-7),
    (
        "rmsprop.momentum",
        "Momentum",
        "rmsprop",
        "Share of the last step carried into the next",
        "fraction",
        0.0,
    ),
)


def loss_misfit(loss: str, trainer: Trainer) -> str:
    """Why ``loss`` cannot train ``trainer``'s model on its data, or "" when it can."""
    data = trainer.data
    if data.task == "regression":
        if loss in ("cross_entropy", "binary_cross_entropy"):
            return "a classification loss; this data set is a regression task"
        return ""
    resolved = trainer.model.resolved
    width = trainer.model.width(resolved.output)
    if loss == "cross_entropy" and width == 1:
        return "needs one output unit per class: give the output layer 2 units"
    return ""


class TrainingPanel(QWidget):
    """Shows and changes ``controller.trainer.settings``.

    Parameters
    ----------
    controller : SceneController
        Its ``trainer`` is configured; ``trainer_changed`` makes the panel read the settings again.

    Signals
    -------
    settings_applied()
        A change was accepted; it applies from the next mini-batch.
    refused(str, str)
        ``(field, reason)``: the engine refused a change; the field shows the setting still in use.
    """

    settings_applied = Signal()
    refused = Signal(str, str)

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.errors: dict[str, ErrorLabel] = {}
        self.fields: dict[str, QWidget] = {}  # field key → its widget (for locks)
        self._tips: dict[str, str] = {}
        self.form = QFormLayout(self)
        self.form.addRow(note_label("Changes apply from the next step, also while training."))

        self.learning_rate = LadderCombo(LEARNING_RATES, 0.03)
        self.learning_rate.value_changed.connect(lambda v: self._configure("learning_rate", learning_rate=v))
        self.learning_rate.invalid.connect(lambda text: self._show_refusal("learning_rate", text))
        self._add(
            "learning_rate",
            "Learning rate",
            self.learning_rate,
            "How far each update moves the weights along the gradient.\n"
            "Pick a value or type any number (e.g. 0.05 or 1e-4) and press Enter.",
        )
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, MAX_BATCH)
        self.batch_size.setKeyboardTracking(False)
        self.batch_size.valueChanged.connect(lambda v: self._configure("batch_size", batch_size=int(v)))
        self._add("batch_size", "Batch size", self.batch_size, "Training points averaged into one update")

        self.optimizer = QComboBox()
        for key, text in OPTIMIZERS.items():
            self.optimizer.addItem(text, key)
            self.optimizer.setItemData(
                self.optimizer.count() - 1, OPTIMIZER_TIPS[key], Qt.ItemDataRole.ToolTipRole
            )
        self.optimizer.currentIndexChanged.connect(lambda _i: self._optimizer_changed("optimizer"))
        self._add(
            "optimizer", "Optimiser", self.optimizer, "The rule that turns gradients into weight updates"
        )
        self.opt_fields: dict[str, QWidget] = {}
        self._opt_rows: dict[str, tuple[str, int]] = {}
        for key, text, kind, tip, widget_kind, default in OPTIMIZER_FIELDS:
            widget = self._make_optimizer_field(key, widget_kind, default)
            self._opt_rows[key] = (kind, self.form.rowCount())
            self._add(key, "    " + text, widget, tip)
            self.opt_fields[key] = widget

        self.loss = QComboBox()
        for key in LOSSES:
            self.loss.addItem(LOSS_LABELS.get(key, key), key)
        self.loss.currentIndexChanged.connect(
            lambda _i: self._configure("loss", loss=self.loss.currentData())
        )
        self._add(
            "loss", "Loss", self.loss, "What training minimises: how far the outputs are from the targets"
        )

        self.regularization = QComboBox()
        for key, (text, tip) in REGULARIZERS.items():
            self.regularization.addItem(text, key)
            self.regularization.setItemData(self.regularization.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.regularization.currentIndexChanged.connect(
            lambda _i: self._regularization_changed("regularization")
        )
        self._add(
            "regularization",
            "Regularisation",
            self.regularization,
            "A penalty on large weights (Dense kernels only)",
        )
        self.regularization_rate = LadderCombo(REGULARIZATION_RATES, 0.0)
        self.regularization_rate.value_changed.connect(
            lambda _v: self._regularization_changed("regularization_rate")
        )
        self.regularization_rate.invalid.connect(lambda text: self._show_refusal("regularization_rate", text))
        self._add(
            "regularization_rate",
            "Regularisation rate",
            self.regularization_rate,
            "How strongly the penalty counts (only with L1 or L2)",
        )
        controller.trainer_changed.connect(self.refresh)
        controller.trainer_changed.connect(self.apply_locks)
        self.refresh()
        self.apply_locks()

    # ------------------------------------------------------------------------------- building
    def _add(self, key: str, text: str, widget: QWidget, tip: str) -> None:
        box, error = with_error(widget)
        label = QLabel(text)
        label.setToolTip(tip)
        widget.setToolTip(tip)
        self.form.addRow(label, box)
        self.errors[key] = error
        self.fields[key] = widget
        self._tips[key] = tip

    def _make_optimizer_field(self, key: str, widget_kind: str, default: float | bool) -> QWidget:
        if widget_kind == "check":
            box = QCheckBox()
            box.toggled.connect(lambda _b: self._optimizer_changed(key))
            return box
        if widget_kind == "fraction":
            spin = QDoubleSpinBox()
            spin.setRange(0.0, 0.99)
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
            spin.setKeyboardTracking(False)
            spin.setMaximumWidth(110)
            spin.setValue(float(default))
            spin.valueChanged.connect(lambda _v: self._optimizer_changed(key))
            return spin
        field = NumberField(float(default), minimum=0.0)
        field.value_changed.connect(lambda _v: self._optimizer_changed(key))
        field.invalid.connect(lambda text: self._show_refusal(key, text))
        return field

    # ------------------------------------------------------------------------------- reading
    @property
    def trainer(self) -> Trainer:
        return self.controller.trainer

    def refresh(self) -> None:
        """Show the settings the trainer uses now (call after changing them elsewhere)."""
        s = self.trainer.settings
        opt = s.optimizer
        write_quietly(self.learning_rate, opt.learning_rate)
        write_quietly(self.batch_size, s.batch_size)
        write_quietly(self.optimizer, opt.name)
        for key, value in _optimizer_values(opt).items():
            write_quietly(self.opt_fields[key], value)
        self._show_optimizer_rows(opt.name)
        self._update_losses()
        write_quietly(self.loss, s.loss)
        write_quietly(self.regularization, s.regularization.kind)
        write_quietly(self.regularization_rate, s.regularization.rate)

    def _show_optimizer_rows(self, name: str) -> None:
        for kind, row in self._opt_rows.values():
            self.form.setRowVisible(row, kind == name)
        momentum = self.opt_fields["sgd.momentum"].value()
        self.opt_fields["sgd.nesterov"].setEnabled(momentum > 0 and not self.locked_by("sgd.nesterov"))

    def _update_losses(self) -> None:
        for i in range(self.loss.count()):
            key = self.loss.itemData(i)
            why = loss_misfit(key, self.trainer)
            tip = LOSSES[key][1] + (f"\nNot available: {why}" if why else "")
            set_item_enabled(self.loss, i, not why, tip)

    # ------------------------------------------------------------------------------- locks
    def locked_by(self, field: str) -> str:
        """The lock name (e.g. ``"training.batch_size"``) that keeps ``field`` from changing, or ""."""
        for name in FIELD_LOCKS.get(field, ()):
            group, _, param = name.partition(".")
            if self.controller.is_locked(group, param):
                return name
        return ""

    def apply_locks(self) -> None:
        """Disable the fields a teacher locked (not in teacher mode) and say so in their tooltips.

        Call after the locks or the teacher mode changed (``TeacherControls.enforce`` does).
        """
        for key, widget in self.fields.items():
            lock = self.locked_by(key)
            if key == "sgd.nesterov" and not lock:
                widget.setEnabled(self.opt_fields["sgd.momentum"].value() > 0)
            else:
                widget.setEnabled(not lock)
            tip = self._tips[key]
            set_tooltip(widget, f"{tip}\n{LOCK_NOTE} ({lock})" if lock else tip)

    # ------------------------------------------------------------------------------- editing
    def _build_optimizer(self) -> Optimizer:
        name = self.optimizer.currentData()
        lr = self.trainer.settings.optimizer.learning_rate
        f = {key: w for key, w in self.opt_fields.items()}
        if name == "sgd":
            momentum = f["sgd.momentum"].value()
            return SGD(lr, momentum=momentum, nesterov=f["sgd.nesterov"].isChecked() and momentum > 0)
        if name == "adam":
            return Adam(
                lr, beta1=f["adam.beta1"].value(), beta2=f["adam.beta2"].value(), eps=f["adam.eps"].value()
            )
        return RMSprop(
            lr,
            rho=f["rmsprop.rho"].value(),
            eps=f["rmsprop.eps"].value(),
            momentum=f["rmsprop.momentum"].value(),
        )

    def _optimizer_changed(self, field: str) -> None:
        self._attempt(field, lambda: {"optimizer": self._build_optimizer()})

    def _regularization_changed(self, field: str) -> None:
        self._attempt(
            field,
            lambda: {
                "regularization": Regularization(
                    self.regularization.currentData(), float(self.regularization_rate.value())
                )
            },
        )

    def _configure(self, field: str, **changes: object) -> bool:
        return self._attempt(field, lambda: changes)

    def _attempt(self, field: str, make: Callable[[], dict]) -> bool:
        """Build the change and hand it to the trainer; on refusal show why and go back."""
        trainer = self.trainer
        old = trainer.settings
        lock = self.locked_by(field)
        if lock:
            self.refresh()  # the field goes back to the setting in use
            self._show_refusal(field, f"'{lock}' is locked by the teacher")
            return False
        try:
            trainer.configure(**make())
        except (NnsimError, ValueError, TypeError) as exc:
            _put_back(trainer, old)
            self.refresh()
            self._show_refusal(field, str(exc))
            return False
        for error in self.errors.values():
            error.clear_error()
        self.refresh()
        self.settings_applied.emit()
        return True

    def _show_refusal(self, field: str, reason: str) -> None:
        self.errors[field].show_error(reason)
        self.refused.emit(field, reason)


def _optimizer_values(opt: Optimizer) -> dict[str, float | bool]:
    """The panel's field values for ``opt`` (only its own type's fields)."""
    if isinstance(opt, SGD):
        return {"sgd.momentum": opt.momentum, "sgd.nesterov": opt.nesterov}
    if isinstance(opt, Adam):
        return {"adam.beta1": opt.beta1, "adam.beta2": opt.beta2, "adam.eps": opt.eps}
    if isinstance(opt, RMSprop):
        return {"rmsprop.rho": opt.rho, "rmsprop.eps": opt.eps, "rmsprop.momentum": opt.momentum}
    return {}


def _put_back(trainer: Trainer, old) -> None:
    """Apply ``old`` settings again: a refused ``configure`` may have left part of the new ones in force."""
    if trainer.settings == old:
        try:
            trainer.configure(
                optimizer=old.optimizer,
                loss=old.loss,
                regularization=old.regularization,
                batch_size=old.batch_size,
            )
        except ConfigError:
            pass


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    panel = TrainingPanel(SceneController(make_default_trainer()))
    panel.resize(340, 460)
    panel.show()
    raise SystemExit(app.exec())
