"""Restricted Boltzmann machine maths as expressions: free energy, Gibbs steps, CD-k.

``W`` has shape ``(n_visible, n_hidden)``; ``b`` is the visible bias and ``c`` the
hidden bias; ``visible`` is ``"bernoulli"`` (binary units) or ``"gaussian"`` (unit
variance). Randomness comes from a random-generator *variable* ``rng`` (a compiled
function input, never a shared variable): every sampling function returns the
generator's next state first, so the caller makes it an output and the run is
deterministic given the generator it passes in.
"""

from __future__ import annotations

import pytensor
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.variable import TensorVariable

__all__ = [
    "cd_chain",
    "cd_gradients",
    "free_energy",
    "gibbs_vhv",
    "hidden_proba",
    "pseudo_likelihood",
    "sample_hidden",
    "sample_visible",
    "visible_mean",
]

_VISIBLE = ("bernoulli", "gaussian")


def _check_visible(visible: str) -> None:
    if visible not in _VISIBLE:
        raise ValueError(
            f"visible must be one of {_VISIBLE}, got {visible!r}; use 'bernoulli' for "
            "data in [0, 1] and 'gaussian' for standardised real data."
        )


def hidden_proba(v: TensorVariable, W: TensorVariable, c: TensorVariable):
    """``P(h = 1 | v) = sigmoid(v W + c)``.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> v, W, c = pt.matrix("v"), pt.matrix("W"), pt.vector("c")
    >>> hidden_proba(v, W, c).eval({v: np.ones((1, 2)), W: np.zeros((2, 1)),
    ...                             c: np.zeros(1)})
    array([[0.5]])
    """
    return pt.sigmoid(pt.dot(v, W) + c)


def visible_mean(
    h: TensorVariable, W: TensorVariable, b: TensorVariable, visible: str = "bernoulli"
):
    """``E[v | h]``: ``sigmoid(h W' + b)`` (bernoulli) or ``h W' + b`` (gaussian)."""
    _check_visible(visible)
    z = pt.dot(h, W.T) + b
    return pt.sigmoid(z) if visible == "bernoulli" else z


def free_energy(v, W, b, c, visible: str = "bernoulli") -> TensorVariable:
    """Per-sample free energy ``F(v)`` (a vector).

    Bernoulli visible units: ``-v.b - sum softplus(v W + c)``; gaussian:
    ``|v - b|^2 / 2 - sum softplus(v W + c)``.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> v, W, b, c = pt.matrix("v"), pt.matrix("W"), pt.vector("b"), pt.vector("c")
    >>> F = free_energy(v, W, b, c)
    >>> F.eval({v: np.zeros((1, 2)), W: np.zeros((2, 1)), b: np.zeros(2),
    ...         c: np.zeros(1)}).round(4)
    array([-0.6931])
    """
    _check_visible(visible)
    hidden_term = pt.softplus(pt.dot(v, W) + c).sum(axis=1)
    if visible == "bernoulli":
        return -pt.dot(v, b) - hidden_term
    return 0.5 * pt.sqr(v - b).sum(axis=1) - hidden_term


def sample_hidden(v, W, c, rng: Variable) -> tuple[Variable, TensorVariable]:
    """``(next_rng, h)`` with ``h ~ Bernoulli(P(h | v))``."""
    p = hidden_proba(v, W, c)
    next_rng, h = pt.random.binomial(1, p, rng=rng, return_next_rng=True)
    return next_rng, pt.cast(h, v.dtype)


def sample_visible(
    h, W, b, rng: Variable, visible: str = "bernoulli"
) -> tuple[Variable, TensorVariable]:
    """``(next_rng, v)`` with ``v ~ P(v | h)`` (Bernoulli, or unit-variance normal)."""
    mean = visible_mean(h, W, b, visible)
    if visible == "bernoulli":
        next_rng, v = pt.random.binomial(1, mean, rng=rng, return_next_rng=True)
        return next_rng, pt.cast(v, h.dtype)
    next_rng, v = pt.random.normal(mean, 1.0, rng=rng, return_next_rng=True)
    return next_rng, v


def gibbs_vhv(v, W, b, c, rng: Variable, visible: str = "bernoulli"):
    """One Gibbs step ``v -> h -> v'``: returns ``(next_rng, v')``."""
    rng, h = sample_hidden(v, W, c, rng)
    return sample_visible(h, W, b, rng, visible)


def cd_chain(v_start, W, b, c, rng: Variable, k: int = 1, visible: str = "bernoulli"):
    """``k`` Gibbs steps from ``v_start`` (unrolled): returns ``(next_rng, v_k)``.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from pytensor.tensor.random.type import random_generator_type
    >>> v, W = pt.matrix("v"), pt.matrix("W")
    >>> b, c, rng = pt.vector("b"), pt.vector("c"), random_generator_type("rng")
    >>> _, vk = cd_chain(v, W, b, c, rng, k=2)
    >>> out = vk.eval({v: np.ones((3, 2)), W: np.zeros((2, 1)), b: np.full(2, 50.0),
    ...                c: np.zeros(1), rng: np.random.default_rng(0)})
    >>> out.tolist()
    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    """
    if int(k) < 1:
        raise ValueError(f"cd_chain: k must be a positive int, got {k!r}.")
    v = v_start
    for _ in range(int(k)):
        rng, v = gibbs_vhv(v, W, b, c, rng, visible)
    return rng, v


def cd_gradients(v_pos, v_neg, W, b, c, visible: str = "bernoulli"):
    """Gradients ``[dW, db, dc]`` of ``mean F(v_pos) - mean F(v_neg)``.

    ``v_neg`` (the chain's end) is held constant, so a gradient step *descends*
    this difference: the contrastive-divergence update.
    """
    v_neg = pytensor.gradient.disconnected_grad(v_neg)
    cost = (
        free_energy(v_pos, W, b, c, visible).mean()
        - free_energy(v_neg, W, b, c, visible).mean()
    )
    return pytensor.grad(cost, [W, b, c])


def pseudo_likelihood(v, W, b, c, rng_or_index):
    """Per-sample stochastic pseudo-log-likelihood (scikit-learn's BernoulliRBM score).

    One visible unit per sample is flipped (a random one when given a generator,
    else the unit in ``rng_or_index``, an int vector); the score is
    ``n_visible * log sigmoid(F(v_flipped) - F(v))``.

    Returns
    -------
    (next_rng, score) when given a generator, else score.
    """
    next_rng = None
    if isinstance(rng_or_index.type, pt.random.type.RandomGeneratorType):
        next_rng, idx = pt.random.integers(
            0, v.shape[1], size=(v.shape[0],), rng=rng_or_index, return_next_rng=True
        )
    else:
        idx = rng_or_index
    mask = pt.eq(pt.arange(v.shape[1])[None, :], idx[:, None])
    v_flip = v + mask * (1 - 2 * v)
    gap = free_energy(v_flip, W, b, c) - free_energy(v, W, b, c)
    score = pt.cast(v.shape[1], v.dtype) * -pt.softplus(-gap)
    return score if next_rng is None else (next_rng, score)
