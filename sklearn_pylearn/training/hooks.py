"""The training's hooks: scikit-learn's convergence rule and its callbacks."""

from __future__ import annotations

import math

import numpy as np

from ..runtime import Hook, improves, register_trusted

__all__ = ["ConvergenceMonitor", "IterationLog", "LbfgsCallbacks", "SklearnCallbacks"]


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


class LbfgsCallbacks:
    """Forward L-BFGS iterations to scikit-learn's callbacks, as scikit-learn's
    ``LogisticRegression`` does (its ``_LbfgsCallbackBridge``).

    Given as :func:`~sklearn_pylearn.training.minimize_lbfgs`'s ``callback``:
    each iteration is a subtask ``"lbfgs-iter"`` of the fit context, begun with
    the parameters it starts from and ended (``__call__(xk)``) with those it
    reached; the next one begins at once, so the one begun after the last
    iteration is ended empty by :meth:`close`. The fitted attributes of the
    parameters (``reconstruct(w)``) are computed only when a callback asks for a
    fitted estimator. A callback's request to stop is not honoured (as in
    scikit-learn 1.9, whose L-BFGS bridge ignores it too).

    Parameters
    ----------
    context : sklearn.callback.CallbackContext
        The fit's root context.
    estimator : estimator
    X, y, metadata
        What the hooks receive (the validated training data, the
        ``sample_weight`` metadata).
    w0 : ndarray
        The packed initial parameters.
    reconstruct : callable
        ``reconstruct(w) -> dict`` of fitted attributes (``coef_``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.linear_model import LogisticRegression
    >>> from sklearn_pylearn.training import LbfgsCallbacks
    >>> class Ends:  # a FitCallback counting the ends of L-BFGS iterations
    ...     def setup(self, estimator, context): self.n = 0
    ...     def on_fit_task_begin(self, estimator, context): pass
    ...     def on_fit_task_end(self, estimator, context):
    ...         self.n += context.task_name == "lbfgs-iter"
    ...     def teardown(self, estimator, context): pass
    >>> ends = Ends()
    >>> clf = LogisticRegression(max_iter=3).set_callbacks(ends)
    >>> _ = clf.fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    >>> ends.n  # three iterations, and the empty one begun after the last
    4
    """

    def __init__(self, context, estimator, X, y, metadata, w0, reconstruct):
        self._context = context
        self._estimator = estimator
        self._data = {"X": X, "y": y, "metadata": metadata}
        self._reconstruct = reconstruct
        self._iteration = self._begin(w0)

    def _attributes(self, w):
        w = np.array(w)  # scipy may reuse its buffer
        return lambda: self._reconstruct(w)

    def _begin(self, w):
        context = self._context.subcontext(task_name="lbfgs-iter")
        context.call_on_fit_task_begin(
            estimator=self._estimator,
            reconstruction_attributes=self._attributes(w),
            **self._data,
        )
        return context

    def __call__(self, xk):
        self._iteration.call_on_fit_task_end(
            estimator=self._estimator,
            reconstruction_attributes=self._attributes(xk),
            **self._data,
        )
        self._iteration = self._begin(xk)

    def close(self):
        """End the subtask begun after the last iteration (it never ran)."""
        self._iteration.call_on_fit_task_end(estimator=self._estimator)


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
