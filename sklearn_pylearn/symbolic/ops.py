"""Ops PyTensor lacks in the form we need.

``take_columns(X, index)``: ``X[:, index]`` as one op. PyTensor rewrites a column
gather into transposes around a row gather, which reads the data across rows (three
times slower than ``numpy.take(X, index, axis=1)`` at 200k x 100); this op gathers
row by row, in NumPy (``perform``) and in Numba.

``sparse_dot(X, W)``: a sparse matrix times a dense one, accumulated in place
(PyTensor's Numba kernel allocates a temporary row per stored value).

The Numba kernels of these ops live in ``_numba_ops``, registered when a graph first
builds one of the ops, so importing the library does not import Numba.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import scipy.sparse as scipy_sparse
from pytensor.gradient import disconnected_type
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.tensor.variable import TensorVariable

__all__ = [
    "SparseDot",
    "SparseTakeColumns",
    "TakeColumns",
    "sparse_dot",
    "sparse_take_columns",
    "take_columns",
]


def _register_numba_kernels() -> None:
    # Before any function holding one of these ops is compiled (building the node
    # comes first), so Numba is imported only by graphs that use them.
    from . import _numba_ops  # noqa: F401


class TakeColumns(Op):
    """Gather columns of a matrix: ``take_columns(X, index) == X[:, index]``.

    Indices must be valid (``0 <= index < X.shape[1]``): the compiled gather does
    not check them.
    """

    __props__ = ()

    def make_node(self, x, index) -> Apply:
        _register_numba_kernels()
        x = pt.as_tensor_variable(x)
        index = pt.as_tensor_variable(index)
        if x.type.ndim != 2:
            raise TypeError(f"take_columns needs a matrix, got {x.type}.")
        if index.type.ndim != 1 or np.dtype(index.type.dtype).kind not in "iu":
            raise TypeError(f"take_columns needs an integer vector, got {index.type}.")
        out = pt.tensor(
            dtype=x.type.dtype, shape=(x.type.shape[0], index.type.shape[0])
        )
        return Apply(self, [x, index], [out])

    def perform(self, node, inputs, outputs) -> None:
        x, index = inputs
        outputs[0][0] = np.take(x, index, axis=1)

    def infer_shape(self, fgraph, node, shapes):
        return [(shapes[0][0], shapes[1][0])]

    def pullback(self, inputs, outputs, cotangents):
        x, index = inputs
        (g_out,) = cotangents
        g_x = pt.inc_subtensor(pt.zeros_like(x)[:, index], g_out)
        return [g_x, disconnected_type()]

    def connection_pattern(self, node):
        return [[True], [False]]


_take_columns = TakeColumns()


def take_columns(X: TensorVariable, index: TensorVariable) -> TensorVariable:
    """Return ``X[:, index]`` computed by :class:`TakeColumns`.

    Examples
    --------
    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> X, i = pt.matrix("X"), pt.lvector("i")
    >>> take_columns(X, i).eval({X: np.arange(6.0).reshape(2, 3), i: [2, 0]})
    array([[2., 0.],
           [5., 3.]])
    """
    return _take_columns(X, index)


class SparseDot(Op):
    """``X @ W`` (or ``X.T @ W`` with ``transpose=True``) of a sparse CSR / CSC
    matrix ``X`` and a dense matrix ``W``; the result is dense.

    PyTensor's own sparse-dense product builds a temporary row per stored value in
    its Numba kernel (``z[i] += v * W[j]``), six times slower than SciPy; this
    kernel accumulates in place.
    """

    __props__ = ("transpose",)

    def __init__(self, transpose: bool = False) -> None:
        self.transpose = transpose

    def make_node(self, x, w) -> Apply:
        _register_numba_kernels()
        w = pt.as_tensor_variable(w)
        if w.type.ndim != 2:
            raise TypeError(f"SparseDot needs a dense matrix, got {w.type}.")
        dtype = np.result_type(x.type.dtype, w.type.dtype).name
        out = pt.tensor(dtype=dtype, shape=(None, w.type.shape[1]))
        return Apply(self, [x, w], [out])

    def perform(self, node, inputs, outputs) -> None:
        x, w = inputs
        x = x.T if self.transpose else x
        outputs[0][0] = np.asarray(x @ w, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        x_shape, w_shape = shapes
        return [(x_shape[1] if self.transpose else x_shape[0], w_shape[1])]


def sparse_dot(X, W, transpose: bool = False) -> TensorVariable:
    """``X @ W`` (``X.T @ W`` with ``transpose``) of a sparse ``X``, dense result.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, pytensor.sparse as ps
    >>> X, W = ps.csr_matrix("X"), pt.matrix("W")
    >>> sparse_dot(X, W).eval({X: sp.csr_matrix(np.eye(2)), W: np.ones((2, 1))})
    array([[1.],
           [1.]])
    """
    return SparseDot(transpose)(X, W)


class SparseTakeColumns(Op):
    """``X[:, index] * weight`` of a CSR matrix, a CSR matrix.

    ``index`` must hold distinct, valid columns in increasing order (a selector's
    support); ``weight`` scales the kept columns (ones for a plain selection).
    PyTensor has no sparse column gather; one pass over the stored values is as
    fast as SciPy's.
    """

    __props__ = ()

    def make_node(self, x, index, weight) -> Apply:
        _register_numba_kernels()
        if getattr(x.type, "format", None) != "csr":
            raise TypeError(f"SparseTakeColumns needs a CSR matrix, got {x.type}.")
        index = pt.as_tensor_variable(index)
        weight = pt.as_tensor_variable(weight)
        return Apply(self, [x, index, weight], [x.type()])

    def perform(self, node, inputs, outputs) -> None:
        x, index, weight = inputs
        out = x[:, index] @ scipy_sparse.diags(weight.astype(x.dtype))
        outputs[0][0] = scipy_sparse.csr_matrix(out, dtype=x.dtype)


def sparse_take_columns(X, index, weight) -> TensorVariable:
    """``X[:, index] * weight`` of a CSR matrix, computed by :class:`SparseTakeColumns`.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, pytensor.sparse as ps
    >>> X = ps.csr_matrix("X")
    >>> out = sparse_take_columns(X, [2, 0], np.array([1.0, 10.0]))
    >>> out.eval({X: sp.csr_matrix(np.arange(6.0).reshape(2, 3))}).toarray()
    array([[ 2.,  0.],
           [ 5., 30.]])
    """
    return SparseTakeColumns()(X, index, weight)
