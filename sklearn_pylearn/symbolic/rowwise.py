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
from pytensor.graph.basic import Variable
from pytensor.graph.traversal import io_toposort
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.math import Dot
from pytensor.tensor.subtensor import AdvancedSubtensor, Subtensor

from .ops import TakeColumns

__all__ = ["BLOCK_BYTES", "MIN_BLOCK_ROWS", "is_rowwise", "run_in_row_blocks"]

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
    block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
    min_rows = MIN_BLOCK_ROWS if min_rows is None else min_rows
    rows = max(min_rows, block_bytes // max(1, X[:1].nbytes))
    if X.shape[0] <= 2 * rows:
        return fn(X, *values)
    first = fn(X[:rows], *values)
    out = np.empty((X.shape[0], *first.shape[1:]), dtype=first.dtype)
    out[:rows] = first
    for start in range(rows, X.shape[0], rows):
        out[start : start + rows] = fn(X[start : start + rows], *values)
    return out
