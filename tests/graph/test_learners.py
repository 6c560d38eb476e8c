import numpy as np
import pytest

from sklearn_pylearn import compile_stats
from sklearn_pylearn.graph import (
    PCD,
    SGD,
    Adam,
    CDk,
    Input,
    Momentum,
    cross_entropy,
    dotW_b,
    grad,
    max_norm,
    sigmoid,
    softmax,
    squared_error,
    tanh,
)
from sklearn_pylearn.symbolic.updates import adam as adam_rule

RNG = np.random.RandomState(0)
X = RNG.rand(40, 5)
Y = (X[:, 0] > 0.5).astype(int)
V = (RNG.rand(40, 6) > 0.5) * 1.0


def _classifier(batch_size=10, seed=0):
    x = Input("x", X, batch_size=batch_size)
    y = Input("y", Y, batch_size=batch_size)
    return cross_entropy(softmax(dotW_b(x, n=2, random_state=seed)), y)


def test_sgd_step_is_plain_gradient_descent():
    cost = _classifier(batch_size=40)
    params = cost.parameters()
    grads = [g.eval() for g in grad(cost, params)]
    before = [p.value.copy() for p in params]
    SGD(cost, params, grad(cost, params), learning_rate=0.5).next()
    for p, b, g in zip(params, before, grads):
        np.testing.assert_allclose(p.value, b - 0.5 * g)


def test_learning_lowers_the_cost_and_reports_it():
    cost = _classifier()
    learner = Momentum(cost, learning_rate=0.5)
    start = float(cost.eval())
    curve = learner.fit(20)
    assert float(cost.eval()) < start and curve[-1] < curve[0]
    assert learner.n_updates == 20 * 4


def test_adam_matches_the_rule():
    cost = _classifier(batch_size=40)
    params = cost.parameters()
    g = [gr.eval() for gr in grad(cost, params)]
    before = [p.value.copy() for p in params]
    Adam(cost, learning_rate=0.01).next()
    import pytensor.tensor as pt

    expected = [
        e.eval()
        for e in adam_rule(
            [pt.as_tensor(b) for b in before],
            [pt.as_tensor(x) for x in g],
            [pt.as_tensor(np.zeros_like(b)) for b in before],
            [pt.as_tensor(np.zeros_like(b)) for b in before],
            pt.as_tensor(1.0),
            0.01,
            0.9,
            0.999,
            1e-8,
        )[0]
    ]
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.value, e)


def test_learning_rate_is_an_input_and_learners_share_the_step():
    first = SGD(_classifier(seed=0), learning_rate=0.1)
    first.next()
    stats = compile_stats()
    second = SGD(_classifier(seed=1), learning_rate=0.3)
    second.hyper["learning_rate"].value = 0.2
    second.next()
    assert compile_stats()["compiles"] == stats["compiles"]


def test_freeze_leaves_a_parameter_alone_and_recompiles_only_the_step():
    cost = _classifier()
    W, b = cost.parameters()
    learner = SGD(cost)
    learner.next()
    W.freeze()
    w = W.value.copy()
    cost.eval()
    stats = compile_stats()
    learner.next()
    np.testing.assert_array_equal(W.value, w)
    assert compile_stats()["compiles"] <= stats["compiles"] + 1
    cost.eval()  # the forward function is unchanged by freezing
    assert [p.name for p in cost.parameters(trainable=True)] == ["b"]
    b.freeze()
    with pytest.raises(ValueError, match="every parameter is frozen"):
        learner.next()


def test_max_norm_constrains_columns_after_each_update():
    cost = _classifier()
    (W,) = max_norm(cost, 0.05)
    SGD(cost, learning_rate=5.0).next()
    assert np.sqrt((W.value**2).sum(axis=0)).max() <= 0.05 + 1e-12


def test_learner_errors():
    cost = _classifier()
    with pytest.raises(TypeError, match="params must be Param objects"):
        SGD(cost, ["W"])
    with pytest.raises(ValueError, match="got 1 gradients for 2 parameters"):
        SGD(cost, cost.parameters(), grad(cost, cost.parameters())[:1])
    with pytest.raises(TypeError, match="the cost must be a scalar node"):
        SGD(softmax(Input("x", X)))


def _rbm(cls=CDk, **kw):
    v = Input("v", V, batch_size=10)
    h = sigmoid(dotW_b(v, n=4, random_state=0))
    return v, h, cls(h, v, **kw)


def test_cdk_is_deterministic_given_its_seed_and_trains():
    _, h1, a = _rbm(k=2, seed=3)
    _, h2, b = _rbm(k=2, seed=3)
    for _ in range(3):
        assert a.next() == b.next()
    np.testing.assert_array_equal(a.params[0].value, b.params[0].value)
    _, _, c = _rbm(k=2, seed=4)
    for _ in range(3):
        c.next()
    assert not np.allclose(c.params[0].value, a.params[0].value)


def test_cdk_reconstruction_cost_goes_down():
    _, _, rbm = _rbm(k=1, cost="reconstruction", learning_rate=0.5)
    start = float(rbm.eval())
    rbm.fit(30)
    assert float(rbm.eval()) < start


def test_gaussian_visible_units():
    v = Input("v", RNG.normal(size=(20, 3)), batch_size=10)
    rbm = CDk(
        sigmoid(dotW_b(v, n=2, random_state=0)),
        v,
        sampler="gaussian",
        cost="reconstruction",
    )
    assert np.isfinite(rbm.next())


def test_pcd_keeps_its_chains_between_updates():
    _, _, rbm = _rbm(PCD, k=1)
    rbm.next()
    chains = rbm.chains.copy()
    rbm.next()
    assert rbm.chains.shape == (10, 6) and not np.array_equal(chains, rbm.chains)


def test_cdk_errors():
    v = Input("v", V)
    h = sigmoid(dotW_b(v, n=2))
    with pytest.raises(ValueError, match="sampler must be one of"):
        CDk(h, v, sampler="poisson")
    with pytest.raises(ValueError, match="cost must be one of"):
        CDk(h, v, cost="energy")
    with pytest.raises(ValueError, match="k must be a positive int"):
        CDk(h, v, k=0)
    with pytest.raises(ValueError, match="must be sigmoid\\(dotW_b"):
        CDk(tanh(dotW_b(v, n=2)), v)
    with pytest.raises(ValueError, match="is not computed from the visible node"):
        CDk(h, Input("w", V))
    rbm = CDk(h, v)
    rbm.params[0].freeze()
    with pytest.raises(ValueError, match="freezing part of an RBM"):
        rbm.next()


def test_squared_error_regression_trains():
    x = Input("x", X, batch_size=10)
    y = Input("y", X @ np.ones((5, 1)), batch_size=10)
    err = squared_error(dotW_b(x, n=1, init="zeros"), y)
    SGD(err, learning_rate=0.3, momentum=0.9).fit(30)
    assert float(err.eval()) < 0.01


def test_a_new_model_of_a_trained_structure_reuses_the_built_step(monkeypatch):
    from sklearn_pylearn.graph import Learner, _learners
    from sklearn_pylearn.graph.macros import MLP, RBM

    rng = np.random.RandomState(0)
    data = {"x": rng.rand(20, 6), "y": np.arange(20) % 2}
    MLP(6, (4,), 2, random_state=0)["learner"].step(data)  # built and memoised
    b, c = (MLP(6, (5,), 2, random_state=1) for _ in range(2))
    built = []
    real = Learner._build_step

    def counting(self, live):
        built.append(type(self).__name__)
        return real(self, live)

    monkeypatch.setattr(Learner, "_build_step", counting)
    reused = [b["learner"].step(data) for _ in range(3)]
    assert built == []  # other sizes, same structure: nothing built
    _learners._SHARED_STEPS.clear()
    fresh = [c["learner"].step(data) for _ in range(3)]
    assert built == ["SGD"]
    assert reused == fresh
    for p, q in zip(b.parameters(), c.parameters()):
        assert p.value.tobytes() == q.value.tobytes()
    # What is not in the graph is in the key: other k, other rule, other graph.
    v = {"x": (rng.rand(20, 6) > 0.5) * 1.0}
    _learners._SHARED_STEPS.clear()
    for model in (RBM(6, 3, k=1), RBM(6, 3, k=2), RBM(6, 3, k=2, persistent=True)):
        model["learner"].step(v)
    MLP(6, (5,), 2, activation="tanh")["learner"].step(data)
    assert built == ["SGD", "CDk", "CDk", "PCD", "SGD"]
