"""Shared graph code of the feature selectors: selecting columns is a gather."""

import warnings

import numpy as np
import pytensor.tensor as pt
from sklearn.base import TransformerMixin

from ..base import SymbolicMixin
from ..symbolic.affine import AffineMap
from ..symbolic.ops import take_columns

__all__ = ["SymbolicSelectorMixin"]


class SymbolicSelectorMixin(SymbolicMixin, TransformerMixin):
    """Selector whose ``transform`` gathers the selected columns in a graph.

    It derives from ``TransformerMixin`` so that scikit-learn's ``set_output``
    wraps the ``transform`` defined here.
    """

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
        return self._run_symbolic(X, "inverse_transform")

    def _selected(self):
        return np.flatnonzero(self.get_support())

    def _symbolic_transform(self, X, inputs):
        return take_columns(X, inputs.add("support", self._selected(), dtype="int64"))

    def _symbolic_inverse_transform(self, X, inputs):
        index = inputs.add("support", self._selected(), dtype="int64")
        n_features = inputs.add("n_features", self.n_features_in_, dtype="int64")
        zeros = pt.zeros((X.shape[0], n_features), dtype=X.dtype)
        return pt.set_subtensor(zeros[:, index], X)

    def _affine_map(self):
        return AffineMap(index=self._selected())
