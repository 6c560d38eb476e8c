"""take_columns: values, modes, gradient, errors."""

import numpy as np
import pytensor
import pytensor.sparse as ps
import pytensor.tensor as pt
import pytest
import scipy.sparse as sp

from sklearn_pylearn import config_context
from sklearn_pylearn.symbolic.compile import compile_function
from sklearn_pylearn.symbolic.ops import (
    SparseDot,
    TakeColumns,
    sparse_dot,
    sparse_take_columns,
    take_columns,
)

X = np.random.RandomState(0).normal(size=(7, 5))
INDEX = np.array([4, 0, 0, 2])


@pytest.mark.parametrize("mode", [None, "FAST_COMPILE"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_take_columns_equals_numpy(mode, dtype):
    x, i = pt.matrix("x", dtype=dtype), pt.lvector("i")
    with config_context(compile_mode=mode):
        fn = compile_function([x, i], take_columns(x, i))
    out = fn(X.astype(dtype), INDEX)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, X.astype(dtype)[:, INDEX])


def test_take_columns_is_one_op_in_the_compiled_graph():
    x, i = pt.matrix("x"), pt.lvector("i")
    fn = compile_function([x, i], take_columns(x, i))
    ops = [type(node.op) for node in fn.fn.maker.fgraph.toposort()]
    assert ops == [TakeColumns]


def test_take_columns_gradient_accumulates_repeated_columns():
    x, i = pt.matrix("x"), pt.lvector("i")
    grad = pytensor.grad((take_columns(x, i) * 2.0).sum(), x)
    out = compile_function([x, i], grad)(X, INDEX)
    expected = np.zeros_like(X)
    np.add.at(expected, (slice(None), INDEX), 2.0)
    np.testing.assert_array_equal(out, expected)


def test_take_columns_rejects_wrong_kinds():
    with pytest.raises(TypeError, match="needs a matrix"):
        take_columns(pt.vector("v"), pt.lvector("i"))
    with pytest.raises(TypeError, match="needs an integer vector"):
        take_columns(pt.matrix("x"), pt.vector("f"))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("transpose", [False, True])
def test_sparse_dot_equals_scipy_in_numba_and_python(fmt, transpose):
    X = sp.random(40, 7, density=0.3, format=fmt, random_state=0)
    W = np.random.RandomState(1).normal(size=(40 if transpose else 7, 3))
    x, w = ps.matrix(fmt, name="x", dtype="float64"), pt.matrix("w")
    expected = (X.T if transpose else X) @ W
    for mode in (None, "FAST_COMPILE"):
        with config_context(compile_mode=mode):
            fn = compile_function([x, w], sparse_dot(x, w, transpose=transpose))
            np.testing.assert_allclose(fn(X, W), expected, rtol=1e-12)
    assert any(
        isinstance(node.op, SparseDot) for node in fn.fn.maker.fgraph.apply_nodes
    )


@pytest.mark.parametrize("mode", [None, "FAST_COMPILE"])
def test_sparse_take_columns_equals_scipy(mode):
    X = sp.random(50, 9, density=0.4, format="csr", random_state=0)
    index, weight = np.array([1, 4, 8]), np.array([2.0, -1.0, 0.5])
    x = ps.matrix("csr", name="x", dtype="float64")
    i, w = pt.lvector("i"), pt.vector("w")
    with config_context(compile_mode=mode):
        fn = compile_function([x, i, w], sparse_take_columns(x, i, w))
        out = fn(X, index, weight)
    assert sp.issparse(out) and out.format == "csr"
    np.testing.assert_array_equal(out.toarray(), X[:, index].toarray() * weight)


def test_sparse_take_columns_needs_csr():
    with pytest.raises(TypeError, match="SparseTakeColumns needs a CSR matrix"):
        sparse_take_columns(ps.matrix("csc", name="x"), [0], [1.0])
