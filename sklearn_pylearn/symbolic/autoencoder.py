"""Denoising autoencoder maths as expressions: corruption, code, reconstruction, loss.

The rules are the Theano deep learning tutorial's ``dA.py``: corrupt the input
(masking noise zeroes each input with probability ``level``; Gaussian noise adds
``level`` times a standard normal), encode it, decode it (with the transposed
encoder weights when tied) and score the reconstruction against the *clean* input.
The noise is an input (uniform or standard normal numbers drawn by the caller), so
a training step is a pure function and the corruption level a hyper-parameter input.
"""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from .nn import activation as apply_activation

__all__ = [
    "CORRUPTIONS",
    "LOSSES",
    "corrupt",
    "decode",
    "decoder_activation",
    "encode",
    "reconstruction_loss",
]

CORRUPTIONS = ("binomial", "gaussian")
LOSSES = ("cross_entropy", "squared_error")


def corrupt(
    X: TensorVariable, noise: TensorVariable, kind: str, level: TensorVariable
) -> TensorVariable:
    """Corrupt ``X`` with pre-drawn ``noise`` of the same shape.

    ``"binomial"``: ``noise`` is uniform on [0, 1); inputs where it falls below
    ``level`` are set to zero. ``"gaussian"``: ``noise`` is standard normal;
    ``X + level * noise``.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> X, u, level = pt.matrix("X"), pt.matrix("u"), pt.scalar("level")
    >>> corrupt(X, u, "binomial", level).eval(
    ...     {X: [[1.0, 2.0, 3.0]], u: [[0.1, 0.5, 0.9]], level: 0.3})
    array([[0., 2., 3.]])
    """
    if kind == "binomial":
        return X * pt.cast(pt.ge(noise, level), X.dtype)
    if kind == "gaussian":
        return X + level * noise
    raise ValueError(f"corruption must be one of {CORRUPTIONS}, got {kind!r}.")


def encode(
    X: TensorVariable, W: TensorVariable, b: TensorVariable, activation: str
) -> TensorVariable:
    """The code ``activation(X W + b)``; ``W`` has shape (n_features, n_components).

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> X, W, b = pt.matrix("X"), pt.matrix("W"), pt.vector("b")
    >>> encode(X, W, b, "relu").eval({X: [[1.0, -1.0]], W: np.eye(2), b: [0.0, 0.0]})
    array([[1., 0.]])
    """
    return apply_activation(activation, pt.dot(X, W) + b)


def decoder_activation(loss: str) -> str:
    """The output activation each loss is paired with: logistic outputs for the
    cross-entropy (data in [0, 1]), linear outputs for the squared error.

    Examples
    --------
    >>> decoder_activation("cross_entropy"), decoder_activation("squared_error")
    ('logistic', 'identity')
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")
    return "logistic" if loss == "cross_entropy" else "identity"


def decode(
    H: TensorVariable, W_dec: TensorVariable, b: TensorVariable, loss: str
) -> TensorVariable:
    """The reconstruction from the code; ``W_dec`` has shape (n_components,
    n_features) (the encoder's transpose when the weights are tied).

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> H, W, b = pt.matrix("H"), pt.matrix("W"), pt.vector("b")
    >>> decode(H, W, b, "cross_entropy").eval({H: [[0.0]], W: [[1.0]], b: [0.0]})
    array([[0.5]])
    """
    return apply_activation(decoder_activation(loss), pt.dot(H, W_dec) + b)


def reconstruction_loss(
    X: TensorVariable,
    H: TensorVariable,
    W_dec: TensorVariable,
    b: TensorVariable,
    loss: str,
) -> TensorVariable:
    """Per-sample reconstruction loss of clean ``X`` from code ``H``.

    ``"cross_entropy"``: ``sum_j -x_j log z_j - (1 - x_j) log(1 - z_j)`` computed
    stably from the decoder's logits; ``"squared_error"``: ``sum_j (x_j - z_j)^2 / 2``
    (scikit-learn's MLP convention).

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> X, H, W, b = pt.matrix("X"), pt.matrix("H"), pt.matrix("W"), pt.vector("b")
    >>> out = reconstruction_loss(X, H, W, b, "cross_entropy")
    >>> out.eval({X: [[1.0, 0.0]], H: [[0.0]], W: [[1.0, 1.0]], b: [0.0, 0.0]}).round(4)
    array([1.3863])
    """
    decoder_activation(loss)
    logits = pt.dot(H, W_dec) + b
    if loss == "cross_entropy":
        return (pt.softplus(logits) - X * logits).sum(axis=-1)
    return 0.5 * pt.sqr(logits - X).sum(axis=-1)
