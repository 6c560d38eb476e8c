"""Optimiser updates as pure expressions (Lasagne's style, without shared state).

A training step is a function of (parameters, optimiser state, minibatch,
hyper-parameters); these helpers return the new parameters and the new state as
expressions, so the compiled step is functional and its state is plain arrays that a
checkpoint can hold. Hyper-parameters are symbolic scalars: changing them never
recompiles. The rules are scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

__all__ = ["adam", "sgd"]

Vars = Sequence[TensorVariable]


def sgd(
    params: Vars,
    grads: Vars,
    velocities: Vars,
    learning_rate: TensorVariable,
    momentum: TensorVariable,
    nesterov: bool,
) -> tuple[list[TensorVariable], list[TensorVariable]]:
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v <- momentum * v - lr * g``; the parameter moves by ``v`` (classical), or by
    ``momentum * v - lr * g`` with the new ``v`` (Nesterov). ``momentum = 0`` is plain
    SGD.

    Returns
    -------
    new_params, new_velocities : lists of expressions

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> p, g, v = pt.vector("p"), pt.vector("g"), pt.vector("v")
    >>> (new_p,), _ = sgd([p], [g], [v], pt.constant(0.5), pt.constant(0.0), False)
    >>> new_p.eval({p: np.ones(2), g: np.ones(2), v: np.zeros(2)})
    array([0.5, 0.5])
    """
    new_params, new_velocities = [], []
    for p, g, v in zip(params, grads, velocities, strict=True):
        v_new = momentum * v - learning_rate * g
        step = momentum * v_new - learning_rate * g if nesterov else v_new
        new_params.append(p + step)
        new_velocities.append(v_new)
    return new_params, new_velocities


def adam(
    params: Vars,
    grads: Vars,
    first_moments: Vars,
    second_moments: Vars,
    t: TensorVariable,
    learning_rate: TensorVariable,
    beta_1: TensorVariable,
    beta_2: TensorVariable,
    epsilon: TensorVariable,
) -> tuple[list[TensorVariable], list[TensorVariable], list[TensorVariable]]:
    """Adam (Kingma and Ba), with ``t`` the 1-based number of this update.

    Returns
    -------
    new_params, new_first_moments, new_second_moments : lists of expressions
    """
    lr_t = learning_rate * pt.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    new_params, new_m, new_v = [], [], []
    for p, g, m, v in zip(params, grads, first_moments, second_moments, strict=True):
        m_new = beta_1 * m + (1 - beta_1) * g
        v_new = beta_2 * v + (1 - beta_2) * pt.sqr(g)
        new_params.append(p - lr_t * m_new / (pt.sqrt(v_new) + epsilon))
        new_m.append(m_new)
        new_v.append(v_new)
    return new_params, new_m, new_v
