import numpy as np
import pytensor.tensor as pt
import pytest
from pytensor.tensor.random.type import random_generator_type
from scipy.special import expit

from sklearn_pylearn.symbolic.energy import (
    cd_chain,
    cd_gradients,
    free_energy,
    gibbs_vhv,
    hidden_proba,
    pseudo_likelihood,
    sample_hidden,
    visible_mean,
)

rng0 = np.random.RandomState(0)
Vn = (rng0.rand(5, 4) > 0.5) * 1.0
Wn, bn, cn = rng0.normal(size=(4, 3)), rng0.normal(size=4), rng0.normal(size=3)
v, W, b, c = pt.matrix("v"), pt.matrix("W"), pt.vector("b"), pt.vector("c")
rng = random_generator_type("rng")
FEED = {v: Vn, W: Wn, b: bn, c: cn}


def ev(expr, feed):
    """Evaluate, feeding only what the expression uses."""
    return expr.eval(feed, on_unused_input="ignore")


def test_free_energy_and_conditionals():
    softplus = np.log1p(np.exp(Vn @ Wn + cn)).sum(axis=1)
    np.testing.assert_allclose(ev(free_energy(v, W, b, c), FEED), -Vn @ bn - softplus)
    gauss = 0.5 * ((Vn - bn) ** 2).sum(axis=1) - softplus
    np.testing.assert_allclose(ev(free_energy(v, W, b, c, "gaussian"), FEED), gauss)
    np.testing.assert_allclose(ev(hidden_proba(v, W, c), FEED), expit(Vn @ Wn + cn))
    h = pt.matrix("h")
    Hn = np.ones((2, 3))
    np.testing.assert_allclose(
        ev(visible_mean(h, W, b), {h: Hn, W: Wn, b: bn}), expit(Hn @ Wn.T + bn)
    )
    with pytest.raises(ValueError, match="visible must be one of"):
        free_energy(v, W, b, c, "poisson")


def test_sampling_is_deterministic_given_the_generator():
    _, hs = sample_hidden(v, W, c, rng)
    first = ev(hs, {**FEED, rng: np.random.default_rng(1)})
    again = ev(hs, {**FEED, rng: np.random.default_rng(1)})
    np.testing.assert_array_equal(first, again)
    assert set(np.unique(first)) <= {0.0, 1.0}
    next_rng, vk = gibbs_vhv(v, W, b, c, rng)
    assert next_rng.type == rng.type and vk.type.ndim == 2


def test_cd_gradients_cancel_when_both_phases_agree():
    gW0, gb0, gc0 = cd_gradients(v, v, W, b, c)
    np.testing.assert_allclose(ev(gW0, FEED), 0, atol=1e-12)
    np.testing.assert_allclose(ev(gb0, FEED), 0, atol=1e-12)
    _, vk = cd_chain(v, W, b, c, rng, k=2)
    gW, _, _ = cd_gradients(v, vk, W, b, c)
    got = ev(gW, {**FEED, rng: np.random.default_rng(0)})
    assert got.shape == (4, 3) and np.abs(got).sum() > 0
    with pytest.raises(ValueError, match="k must be a positive int"):
        cd_chain(v, W, b, c, rng, k=0)


def test_pseudo_likelihood_matches_sklearn_formula():
    idx = pt.lvector("idx")
    chosen = np.array([0, 1, 2, 3, 0])
    got = ev(pseudo_likelihood(v, W, b, c, idx), {**FEED, idx: chosen})
    flip = Vn.copy()
    flip[np.arange(5), chosen] = 1 - flip[np.arange(5), chosen]

    def fe(x):
        return -x @ bn - np.log1p(np.exp(x @ Wn + cn)).sum(axis=1)

    np.testing.assert_allclose(got, 4 * np.log(expit(fe(flip) - fe(Vn))))
    _, score = pseudo_likelihood(v, W, b, c, rng)
    assert ev(score, {**FEED, rng: np.random.default_rng(0)}).shape == (5,)
