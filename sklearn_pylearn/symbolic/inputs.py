"""GraphInputs: the symbolic inputs of a graph together with the arrays that feed them.

Fitted values enter graphs as inputs rather than constants (the compile-cache
contract), so graph-building code asks a ``GraphInputs`` for a variable and hands it
the array at the same time.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import scipy.sparse as sp
from pytensor.tensor.variable import TensorVariable

from .sparse import sparse_matrix

__all__ = ["GraphInputs", "placeholder"]


def placeholder(name: str, ndim: int, dtype) -> TensorVariable:
    """A symbolic input of ``ndim`` dimensions whose value is given at call time.

    Every graph input in the library is made here (or by :class:`GraphInputs`,
    which calls this), so their types are made one way: any length along every
    axis, no static broadcast pattern.

    Examples
    --------
    >>> v = placeholder("X", 2, "float32")
    >>> v.name, v.type.ndim, v.type.dtype, v.type.shape
    ('X', 2, 'float32', (None, None))
    """
    return pt.tensor(name=name, dtype=np.dtype(dtype).name, shape=(None,) * ndim)


class GraphInputs:
    """Ordered symbolic inputs and the numeric values that go with them.

    Parameters
    ----------
    dtype : str or numpy dtype
        The float dtype of the graph: floating values added without an explicit dtype
        are cast to it, so a float32 graph stays float32.

    Examples
    --------
    >>> import numpy as np
    >>> inputs = GraphInputs("float64")
    >>> X = inputs.data("X", np.ones((3, 2)))
    >>> mean = inputs.add("mean", [1.0, 2.0])
    >>> [v.name for v in inputs.variables], mean.type.ndim
    (['X', 'mean'], 1)
    """

    def __init__(self, dtype) -> None:
        self.dtype = np.dtype(dtype).name
        self.variables: list[TensorVariable] = []
        self.values: list[np.ndarray] = []

    def data(self, name: str, value: np.ndarray) -> TensorVariable:
        """Add the data input (kept in its own dtype) and return its variable.

        A CSR or CSC matrix becomes a symbolic sparse matrix of its format.
        """
        if sp.issparse(value):
            var = sparse_matrix(name, value.format, value.dtype.name)
            self.variables.append(var)
            self.values.append(value)
            return var
        return self._add(name, np.asarray(value))

    def add(self, name: str, value, dtype=None) -> TensorVariable:
        """Add a fitted value or hyper-parameter as an input and return its variable.

        Floating values are cast to the graph's dtype unless ``dtype`` is given;
        integer and boolean values keep theirs.
        """
        arr = np.asarray(value)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        elif arr.dtype.kind == "f":
            arr = arr.astype(self.dtype, copy=False)
        return self._add(name, arr)

    def placeholder(
        self, name: str, ndim: int, dtype=None, format: str | None = None
    ) -> TensorVariable:
        """Add an input whose value is given at call time (not stored here).

        ``format`` ("csr" or "csc") makes it a sparse matrix.
        """
        if format is not None:
            var = sparse_matrix(name, format, dtype or self.dtype)
        else:
            var = placeholder(name, ndim, dtype or self.dtype)
        self.variables.append(var)
        self.values.append(None)
        return var

    def _add(self, name: str, arr: np.ndarray) -> TensorVariable:
        # Numba's BLAS calls need contiguous operands; it copies others with a
        # warning, so copy once here instead.
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
        var = placeholder(name, arr.ndim, arr.dtype)
        self.variables.append(var)
        self.values.append(arr)
        return var
