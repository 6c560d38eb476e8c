"""Graph helpers that take a dense or a sparse (CSR / CSC) matrix alike.

Sparse inputs stay sparse through the steps that keep sparsity in scikit-learn
(column scaling, column selection), computed by PyTensor's sparse ops, which the
Numba backend compiles; a product with a dense matrix gives a dense result. Selecting
or scattering columns of a sparse matrix is a product with a sparse 0/1 (or weight)
matrix built in the graph from the index vector, so the fitted index still enters
as an input and every fit of one structure shares one compiled function.
"""

from __future__ import annotations

import pytensor.sparse as ps
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.sparse.type import SparseTensorType

from .ops import sparse_dot, sparse_take_columns

__all__ = [
    "as_dense",
    "column_sums",
    "dot",
    "is_sparse",
    "scale_columns",
    "scatter_columns",
    "select_columns",
    "sparse_matrix",
    "square",
    "transpose_dot",
]


def is_sparse(X: Variable) -> bool:
    """True when ``X`` is a symbolic sparse matrix.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> is_sparse(sparse_matrix("X", "csr", "float64")), is_sparse(pt.matrix())
    (True, False)
    """
    return isinstance(X.type, SparseTensorType)


def sparse_matrix(name: str, format: str, dtype: str) -> Variable:
    """A symbolic sparse matrix input of ``format`` ("csr" or "csc")."""
    return ps.matrix(format, name=name, dtype=dtype)


def as_dense(X: Variable) -> Variable:
    """``X`` as a dense matrix (unchanged when already dense)."""
    return ps.dense_from_sparse(X) if is_sparse(X) else X


def scale_columns(X: Variable, weight: Variable) -> Variable:
    """``X * weight`` (a vector broadcast along rows); sparse stays sparse."""
    return ps.multiply(X, weight) if is_sparse(X) else X * weight


def dot(X: Variable, W: Variable) -> Variable:
    """``X @ W`` for a dense matrix ``W``; the result is dense."""
    return sparse_dot(X, W) if is_sparse(X) else pt.dot(X, W)


def _int32(x: Variable) -> Variable:
    # PyTensor's Numba sparse kernels read index arrays as 32-bit.
    return pt.cast(x, "int32")


def select_columns(
    X: Variable, index: Variable, weight: Variable | None = None
) -> Variable:
    """``X[:, index] (* weight)`` of a sparse ``X``, sparse in ``X``'s format.

    ``index`` holds distinct columns in increasing order. A CSR matrix takes one
    pass over its stored values; a CSC one is multiplied by ``S`` with
    ``S[index[j], j] = weight[j]`` (1 when None).
    """
    k = index.shape[0]
    data = pt.ones((k,), dtype=X.dtype) if weight is None else weight
    if X.type.format == "csr":
        return sparse_take_columns(X, index, data)
    shape = _int32(pt.stack([X.shape[1], k]))
    selection = ps.CSC(data, _int32(index), pt.arange(k + 1, dtype="int32"), shape)
    return ps.structured_dot(X, selection)


def scatter_columns(X: Variable, index: Variable, n_features: Variable) -> Variable:
    """A sparse matrix of ``n_features`` columns holding ``X``'s columns at
    ``index`` and zeros elsewhere (the inverse of :func:`select_columns`)."""
    k = index.shape[0]
    data = pt.ones((k,), dtype=X.dtype)
    shape = _int32(pt.stack([k, n_features]))
    scatter = ps.CSR(data, _int32(index), pt.arange(k + 1, dtype="int32"), shape)
    return ps.structured_dot(X, scatter)


def column_sums(X: Variable) -> Variable:
    """The sum of each column, a dense vector."""
    return ps.sp_sum(X, axis=0) if is_sparse(X) else pt.sum(X, axis=0)


def square(X: Variable) -> Variable:
    """``X ** 2`` elementwise; sparse stays sparse."""
    return ps.sqr(X) if is_sparse(X) else pt.sqr(X)


def transpose_dot(X: Variable, M: Variable) -> Variable:
    """``X.T @ M`` for a dense ``M``; the result is dense."""
    return sparse_dot(X, M, transpose=True) if is_sparse(X) else pt.dot(X.T, M)
