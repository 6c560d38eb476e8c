"""The trainer: the ``"model"`` of a training program (parameters, optimiser, step)."""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import TrainingDivergedError
from ..runtime import register_trusted

__all__ = ["MinibatchTrainer"]


class MinibatchTrainer:
    """The ``"model"`` of a training program: parameters, optimiser, step.

    Parameters
    ----------
    step : TrainStep
        From :func:`~sklearn_pylearn.training.compile_step`; transient (never
        saved, rebuilt by the fit and given back with :meth:`rebind`).
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
    opt_state : list of ndarray, optional
        The optimiser's state to start from (default: zeros).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.training import MinibatchTrainer
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

    def rebind(self, step, params, *, validation=None, samples_seen=0):
        """Start another fit call (``partial_fit``, warm start) with this trainer.

        The optimiser's state, its update count and the learning rate carry on;
        the compiled ``step`` and the ``validation`` scorer (transient, never
        saved) are given again, the parameters are those the estimator holds,
        ``t_`` becomes ``samples_seen`` and the epoch count restarts at 0.

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_pylearn.training import MinibatchTrainer
        >>> t = MinibatchTrainer(None, [np.zeros(2)])
        >>> t.rebind(None, [np.ones(2)], samples_seen=10).t_
        10
        """
        self.params = list(params)
        self._step = step
        self._validation = validation
        self._previous = None
        self.t_ = samples_seen
        self.n_iter_ = 0
        return self

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


register_trusted(MinibatchTrainer, "sklearn_pylearn.training:MinibatchTrainer")
