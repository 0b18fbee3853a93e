"""The Trainer: phase-by-phase stepping for the window, a compiled fast path, and an exact timeline.

Three ways to advance, one result: ``phases()`` yields every phase of a mini-batch, ``step()`` runs
one mini-batch, ``run(n)`` runs many inside compiled code. All three call the same kernels in the
same order, so they give bit-identical weights. Settings may change between any two steps; the
timeline logs them so a rewind replays the run exactly as it happened.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from engine.data.dataset import Dataset
from engine.errors import ConfigError, DivergenceError
from engine.kernels import cpu, shuffle
from engine.kernels import layout as L
from engine.layers import Activation, Dense
from engine.losses import Regularization, loss_name, output_mode
from engine.model import Model
from engine.normalization import RUNNING
from engine.optimizers import SGD, Optimizer, optimizer_from_config
from engine.phases import Phase, PhaseEvent
from engine.program import Buffers
from engine.timeline import DEFAULT_BUDGET, Snapshot, Timeline

_EVAL_ROWS = 1024


def _locked(method):
    """Run ``method`` holding the trainer's lock, so a window may train on one thread and adjust
    settings from another: each call waits at most for the compiled chunk in progress."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


def output_activation(model: Model) -> str:
    """The activation of the model's output layer ("linear" when it has none)."""
    layer = model.resolved.order[model.program.output].layer
    return layer.activation if isinstance(layer, (Dense, Activation)) else "linear"


def check_fit(model: Model, data: Dataset, loss: str) -> str:
    """How ``data``'s targets are encoded for ``model`` and ``loss``; a ConfigError saying what to change
    when they do not fit (Input size, output units, a loss for the other task).

    Returns "values" (regression), "pm1" or "01" (two classes, one output unit) or "onehot".
    """
    loss = loss_name(loss)
    n_in = model.width(model.resolved.input.id)
    in_shape = model.output_shape(model.resolved.input.id)
    if data.image_shape is not None and len(in_shape) == 3 and tuple(data.image_shape) != in_shape:
        raise ConfigError(
            f"the network's Input takes images of shape {list(in_shape)} but the dataset '{data.name}' holds "
            f"images of shape {list(data.image_shape)}: set the Input shape to {list(data.image_shape)}"
        )
    if data.n_inputs != n_in:
        raise ConfigError(
            f"the network's Input takes {n_in} features but the dataset '{data.name}' has {data.n_inputs}"
            f" ({', '.join(data.feature_names)}): set the Input size to {data.n_inputs}"
        )
    if data.n_train == 0:
        raise ConfigError(f"the dataset '{data.name}' has no training samples")
    width = model.width(model.resolved.output)
    if data.task == "regression":
        k = data.t_train.shape[1]
        if width != k:
            raise ConfigError(f"the output layer has {width} units but the dataset has {k} target column(s)")
        if loss in ("cross_entropy", "binary_cross_entropy"):
            raise ConfigError(f"'{loss}' is a classification loss; for regression use mse or mae")
        return "values"
    if width == 1 and data.n_classes == 2:
        if loss == "cross_entropy":
            raise ConfigError("cross-entropy needs one output unit per class: give the output layer 2 units")
        return "01" if loss == "binary_cross_entropy" or output_activation(model) == "sigmoid" else "pm1"
    if width == data.n_classes:
        return "onehot"
    raise ConfigError(
        f"the output layer has {width} unit(s) but the dataset has {data.n_classes} classes: "
        f"use {data.n_classes} units" + (" (or 1 unit for two classes)" if data.n_classes == 2 else "")
    )


@dataclass(frozen=True)
class Settings:
    """Everything that may change between steps and changes what a step does."""

    optimizer: Optimizer = dataclasses.field(default_factory=SGD)
    loss: str = "mse"
    regularization: Regularization = dataclasses.field(default_factory=Regularization)
    batch_size: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "loss", loss_name(self.loss))
        object.__setattr__(self, "optimizer", optimizer_from_config(self.optimizer))
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigError(f"the batch size must be a whole number >= 1. Received: {self.batch_size!r}")


@dataclass
class History:
    """Per-epoch train and test loss and accuracy (accuracy is NaN for regression)."""

    epoch: np.ndarray
    step: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray

    def __len__(self) -> int:
        return len(self.epoch)


class Trainer:
    """Trains a ``Model`` on a ``Dataset``.

    Parameters
    ----------
    model : Model
        Trained in place: its weight views always show the current weights.
    data : Dataset
        Classification targets are encoded to fit the loss and the output layer (±1 for a single
        tanh/linear unit with mse, 0/1 for sigmoid, one-hot for several units).
    seed : int
        Drives data order and dropout; with the model's seed it makes a run bit-reproducible.
    evaluate : bool
        Record train and test loss/accuracy over the whole sets at every epoch end.
    """

    def __init__(
        self,
        model: Model,
        data: Dataset,
        *,
        loss: str = "mse",
        optimizer: Optimizer | str | dict = "sgd",
        batch_size: int = 10,
        regularization: Regularization | None = None,
        seed: int = 0,
        shuffle: bool = True,
        evaluate: bool = True,
        timeline_budget: int = DEFAULT_BUDGET,
        keyframe_interval: int = 256,
    ) -> None:
        self._lock = threading.RLock()
        self.model = model
        self.seed = int(seed)
        self.shuffle = bool(shuffle)
        self.evaluate_epochs = bool(evaluate)
        self._settings = Settings(
            optimizer_from_config(optimizer), loss, regularization or Regularization(), batch_size
        )
        self._settings_log: list[tuple[int, Settings]] = []
        self._pending: Iterator[PhaseEvent] | None = None
        self.timeline = Timeline(timeline_budget, keyframe_interval)
        self._stop = np.zeros(1, np.int64)
        self._status = np.zeros(3, np.int64)
        self.pos = np.zeros(L.N_POS, np.int64)
        self.pos[L.P_SEED] = self.seed
        self._hist = np.zeros((64, L.N_HIST), np.float64)
        self._hist_n = np.zeros(1, np.int64)
        self._losses = np.zeros(1024, np.float64)
        self._n_losses = 0
        self._attach(model, data, keep_state=False)
        self._log_settings()
        self.timeline.add(self.snapshot())

    # ------------------------------------------------------------------------------------ set-up
    def _attach(self, model: Model, data: Dataset, keep_state: bool) -> None:
        self.model = model
        self.data = data
        self.dtype = model.dtype
        p = model.program
        self.H = np.zeros(L.N_H, np.float64)
        self.IH = np.zeros(L.N_IH, np.int64)
        if not keep_state:
            self.grads = np.zeros(p.n_params, self.dtype)
            self.m1 = np.zeros(p.n_params, self.dtype)
            self.m2 = np.zeros(p.n_params, self.dtype)
        self.perm = np.zeros(data.n_train, np.int64)
        self.order_test = np.arange(data.n_test, dtype=np.int64)
        self._apply_settings(self._settings)
        # numpy, not Numba: a new trainer is usable before the kernels load (engine/kernels/shuffle.py)
        shuffle.epoch_permutation(self.seed, int(self.pos[L.P_EPOCH]), self.perm, int(self.shuffle))

    def _apply_settings(self, s: Settings) -> None:
        """Translate settings into the kernels' arrays and encode the targets for the loss."""
        self.H[:] = 0
        s.optimizer.fill(self.H, self.IH)
        self.H[L.H_REG] = s.regularization.rate
        self.IH[L.I_REG] = s.regularization.code
        from engine.losses import LOSSES

        self.IH[L.I_LOSS] = LOSSES[s.loss][0]
        out_act = output_activation(self.model)
        self.IH[L.I_MODE] = output_mode(s.loss, out_act)
        self.IH[L.I_BATCH] = s.batch_size
        self.IH[L.I_SHUFFLE] = int(self.shuffle)
        self.IH[L.I_EVAL] = int(self.evaluate_epochs)
        self.IH[L.I_OUT] = self.model.program.output
        self._encode_targets(s.loss, out_act)
        rows = max(s.batch_size, min(_EVAL_ROWS, max(self.data.n_train, self.data.n_test)))
        if (
            getattr(self, "buffers", None) is None
            or self.buffers.rows < rows
            or self.buffers.tb.size < rows * self.T.shape[1]
        ):
            self.buffers = Buffers.allocate(self.model.program, rows, self.dtype, self.T.shape[1])
        self._settings = s

    def _encode_targets(self, loss: str, out_act: str) -> None:
        d = self.data
        enc = check_fit(self.model, d, loss)
        self.IH[L.I_THRESH] = 1 if enc == "01" else 0
        self.IH[L.I_CLASSIFY] = int(d.task == "classification")
        if enc == "values":
            tr, te = d.t_train, d.t_test
            self.L = np.full(d.n_train, -1, np.int64)
            self.L_test = np.full(d.n_test, -1, np.int64)
        else:
            tr, te = d.targets(enc, "train"), d.targets(enc, "test")
            self.L = np.ascontiguousarray(d.t_train, np.int64)
            self.L_test = np.ascontiguousarray(d.t_test, np.int64)
        self.X = np.ascontiguousarray(d.x_train, self.dtype)
        self.X_test = np.ascontiguousarray(d.x_test, self.dtype)
        self.T = np.ascontiguousarray(np.asarray(tr).reshape(d.n_train, -1), self.dtype)
        self.T_test = np.ascontiguousarray(np.asarray(te).reshape(d.n_test, -1), self.dtype)

    def _log_settings(self) -> None:
        step = self.step_count
        self._settings_log = [(s, v) for s, v in self._settings_log if s < step]
        self._settings_log.append((step, self._settings))

    # ------------------------------------------------------------------------------ settings API
    @property
    def settings(self) -> Settings:
        return self._settings

    @_locked
    def configure(self, **changes) -> None:
        """Change ``optimizer``, ``loss``, ``regularization`` or ``batch_size`` from the next step on."""
        self._finish_pending()
        if "learning_rate" in changes:
            lr = changes.pop("learning_rate")
            changes["optimizer"] = changes.get("optimizer", self._settings.optimizer).with_learning_rate(lr)
        old = self._settings
        new = dataclasses.replace(old, **changes)
        try:
            self._apply_settings(new)
        except Exception:
            self._apply_settings(old)  # a refused change leaves nothing of itself behind
            raise
        if type(new.optimizer) is not type(old.optimizer):
            self.m1[:] = 0
            self.m2[:] = 0
            self.pos[L.P_OPT_T] = 0
        self._log_settings()

    @property
    def learning_rate(self) -> float:
        return self._settings.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.configure(learning_rate=value)

    # ------------------------------------------------------------------------------------ state
    @property
    def step_count(self) -> int:
        return int(self.pos[L.P_STEP])

    @property
    def epoch(self) -> int:
        return int(self.pos[L.P_EPOCH])

    @property
    def history(self) -> History:
        h = self._hist[: self._hist_n[0]]
        return History(
            h[:, L.H_EPOCH_COL].astype(int),
            h[:, L.H_STEP_COL].astype(int),
            h[:, L.H_TRAIN_LOSS].copy(),
            h[:, L.H_TRAIN_ACC].copy(),
            h[:, L.H_TEST_LOSS].copy(),
            h[:, L.H_TEST_ACC].copy(),
        )

    @property
    def step_losses(self) -> np.ndarray:
        """The loss of every mini-batch so far, in order."""
        return self._losses[: self._n_losses].copy()

    def step_losses_since(self, start: int) -> np.ndarray:
        """The losses of mini-batches ``start`` onwards: what a live curve needs each frame, no more."""
        return self._losses[max(0, int(start)) : self._n_losses].copy()

    @_locked
    def snapshot(self) -> Snapshot:
        self._finish_pending()
        return self._snapshot_now()

    @_locked
    def restore(self, snap: Snapshot) -> None:
        """Return to ``snap`` (from this run): weights, optimiser state, data order and history."""
        self._pending = None
        if snap.params.shape != self.model.flat.shape:
            raise ConfigError("this snapshot belongs to a network of another size")
        self.model.flat[:] = snap.params
        self.m1[:] = snap.m1 if snap.m1.size else 0
        self.m2[:] = snap.m2 if snap.m2.size else 0
        self.pos[L.P_STEP] = snap.step
        self.pos[L.P_EPOCH] = snap.epoch
        self.pos[L.P_CURSOR] = snap.cursor
        self.pos[L.P_OPT_T] = snap.opt_t
        self._hist_n[0] = min(snap.history_len, self._hist_n[0])
        self._n_losses = min(snap.losses_len, self._n_losses)
        cpu.epoch_permutation(self.seed, snap.epoch, self.perm, int(self.shuffle))
        self._apply_settings(self._settings_at(snap.step))

    @_locked
    def load_progress(self, snap: Snapshot, history: History | None = None, step_losses=None) -> None:
        """Continue a saved run: state from ``snap``, with its recorded ``history`` and ``step_losses``.

        The timeline starts here: a loaded run cannot be rewound to before the point it was saved at.
        """
        self._pending = None
        self._hist_n[0] = 0
        self._n_losses = 0
        self.restore(snap)
        losses = np.zeros(0) if step_losses is None else np.asarray(step_losses, np.float64).ravel()
        n_hist = 0 if history is None else len(history)
        self._ensure_capacity(max(n_hist, len(losses)))
        if history is not None:
            columns = (
                (L.H_EPOCH_COL, history.epoch),
                (L.H_STEP_COL, history.step),
                (L.H_TRAIN_LOSS, history.train_loss),
                (L.H_TRAIN_ACC, history.train_acc),
                (L.H_TEST_LOSS, history.test_loss),
                (L.H_TEST_ACC, history.test_acc),
            )
            for col, values in columns:
                self._hist[:n_hist, col] = np.asarray(values, np.float64)
        self._hist_n[0] = n_hist
        self._losses[: len(losses)] = losses
        self._n_losses = len(losses)
        self._restart_timeline()

    def _settings_at(self, step: int) -> Settings:
        current = self._settings_log[0][1]
        for s, v in self._settings_log:
            if s <= step:
                current = v
        return current

    @_locked
    def rewind(self, step: int) -> None:
        """Go back to the start of ``step`` (0 = untrained) by restoring a keyframe and replaying exactly.

        Later history is dropped, as in an editor's undo: training on from here writes a new future.
        """
        self._finish_pending()
        if step < 0 or step > self.step_count:
            raise ConfigError(f"can rewind only to steps 0..{self.step_count}, not {step}")
        snap = self.timeline.latest_at_or_before(step)
        if snap is None:
            raise ConfigError(f"step {step} is before the earliest kept state of this run")
        log = list(self._settings_log)
        self.restore(snap)
        self._replay(snap.step, step, log)
        self._settings_log = [(s, v) for s, v in log if s <= step]
        self._apply_settings(self._settings_at(step))
        self.timeline.truncate_after(step)

    def _replay(self, start: int, end: int, log: list[tuple[int, Settings]]) -> None:
        changes = sorted({s for s, _ in log if start < s < end})
        current = start
        for boundary in changes + [end]:
            self._apply_settings(self._settings_at_in(log, current))
            self._train_chunk(boundary - current, record=False)
            current = boundary

    @staticmethod
    def _settings_at_in(log: list[tuple[int, Settings]], step: int) -> Settings:
        current = log[0][1]
        for s, v in log:
            if s <= step:
                current = v
        return current

    # ------------------------------------------------------------------------- editing hooks
    @_locked
    def set_data(self, data: Dataset) -> None:
        """Train on another dataset from the next step on (the timeline restarts here).

        A half-walked mini-batch of ``phases()`` is cancelled: it belonged to the old data.
        """
        self._pending = None
        self.pos[L.P_CURSOR] = 0
        self.buffers = None
        self._attach(self.model, data, keep_state=True)
        self._restart_timeline()

    @_locked
    def set_model(self, model: Model) -> None:
        """Continue with an edited model (``engine.editing``); optimiser state and timeline restart.

        A half-walked mini-batch of ``phases()`` is cancelled: it belonged to the old model.
        """
        self._pending = None
        self.buffers = None
        self._attach(model, self.data, keep_state=False)
        self.pos[L.P_OPT_T] = 0
        self._restart_timeline()

    def _restart_timeline(self) -> None:
        self.timeline.clear()
        self._settings_log = []
        self._log_settings()
        self.timeline.add(self.snapshot())

    @_locked
    def reset(self, seed: int | None = None) -> None:
        """Re-initialise the weights from the model's seed (or ``seed``) and start the run again."""
        self._pending = None
        if seed is not None:
            self.model.seed = int(seed)
        fresh = Model.create(self.model.network, seed=self.model.seed, dtype=self.dtype)
        self.model.flat[:] = fresh.flat
        self.m1[:] = 0
        self.m2[:] = 0
        self.pos[:] = 0
        self.pos[L.P_SEED] = self.seed
        self._hist_n[0] = 0
        self._n_losses = 0
        cpu.epoch_permutation(self.seed, 0, self.perm, int(self.shuffle))
        self._restart_timeline()

    # ---------------------------------------------------------------------------- fast path
    def request_stop(self) -> None:
        """Ask a running ``run`` to return after its current step (safe from another thread)."""
        self._stop[0] = 1

    def run(self, n_steps: int, stop_at_epoch_end: bool = False) -> int:
        """Train up to ``n_steps`` mini-batches in compiled code; returns the number done.

        Raises DivergenceError (with the trainer at the last finite state) if the loss or a weight
        stops being finite.
        """
        self._finish_pending()
        self._stop[0] = 0
        done = 0
        while done < n_steps:
            with self._lock:  # released between chunks, so another thread can change settings
                step = self.step_count
                chunk = min(n_steps - done, self.timeline.next_due(step) - step)
                did = self._train_chunk(chunk, record=True, stop_at_epoch_end=stop_at_epoch_end)
                done += did
                code = int(self._status[L.ST_CODE])
                if code in (L.STATUS_LOSS, L.STATUS_PARAM):
                    self._diverged(code)
                if self.timeline.due(self.step_count):
                    self.timeline.add(self.snapshot())
            if code in (L.STATUS_STOPPED, L.STATUS_EPOCH_END) or did < chunk:
                break
        return done

    def run_epochs(self, n_epochs: int) -> int:
        """Train until ``n_epochs`` more epochs have ended; returns the steps done."""
        total = 0
        for _ in range(n_epochs):
            before = self.epoch
            while self.epoch == before:
                did = self.run(1 << 30, stop_at_epoch_end=True)
                total += did
                if self._status[L.ST_CODE] == L.STATUS_STOPPED:
                    return total
        return total

    def _train_chunk(self, n: int, record: bool, stop_at_epoch_end: bool = False) -> int:
        if n <= 0:
            return 0
        self._ensure_capacity(n)
        m = self.model
        p = m.program
        b = self.buffers
        self.IH[L.I_INPUT_GRAD] = 0
        did = cpu.train_steps(
            n,
            p.ops,
            p.op_inputs,
            p.fops,
            p.ncons,
            p.segs,
            self.H,
            self.IH,
            m.flat,
            self.grads,
            self.m1,
            self.m2,
            b.acts,
            b.zs,
            b.gacts,
            b.gzs,
            b.scratch,
            b.rows,
            self.X,
            self.T,
            self.L,
            self.X_test,
            self.T_test,
            self.L_test,
            self.perm,
            self.order_test,
            b.tb,
            b.lb,
            self.pos,
            self._losses[self._n_losses :],
            self._hist,
            self._hist_n,
            self._status,
            self._stop if record else np.zeros(1, np.int64),
            stop_at_epoch_end,
        )
        self._n_losses += did
        return did

    def _ensure_capacity(self, n: int) -> None:
        need = self._n_losses + n
        if need > self._losses.size:
            grown = np.zeros(max(need, 2 * self._losses.size), np.float64)
            grown[: self._n_losses] = self._losses[: self._n_losses]
            self._losses = grown
        need_h = int(self._hist_n[0]) + n + 1
        if need_h > self._hist.shape[0]:
            grown = np.zeros((max(need_h, 2 * self._hist.shape[0]), L.N_HIST), np.float64)
            grown[: self._hist_n[0]] = self._hist[: self._hist_n[0]]
            self._hist = grown

    def _diverged(self, code: int) -> None:
        """Put the trainer back at its last good state and raise a DivergenceError that says what happened.

        A weight that became non-finite: back to the start of that step. A loss that became
        non-finite: its weights were spoiled by the step before, so back to the start of that one.
        """
        self._pending = None
        step = int(self._status[L.ST_STEP])
        where = int(self._status[L.ST_WHERE])
        lr = self.learning_rate
        if code == L.STATUS_PARAM:
            layer_id = self.model.resolved.order[int(self.model.program.segs[where, L.S_NODE])].id
            what = f"a weight of layer '{layer_id}' became NaN or infinite"
            resume = step
        else:
            layer_id = self._first_nonfinite_layer()
            what = f"the loss became NaN or infinite (first non-finite values in layer '{layer_id}')"
            resume = self._calm_step(step)
        self.rewind(resume)
        back = (
            "before that step" if resume == step else f"at step {resume + 1}, before the loss began to grow"
        )
        raise DivergenceError(
            f"training diverged at step {step + 1}: {what}. The weights are back as they were {back}; "
            f"lower the learning rate (now {lr:g}) and carry on.",
            step=step,
            layer=layer_id,
            resume_step=resume,
        )

    def _calm_step(self, step: int, window: int = 100) -> int:
        """Where to resume after the loss blew up at ``step``: the lowest loss of the steps before it.

        Weights that make the loss infinite were spoiled gradually, usually over several steps of
        a learning rate that is too high, so the step just before is rarely a good place to resume.
        """
        first = max(self.timeline.earliest or 0, step - window, step - self._n_losses)
        if step <= first:
            return first
        recent = self._losses[first:step] if self._n_losses >= step else np.zeros(0)
        if recent.size != step - first or not np.all(np.isfinite(recent)):
            return max(first, step - 1)
        return first + int(np.argmin(recent))

    def _first_nonfinite_layer(self) -> str:
        rows = min(self._settings.batch_size, self.data.n_train - int(self.pos[L.P_CURSOR]))
        p = self.model.program
        for k, node in enumerate(self.model.resolved.order):
            if not np.all(np.isfinite(self.buffers.node(p, k, rows))):
                return node.id
        return self.model.resolved.output

    # -------------------------------------------------------------------------- phase path
    @_locked
    def step(self) -> None:
        """Run every phase of one mini-batch (finishing a half-walked one first)."""
        if self._pending is not None:
            self._finish_pending()
            return
        for _ in self._walk(emit=False):
            pass

    def phases(self) -> Iterator[PhaseEvent]:
        """Yield each phase of the next mini-batch: forward per layer, loss, backward per layer, update.

        While the generator is alive, any other call on the trainer first completes the half-walked
        mini-batch, so the state is never left between phases. Closing or dropping the generator
        before its UPDATE phase cancels that mini-batch: weights only change at UPDATE.
        """
        if self._pending is not None:
            self._finish_pending()
        gen = self._walk(emit=True)
        self._pending = gen
        try:
            yield from gen
        finally:
            if self._pending is gen:
                self._pending = None

    def _finish_pending(self) -> None:
        gen = self._pending
        if gen is not None:
            self._pending = None
            for _ in gen:
                pass

    def _walk(self, emit: bool) -> Iterator[PhaseEvent]:
        m = self.model
        p = m.program
        b = self.buffers
        order = m.resolved.order
        step, epoch, cursor = self.step_count, self.epoch, int(self.pos[L.P_CURSOR])
        rows = min(self._settings.batch_size, self.data.n_train - cursor)
        seed = int(self.pos[L.P_SEED])
        out = p.output
        fused = self.IH[L.I_MODE] == L.MODE_FUSED
        batch = self.perm[cursor : cursor + rows].copy() if emit else None

        def node(k: int, which: str = "acts") -> np.ndarray:
            return b.node(p, k, rows, which)

        cpu.gather_batch(
            self.X,
            self.T,
            self.L,
            self.perm,
            cursor,
            rows,
            b.acts,
            b.tb,
            b.lb,
            b.rows,
            int(p.ops[0, L.C_OUT]),
        )
        if emit:
            yield PhaseEvent(step, epoch, Phase.FORWARD, order[0].id, 0, batch, output=node(0).copy())
        for k in range(1, len(order)):
            cpu.forward_op(
                k, p.ops, p.op_inputs, p.fops, m.flat, b.acts, b.zs, b.rows, rows, True, seed, step
            )
            if emit:
                ins = tuple(node(m.resolved.index(i)).copy() for i in order[k].inputs)
                pre = node(k, "zs").copy() if p.ops[k, L.C_OP] in (L.OP_DENSE, L.OP_CONV) else None
                yield PhaseEvent(
                    step,
                    epoch,
                    Phase.FORWARD,
                    order[k].id,
                    k,
                    batch,
                    inputs=ins,
                    output=node(k).copy(),
                    pre_activation=pre,
                )
        y = node(out)
        gy = node(out, "gacts")
        loss = cpu.loss_grad(int(self.IH[L.I_LOSS]), int(self.IH[L.I_MODE]), y, b.tb, gy, True)
        if not math.isfinite(loss):
            self._status[:] = (L.STATUS_LOSS, step, out)
            self._diverged(L.STATUS_LOSS)
        if emit:
            kernels = [m.params[s.key] for s in p.slots if s.name == "kernel"]
            penalty = self._settings.regularization.penalty(kernels)
            targets = b.tb[: rows * self.T.shape[1]].reshape(rows, -1).copy()
            yield PhaseEvent(
                step,
                epoch,
                Phase.LOSS,
                order[out].id,
                out,
                batch,
                output=y.copy(),
                targets=targets,
                loss=float(loss),
                penalty=penalty,
                output_grad=gy.copy(),
            )
        cpu.zero_multi_grads(p.ops, p.ncons, b.gacts, b.rows, rows)
        for k in range(len(order) - 1, -1, -1):
            cpu.backward_op(
                k,
                p.ops,
                p.op_inputs,
                p.fops,
                p.ncons,
                m.flat,
                self.grads,
                b.acts,
                b.zs,
                b.gacts,
                b.gzs,
                b.scratch,
                b.rows,
                rows,
                bool(fused and k == out),
                True,
            )
            if emit and k > 0:
                grads = {
                    s.name: self.grads[s.offset : s.offset + s.size].reshape(s.shape).copy()
                    for s in p.slots
                    if s.node == k and s.name not in RUNNING
                }
                first = m.resolved.index(order[k].inputs[0])
                pre_g = node(k, "gzs").copy() if p.ops[k, L.C_OP] in (L.OP_DENSE, L.OP_CONV) else None
                yield PhaseEvent(
                    step,
                    epoch,
                    Phase.BACKWARD,
                    order[k].id,
                    k,
                    batch,
                    output_grad=node(k, "gacts").copy(),
                    pre_activation_grad=pre_g,
                    grads=grads,
                    input_grad=node(first, "gacts").copy(),
                )
        delta = np.zeros_like(m.flat) if emit else np.empty(0, self.dtype)
        self.pos[L.P_OPT_T] += 1
        bad = cpu.update(
            m.flat,
            self.grads,
            self.m1,
            self.m2,
            p.segs,
            self.H,
            self.IH,
            int(self.pos[L.P_OPT_T]),
            delta,
            np.empty(16, self.dtype),
        )
        if bad >= 0:
            self._status[:] = (L.STATUS_PARAM, step, bad)
            self._diverged(L.STATUS_PARAM)
        self._ensure_capacity(1)
        self._losses[self._n_losses] = loss
        self._n_losses += 1
        self.pos[L.P_STEP] = step + 1
        self.pos[L.P_CURSOR] = cursor + rows
        if self.pos[L.P_CURSOR] >= self.data.n_train:
            cpu.end_epoch(
                p.ops,
                p.op_inputs,
                p.fops,
                m.flat,
                b.acts,
                b.zs,
                b.rows,
                self.IH,
                self.X,
                self.T,
                self.L,
                self.X_test,
                self.T_test,
                self.L_test,
                self.perm,
                self.order_test,
                b.tb,
                b.lb,
                b.scratch,
                self.pos,
                self._hist,
                self._hist_n,
            )
        if self.timeline.due(self.step_count):
            self.timeline.add(self._snapshot_now())
        if emit:
            deltas = {s.key: delta[s.offset : s.offset + s.size].reshape(s.shape).copy() for s in p.slots}
            yield PhaseEvent(
                step,
                epoch,
                Phase.UPDATE,
                None,
                None,
                batch,
                deltas=deltas,
                learning_rate=self.learning_rate,
                loss=float(loss),
            )

    def _snapshot_now(self) -> Snapshot:
        """The state now; optimiser buffers only when the optimiser uses them (plain SGD does not)."""
        opt = self._settings.optimizer
        stateless = isinstance(opt, SGD) and opt.momentum == 0
        empty = np.empty(0, self.dtype)
        return Snapshot(
            self.step_count,
            self.epoch,
            int(self.pos[L.P_CURSOR]),
            int(self.pos[L.P_OPT_T]),
            self.model.flat.copy(),
            empty if stateless else self.m1.copy(),
            empty if stateless else self.m2.copy(),
            int(self._hist_n[0]),
            self._n_losses,
        )

    # ---------------------------------------------------------------------------- evaluation
    @_locked
    def evaluate(self, split: str = "test") -> tuple[float, float]:
        """(mean loss, accuracy) over the ``train`` or ``test`` set, without dropout."""
        self._finish_pending()
        m = self.model
        p = m.program
        b = self.buffers
        if split == "train":
            X, T, Lb, order = self.X, self.T, self.L, np.arange(self.data.n_train, dtype=np.int64)
        elif split == "test":
            X, T, Lb, order = self.X_test, self.T_test, self.L_test, self.order_test
        else:
            raise ConfigError(f"split is 'train' or 'test', not {split!r}")
        loss, acc = cpu.evaluate(
            p.ops,
            p.op_inputs,
            p.fops,
            m.flat,
            b.acts,
            b.zs,
            b.rows,
            self.IH,
            X,
            T,
            Lb,
            order,
            b.tb,
            b.lb,
            b.scratch,
        )
        return float(loss), float(acc)
