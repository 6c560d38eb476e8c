"""minimize_lbfgs: the one L-BFGS driver (pack, unpack, call scipy)."""

import re

import numpy as np
import pytensor
import pytest
import scipy.optimize
import scipy.sparse as sp

from sklearn_pylearn.symbolic.compile import compile_function
from sklearn_pylearn.symbolic.inputs import placeholder
from sklearn_pylearn.training import minimize_lbfgs, row_block_objective


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


def _mean_squares(blocked):
    """Objective ``sum(r^2) / total + penalty * |w|^2`` (``total`` given when
    ``blocked``, else the number of rows)."""

    def objective(w, X, y, penalty, *total):
        r = X @ w - y
        n = total[0] if blocked else len(y)
        return (r @ r) / n + penalty * (w @ w), 2 * X.T @ r / n + 2 * penalty * w

    return objective


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
def test_row_block_objective_sums_blocks_and_counts_the_penalty_once(monkeypatch, fmt):
    from sklearn_pylearn.symbolic import rowwise

    rng = np.random.RandomState(0)
    X = rng.rand(50, 3)
    X[X < 0.4] = 0.0
    y = rng.rand(50)
    w = rng.rand(3)
    data = X if fmt == "dense" else sp.csr_matrix(X).asformat(fmt)
    whole = row_block_objective(_mean_squares, data, [y], args=[0.5])
    expected = _mean_squares(False)(w, X, y, 0.5)
    np.testing.assert_array_equal(whole(w)[1], expected[1])
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 8 * 3 * 8)
    monkeypatch.setattr(rowwise, "MIN_BLOCK_ROWS", 1)
    blocked = row_block_objective(
        _mean_squares, data, [y], first_args=[0.5, 50.0], other_args=[0.0, 50.0]
    )
    loss, grad = blocked(w)
    np.testing.assert_allclose(loss, expected[0], rtol=1e-13)
    np.testing.assert_allclose(grad, expected[1], rtol=1e-13)
    dense_blocked = row_block_objective(
        _mean_squares, X, [y], first_args=[0.5, 50.0], other_args=[0.0, 50.0]
    )
    assert dense_blocked(w)[0] == loss


_NUMBER = r"[ -]\d\.\d{5}D[+-]\d\d"
_ITERATE = re.compile(rf"^At iterate\s+(\d+)    f= {_NUMBER}    \|proj g\|= {_NUMBER}$")


@pytest.mark.parametrize("verbose, every", [(1, 50), (2, 1)])
def test_verbose_prints_the_fortran_codes_lines(capsys, verbose, every):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    seen = []
    _, result = minimize_lbfgs(
        _least_squares(),
        [np.zeros((3, 2)), np.zeros(2)],
        (X, Y),
        options={"gtol": 1e-10},
        verbose=verbose,
        callback=lambda xk: seen.append(xk.copy()),
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "RUNNING THE L-BFGS-B CODE"
    iterates = [int(m.group(1)) for m in map(_ITERATE.match, lines) if m]
    assert iterates == list(range(0, result.nit + 1, every))
    assert lines[-1] == result.message
    assert f"  F = {result.fun:.15g}" in lines
    assert len(seen) == result.nit
    np.testing.assert_array_equal(seen[-1], result.x)


def test_quiet_by_default(capsys):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    minimize_lbfgs(
        _least_squares(), [np.zeros((3, 2)), np.zeros(2)], (X, Y), options={}
    )
    assert capsys.readouterr().out == ""
