"""Per-sample losses and their weighted means, as expressions.

Each ``*_per_sample`` function returns a vector (one loss per sample); ``weighted_mean``
turns it into the scalar that training minimises. Classification losses take logits
(pre-activation outputs) and compute log-probabilities stably.
"""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from .nn import log_softmax

__all__ = [
    "binary_log_loss_per_sample",
    "l2_penalty",
    "log_loss_per_sample",
    "squared_error_per_sample",
    "weighted_mean",
]


def log_loss_per_sample(
    logits: TensorVariable, y_onehot: TensorVariable
) -> TensorVariable:
    """Multinomial negative log-likelihood of one-hot (or soft) targets.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> z, y = pt.matrix("z"), pt.matrix("y")
    >>> loss = log_loss_per_sample(z, y)
    >>> loss.eval({z: np.zeros((1, 2)), y: np.array([[1.0, 0.0]])}).round(4)
    array([0.6931])
    """
    return -pt.sum(y_onehot * log_softmax(logits), axis=-1)


def binary_log_loss_per_sample(
    logits: TensorVariable, y: TensorVariable
) -> TensorVariable:
    """Logistic loss of targets in {0, 1} (or a matrix of such, summed per row).

    ``softplus(z) - y * z`` is ``-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z))``
    without overflow.
    """
    loss = pt.softplus(logits) - y * logits
    return loss.sum(axis=-1) if loss.type.ndim == 2 else loss


def squared_error_per_sample(pred: TensorVariable, y: TensorVariable) -> TensorVariable:
    """Half the squared error, summed over outputs (scikit-learn's MLP convention)."""
    err = pt.sqr(pred - y) / 2
    return err.sum(axis=-1) if err.type.ndim == 2 else err


def weighted_mean(per_sample: TensorVariable, weight: TensorVariable) -> TensorVariable:
    """``sum(weight * loss) / sum(weight)``: the mean loss when all weights are 1."""
    return pt.sum(weight * per_sample) / pt.sum(weight)


def l2_penalty(weights: list[TensorVariable]) -> TensorVariable:
    """``sum ||W||^2`` over the given weight arrays (scale it as the estimator does)."""
    return sum((pt.sum(pt.sqr(w)) for w in weights), start=pt.constant(0.0))
