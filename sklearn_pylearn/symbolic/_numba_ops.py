"""The Numba kernels of the ops in :mod:`sklearn_pylearn.symbolic.ops`.

Importing this module imports Numba (about half a second) and registers the
kernels with PyTensor's Numba backend, so :mod:`~sklearn_pylearn.symbolic.ops`
imports it only when a graph first uses one of its ops (and
:func:`~sklearn_pylearn.symbolic.compile.compile_function` before it compiles or
loads a function), never at the import of the library.
"""

from __future__ import annotations

import numpy as np
import scipy
from pytensor.link.numba.dispatch import basic as numba_basic
from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key

from .ops import SparseDot, SparseTakeColumns, TakeColumns

__all__: list[str] = []


@register_funcify_default_op_cache_key(TakeColumns)
def _numba_take_columns(op, **kwargs):
    @numba_basic.numba_njit
    def take_columns_impl(x, index):
        n_rows, n_cols = x.shape[0], index.shape[0]
        out = np.empty((n_rows, n_cols), dtype=x.dtype)
        for row in range(n_rows):
            for col in range(n_cols):
                out[row, col] = x[row, index[col]]
        return out

    return take_columns_impl


@register_funcify_default_op_cache_key(SparseDot)
def _numba_sparse_dot(op, node, **kwargs):
    out_dtype = np.dtype(node.outputs[0].type.dtype)
    # Rows of X's format (CSR) scatter into one output row; columns (CSC) gather.
    by_rows = (node.inputs[0].type.format == "csr") != op.transpose
    transpose = op.transpose

    @numba_basic.numba_njit
    def sparse_dot_impl(x, w):
        indptr, indices, data = x.indptr, x.indices, x.data
        n_major = indptr.shape[0] - 1
        n_rows = x.shape[1] if transpose else x.shape[0]
        k = w.shape[1]
        out = np.zeros((n_rows, k), dtype=out_dtype)
        for major in range(n_major):
            for pos in range(indptr[major], indptr[major + 1]):
                minor = indices[pos]
                value = data[pos]
                if by_rows:
                    row, src = major, minor
                else:
                    row, src = minor, major
                for col in range(k):
                    out[row, col] += value * w[src, col]
        return out

    return sparse_dot_impl


@register_funcify_default_op_cache_key(SparseTakeColumns)
def _numba_sparse_take_columns(op, node, **kwargs):
    out_dtype = np.dtype(node.outputs[0].type.dtype)

    @numba_basic.numba_njit
    def sparse_take_columns_impl(x, index, weight):
        indptr, indices, data = x.indptr, x.indices, x.data
        n_rows = indptr.shape[0] - 1
        position = np.full(x.shape[1], -1, dtype=np.int64)
        for new in range(index.shape[0]):
            position[index[new]] = new
        out_indptr = np.zeros(n_rows + 1, dtype=np.int32)
        for row in range(n_rows):
            kept = 0
            for pos in range(indptr[row], indptr[row + 1]):
                if position[indices[pos]] >= 0:
                    kept += 1
            out_indptr[row + 1] = out_indptr[row] + kept
        nnz = out_indptr[n_rows]
        out_indices = np.empty(nnz, dtype=np.int32)
        out_data = np.empty(nnz, dtype=out_dtype)
        dst = 0
        for row in range(n_rows):
            for pos in range(indptr[row], indptr[row + 1]):
                new = position[indices[pos]]
                if new >= 0:
                    out_indices[dst] = new
                    out_data[dst] = data[pos] * weight[new]
                    dst += 1
        return scipy.sparse.csr_matrix(
            (out_data, out_indices, out_indptr), shape=(n_rows, index.shape[0])
        )

    return sparse_take_columns_impl
