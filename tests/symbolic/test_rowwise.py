"""Row-wise detection and block execution."""

import numpy as np
import pytensor.tensor as pt
import pytest
import scipy.sparse as sp

from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import VarianceThreshold
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn_pylearn.symbolic import rowwise
from sklearn_pylearn.symbolic.rowwise import (
    block_rows,
    is_rowwise,
    row_blocks,
    run_densified,
    run_in_row_blocks,
)

X_sym, w, W = pt.matrix("X"), pt.vector("w"), pt.matrix("W")
IDX = pt.lvector("i")


@pytest.mark.parametrize(
    "out",
    [
        X_sym * w + 1.0,
        pt.tanh(pt.dot(X_sym, W)),
        X_sym[:, IDX] / w,
        pt.clip(X_sym, 0, 1),
    ],
    ids=["affine", "dot_tanh", "gather", "clip"],
)
def test_row_independent_graphs_are_rowwise(out):
    assert is_rowwise(X_sym, [X_sym, w, W, IDX], out)


@pytest.mark.parametrize(
    "out",
    [
        X_sym - X_sym.mean(axis=0),
        X_sym.T,
        X_sym[IDX],
        pt.dot(W, X_sym),
        X_sym.sum(axis=1),
        X_sym * X_sym.shape[0],
    ],
    ids=["column_mean", "transpose", "row_gather", "left_product", "row_sum", "shape"],
)
def test_graphs_that_mix_rows_are_not_rowwise(out):
    assert not is_rowwise(X_sym, [X_sym, w, W, IDX], out)


def test_blocks_give_the_same_result_as_one_call():
    X = np.random.RandomState(0).normal(size=(1000, 3))
    calls = []

    def fn(X, w):
        calls.append(len(X))
        return X * w

    out = run_in_row_blocks(fn, X, [np.arange(3.0)], block_bytes=8 * 3 * 64, min_rows=1)
    np.testing.assert_array_equal(out, X * np.arange(3.0))
    assert calls[0] == 64 and sum(calls) == 1000


def test_small_input_runs_in_one_call():
    calls = []
    run_in_row_blocks(lambda X: calls.append(1) or X, np.ones((10, 2)), [])
    assert calls == [1]


@pytest.mark.parametrize(
    "est",
    [
        StandardScaler(),
        MinMaxScaler(clip=True),
        PCA(3, whiten=True),
        VarianceThreshold(0.5),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimator_transforms_in_blocks_equal_whole_runs(est, monkeypatch):
    X = np.random.RandomState(1).normal(size=(500, 6)) * np.arange(1, 7)
    whole = est.fit(X).transform(X)
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 8 * 6 * 32)
    monkeypatch.setattr(rowwise, "MIN_BLOCK_ROWS", 1)
    np.testing.assert_allclose(est.transform(X), whole, rtol=1e-12, atol=1e-12)


def test_take_columns_is_rowwise():
    from sklearn_pylearn.symbolic.ops import take_columns

    assert is_rowwise(X_sym, [X_sym, IDX], take_columns(X_sym, IDX) * 2.0)


def test_block_rows_of_sparse_are_those_of_its_dense_equivalent():
    X = np.zeros((100, 4))
    assert block_rows(sp.csr_matrix(X), 64, 1) == block_rows(X, 64, 1) == 2
    assert block_rows(X, 64, 5) == 5


def test_row_blocks_cover_the_rows_once():
    assert row_blocks(4, 2) == [slice(0, 4)]
    blocks = row_blocks(7, 2)
    assert [b.start for b in blocks] == [0, 2, 4, 6] and blocks[-1].stop == 7


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_run_densified_equals_the_dense_call_and_densifies_blocks(fmt):
    rng = np.random.RandomState(0)
    X = rng.rand(9, 3)
    X[X < 0.5] = 0.0
    y = rng.rand(9)
    seen = []

    def fn(X_block, y_block, w):
        assert isinstance(X_block, np.ndarray)
        seen.append(len(X_block))
        return [X_block @ w + y_block, X_block.sum(axis=1)]

    w = rng.rand(3)
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    out = run_densified(fn, X_sparse, [y], [w], block_bytes=2 * 3 * 8, min_rows=1)
    assert seen == [2, 2, 2, 2, 1]
    np.testing.assert_array_equal(out[0], X @ w + y)
    np.testing.assert_array_equal(out[1], X.sum(axis=1))
    seen.clear()
    one = run_densified(lambda X, w: X @ w, X_sparse, values=[w])
    assert isinstance(one, np.ndarray)
    np.testing.assert_array_equal(one, X @ w)
