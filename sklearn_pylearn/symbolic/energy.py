"""Restricted Boltzmann machine maths as expressions: nothing here compiles.

``W`` has shape ``(n_visible, n_hidden)``, ``b`` is the visible bias and ``c`` the
hidden bias. Visible units are ``"bernoulli"`` (binary) or ``"gaussian"`` (real-valued
with unit variance: the Gaussian-Bernoulli RBM); hidden units are binary. Samplers take
a random-generator *variable* (``pytensor.tensor.random.type.random_generator_type``)
that the compiled function receives as an input, and return the next generator first,
so the caller threads one generator through a whole step and gets its next state back
as an output: no shared variables, and a step is a pure function of its inputs.

Where a compiled function is called very often (a training step per minibatch),
:class:`PresampledNoise` stands in for the generator: the caller draws the uniform
(and normal) numbers with NumPy and passes them as arrays. Numba's dispatcher types a
``numpy.random.Generator`` argument on its slow Python path, which then types every
other argument there too (tens of microseconds per array argument per call).

The rules are the Theano deep learning tutorial's ``rbm.py`` (CD-k and PCD) and
scikit-learn's ``BernoulliRBM`` (pseudo-likelihood by flipping one visible unit).
"""

from __future__ import annotations

from typing import NamedTuple

import pytensor.tensor as pt
from pytensor.tensor import get_vector_length
from pytensor.tensor.random.variable import RandomGeneratorVariable
from pytensor.tensor.variable import TensorVariable

__all__ = [
    "VISIBLE_UNITS",
    "GibbsStep",
    "PresampledNoise",
    "cd_chain",
    "cd_gradients",
    "free_energy",
    "gibbs_vhv",
    "hidden_proba",
    "pcd_chain",
    "pseudo_likelihood",
    "sample_hidden",
    "sample_visible",
    "visible_mean",
]

VISIBLE_UNITS = ("bernoulli", "gaussian")


class PresampledNoise:
    """Pre-drawn noise that stands in for a random-generator variable.

    It offers the generator's ``uniform`` and ``normal`` methods, so every sampler
    here takes it, and consumes consecutive segments of two symbolic vectors (its
    "next state" is the same vectors with the offsets moved on). The caller draws
    the vectors (``Generator.random`` and ``Generator.standard_normal``), long
    enough for every draw of the graph: :attr:`uniform_used` and
    :attr:`normal_used` of the returned noise say how much a graph consumed.

    Parameters
    ----------
    uniform, normal : TensorVariable
        Vectors of uniform [0, 1) and standard normal numbers.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> u, z = pt.vector("u"), pt.vector("z")
    >>> v, W, c = pt.matrix("v"), pt.matrix("W"), pt.vector("c")
    >>> noise, _, h = sample_hidden(v, W, c, PresampledNoise(u, z))
    >>> noise.uniform_used.eval({v: np.ones((2, 1)), W: np.ones((1, 3)), c: np.ones(3)})
    array(6)
    >>> h.eval({v: [[1.0]], W: [[0.0, 0.0]], c: [0.0, 0.0], u: [0.2, 0.7]})
    array([[1., 0.]])
    """

    def __init__(
        self,
        uniform: TensorVariable,
        normal: TensorVariable | None = None,
        uniform_used: TensorVariable | int = 0,
        normal_used: TensorVariable | int = 0,
    ) -> None:
        self.uniform_vector = uniform
        self.normal_vector = normal
        self.uniform_used = pt.as_tensor_variable(uniform_used)
        self.normal_used = pt.as_tensor_variable(normal_used)

    def _take(self, vector, used, size, dtype):
        if vector is None:
            raise ValueError(
                "PresampledNoise was given no normal vector; pass normal=... to "
                "sample Gaussian units."
            )
        n = pt.prod(size)
        draw = vector[used : used + n].reshape(size, ndim=get_vector_length(size))
        return used + n, draw if dtype is None else pt.cast(draw, dtype)

    def uniform(self, size, dtype=None) -> tuple[PresampledNoise, TensorVariable]:
        """The next ``size`` uniform numbers, and the noise that follows them."""
        used, draw = self._take(self.uniform_vector, self.uniform_used, size, dtype)
        nxt = PresampledNoise(
            self.uniform_vector, self.normal_vector, used, self.normal_used
        )
        return nxt, draw

    def normal(self, size, dtype=None) -> tuple[PresampledNoise, TensorVariable]:
        """The next ``size`` standard normal numbers, and the noise that follows."""
        used, draw = self._take(self.normal_vector, self.normal_used, size, dtype)
        nxt = PresampledNoise(
            self.uniform_vector, self.normal_vector, self.uniform_used, used
        )
        return nxt, draw


class GibbsStep(NamedTuple):
    """One ``v -> h -> v`` Gibbs step: the next generator first, then the chain."""

    rng: RandomGeneratorVariable | PresampledNoise
    h_mean: TensorVariable
    h_sample: TensorVariable
    v_mean: TensorVariable
    v_sample: TensorVariable


def _check_visible(visible: str) -> None:
    if visible not in VISIBLE_UNITS:
        raise ValueError(
            f"visible units must be one of {VISIBLE_UNITS}, got {visible!r}."
        )


def _bernoulli(
    rng: RandomGeneratorVariable | PresampledNoise, p: TensorVariable
) -> tuple[RandomGeneratorVariable | PresampledNoise, TensorVariable]:
    """Draw ``u < p`` with ``u`` uniform on [0, 1), in ``p``'s dtype."""
    next_rng, u = rng.uniform(size=p.shape, dtype=p.dtype)
    return next_rng, pt.cast(pt.lt(u, p), p.dtype)


def hidden_proba(
    v: TensorVariable, W: TensorVariable, c: TensorVariable
) -> TensorVariable:
    """``P(h = 1 | v) = sigmoid(v W + c)``, one row per sample.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> v, W, c = pt.matrix("v"), pt.matrix("W"), pt.vector("c")
    >>> hidden_proba(v, W, c).eval({v: [[1.0, 0.0]], W: np.zeros((2, 3)),
    ...                             c: np.zeros(3)})
    array([[0.5, 0.5, 0.5]])
    """
    return pt.sigmoid(pt.dot(v, W) + c)


def visible_mean(
    h: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    visible: str = "bernoulli",
) -> TensorVariable:
    """``E[v | h]``: ``sigmoid(h W' + b)`` (Bernoulli) or ``h W' + b`` (Gaussian).

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> h, W, b = pt.matrix("h"), pt.matrix("W"), pt.vector("b")
    >>> values = {h: [[1.0]], W: [[2.0], [0.0]], b: [0.0, 1.0]}
    >>> visible_mean(h, W, b, "gaussian").eval(values)
    array([[2., 1.]])
    """
    _check_visible(visible)
    pre = pt.dot(h, W.T) + b
    return pt.sigmoid(pre) if visible == "bernoulli" else pre


def free_energy(
    v: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    c: TensorVariable,
    visible: str = "bernoulli",
) -> TensorVariable:
    """Free energy ``F(v) = -log sum_h exp(-E(v, h))``, one value per sample.

    Bernoulli visible units: ``F(v) = -v b - sum_j softplus(v W + c)_j``; Gaussian
    (unit variance): ``F(v) = ||v - b||^2 / 2 - sum_j softplus(v W + c)_j``.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> v, W, b, c = pt.matrix("v"), pt.matrix("W"), pt.vector("b"), pt.vector("c")
    >>> fe = free_energy(v, W, b, c)
    >>> values = {v: [[1.0, 0.0]], W: np.zeros((2, 1)), b: [1.0, 5.0], c: [0.0]}
    >>> fe.eval(values).round(4)  # -1 - log(2)
    array([-1.6931])
    """
    _check_visible(visible)
    hidden_term = pt.softplus(pt.dot(v, W) + c).sum(axis=-1)
    if visible == "bernoulli":
        visible_term = -pt.dot(v, b)
    else:
        visible_term = 0.5 * pt.sqr(v - b).sum(axis=-1)
    return visible_term - hidden_term


def sample_hidden(
    v: TensorVariable,
    W: TensorVariable,
    c: TensorVariable,
    rng: RandomGeneratorVariable | PresampledNoise,
) -> tuple[RandomGeneratorVariable | PresampledNoise, TensorVariable, TensorVariable]:
    """Sample binary hidden units given ``v``.

    Returns
    -------
    next_rng, h_mean, h_sample
        The generator's next state, ``P(h = 1 | v)`` and a 0/1 draw from it.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from pytensor.tensor.random.type import random_generator_type
    >>> v, W, c = pt.matrix("v"), pt.matrix("W"), pt.vector("c")
    >>> rng = random_generator_type("rng")
    >>> _, mean, sample = sample_hidden(v, W, c, rng)
    >>> sample.eval({v: [[1.0]], W: [[0.0, 0.0]], c: [50.0, -50.0],
    ...              rng: np.random.default_rng(0)})
    array([[1., 0.]])
    """
    h_mean = hidden_proba(v, W, c)
    next_rng, h_sample = _bernoulli(rng, h_mean)
    return next_rng, h_mean, h_sample


def sample_visible(
    h: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    rng: RandomGeneratorVariable | PresampledNoise,
    visible: str = "bernoulli",
) -> tuple[RandomGeneratorVariable | PresampledNoise, TensorVariable, TensorVariable]:
    """Sample visible units given ``h``: 0/1 draws, or the mean plus unit noise.

    Returns
    -------
    next_rng, v_mean, v_sample

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from pytensor.tensor.random.type import random_generator_type
    >>> h, W, b = pt.matrix("h"), pt.matrix("W"), pt.vector("b")
    >>> rng = random_generator_type("rng")
    >>> _, mean, sample = sample_visible(h, W, b, rng)
    >>> sample.eval({h: [[1.0]], W: [[60.0], [-60.0]], b: [0.0, 0.0],
    ...              rng: np.random.default_rng(0)})
    array([[1., 0.]])
    """
    v_mean = visible_mean(h, W, b, visible)
    if visible == "bernoulli":
        next_rng, v_sample = _bernoulli(rng, v_mean)
    else:
        next_rng, noise = rng.normal(size=v_mean.shape, dtype=v_mean.dtype)
        v_sample = v_mean + noise
    return next_rng, v_mean, v_sample


def gibbs_vhv(
    v: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    c: TensorVariable,
    rng: RandomGeneratorVariable | PresampledNoise,
    visible: str = "bernoulli",
) -> GibbsStep:
    """One Gibbs step from the visible units: ``h ~ P(h | v)``, then ``v' ~ P(v | h)``.

    Returns
    -------
    GibbsStep
        ``(rng, h_mean, h_sample, v_mean, v_sample)``, the next generator first.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from pytensor.tensor.random.type import random_generator_type
    >>> v, W = pt.matrix("v"), pt.matrix("W")
    >>> b, c = pt.vector("b"), pt.vector("c")
    >>> step = gibbs_vhv(v, W, b, c, random_generator_type("rng"))
    >>> step._fields
    ('rng', 'h_mean', 'h_sample', 'v_mean', 'v_sample')
    """
    rng, h_mean, h_sample = sample_hidden(v, W, c, rng)
    rng, v_mean, v_sample = sample_visible(h_sample, W, b, rng, visible)
    return GibbsStep(rng, h_mean, h_sample, v_mean, v_sample)


def _check_k(k: int) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"the number of Gibbs steps k must be an int >= 1, got {k!r}.")


def cd_chain(
    v_start: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    c: TensorVariable,
    rng: RandomGeneratorVariable | PresampledNoise,
    k: int = 1,
    visible: str = "bernoulli",
) -> tuple[RandomGeneratorVariable | PresampledNoise, TensorVariable]:
    """Run ``k`` Gibbs steps from ``v_start``: the negative phase of CD-k.

    ``k`` is structure (the steps are unrolled in the graph), so it is a Python int.
    Start from the data for CD-k, or from a persistent chain's visible state for PCD.

    Returns
    -------
    next_rng, v_neg
        The generator's next state and the visible sample after ``k`` steps.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from pytensor.tensor.random.type import random_generator_type
    >>> v, W = pt.matrix("v"), pt.matrix("W")
    >>> b, c = pt.vector("b"), pt.vector("c")
    >>> rng = random_generator_type("rng")
    >>> _, v_neg = cd_chain(v, W, b, c, rng, k=3)
    >>> v_neg.eval({v: np.ones((2, 4)), W: np.zeros((4, 3)), b: np.full(4, -60.0),
    ...             c: np.zeros(3), rng: np.random.default_rng(0)})
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.]])
    """
    _check_k(k)
    v_neg = v_start
    for _ in range(k):
        rng, _, _, _, v_neg = gibbs_vhv(v_neg, W, b, c, rng, visible)
    return rng, v_neg


def pcd_chain(
    h_start: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    c: TensorVariable,
    rng: RandomGeneratorVariable | PresampledNoise,
    k: int = 1,
    visible: str = "bernoulli",
) -> tuple[RandomGeneratorVariable | PresampledNoise, TensorVariable, TensorVariable]:
    """Advance a persistent chain held as hidden samples, as scikit-learn keeps it.

    ``v ~ P(v | h_start)``, then ``k - 1`` more Gibbs steps, then the hidden means of
    the last visible sample and a draw from them: the chain's next hidden state
    (scikit-learn's ``h_samples_``).

    Returns
    -------
    next_rng, v_neg, h_next
        The generator's next state, the negative visible sample and the chain's next
        hidden state.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from pytensor.tensor.random.type import random_generator_type
    >>> h, W = pt.matrix("h"), pt.matrix("W")
    >>> b, c = pt.vector("b"), pt.vector("c")
    >>> rng = random_generator_type("rng")
    >>> _, v_neg, h_next = pcd_chain(h, W, b, c, rng)
    >>> h_next.eval({h: np.zeros((2, 3)), W: np.zeros((4, 3)), b: np.zeros(4),
    ...              c: np.full(3, 60.0), rng: np.random.default_rng(0)})
    array([[1., 1., 1.],
           [1., 1., 1.]])
    """
    _check_k(k)
    rng, _, v_neg = sample_visible(h_start, W, b, rng, visible)
    if k > 1:
        rng, v_neg = cd_chain(v_neg, W, b, c, rng, k - 1, visible)
    rng, _, h_next = sample_hidden(v_neg, W, c, rng)
    return rng, v_neg, h_next


def cd_gradients(
    v_pos: TensorVariable,
    v_neg: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    c: TensorVariable,
    visible: str = "bernoulli",
) -> tuple[TensorVariable, TensorVariable, TensorVariable]:
    """Gradients of ``mean F(v_pos) - mean F(v_neg)`` with ``v_neg`` held constant.

    The positive phase uses the data's hidden means, the negative phase the chain's;
    each is averaged over its own rows, so the chain may hold a different number of
    samples than the minibatch. The closed form is the same for both visible types.
    Descend them (``W - lr * dW``) to raise the data's likelihood.

    Returns
    -------
    dW, db, dc : expressions shaped like ``W``, ``b`` and ``c``

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> vp, vn, W = pt.matrix("vp"), pt.matrix("vn"), pt.matrix("W")
    >>> b, c = pt.vector("b"), pt.vector("c")
    >>> dW, db, dc = cd_gradients(vp, vn, W, b, c)
    >>> db.eval({vp: [[1.0, 0.0]], vn: [[0.0, 0.0]]})
    array([-1., -0.])
    """
    _check_visible(visible)
    h_pos = hidden_proba(v_pos, W, c)
    h_neg = hidden_proba(v_neg, W, c)
    n_pos = pt.cast(v_pos.shape[0], W.dtype)
    n_neg = pt.cast(v_neg.shape[0], W.dtype)
    dW = pt.dot(v_neg.T, h_neg) / n_neg - pt.dot(v_pos.T, h_pos) / n_pos
    db = v_neg.sum(axis=0) / n_neg - v_pos.sum(axis=0) / n_pos
    dc = h_neg.sum(axis=0) / n_neg - h_pos.sum(axis=0) / n_pos
    return dW, db, dc


def pseudo_likelihood(
    v: TensorVariable,
    W: TensorVariable,
    b: TensorVariable,
    c: TensorVariable,
    index: TensorVariable,
) -> TensorVariable:
    """Stochastic log pseudo-likelihood of binary ``v``, as scikit-learn scores it.

    Row ``i`` flips visible unit ``index[i]``; the score is
    ``n_visible * log sigmoid(F(v_flipped) - F(v))``. The flipped free energy is a
    rank-one update of ``v W``, so the graph holds one matrix product, not two.

    Parameters
    ----------
    index : integer vector
        The unit flipped in each row (scikit-learn draws it with
        ``rng.randint(0, n_features, n_samples)``).

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> v, W, b, c = pt.matrix("v"), pt.matrix("W"), pt.vector("b"), pt.vector("c")
    >>> i = pt.lvector("i")
    >>> pl = pseudo_likelihood(v, W, b, c, i)
    >>> pl.eval({v: [[1.0, 0.0]], W: np.zeros((2, 1)), b: np.zeros(2),
    ...          c: np.zeros(1), i: [0]}).round(4)  # 2 * log(1/2)
    array([-1.3863])
    """
    rows = pt.arange(v.shape[0])
    flipped = v[rows, index]
    delta = 1 - 2 * flipped
    pre = pt.dot(v, W) + c
    pre_flipped = pre + delta[:, None] * W[index]
    fe = -pt.dot(v, b) - pt.softplus(pre).sum(axis=-1)
    fe_flipped = (
        -pt.dot(v, b) - delta * b[index] - pt.softplus(pre_flipped).sum(axis=-1)
    )
    n_visible = pt.cast(v.shape[1], v.dtype)
    return -n_visible * pt.softplus(-(fe_flipped - fe))
