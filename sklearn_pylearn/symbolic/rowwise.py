"""Row-wise graphs and running them on blocks of rows.

A graph is *row-wise* when each row of its output depends on the same row of the
data input only (elementwise maps with fitted vectors broadcast along the rows,
products ``X @ fitted``, column selections). Such a graph can run on blocks of rows
written into one output array allocated by NumPy. Each block's intermediates and
outputs are small and reuse heap memory, where a whole-array call would make the
compiled code allocate fresh pages for every intermediate and for the output (Numba's
runtime does not ask for transparent huge pages, so each 4 KiB page faults).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from pytensor.graph.basic import Variable
from pytensor.graph.traversal import io_toposort
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.math import Dot
from pytensor.tensor.subtensor import AdvancedSubtensor, Subtensor

from .ops import TakeColumns

__all__ = [
    "BLOCK_BYTES",
    "MIN_BLOCK_ROWS",
    "block_rows",
    "dense_block",
    "is_rowwise",
    "row_blocks",
    "run_densified",
    "run_in_row_blocks",
]

# Row blocks hold about this many bytes of input, and at least this many rows.
BLOCK_BYTES = 8 * 2**20
MIN_BLOCK_ROWS = 1024


def is_rowwise(X: Variable, inputs: Sequence[Variable], out: Variable) -> bool:
    """True when each row of ``out`` depends on the same row of ``X`` only.

    A conservative walk of the graph: elementwise ops (other operands broadcast
    along the rows), products ``X @ fitted`` and column selections ``X[:, ...]``
    keep rows apart; anything else that touches the data (reductions, shapes,
    transposes, row selections) makes the graph run whole.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> X, w = pt.matrix("X"), pt.vector("w")
    >>> is_rowwise(X, [X, w], pt.tanh(X * w)), is_rowwise(X, [X], X - X.mean(0))
    (True, False)
    """
    rows = {X}
    for node in io_toposort(list(inputs), [out]):
        flags = [var in rows for var in node.inputs]
        if not any(flags):
            continue
        if not _rowwise_node(node, flags):
            return False
        rows.update(node.outputs)
    return out in rows and out.type.ndim >= 1


def _rowwise_node(node, flags) -> bool:
    op, ins = node.op, node.inputs
    if isinstance(op, Elemwise):
        return all(
            var.type.ndim >= 1 and (flag or var.type.broadcastable[0])
            for var, flag in zip(ins, flags)
        )
    if isinstance(op, Dot):
        return flags == [True, False] and ins[0].type.ndim == 2
    if isinstance(op, TakeColumns):
        return flags == [True, False]
    if isinstance(op, Subtensor | AdvancedSubtensor):
        index = op.idx_list
        return flags[0] and not any(flags[1:]) and index[:1] == (slice(None),)
    return False


def run_in_row_blocks(
    fn: Callable[..., np.ndarray],
    X: np.ndarray,
    values: Sequence[np.ndarray],
    block_bytes: int | None = None,
    min_rows: int | None = None,
) -> np.ndarray:
    """Call ``fn(X, *values)`` on blocks of rows of ``X``; one output array.

    ``fn`` must be row-wise (:func:`is_rowwise`). Blocks hold about ``block_bytes``
    of input (default ``BLOCK_BYTES``) and at least ``min_rows`` rows (default
    ``MIN_BLOCK_ROWS``); inputs of at most two blocks run in one call.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> w = np.array([1.0, -1.0])
    >>> run_in_row_blocks(lambda X, w: X * w, X, [w], block_bytes=16, min_rows=1)
    array([[ 0., -1.],
           [ 2., -3.],
           [ 4., -5.]])
    """
    rows = block_rows(X, block_bytes, min_rows)
    if X.shape[0] <= 2 * rows:
        return fn(X, *values)
    first = fn(X[:rows], *values)
    out = np.empty((X.shape[0], *first.shape[1:]), dtype=first.dtype)
    out[:rows] = first
    for start in range(rows, X.shape[0], rows):
        out[start : start + rows] = fn(X[start : start + rows], *values)
    return out


def block_rows(X, block_bytes: int | None = None, min_rows: int | None = None) -> int:
    """Rows per block of ``X``: about ``block_bytes`` (default ``BLOCK_BYTES``) of
    its *dense* rows, at least ``min_rows`` (default ``MIN_BLOCK_ROWS``).

    A sparse ``X`` gets the blocks its dense equivalent would get, so densifying
    it block by block runs the same calls as the dense matrix would.

    Examples
    --------
    >>> import numpy as np
    >>> block_rows(np.zeros((10, 4)), block_bytes=64, min_rows=1)
    2
    """
    block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
    min_rows = MIN_BLOCK_ROWS if min_rows is None else min_rows
    row_bytes = X.shape[1] * np.dtype(X.dtype).itemsize
    return max(min_rows, block_bytes // max(1, row_bytes))


def row_blocks(n_rows: int, rows: int) -> list[slice]:
    """The row slices of :func:`run_in_row_blocks`: one slice when ``n_rows`` is
    at most two blocks, else blocks of ``rows`` (the last may be shorter).

    Examples
    --------
    >>> row_blocks(4, 2), row_blocks(5, 2)
    ([slice(0, 4, None)], [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)])
    """
    if n_rows <= 2 * rows:
        return [slice(0, n_rows)]
    return [slice(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


def dense_block(X, rows: slice) -> np.ndarray:
    """``X[rows]`` as a dense array (a sparse block is densified, C-ordered as
    the dense rows would be)."""
    block = X[rows]
    return block.toarray(order="C") if sp.issparse(block) else block


def run_densified(
    fn: Callable,
    X,
    row_args: Sequence[np.ndarray] = (),
    values: Sequence[np.ndarray] = (),
    block_bytes: int | None = None,
    min_rows: int | None = None,
):
    """Call a graph compiled for dense input on a sparse ``X``, densified by blocks.

    ``fn(X_block, *row_args_block, *values)`` runs on the blocks of
    :func:`row_blocks` (each densified with ``toarray``), so at most one block of
    ``X`` is ever dense; ``row_args`` (a target, weights) are sliced alike. The
    graph must compute each output row from the same row of its inputs. The
    outputs (one array, or a list of arrays) are concatenated along the rows. For
    ``X`` of at most two blocks it is one call on ``X.toarray()``: the call a dense
    ``X`` gets, hence the same result.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.csr_matrix(np.arange(6.0).reshape(3, 2))
    >>> run_densified(lambda X, w: X * w, X, values=[np.array([1.0, -1.0])],
    ...               block_bytes=16, min_rows=1)
    array([[ 0., -1.],
           [ 2., -3.],
           [ 4., -5.]])
    """
    if sp.issparse(X) and X.format != "csr":
        X = X.tocsr()  # row slices of CSR are cheap; of CSC they are not
    blocks = row_blocks(X.shape[0], block_rows(X, block_bytes, min_rows))
    results = [
        fn(dense_block(X, rows), *(a[rows] for a in row_args), *values)
        for rows in blocks
    ]
    if len(results) == 1:
        return results[0]
    if isinstance(results[0], list | tuple):
        return [np.concatenate(parts) for parts in zip(*results)]
    return np.concatenate(results)
