"""Affine maps in a canonical numeric form, composed to fold chains of affine steps.

A map sends ``x`` (n_samples, n_in) to ``x[:, index] (@ or *) weight + offset``:
``index`` selects columns (or is None), ``weight`` is a matrix (dense step), a vector
(per-feature scale) or None (identity), and ``offset`` is a vector or None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from .inputs import GraphInputs
from .ops import take_columns
from .sparse import as_dense, dot, is_sparse, scale_columns, select_columns

__all__ = ["AffineMap"]


@dataclass(frozen=True)
class AffineMap:
    """``x -> x[:, index] (@|*) weight + offset``; None parts are identities.

    Examples
    --------
    >>> import numpy as np
    >>> scale = AffineMap(weight=np.array([2.0, 4.0]), offset=np.array([1.0, 0.0]))
    >>> project = AffineMap(weight=np.array([[1.0], [1.0]]))
    >>> both = scale.then(project)
    >>> both.apply(np.array([[1.0, 1.0]]))
    array([[7.]])
    """

    index: np.ndarray | None = None
    weight: np.ndarray | None = None
    offset: np.ndarray | None = None

    @property
    def is_dense(self) -> bool:
        """True when the map multiplies by a matrix."""
        return self.weight is not None and np.ndim(self.weight) == 2

    def then(self, other: AffineMap) -> AffineMap:
        """Return the map that applies ``self`` first, then ``other``."""
        index, weight, offset = self.index, self.weight, self.offset
        if other.index is not None:
            index, weight, offset = self._select_outputs(other.index)
        if other.weight is not None:
            weight, offset = _times(weight, offset, other.weight)
        if other.offset is not None:
            offset = other.offset if offset is None else offset + other.offset
        return AffineMap(index=index, weight=weight, offset=offset)

    def _select_outputs(self, idx: np.ndarray):
        offset = None if self.offset is None else self.offset[idx]
        if self.is_dense:
            return self.index, self.weight[:, idx], offset
        index = idx if self.index is None else self.index[idx]
        weight = None if self.weight is None else self.weight[idx]
        return index, weight, offset

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Apply the map numerically (reference implementation for tests)."""
        out = X if self.index is None else X[:, self.index]
        if self.weight is not None:
            out = out @ self.weight if self.is_dense else out * self.weight
        if self.offset is not None:
            out = out + self.offset
        return out

    def symbolic(self, X: TensorVariable, inputs: GraphInputs) -> TensorVariable:
        """Build ``X``'s image as a graph, the arrays entering through ``inputs``.

        A sparse ``X`` stays sparse through column selection and scaling; a dense
        weight or an offset gives a dense result.
        """
        if is_sparse(X):
            return self._symbolic_sparse(X, inputs)
        out = X
        if self.index is not None:
            out = take_columns(out, inputs.add("index", self.index, dtype="int64"))
        if self.weight is not None:
            w = inputs.add("weight", self.weight)
            out = pt.dot(out, w) if self.is_dense else out * w
        if self.offset is not None:
            out = out + inputs.add("offset", self.offset)
        return out

    def _symbolic_sparse(self, X: TensorVariable, inputs: GraphInputs):
        out = X
        weight = None if self.weight is None else inputs.add("weight", self.weight)
        if self.index is not None:
            index = inputs.add("index", self.index, dtype="int64")
            vector = weight if weight is not None and not self.is_dense else None
            out = select_columns(out, index, vector)
        elif weight is not None and not self.is_dense:
            out = scale_columns(out, weight)
        if self.is_dense:
            out = dot(out, weight)
        if self.offset is not None:
            out = as_dense(out) + inputs.add("offset", self.offset)
        return out


def _times(weight, offset, right):
    """(x @ weight + offset) then multiply by ``right`` (matrix or vector)."""
    if np.ndim(right) == 2:
        if weight is None:
            new_w = right
        elif np.ndim(weight) == 2:
            new_w = weight @ right
        else:
            new_w = weight[:, None] * right
        new_o = None if offset is None else offset @ right
    else:
        new_w = right if weight is None else weight * right
        new_o = None if offset is None else offset * right
    return new_w, new_o
