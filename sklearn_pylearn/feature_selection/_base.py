"""Shared graph code of the feature selectors: selecting columns is a gather."""

import warnings

import numpy as np
import pytensor.tensor as pt
import scipy.sparse as sp
from sklearn.base import TransformerMixin

from ..base import SymbolicMixin
from ..symbolic.affine import AffineMap
from ..symbolic.ops import take_columns
from ..symbolic.sparse import is_sparse, scatter_columns

__all__ = ["SymbolicSelectorMixin"]


class SymbolicSelectorMixin(SymbolicMixin, TransformerMixin):
    """Selector whose ``transform`` gathers the selected columns in a graph.

    It derives from ``TransformerMixin`` so that scikit-learn's ``set_output``
    wraps the ``transform`` defined here. Sparse input gives a sparse result (CSR
    from ``transform``, CSC from ``inverse_transform``, as in scikit-learn), and
    float16 stays float16.
    """

    _input_dtypes = (np.float64, np.float32, np.float16)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _sparse_output(self, method):
        """Selecting (or scattering back) columns keeps a sparse matrix sparse."""
        return True

    def transform(self, X):
        """Reduce ``X`` to the selected features with a compiled graph.

        Returns
        -------
        X_r : ndarray of shape (n_samples, n_selected_features)
        """
        out = self._run_symbolic(X, "transform")
        if out.shape[1] == 0:
            warnings.warn(
                "No features were selected: either the data is too noisy or the "
                "selection test too strict.",
                UserWarning,
                stacklevel=2,
            )
        return out

    def inverse_transform(self, X):
        """Put ``X`` back in the input space, zeros in the removed columns."""
        out = self._run_symbolic(X, "inverse_transform")
        return out.tocsc() if sp.issparse(out) else out

    def _selected(self):
        return np.flatnonzero(self.get_support())

    def _symbolic_transform(self, X, inputs):
        if is_sparse(X):
            return self._affine_map().symbolic(X, inputs)
        return take_columns(X, inputs.add("support", self._selected(), dtype="int64"))

    def _symbolic_inverse_transform(self, X, inputs):
        index = inputs.add("support", self._selected(), dtype="int64")
        n_features = inputs.add("n_features", self.n_features_in_, dtype="int64")
        if is_sparse(X):
            return scatter_columns(X, index, n_features)
        zeros = pt.zeros((X.shape[0], n_features), dtype=X.dtype)
        return pt.set_subtensor(zeros[:, index], X)

    def _affine_map(self):
        return AffineMap(index=self._selected())
