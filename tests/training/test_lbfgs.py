"""minimize_lbfgs: the one L-BFGS driver (pack, unpack, call scipy)."""

import numpy as np
import pytensor
import scipy.optimize

from sklearn_pylearn.symbolic.compile import compile_function
from sklearn_pylearn.symbolic.inputs import placeholder
from sklearn_pylearn.training import minimize_lbfgs


def _least_squares():
    W, b = placeholder("W", 2, "float64"), placeholder("b", 1, "float64")
    X, Y = placeholder("X", 2, "float64"), placeholder("Y", 2, "float64")
    loss = ((X @ W + b - Y) ** 2).sum()
    return compile_function([W, b, X, Y], [loss, *pytensor.grad(loss, [W, b])])


def test_it_matches_scipy_on_the_packed_problem():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    fn = _least_squares()
    params, result = minimize_lbfgs(
        fn, [np.zeros((3, 2)), np.zeros(2)], (X, Y), options={"gtol": 1e-10}
    )
    assert [p.shape for p in params] == [(3, 2), (2,)]

    def packed(w):
        loss, gW, gb = fn(w[:6].reshape(3, 2), w[6:], X, Y)
        return float(loss), np.concatenate([gW.ravel(), gb])

    direct = scipy.optimize.minimize(
        packed, np.zeros(8), method="L-BFGS-B", jac=True, options={"gtol": 1e-10}
    )
    np.testing.assert_allclose(result.x, direct.x)
    A = np.hstack([X, np.ones((30, 1))])
    expected = np.linalg.lstsq(A, Y, rcond=None)[0]
    np.testing.assert_allclose(params[0], expected[:3], atol=1e-4)  # ftol stops it


def test_parameters_come_back_in_the_objectives_dtype():
    def f(w):
        assert w.dtype == np.float32
        return float((w.astype(float) ** 2).sum()), 2 * w

    (w,), result = minimize_lbfgs(f, [np.ones(3)], dtype="float32", options={})
    assert w.dtype == np.float32 and result.success
