"""Training-loop glue shared by every iterative learner (estimator <-> runtime).

A learner trained by minibatches is three plain-data objects run by a
:class:`~sklearn_pylearn.runtime.VirtualMachine`:

- a :class:`MinibatchSource` (``"data"``): the seeded order in which rows are read
  (its state is the permutation RNG and a cursor, never the data);
- a :class:`MinibatchTrainer` (``"model"``): parameters, optimiser state and the
  compiled training step of :func:`compile_step`, a functional update
  ``(params, state, minibatch, hyper-parameters) -> (params, state, loss)``;
- the program of :func:`epoch_program`: per epoch, shuffle, one step per
  minibatch, ``model.end_epoch`` and ``EVENT("epoch_end")``.

:func:`run_training` adds the hooks: scikit-learn's convergence rule
(:class:`ConvergenceMonitor`: ``tol`` / ``n_iter_no_change`` on the training loss
or the validation score, the adaptive learning rate, restoring the best
parameters), a progress bar when verbose, checkpoints (and resume) when given a
directory, and scikit-learn's callbacks (``sklearn.callback``) when set. A
non-finite loss stops training with :class:`TrainingDivergedError` and leaves the
last finite parameters in place.

Hyper-parameters that do not change the graph's structure (learning rate, L2
strength, momentum, Adam's betas and epsilon, the batch size) are inputs of the
compiled step, so every clone of a learner shares one compiled function.

Examples
--------
>>> import numpy as np
>>> import pytensor.tensor as pt
>>> from sklearn_pylearn.training import (
...     MinibatchSource, MinibatchTrainer, compile_step, epoch_program, run_training)
>>> rng = np.random.RandomState(0)
>>> X = rng.normal(size=(40, 3)); Y = X @ np.ones((3, 1))
>>> def objective(params, X, Y, sw, hyper):
...     (w,) = params
...     err = pt.sqr(pt.dot(X, w) - Y).sum(axis=1) / 2
...     loss = pt.sum(sw * err) / pt.sum(sw)
...     return loss, loss
>>> step = compile_step([np.zeros((3, 1))], objective, solver="sgd")
>>> model = MinibatchTrainer(step, [np.zeros((3, 1))], learning_rate_init=0.1,
...                          solver_params={"momentum": 0.0})
>>> data = MinibatchSource(40, 10, random_state=0).bind(X, Y, np.ones(40))
>>> vm = run_training(epoch_program(20, data.n_batches), model, data)
>>> bool(model.params[0].round(2).ravel().tolist() == [1.0, 1.0, 1.0])
True
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt

from .runtime import (
    CALL,
    EVENT,
    FILT,
    REPEAT,
    SEQ,
    Checkpoint,
    Hook,
    ProgressBar,
    VirtualMachine,
    list_checkpoints,
    load_latest,
    register_trusted,
)
from .symbolic.compile import CompiledFunction, compile_function, is_cached
from .symbolic.updates import adam, sgd

__all__ = [
    "ConvergenceMonitor",
    "MinibatchSource",
    "MinibatchTrainer",
    "SklearnCallbacks",
    "TrainStep",
    "TrainingDivergedError",
    "compile_step",
    "data_fingerprint",
    "epoch_program",
    "run_training",
]

_SOLVER_HYPER = {"sgd": ("momentum",), "adam": ("beta_1", "beta_2", "epsilon")}
_STEPS: dict = {}


class TrainingDivergedError(ValueError, FloatingPointError):
    """The training loss became NaN or infinite; the parameters were restored."""


# ------------------------------------------------------------------ data source


class MinibatchSource:
    """Seeded minibatches of bound arrays, in scikit-learn's MLP order.

    Each epoch permutes the current order with ``random_state.shuffle`` (as
    ``sklearn.utils.shuffle`` does in scikit-learn's MLP) and reads consecutive
    slices of ``batch_size`` rows; the last minibatch may be smaller. The state is
    plain data (the RandomState, the order and the cursor); the arrays are bound
    with :meth:`bind` and are never part of the state or the recipe, so a resumed
    fit binds the same arrays again.

    Parameters
    ----------
    n_samples : int
    batch_size : int
    shuffle : bool, default=True
    random_state : int, RandomState or None
        The RandomState is used as it is (not copied): an estimator passes the one
        it initialised its weights with, as scikit-learn does.

    Examples
    --------
    >>> import numpy as np
    >>> src = MinibatchSource(5, 2, random_state=0).bind(np.arange(5.0))
    >>> src.n_batches
    3
    >>> src.start_epoch()
    >>> [len(b[0]) for b in (src.next_batch(), src.next_batch(), src.next_batch())]
    [2, 2, 1]
    """

    def __init__(self, n_samples, batch_size, *, shuffle=True, random_state=None):
        from sklearn.utils import check_random_state

        self.n_samples = int(n_samples)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.rng = check_random_state(random_state)
        self.order = np.arange(self.n_samples)
        self.cursor = 0
        self._arrays: tuple = ()

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch."""
        return -(-self.n_samples // self.batch_size)

    def bind(self, *arrays) -> MinibatchSource:
        """Attach the arrays (same number of rows) that batches are read from."""
        for a in arrays:
            if len(a) != self.n_samples:
                raise ValueError(
                    f"MinibatchSource: an array has {len(a)} rows, expected "
                    f"{self.n_samples}."
                )
        self._arrays = tuple(arrays)
        return self

    def start_epoch(self) -> None:
        """Shuffle (when enabled) and rewind."""
        if self.shuffle:
            perm = np.arange(self.n_samples)
            self.rng.shuffle(perm)
            self.order = self.order[perm]
        self.cursor = 0

    def next_batch(self) -> tuple:
        """The next minibatch: one array per bound array."""
        if not self._arrays:
            raise RuntimeError(
                "MinibatchSource has no data; call bind(X, ...) first (a resumed "
                "fit binds the same data again)."
            )
        start = self.cursor
        stop = min(start + self.batch_size, self.n_samples)
        if start >= stop:
            raise IndexError(
                "MinibatchSource: the epoch is exhausted; call start_epoch()."
            )
        self.cursor = stop
        if self.shuffle:
            idx = self.order[start:stop]
            return tuple(a[idx] for a in self._arrays)
        return tuple(a[start:stop] for a in self._arrays)

    def get_recipe(self) -> dict:
        kwargs = {
            "n_samples": self.n_samples,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
        }
        return {"factory": "sklearn_pylearn.training:MinibatchSource", "kwargs": kwargs}

    def get_state(self) -> dict:
        return {"rng": self.rng, "order": self.order, "cursor": self.cursor}

    def set_state(self, state: dict) -> None:
        self.rng.set_state(state["rng"].get_state())
        self.order = np.asarray(state["order"])
        self.cursor = int(state["cursor"])

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if k != "_arrays"}

    def __setstate__(self, state):
        vars(self).update(state)
        self._arrays = ()


# ---------------------------------------------------------------- compiled step


class TrainStep:
    """A compiled training step and the layout of its inputs.

    Call it with ``(params, state, X, Y, sample_weight, learning_rate,
    hyper, solver_params, t)``; it returns ``(new_params, new_state, loss)``.
    Built by :func:`compile_step`.
    """

    def __init__(self, fn, n_params, solver, hyper_names, param_dtype):
        self.fn: CompiledFunction = fn
        self.n_params = n_params
        self.solver = solver
        self.hyper_names = tuple(hyper_names)
        self.dtype = param_dtype
        self._scalar = np.dtype(param_dtype).type

    def init_state(self, params: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Zero optimiser state: velocities (sgd) or first and second moments."""
        copies = 1 if self.solver == "sgd" else 2
        return [np.zeros_like(p) for _ in range(copies) for p in params]

    def __call__(self, params, state, X, Y, sw, learning_rate, hyper, solver_params, t):
        extra = [hyper[name] for name in self.hyper_names]
        extra += [solver_params[name] for name in _SOLVER_HYPER[self.solver]]
        fn = self.fn
        if fn.calls == 0 or X.dtype != self.dtype:
            out = fn(*params, *state, X, Y, sw, learning_rate, t, *extra)
        else:
            # Per-step overhead matters here: the arrays already have the graph's
            # types (parameters come from the previous step), so skip the checks.
            fn.calls += 1
            cast = self._scalar
            scalars = [np.asarray(cast(v)) for v in (learning_rate, t, *extra)]
            out = fn.fn(*params, *state, X, Y, sw, *scalars)
        n = self.n_params
        return out[:n], out[n:-1], out[-1]


def compile_step(
    params: Sequence[np.ndarray],
    objective: Callable,
    *,
    solver: str = "sgd",
    nesterov: bool = False,
    y_ndim: int = 2,
    hyper_names: Sequence[str] = (),
    name: str = "train_step",
    key=None,
) -> TrainStep:
    """Build and compile (through the structural cache) one training step.

    Parameters
    ----------
    params : sequence of ndarray
        Parameter templates (their ndim and dtype fix the graph's input types).
    objective : callable
        ``objective(params, X, Y, sample_weight, hyper) -> (objective, loss)``
        with symbolic arguments (``hyper``: name -> scalar); ``objective`` is
        differentiated, ``loss`` is reported.
    solver : {"sgd", "adam"}
        scikit-learn's SGDOptimizer (momentum, Nesterov) or AdamOptimizer.
    nesterov : bool
        Nesterov momentum (sgd); a structural choice.
    y_ndim : int
        1 or 2: the target's ndim.
    hyper_names : sequence of str
        The objective's scalar hyper-parameters (e.g. ``("alpha",)``).
    name : str
    key : hashable, optional
        Names the objective's structure (e.g. ``("mlp", "relu", "softmax", 2)``):
        a step built before with the same key (and the same other arguments) is
        reused without building its graph again, for as long as its function is
        in the compile cache.

    Returns
    -------
    TrainStep
    """
    if solver not in _SOLVER_HYPER:
        raise ValueError(
            f"compile_step: solver must be 'sgd' or 'adam', got {solver!r}."
        )
    dtype = np.dtype(params[0].dtype).name
    if key is not None:
        full_key = (
            key,
            solver,
            bool(nesterov),
            y_ndim,
            tuple(hyper_names),
            dtype,
            tuple(np.ndim(p) for p in params),
        )
        step = _STEPS.get(full_key)
        # Valid while the compile cache holds its function (clear_compile_cache).
        if step is not None and is_cached(step.fn):
            return step

    def var(label, ndim):
        return pt.tensor(name=label, dtype=dtype, shape=(None,) * ndim)

    p_syms = [var(f"p{i}", np.ndim(p)) for i, p in enumerate(params)]
    copies = 1 if solver == "sgd" else 2
    s_syms = [
        var(f"s{i}", np.ndim(p)) for _ in range(copies) for i, p in enumerate(params)
    ]
    X, Y, sw = var("X", 2), var("Y", y_ndim), var("sw", 1)
    lr, t = var("learning_rate", 0), var("t", 0)
    hyper = {h: var(h, 0) for h in hyper_names}
    solver_syms = {h: var(h, 0) for h in _SOLVER_HYPER[solver]}
    obj, loss = objective(p_syms, X, Y, sw, hyper)
    grads = pytensor.grad(obj, p_syms)
    if solver == "sgd":
        new_p, new_v = sgd(p_syms, grads, s_syms, lr, solver_syms["momentum"], nesterov)
        new_s = new_v
    else:
        k = len(params)
        new_p, new_m, new_v = adam(
            p_syms,
            grads,
            s_syms[:k],
            s_syms[k:],
            t,
            lr,
            solver_syms["beta_1"],
            solver_syms["beta_2"],
            solver_syms["epsilon"],
        )
        new_s = new_m + new_v
    inputs = [*p_syms, *s_syms, X, Y, sw, lr, t, *hyper.values(), *solver_syms.values()]
    outputs = [*new_p, *new_s, pt.cast(loss, dtype)]
    fn = compile_function(inputs, outputs, name=name)
    fn.fn.trust_input = True
    step = TrainStep(fn, len(params), solver, hyper_names, dtype)
    if key is not None:
        _STEPS[full_key] = step
    return step


# ------------------------------------------------------------------ the trainer


class MinibatchTrainer:
    """The ``"model"`` of a training program: parameters, optimiser, step.

    Parameters
    ----------
    step : TrainStep
        From :func:`compile_step`; transient (never saved, rebuilt by the fit).
    params : list of ndarray
        Initial parameters.
    learning_rate_init : float
    learning_rate : {"constant", "invscaling", "adaptive"}
        scikit-learn's schedule (sgd); Adam keeps its rate constant.
    power_t : float
    hyper : dict
        The objective's hyper-parameters (``{"alpha": 1e-4}``).
    solver_params : dict
        ``momentum`` (sgd) or ``beta_1``, ``beta_2``, ``epsilon`` (adam).
    validation : callable or None
        ``validation(params) -> float``, the validation score of an epoch
        (transient).

    Examples
    --------
    >>> import numpy as np
    >>> t = MinibatchTrainer(None, [np.zeros(2)], learning_rate_init=0.5,
    ...                      learning_rate="adaptive")
    >>> t.trigger_stopping(), t.learning_rate_
    (False, 0.1)
    """

    def __init__(
        self,
        step,
        params,
        *,
        learning_rate_init=0.001,
        learning_rate="constant",
        power_t=0.5,
        hyper=None,
        solver_params=None,
        validation=None,
        opt_state=None,
    ):
        self.params = [np.asarray(p) for p in params]
        self.opt_state = (
            list(opt_state)
            if opt_state is not None
            else ([] if step is None else step.init_state(self.params))
        )
        self.learning_rate_init = float(learning_rate_init)
        self.schedule = learning_rate
        self.power_t = float(power_t)
        self.hyper = dict(hyper or {})
        self.solver_params = dict(solver_params or {})
        self.learning_rate_ = float(learning_rate_init)
        self.n_updates_ = 0  # Adam's t
        self.t_ = 0  # samples seen
        self.n_iter_ = 0
        self.epoch_loss_ = 0.0
        self.epoch_rows_ = 0
        self.loss_ = None
        self._step = step
        self._validation = validation
        self._previous: list | None = None

    # -- the program's calls ------------------------------------------------------
    def train_step(self, batch) -> dict:
        """One compiled update on ``batch = (X, Y, sample_weight)``."""
        X, Y, sw = batch
        self.n_updates_ += 1
        new_p, new_s, loss = self._step(
            self.params,
            self.opt_state,
            X,
            Y,
            sw,
            self.learning_rate_,
            self.hyper,
            self.solver_params,
            self.n_updates_,
        )
        loss = float(loss)
        if not math.isfinite(loss):
            self._diverged(loss)
        self._previous = self.params
        self.params, self.opt_state = list(new_p), list(new_s)
        self.epoch_loss_ += loss * len(X)
        self.epoch_rows_ += len(X)
        return {"loss": loss}

    def _diverged(self, loss):
        if self._previous is not None:
            # The loss is that of the current parameters: go back one update.
            self.params = self._previous
        raise TrainingDivergedError(
            f"Training diverged: the loss became {loss} at update "
            f"{self.n_updates_} (epoch {self.n_iter_ + 1}) with "
            f"learning_rate_init={self.learning_rate_init!r} (current learning rate "
            f"{self.learning_rate_:g}). The parameters were restored to their last "
            "finite values. Use a smaller learning_rate_init (e.g. "
            f"{self.learning_rate_init / 10:g}), or scale the input features."
        )

    def end_epoch(self) -> dict:
        """Close the epoch: ``loss`` (and ``validation_score``) for the hooks."""
        self.n_iter_ += 1
        self.loss_ = self.epoch_loss_ / max(self.epoch_rows_, 1)
        self.t_ += self.epoch_rows_
        self.epoch_loss_, self.epoch_rows_ = 0.0, 0
        logs = {"loss": self.loss_}
        if self._validation is not None:
            logs["validation_score"] = float(self._validation(self.params))
        if self.schedule == "invscaling":
            self.learning_rate_ = (
                self.learning_rate_init / (self.t_ + 1) ** self.power_t
            )
        return logs

    def trigger_stopping(self) -> bool:
        """No improvement: stop (True), or divide an adaptive rate by 5 (False)."""
        if self.schedule != "adaptive" or self.learning_rate_ <= 1e-6:
            return True
        self.learning_rate_ /= 5.0
        return False

    # -- state protocol ------------------------------------------------------------
    _STATE = (
        "params",
        "opt_state",
        "learning_rate_",
        "n_updates_",
        "t_",
        "n_iter_",
        "epoch_loss_",
        "epoch_rows_",
        "loss_",
    )

    def get_state(self) -> dict:
        return {name: getattr(self, name) for name in self._STATE}

    def set_state(self, state: dict) -> None:
        for name in self._STATE:
            setattr(self, name, state[name])
        self.params = [np.asarray(p) for p in self.params]
        self.opt_state = [np.asarray(s) for s in self.opt_state]
        self._previous = None

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __setstate__(self, state):
        vars(self).update(state)
        self._step = self._validation = self._previous = None


# ------------------------------------------------------------------------ hooks


class ConvergenceMonitor(Hook):
    """scikit-learn's MLP stopping rule as a hook on ``EVENT("epoch_end")``.

    Without ``early_stopping``: an epoch whose training loss is not below
    ``best_loss - tol`` counts as no improvement. With it: an epoch whose
    ``validation_score`` is not above ``best_score + tol`` does, and the
    parameters of the best epoch are restored at the end. After more than
    ``n_iter_no_change`` such epochs in a row the model's ``trigger_stopping()``
    decides: stop, or (adaptive learning rate) carry on with a smaller rate.

    Parameters
    ----------
    tol : float
    n_iter_no_change : int
    early_stopping : bool
    model : str
        Context name of the trainer.
    best_loss, best_score, no_improvement, loss_curve, validation_scores
        Where a previous fit left off (warm start, partial_fit).

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, EVENT, REPEAT, VirtualMachine
    >>> from sklearn_pylearn.runtime._testing import Scores
    >>> class Model(Scores):
    ...     def trigger_stopping(self):
    ...         return True
    >>> mon = ConvergenceMonitor(tol=0.5, n_iter_no_change=1, model="scores")
    >>> prog = REPEAT(6, CALL("scores.next"), EVENT("epoch_end"))
    >>> vm = VirtualMachine(prog, {"scores": Model([3, 2, 2, 2, 1, 0], "loss")},
    ...                     hooks=[mon])
    >>> _ = vm.run(); mon.loss_curve
    [3.0, 2.0, 2.0, 2.0]
    """

    def __init__(
        self,
        *,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        model="model",
        best_loss=math.inf,
        best_score=-math.inf,
        no_improvement=0,
        loss_curve=None,
        validation_scores=None,
    ):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.model = model
        self.best_loss = best_loss
        self.best_score = best_score
        self.no_improvement = no_improvement
        self.loss_curve = list(loss_curve or [])
        self.validation_scores = list(validation_scores or [])
        self.best_params_ = None
        self.stopped_ = None

    def get_state(self):
        return {
            "best_loss": self.best_loss,
            "best_score": self.best_score,
            "no_improvement": self.no_improvement,
            "loss_curve": list(self.loss_curve),
            "validation_scores": list(self.validation_scores),
            "best_params_": self.best_params_,
            "stopped_": self.stopped_,
        }

    def on_epoch_end(self, vm, **info):
        logs = info.get("logs", {})
        loss = float(logs["loss"])
        self.loss_curve.append(loss)
        model = vm.context[self.model]
        if self.early_stopping:
            score = float(logs["validation_score"])
            self.validation_scores.append(score)
            if score < self.best_score + self.tol:
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            if score > self.best_score:
                self.best_score = score
                self.best_params_ = [np.array(p) for p in model.params]
        else:
            if loss > self.best_loss - self.tol:
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            self.best_loss = min(self.best_loss, loss)
        if self.no_improvement > self.n_iter_no_change:
            what = "Validation score" if self.early_stopping else "Training loss"
            msg = (
                f"{what} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
            if model.trigger_stopping():
                self.stopped_ = msg
                vm.stop(msg)
            else:
                self.no_improvement = 0

    def on_program_end(self, vm, **info):
        if self.early_stopping and self.best_params_ is not None:
            vm.context[self.model].params = [np.array(p) for p in self.best_params_]


class SklearnCallbacks(Hook):
    """Forward epochs to scikit-learn's callbacks (``sklearn.callback``, 1.9+).

    Each epoch is a subtask of the estimator's fit context: ``on_fit_task_begin``
    at ``EVENT("epoch_begin")`` and ``on_fit_task_end`` at ``EVENT("epoch_end")``
    (a callback returning True stops training). The context and the estimator
    are transient.
    """

    def __init__(self, *, model="model"):
        self.model = model
        self._ctx = self._estimator = self._sub = None

    def attach(self, ctx, estimator, reconstruct=None):
        """Give the live fit context; ``reconstruct(params)`` -> fitted attributes
        (evaluated only when a callback asks for the fitted estimator)."""
        self._ctx, self._estimator, self._reconstruct = ctx, estimator, reconstruct
        return self

    def on_epoch_begin(self, vm, **info):
        if getattr(self, "_ctx", None) is None:
            return
        self._sub = self._ctx.subcontext(task_name="epoch")
        self._sub.call_on_fit_task_begin(estimator=self._estimator)

    def on_epoch_end(self, vm, **info):
        sub = getattr(self, "_sub", None)
        if sub is None:
            return
        rebuild = getattr(self, "_reconstruct", None)
        params = list(vm.context[self.model].params)
        attrs = None if rebuild is None else (lambda: rebuild(params))
        stop = sub.call_on_fit_task_end(
            estimator=self._estimator, reconstruction_attributes=attrs
        )
        self._sub = None
        if stop:
            vm.stop("a scikit-learn callback asked to stop")


register_trusted(
    MinibatchSource, MinibatchTrainer, ConvergenceMonitor, SklearnCallbacks
)


# ------------------------------------------------------------- program and run


def epoch_program(n_epochs: int, n_batches: int, *, model="model", data="data"):
    """The training program: ``n_epochs`` passes of ``n_batches`` steps.

    Examples
    --------
    >>> print(epoch_program(2, 3))
    REPEAT(2,
        SEQ([
            EVENT('epoch_begin'),
            CALL(data.start_epoch),
            REPEAT(3, SEQ([CALL(data.next_batch), FILT(model.train_step)])),
            CALL(model.end_epoch),
            EVENT('epoch_end'),
        ]),
    )
    """
    batches = REPEAT(
        n_batches, SEQ([CALL(f"{data}.next_batch"), FILT(f"{model}.train_step")])
    )
    epoch = SEQ(
        [
            EVENT("epoch_begin"),
            CALL(f"{data}.start_epoch"),
            batches,
            CALL(f"{model}.end_epoch"),
            EVENT("epoch_end"),
        ]
    )
    return REPEAT(n_epochs, epoch)


def data_fingerprint(*parts) -> str:
    """A short digest of arrays and plain values (to match a checkpoint to a fit).

    Examples
    --------
    >>> import numpy as np
    >>> a = data_fingerprint(np.zeros(3), {"a": 1})
    >>> a == data_fingerprint(np.zeros(3), {"a": 1}), a == data_fingerprint(np.ones(3))
    (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(arr.view(np.uint8).reshape(-1) if arr.size else b"")
        else:
            h.update(repr(part).encode())
    return h.hexdigest()


def _resume(directory, fingerprint, program, context, hooks):
    """A VM resumed from ``directory`` when it holds this fit's checkpoint."""
    if not list_checkpoints(directory):
        return None
    try:
        _, state = load_latest(directory)
    except Exception as exc:  # noqa: BLE001 - an unreadable directory starts afresh
        warnings.warn(f"not resuming from {directory}: {exc}", stacklevel=3)
        return None
    saved = state.get("context", {}).get("fingerprint", {}).get("value")
    if saved != fingerprint:
        warnings.warn(
            f"checkpoint_dir {str(directory)!r} holds a checkpoint of another fit "
            "(other data or parameters); training starts afresh and overwrites it.",
            stacklevel=3,
        )
        return None
    return VirtualMachine.from_state(
        state, program=program, context=context, hooks=hooks
    )


def run_training(
    program,
    model,
    data,
    *,
    hooks: Sequence[Any] = (),
    verbose: bool = False,
    checkpoint_dir=None,
    fingerprint: str = "",
    desc: str | None = None,
) -> VirtualMachine:
    """Run a training program with the standard hooks; return the finished VM.

    Parameters
    ----------
    program : Element
        Usually :func:`epoch_program`.
    model : MinibatchTrainer
    data : MinibatchSource
    hooks : sequence of Hook
        More hooks (user hooks, :class:`ConvergenceMonitor`,
        :class:`SklearnCallbacks` ...), dispatched before the progress bar and
        the checkpoint writer.
    verbose : bool
        Show a progress bar over epochs, with the loss.
    checkpoint_dir : path or None
        Write checkpoints there (every 10 s, on interrupt and at the end) and
        resume from the newest one when it was written by a fit with the same
        ``fingerprint``.
    fingerprint : str
        Identifies the fit (see :func:`data_fingerprint`).
    desc : str, optional
        The progress bar's label.

    Returns
    -------
    VirtualMachine
        Run to its end, or stopped early, or interrupted (``vm.interrupted``).
    """
    hooks = list(hooks)
    if verbose:
        hooks.append(ProgressBar(event="epoch_end", desc=desc))
    context = {"model": model, "data": data, "fingerprint": fingerprint}
    vm = None
    if checkpoint_dir is not None:
        hooks.append(Checkpoint(checkpoint_dir, every_seconds=10.0, keep_last=2))
        vm = _resume(checkpoint_dir, fingerprint, program, context, hooks)
    if vm is None:
        vm = VirtualMachine(program, context, hooks)
    vm.run(handle_signals=checkpoint_dir is not None and _main_thread())
    return vm


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
