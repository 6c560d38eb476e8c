import numpy as np
import pytest
from scipy.special import expit, log_softmax

from sklearn_pylearn.graph import (
    HyperParam,
    Input,
    Param,
    apply,
    class_error,
    corrupt,
    cross_entropy,
    dotW_b,
    grad,
    l1,
    l2,
    max_norm,
    nll,
    relu,
    sigmoid,
    softmax,
    squared_error,
    tanh,
)
from sklearn_pylearn.graph._transforms import initial_weights
from sklearn_pylearn.symbolic.init import glorot_uniform

X = np.random.RandomState(0).normal(size=(6, 4))
LABELS = np.array([0, 1, 2, 0, 1, 2])


def test_dotW_b_matches_numpy_and_initialises_as_sklearn():
    x = Input("x", X)
    a = dotW_b(x, n=3, random_state=0)
    W, b = glorot_uniform(np.random.RandomState(0), 4, 3, "relu")
    np.testing.assert_allclose(a.eval(), X @ W + b)
    assert a.size == 3 and [p.name for p in a.parameters()] == ["W", "b"]


def test_initialisers_by_name():
    W, b = initial_weights("normal", 50, 40, 0)
    assert abs(W.std() - 0.01) < 0.002 and not b.any()
    Wl, _ = initial_weights("glorot_logistic", 4, 3, 0)
    assert np.abs(Wl).max() <= np.sqrt(2 / 7)
    with pytest.raises(ValueError, match="init must be one of"):
        initial_weights("he", 2, 2, 0)


def test_dotW_b_errors():
    with pytest.raises(ValueError, match="n must be a positive int"):
        dotW_b(Input("x", X), n=0)
    with pytest.raises(ValueError, match="width of .* is unknown"):
        dotW_b(Input("x", ndim=2, dtype="float64"), n=2)
    with pytest.raises(TypeError, match="expected a graph node"):
        dotW_b(X, n=2)
    with pytest.raises(TypeError, match="random_state must be"):
        dotW_b(Input("x", X), n=2, random_state="seed")


def test_activations():
    x = Input("x", X)
    np.testing.assert_allclose(sigmoid(x).eval(), expit(X))
    np.testing.assert_allclose(tanh(x).eval(), np.tanh(X))
    np.testing.assert_allclose(relu(x).eval(), np.maximum(X, 0))
    np.testing.assert_allclose(np.log(softmax(x).eval()), log_softmax(X, axis=1))


def test_costs_match_numpy():
    z, y = Input("z", X[:, :3]), Input("y", LABELS)
    logp = log_softmax(X[:, :3], axis=1)
    expected = -logp[np.arange(6), LABELS].mean()
    assert float(nll(softmax(z), y).eval()) == pytest.approx(expected)
    assert float(cross_entropy(softmax(z), y).eval()) == pytest.approx(expected)
    onehot = Input("t", np.eye(3)[LABELS])
    assert float(cross_entropy(softmax(z), onehot).eval()) == pytest.approx(expected)
    t = (X[:, :3] > 0) * 1.0
    p = expit(X[:, :3])
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum(axis=1).mean()
    got = cross_entropy(sigmoid(z), Input("t", t)).eval()
    assert float(got) == pytest.approx(bce)
    assert float(cross_entropy(z * 0 + 0.5, Input("t", t)).eval()) == pytest.approx(
        np.log(2) * 3
    )
    pred = X[:, :3].argmax(axis=1)
    assert float(class_error(z, y).eval()) == pytest.approx((pred != LABELS).mean())
    assert float(class_error(z, onehot).eval()) == pytest.approx(
        (pred != LABELS).mean()
    )
    assert float(squared_error(z, Input("t", t)).eval()) == pytest.approx(
        ((X[:, :3] - t) ** 2).sum(axis=1).mean() / 2
    )


def test_nll_needs_labels():
    with pytest.raises(TypeError, match="must hold integer class labels"):
        nll(Input("z", X), Input("t", X))


def test_corruption_levels_and_determinism():
    x = Input("x", np.ones((200, 50)))
    masked = corrupt(x, 0.3, seed=0)
    assert masked.eval().mean() == pytest.approx(0.7, abs=0.02)
    level = masked.hyperparameters()[0]
    level.value = 0.0
    np.testing.assert_array_equal(masked.eval(), x.data)
    noisy = corrupt(x, 0.5, kind="gaussian", seed=1)
    assert (noisy.eval() - 1).std() == pytest.approx(0.5, abs=0.02)
    again = corrupt(x, 0.5, kind="gaussian", seed=1)
    noisy2 = corrupt(x, 0.5, kind="gaussian", seed=1)
    np.testing.assert_array_equal(again.eval(), noisy2.eval())
    with pytest.raises(ValueError, match="kind must be 'binomial' or 'gaussian'"):
        corrupt(x, kind="salt")


def test_grad_matches_finite_differences():
    x, y = Input("x", X), Input("y", LABELS)
    cost = nll(softmax(dotW_b(x, n=3, random_state=0)), y)
    W = cost.parameters()[0]
    gW = grad(cost, [W])[0].eval()
    eps, i, j = 1e-6, 1, 2
    base = float(cost.eval())
    W.value[i, j] += eps
    assert (float(cost.eval()) - base) / eps == pytest.approx(gW[i, j], rel=1e-4)
    with pytest.raises(ValueError, match="the cost must be a scalar"):
        grad(tanh(x), [W])


def test_penalties_and_max_norm():
    x, y = Input("x", X), Input("y", LABELS)
    a = dotW_b(x, n=3, random_state=0)
    cost = nll(softmax(a), y)
    W = a.parameters()[0].value
    assert float(l2(cost, 0.1).eval()) == pytest.approx(
        float(cost.eval()) + 0.1 * (W**2).sum()
    )
    assert float(l1(cost, 0.1).eval()) == pytest.approx(
        float(cost.eval()) + 0.1 * np.abs(W).sum()
    )
    assert [h.name for h in l2(cost).hyperparameters()] == ["l2"]
    assert max_norm(a, 1.0)[0].max_norm == 1.0
    with pytest.raises(ValueError, match="max_norm: value must be positive"):
        max_norm(a, -1.0)


def test_apply_registers_parameters_and_hyperparameters():
    x = Input("x", X)
    w = Param("w", np.full(4, 2.0))
    node = apply(
        lambda x, w, s, t: s * x * w + t, x, params=[w], hyperparams=[("s", 3.0), 1.0]
    )
    np.testing.assert_allclose(node.eval(), 6 * X + 1)
    assert node.parameters() == [w]
    assert [h.name for h in node.hyperparameters()] == ["s", "h1"]
    with pytest.raises(TypeError, match="params entries must be Param"):
        apply(lambda x, w: x, x, params=[3])
    with pytest.raises(TypeError, match="hyperparams entries must be"):
        apply(lambda x, h: x, x, hyperparams=["a"])
    assert isinstance(HyperParam("h", 1.0), HyperParam)


def test_node_arithmetic():
    x = Input("x", X)
    np.testing.assert_allclose((x + x).eval(), 2 * X)
    np.testing.assert_allclose((x - 1.0).eval(), X - 1)
    np.testing.assert_allclose((2.0 * x).eval(), 2 * X)
