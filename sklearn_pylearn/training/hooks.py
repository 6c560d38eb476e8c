"""The training's hooks: scikit-learn's convergence rule and its callbacks."""

from __future__ import annotations

import math

import numpy as np

from ..runtime import Hook, improves, register_trusted

__all__ = ["ConvergenceMonitor", "IterationLog", "SklearnCallbacks"]


class ConvergenceMonitor(Hook):
    """scikit-learn's MLP stopping rule as a hook on ``EVENT("epoch_end")``.

    Without ``early_stopping``: an epoch whose training loss is not below
    ``best_loss - tol`` counts as no improvement. With it: an epoch whose
    ``validation_score`` is not above ``best_score + tol`` does, and the
    parameters of the best epoch are restored at the end. After more than
    ``n_iter_no_change`` such epochs in a row the model's ``trigger_stopping()``
    decides: stop, or (adaptive learning rate) carry on with a smaller rate.
    The improvement test is :func:`~sklearn_pylearn.runtime.improves`, the rule
    :class:`~sklearn_pylearn.runtime.EarlyStopping` uses, counting ``tol``
    inclusively as scikit-learn does.

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
    >>> from sklearn_pylearn.training import ConvergenceMonitor
    >>> class Model:  # one epoch's loss per call; stops when asked to
    ...     def __init__(self, losses):
    ...         self.losses = list(losses)
    ...     def next(self):
    ...         return {"loss": self.losses.pop(0)}
    ...     def trigger_stopping(self):
    ...         return True
    >>> mon = ConvergenceMonitor(tol=0.5, n_iter_no_change=1, model="scores")
    >>> prog = REPEAT(6, CALL("scores.next"), EVENT("epoch_end"))
    >>> vm = VirtualMachine(prog, {"scores": Model([3, 2, 2, 2, 1, 0])},
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
            self._count(improves(score, self.best_score, **self._rule("max")))
            if score > self.best_score:
                self.best_score = score
                self.best_params_ = [np.array(p) for p in model.params]
        else:
            self._count(improves(loss, self.best_loss, **self._rule("min")))
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

    def _rule(self, mode):
        return {"mode": mode, "min_delta": self.tol, "inclusive": True}

    def _count(self, improved):
        self.no_improvement = 0 if improved else self.no_improvement + 1

    def on_program_end(self, vm, **info):
        if self.early_stopping and self.best_params_ is not None:
            vm.context[self.model].params = [np.array(p) for p in self.best_params_]


class SklearnCallbacks(Hook):
    """Forward epochs to scikit-learn's callbacks (``sklearn.callback``, 1.9+).

    Each epoch is a subtask of the estimator's fit context: ``on_fit_task_begin``
    at ``EVENT("epoch_begin")`` and ``on_fit_task_end`` at ``EVENT("epoch_end")``
    (a callback returning True stops training). The context and the estimator
    are transient.

    Examples
    --------
    >>> from sklearn_pylearn.training import SklearnCallbacks
    >>> SklearnCallbacks().model  # without attach() it does nothing
    'model'
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


class IterationLog(Hook):
    """Print scikit-learn's verbose lines after each epoch (to stdout, so logs
    keep the history): ``Iteration N, loss = ...`` and, with a validation set,
    ``Validation score: ...``. A model with a ``log_line(n_iter, logs)`` method
    words its own line (the RBM prints scikit-learn's ``[BernoulliRBM]`` line).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> vm = SimpleNamespace(context={"model": SimpleNamespace(n_iter_=3)})
    >>> IterationLog().on_epoch_end(vm, logs={"loss": 0.5})
    Iteration 3, loss = 0.50000000
    """

    def __init__(self, model="model"):
        self.model = model

    def on_epoch_end(self, vm, **info):
        logs = dict(info.get("logs", {}))
        model = vm.context[self.model]
        n_iter = getattr(model, "n_iter_", info.get("count"))
        log_line = getattr(model, "log_line", None)
        if log_line is not None:
            print(log_line(n_iter, logs), flush=True)
            return
        score = logs.pop("validation_score", None)
        # scikit-learn's MLP line; other learners' logs in the same form.
        values = ", ".join(f"{k} = {float(v):.8f}" for k, v in logs.items())
        print(f"Iteration {n_iter}, {values}", flush=True)
        if score is not None:
            print(f"Validation score: {float(score):f}", flush=True)


register_trusted(
    IterationLog,
    "sklearn_pylearn.training:IterationLog",
    ConvergenceMonitor,
    SklearnCallbacks,
    "sklearn_pylearn.training:ConvergenceMonitor",
    "sklearn_pylearn.training:SklearnCallbacks",
)
