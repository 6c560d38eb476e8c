"""The multi-layer perceptron as expressions: forward pass and objective."""

import pytensor.tensor as pt

from ..symbolic.losses import (
    binary_log_loss_per_sample,
    l2_penalty,
    log_loss_per_sample,
    squared_error_per_sample,
)
from ..symbolic.nn import activation as apply_activation
from ..symbolic.nn import dense

__all__ = [
    "apply_activation",
    "forward",
    "make_objective",
    "per_sample_loss",
    "poisson_loss_per_sample",
]


def forward(X, weights, biases, activation, start=0):
    """Hidden activations (from layer ``start``) and the output logits."""
    hidden = []
    out = X
    last = len(weights) - 1
    for i, (W, b) in enumerate(zip(weights, biases)):
        if i < start:
            continue
        out = dense(out, W, b)
        if i < last:
            out = apply_activation(activation, out)
            hidden.append(out)
    return hidden, out


def per_sample_loss(out_activation, logits, Y):
    """scikit-learn's MLP loss per sample, computed stably from the logits."""
    if out_activation == "softmax":
        return log_loss_per_sample(logits, Y)
    if out_activation == "logistic":
        return binary_log_loss_per_sample(logits, Y)
    if out_activation == "exp":
        return poisson_loss_per_sample(logits, Y)
    return squared_error_per_sample(logits, Y)


def poisson_loss_per_sample(logits, Y):
    """scikit-learn's Poisson loss of ``exp(logits)`` per sample, summed over
    outputs: ``y log(y / mu) - y + mu`` with ``log mu = logits`` (stable)."""
    y_log_y = pt.switch(pt.gt(Y, 0), Y * pt.log(pt.maximum(Y, 1e-30)), 0.0)
    return pt.sum(y_log_y - Y * logits - Y + pt.exp(logits), axis=1)


def make_objective(activation, out_activation):
    """``objective(params, X, Y, sw, hyper) -> (objective, reported loss)``.

    scikit-learn's: the weighted mean loss plus ``alpha / 2 * sum ||W||^2``
    divided by the minibatch's weight sum (intercepts are not penalised). The
    reported squared error is averaged over outputs, as scikit-learn reports it.
    With ``hyper["total_weight"]`` the sums are divided by it instead: one row
    block's share of the objective over all rows (``alpha`` then given for one
    block only).
    """

    def objective(params, X, Y, sw, hyper):
        n = len(params) // 2
        weights, biases = params[:n], params[n:]
        _, logits = forward(X, weights, biases, activation)
        per = per_sample_loss(out_activation, logits, Y)
        total = hyper.get("total_weight")
        total = pt.sum(sw) if total is None else total
        data = pt.sum(sw * per) / total
        penalty = 0.5 * hyper["alpha"] * l2_penalty(weights) / total
        reported = data
        if out_activation == "identity":
            reported = data / Y.shape[1].astype(data.dtype)
        return data + penalty, reported + penalty

    return objective
