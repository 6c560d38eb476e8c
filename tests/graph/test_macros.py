import numpy as np
import pytest

from sklearn_pylearn.graph import Input
from sklearn_pylearn.graph.macros import DAA, DBN, MLP, RBM, LogReg, SdA
from sklearn_pylearn.symbolic.init import glorot_uniform

X = np.random.RandomState(0).rand(40, 6)
Y = (X[:, 0] > X[:, 1]).astype(int)


def _xy():
    return Input("x", X, batch_size=10), Input("y", Y, batch_size=10)


def test_logreg_learns():
    x, y = _xy()
    model = LogReg(6, 2, learning_rate=0.5, x=x, y=y)
    start = float(model["cost"].eval())
    model["learner"].fit(20)
    assert float(model["cost"].eval()) < start
    assert model["output"].eval().shape == (40, 2)


def test_mlp_initialises_as_sklearn_and_trains():
    x, y = _xy()
    model = MLP(
        6, (5,), 2, activation="relu", learning_rate=0.1, random_state=3, x=x, y=y
    )
    rng = np.random.RandomState(3)
    W1, b1 = glorot_uniform(rng, 6, 5, "relu")
    W2, _ = glorot_uniform(rng, 5, 2, "relu")
    params = model.parameters()
    np.testing.assert_array_equal(params[0].value, W1)
    np.testing.assert_array_equal(params[2].value, W2)
    start = float(model["cost"].eval())
    model["learner"].fit(10)
    assert float(model["cost"].eval()) < start
    assert "alpha" in model.get_hyperparams().popitem()[0] or model.get_hyperparams()
    adam = MLP(6, 4, 2, solver="adam", x=_xy()[0], y=_xy()[1])
    assert adam["learner"].kind == "Adam"


def test_mlp_errors():
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(6, (5,), 2, activation="swish")
    with pytest.raises(ValueError, match="solver must be 'sgd' or 'adam'"):
        MLP(6, (5,), 2, solver="lbfgs")
    with pytest.raises(ValueError, match="hidden_layer_sizes must be positive ints"):
        MLP(6, (0,), 2)
    with pytest.raises(ValueError, match="n_in must be a positive int"):
        MLP(0, (3,), 2)
    with pytest.raises(ValueError, match="has width 6, but n_in=5"):
        LogReg(5, 2, x=_xy()[0])


def test_rbm_and_daa_models():
    v = Input("v", (X > 0.5) * 1.0, batch_size=10)
    rbm = RBM(6, 3, k=2, x=v)
    assert rbm["learner"].k == 2 and rbm["hidden"].eval().shape == (40, 3)
    assert RBM(6, 3, persistent=True)["learner"].kind == "PCD"
    daa = DAA(6, 3, corruption_level=0.2, x=v, learning_rate=0.5)
    start = float(daa["cost"].eval())
    daa["learner"].fit(20)
    assert float(daa["cost"].eval()) < start
    assert daa["reconstruction"].eval().shape == (40, 6)
    names = [p.name for p in daa.parameters()]
    assert names.count("W") == 1 and "b_prime" in names  # tied weights
    untied = DAA(6, 3, tied=False)
    assert "W_prime" in [p.name for p in untied.parameters()]


def test_dbn_and_sda_layer_names():
    dbn = DBN(6, [4, 3], 2, k=1)
    assert [k for k in dbn.outputs if k.startswith("rbm")] == ["rbm1", "rbm2"]
    sda = SdA(6, [4, 3], 2, corruption_levels=[0.1, 0.3])
    levels = sda.get_hyperparams()
    assert levels["daa2__reconstruction__corruption_level"] == 0.3
    with pytest.raises(ValueError, match="got 1 corruption_levels for 2 layers"):
        SdA(6, [4, 3], 2, corruption_levels=[0.1])


def test_layerwise_then_finetune_on_data():
    x, y = _xy()
    v = Input("x", (X > 0.5) * 1.0, batch_size=10)
    dbn = DBN(6, [4], 2, x=v, y=y, finetune_learning_rate=0.5)
    dbn["rbm1"].fit(2)
    start = float(dbn["cost"].eval())
    dbn["learner"].fit(10)
    assert float(dbn["cost"].eval()) < start
    del x
