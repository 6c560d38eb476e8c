"""RBM maths against NumPy references, brute-force sums and scikit-learn's RBM."""

import itertools

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.tensor.random.type import random_generator_type
from scipy.special import expit, logsumexp
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

from sklearn_pylearn.symbolic.compile import compile_function
from sklearn_pylearn.symbolic.energy import (
    cd_chain,
    cd_gradients,
    free_energy,
    gibbs_vhv,
    hidden_proba,
    pcd_chain,
    pseudo_likelihood,
    sample_hidden,
    sample_visible,
    visible_mean,
)

N_VIS, N_HID = 5, 3


@pytest.fixture
def sym():
    return {
        "v": pt.matrix("v"),
        "h": pt.matrix("h"),
        "W": pt.matrix("W"),
        "b": pt.vector("b"),
        "c": pt.vector("c"),
        "rng": random_generator_type("rng"),
    }


@pytest.fixture
def params():
    r = np.random.RandomState(0)
    return {
        "W": r.normal(0, 1, (N_VIS, N_HID)),
        "b": r.normal(0, 1, N_VIS),
        "c": r.normal(0, 1, N_HID),
    }


def _binary(n, seed=1):
    return (np.random.RandomState(seed).uniform(size=(n, N_VIS)) < 0.5).astype(float)


def _run(sym, outputs, **values):
    names = list(values)
    fn = compile_function([sym[n] for n in names], outputs)
    return fn(*[values[n] for n in names])


def _energy(v, h, p, visible):
    vis = -v @ p["b"] if visible == "bernoulli" else 0.5 * np.sum((v - p["b"]) ** 2)
    return vis - h @ p["c"] - v @ p["W"] @ h


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_free_energy_is_minus_log_sum_over_hidden_configurations(sym, params, visible):
    v = (
        _binary(4)
        if visible == "bernoulli"
        else np.random.RandomState(2).normal(size=(4, N_VIS))
    )
    got = _run(
        sym,
        free_energy(sym["v"], sym["W"], sym["b"], sym["c"], visible),
        v=v,
        **params,
    )
    hs = np.array(list(itertools.product([0.0, 1.0], repeat=N_HID)))
    expected = [
        -logsumexp([-_energy(row, h, params, visible) for h in hs]) for row in v
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_free_energy_matches_scikit_learn(sym, params):
    sk = SkBernoulliRBM()
    sk.components_, sk.intercept_visible_ = params["W"].T, params["b"]
    sk.intercept_hidden_ = params["c"]
    v = _binary(6)
    got = _run(sym, free_energy(sym["v"], sym["W"], sym["b"], sym["c"]), v=v, **params)
    np.testing.assert_allclose(got, sk._free_energy(v), rtol=1e-12)


def test_means(sym, params):
    v, h = _binary(3), _binary(3)[:, :N_HID]
    hp = _run(
        sym,
        hidden_proba(sym["v"], sym["W"], sym["c"]),
        v=v,
        W=params["W"],
        c=params["c"],
    )
    np.testing.assert_allclose(hp, expit(v @ params["W"] + params["c"]))
    for visible, link in [("bernoulli", expit), ("gaussian", lambda z: z)]:
        vm = _run(
            sym,
            visible_mean(sym["h"], sym["W"], sym["b"], visible),
            h=h,
            W=params["W"],
            b=params["b"],
        )
        np.testing.assert_allclose(vm, link(h @ params["W"].T + params["b"]))


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_cd_gradients_are_the_free_energy_gradients(sym, params, visible):
    v_pos, v_neg = _binary(4, seed=3), _binary(7, seed=4)
    v_neg_sym = pt.matrix("v_neg")
    W, b, c = sym["W"], sym["b"], sym["c"]
    cost = (
        free_energy(sym["v"], W, b, c, visible).mean()
        - free_energy(v_neg_sym, W, b, c, visible).mean()
    )
    expected = pytensor.grad(cost, [W, b, c], consider_constant=[v_neg_sym])
    got = cd_gradients(sym["v"], v_neg_sym, W, b, c, visible)
    fn = compile_function([sym["v"], v_neg_sym, W, b, c], [*got, *expected])
    out = fn(v_pos, v_neg, params["W"], params["b"], params["c"])
    for g, e in zip(out[:3], out[3:]):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def test_pseudo_likelihood_matches_scikit_learn_score_samples(sym, params):
    sk = SkBernoulliRBM(random_state=7)
    sk.components_, sk.intercept_visible_ = params["W"].T, params["b"]
    sk.intercept_hidden_ = params["c"]
    sk.n_features_in_ = N_VIS
    v = _binary(20)
    index = np.random.RandomState(7).randint(0, N_VIS, v.shape[0])
    idx = pt.lvector("index")
    fn = compile_function(
        [sym["v"], sym["W"], sym["b"], sym["c"], idx],
        pseudo_likelihood(sym["v"], sym["W"], sym["b"], sym["c"], idx),
    )
    got = fn(v, params["W"], params["b"], params["c"], index)
    np.testing.assert_allclose(got, sk.score_samples(v), rtol=1e-10)


def test_hidden_samples_follow_their_probabilities_and_are_deterministic(sym):
    W = np.zeros((1, 4))
    c = np.array([-2.0, 0.0, 1.0, 3.0])
    v = np.zeros((20000, 1))
    next_rng, mean, sample = sample_hidden(sym["v"], sym["W"], sym["c"], sym["rng"])
    fn = compile_function(
        [sym["v"], sym["W"], sym["c"], sym["rng"]], [next_rng, mean, sample]
    )
    gen = np.random.default_rng(42)
    state = gen.bit_generator.state
    rng1, _, s1 = fn(v, W, c, gen)
    assert gen.bit_generator.state == state  # the generator passed in is untouched
    _, _, s2 = fn(v, W, c, np.random.default_rng(42))
    np.testing.assert_array_equal(s1, s2)
    _, _, s3 = fn(v, W, c, rng1)
    assert not np.array_equal(s1, s3)
    assert set(np.unique(s1)) <= {0.0, 1.0}
    np.testing.assert_allclose(s1.mean(axis=0), expit(c), atol=0.015)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_samples_keep_the_dtype(dtype):
    h, W, b = (
        pt.matrix("h", dtype=dtype),
        pt.matrix("W", dtype=dtype),
        pt.vector("b", dtype=dtype),
    )
    for visible in ["bernoulli", "gaussian"]:
        rng = random_generator_type("rng")
        _, mean, sample = sample_visible(h, W, b, rng, visible)
        assert mean.dtype == sample.dtype == dtype


def test_gaussian_visible_samples_have_unit_variance(sym):
    h, W, b = np.zeros((40000, 1)), np.zeros((2, 1)), np.array([3.0, -1.0])
    _, mean, sample = sample_visible(
        sym["h"], sym["W"], sym["b"], sym["rng"], "gaussian"
    )
    out = _run(sym, sample, h=h, W=W, b=b, rng=np.random.default_rng(0))
    np.testing.assert_allclose(out.mean(axis=0), b, atol=0.03)
    np.testing.assert_allclose(out.std(axis=0), [1.0, 1.0], atol=0.03)


def test_gibbs_step_threads_one_generator(sym, params):
    step = gibbs_vhv(sym["v"], sym["W"], sym["b"], sym["c"], sym["rng"])
    fn = compile_function(
        [sym["v"], sym["W"], sym["b"], sym["c"], sym["rng"]], list(step)
    )
    rng1, h_mean, h_sample, v_mean, v_sample = fn(
        _binary(3), params["W"], params["b"], params["c"], np.random.default_rng(0)
    )
    assert isinstance(rng1, np.random.Generator)
    np.testing.assert_allclose(v_mean, expit(h_sample @ params["W"].T + params["b"]))
    assert h_mean.shape == h_sample.shape == (3, N_HID)
    assert v_sample.shape == (3, N_VIS)


def _random_variable_nodes(outputs):
    from pytensor.graph.traversal import applys_between
    from pytensor.tensor.random.op import RandomVariable

    return [n for n in applys_between([], outputs) if isinstance(n.op, RandomVariable)]


@pytest.mark.parametrize("k", [1, 3])
def test_cd_chain_unrolls_k_steps(sym, params, k):
    rng, v_neg = cd_chain(sym["v"], sym["W"], sym["b"], sym["c"], sym["rng"], k)
    assert len(_random_variable_nodes([rng, v_neg])) == 2 * k
    fn = compile_function(
        [sym["v"], sym["W"], sym["b"], sym["c"], sym["rng"]], [rng, v_neg]
    )
    _, out = fn(
        _binary(4), params["W"], params["b"], params["c"], np.random.default_rng(0)
    )
    assert out.shape == (4, N_VIS)


def test_cd_chain_mixes_toward_the_model_distribution(sym):
    """With no weights, the chain's end is independent of its start."""
    W, b, c = np.zeros((N_VIS, N_HID)), np.full(N_VIS, 1.5), np.zeros(N_HID)
    _, v_neg = cd_chain(sym["v"], sym["W"], sym["b"], sym["c"], sym["rng"], 2)
    out = _run(
        sym,
        v_neg,
        v=np.zeros((20000, N_VIS)),
        W=W,
        b=b,
        c=c,
        rng=np.random.default_rng(0),
    )
    np.testing.assert_allclose(out.mean(axis=0), expit(1.5), atol=0.015)


@pytest.mark.parametrize("k", [1, 2])
def test_pcd_chain_advances_a_hidden_state(sym, params, k):
    rng, v_neg, h_next = pcd_chain(
        sym["h"], sym["W"], sym["b"], sym["c"], sym["rng"], k
    )
    assert len(_random_variable_nodes([rng, v_neg, h_next])) == 2 * k
    fn = compile_function(
        [sym["h"], sym["W"], sym["b"], sym["c"], sym["rng"]], [rng, v_neg, h_next]
    )
    _, v, h = fn(
        np.zeros((6, N_HID)),
        params["W"],
        params["b"],
        params["c"],
        np.random.default_rng(0),
    )
    assert v.shape == (6, N_VIS) and h.shape == (6, N_HID)
    assert set(np.unique(h)) <= {0.0, 1.0}


def test_unknown_visible_units_and_bad_k_are_errors(sym):
    with pytest.raises(ValueError, match="visible units must be one of.*'poisson'"):
        free_energy(sym["v"], sym["W"], sym["b"], sym["c"], "poisson")
    with pytest.raises(ValueError, match="visible units must be one of"):
        sample_visible(sym["h"], sym["W"], sym["b"], sym["rng"], "binary")
    with pytest.raises(ValueError, match="Gibbs steps k must be an int >= 1, got 0"):
        cd_chain(sym["v"], sym["W"], sym["b"], sym["c"], sym["rng"], 0)
    with pytest.raises(ValueError, match="got 1.5"):
        pcd_chain(sym["h"], sym["W"], sym["b"], sym["c"], sym["rng"], 1.5)
