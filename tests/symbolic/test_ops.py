"""take_columns: values, modes, gradient, errors."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from sklearn_pylearn import config_context
from sklearn_pylearn.symbolic.compile import compile_function
from sklearn_pylearn.symbolic.ops import TakeColumns, take_columns

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
