"""Layers and activations as expressions (Lasagne's transparency: nothing compiles)."""

from __future__ import annotations

from collections.abc import Callable

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from .sparse import dot as sparse_dot
from .sparse import is_sparse

__all__ = [
    "ACTIVATIONS",
    "activation",
    "binary_log_proba",
    "binary_proba",
    "dense",
    "log_sigmoid",
    "log_softmax",
    "softmax",
]


def dense(
    X: TensorVariable, W: TensorVariable, b: TensorVariable | None
) -> TensorVariable:
    """Affine layer ``X @ W + b`` (``b`` may be None).

    A sparse ``X`` (CSR / CSC) is multiplied by the sparse product
    (:func:`~sklearn_pylearn.symbolic.sparse.dot`); the result is dense.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> X, W, b = pt.matrix("X"), pt.matrix("W"), pt.vector("b")
    >>> dense(X, W, b).eval({X: np.ones((1, 2)), W: np.eye(2), b: np.ones(2)})
    array([[2., 2.]])
    """
    out = sparse_dot(X, W) if is_sparse(X) else pt.dot(X, W)
    return out if b is None else out + b


def softmax(z: TensorVariable) -> TensorVariable:
    """Row-wise softmax, shifted by the row maximum for stability."""
    return pt.special.softmax(z, axis=-1)


def log_softmax(z: TensorVariable) -> TensorVariable:
    """Row-wise log-softmax (stable)."""
    return pt.special.log_softmax(z, axis=-1)


def log_sigmoid(z: TensorVariable) -> TensorVariable:
    """``log(sigmoid(z))`` computed stably, as ``-softplus(-z)``."""
    return -pt.softplus(-z)


def binary_proba(z: TensorVariable) -> TensorVariable:
    """Two-class probabilities ``[1 - sigmoid(z), sigmoid(z)]`` from a vector of
    decision values: a matrix of two columns.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> z = pt.vector("z")
    >>> binary_proba(z).eval({z: np.array([0.0])})
    array([[0.5, 0.5]])
    """
    p = pt.sigmoid(z)
    return pt.stack([1 - p, p], axis=1)


def binary_log_proba(z: TensorVariable) -> TensorVariable:
    """The log of :func:`binary_proba`, computed stably (no ``log(0)``).

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> z = pt.vector("z")
    >>> binary_log_proba(z).eval({z: np.array([1000.0])})
    array([[-1000.,    -0.]])
    """
    return pt.stack([log_sigmoid(-z), log_sigmoid(z)], axis=1)


ACTIVATIONS: dict[str, Callable[[TensorVariable], TensorVariable]] = {
    "identity": lambda z: z,
    "relu": lambda z: pt.maximum(z, 0),
    "tanh": pt.tanh,
    "logistic": pt.sigmoid,
    "softmax": softmax,
}


def activation(name: str, z: TensorVariable) -> TensorVariable:
    """Apply the activation called ``name`` (scikit-learn's MLP names plus softmax).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    """
    try:
        fn = ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None
    return fn(z)
