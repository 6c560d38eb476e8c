"""Graphs of logistic regression: decision function, probabilities, objective."""

import pytensor
import pytensor.tensor as pt

from ..symbolic.losses import (
    binary_log_loss_per_sample,
    log_loss_per_sample,
    weighted_mean,
)
from ..symbolic.nn import binary_log_proba, binary_proba, dense, log_softmax, softmax

__all__ = [
    "decision",
    "log_proba",
    "minibatch_objective",
    "objective_and_gradient",
    "proba",
    "unpack",
]


def unpack(w, n_features, n_outputs, fit_intercept):
    """Split flat parameters into ``coef`` (n_outputs, n_features) and intercept.

    Binary problems have one output (a vector of coefficients), multinomial ones one
    row per class; the intercept, when fitted, is the last entry of each row.
    """
    W = w.reshape((n_outputs, n_features + int(fit_intercept)))
    if fit_intercept:
        return W[:, :n_features], W[:, n_features]
    return W, None


def decision(X, coef_t, intercept, binary):
    """Decision values ``X @ coef_t + intercept``: a vector when ``binary`` (one
    column of coefficients), else a matrix."""
    out = dense(X, coef_t, intercept)
    return out[:, 0] if binary else out


def proba(z):
    """Class probabilities from decision values (binary: two columns)."""
    return binary_proba(z) if z.type.ndim == 1 else softmax(z)


def log_proba(z):
    """Log-probabilities from decision values, computed stably."""
    return binary_log_proba(z) if z.type.ndim == 1 else log_softmax(z)


def objective_and_gradient(
    w, X, target, sample_weight, l2, n_outputs, fit_intercept, total_weight=None
):
    """scikit-learn's lbfgs objective and its gradient with respect to ``w``.

    ``sum(sw * loss) / sum(sw) + l2 / 2 * ||coef||^2`` (the intercept is not
    penalised), with ``l2 = 1 / (C * sum(sw))``. With ``total_weight`` the data
    term is ``sum(sw * loss) / total_weight``: one row block's share of the
    objective over all rows (``training.row_block_objective``).
    """
    coef, intercept = unpack(w, X.shape[1], n_outputs, fit_intercept)
    z = dense(X, coef.T, intercept)
    loss = _penalised_loss(
        z, target, sample_weight, coef, l2, n_outputs == 1, total_weight
    )
    return loss, pytensor.grad(loss, w)


def _penalised_loss(z, target, sample_weight, coef, l2, binary, total_weight=None):
    if binary:
        per_sample = binary_log_loss_per_sample(z[:, 0], target)
    else:
        per_sample = log_loss_per_sample(z, target)
    if total_weight is None:
        data = weighted_mean(per_sample, sample_weight)
    else:
        data = pt.sum(sample_weight * per_sample) / total_weight
    return data + l2 / 2 * pt.sum(pt.sqr(coef))


def minibatch_objective(binary, fit_intercept):
    """The training step's objective for ``training.compile_step``.

    Parameters are ``[coef_t]`` or ``[coef_t, intercept]`` with ``coef_t`` of shape
    (n_features, n_outputs); the objective is the minibatch's weighted mean
    log-loss plus ``l2 / 2 * ||coef||^2``, whose expectation over minibatches is the
    lbfgs objective.
    """

    def objective(params, X, Y, sample_weight, hyper):
        coef_t = params[0]
        intercept = params[1] if fit_intercept else None
        z = dense(X, coef_t, intercept)
        loss = _penalised_loss(z, Y, sample_weight, coef_t, hyper["l2"], binary)
        return loss, loss

    return objective
