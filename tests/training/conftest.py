"""A small linear-regression training problem shared by the training tests."""

import numpy as np
import pytensor.tensor as pt
import pytest

from sklearn_pylearn.training import MinibatchSource, MinibatchTrainer, compile_step

RNG = np.random.RandomState(0)
X = RNG.normal(size=(50, 3))
Y = X @ np.array([[1.0], [-2.0], [0.5]])


def objective(params, X, Y, sw, hyper):
    (w,) = params
    err = pt.sqr(pt.dot(X, w) - Y).sum(axis=1) / 2
    loss = pt.sum(sw * err) / pt.sum(sw) + hyper["alpha"] * pt.sum(pt.sqr(w))
    return loss, loss


def parts(lr=0.1, solver="sgd", seed=0, bs=8):
    """A trainer and a bound source for ``Y = X @ [1, -2, 0.5]``."""
    w0 = np.zeros((3, 1))
    step = compile_step([w0], objective, solver=solver, hyper_names=("alpha",))
    sp = (
        {"momentum": 0.9}
        if solver == "sgd"
        else {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}
    )
    model = MinibatchTrainer(
        step, [w0], learning_rate_init=lr, hyper={"alpha": 0.0}, solver_params=sp
    )
    data = MinibatchSource(len(X), bs, random_state=seed).bind(X, Y, np.ones(len(X)))
    return model, data


@pytest.fixture
def make_parts():
    return parts
