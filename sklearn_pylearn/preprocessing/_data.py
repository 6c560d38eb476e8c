"""StandardScaler and MinMaxScaler whose transforms are compiled graphs.

Fitting (including ``partial_fit`` and ``sample_weight``) is scikit-learn's own, so
fitted attributes equal scikit-learn's bit for bit; ``transform`` and
``inverse_transform`` build a graph with the fitted arrays as inputs and run it
through the structural compile cache.
"""

import numpy as np
import pytensor.tensor as pt
from sklearn import preprocessing as sk_preprocessing

from ..base import SymbolicMixin
from ..symbolic.affine import AffineMap
from ..symbolic.sparse import scale_columns
from ..utils.fitting import restore_on_error
from ..utils.validation import check_fit_input

_KEEPS_FLOAT16 = (np.float64, np.float32, np.float16)

__all__ = ["StandardScaler", "MinMaxScaler"]


class StandardScaler(SymbolicMixin, sk_preprocessing.StandardScaler):
    """Standardize features by removing the mean and scaling to unit variance.

    The same estimator as :class:`sklearn.preprocessing.StandardScaler` (same
    parameters, fitted attributes and results); its transform and inverse transform
    are compiled graphs that fuse in :class:`sklearn_pylearn.pipeline.Pipeline`.
    Sparse (CSR / CSC) input works with ``with_mean=False`` and gives a CSR result,
    as in scikit-learn; float16 input stays float16. Unlike scikit-learn, NaN
    raises an error (impute first): graphs are compiled for finite data.

    Parameters
    ----------
    copy : bool, default=True
        If False, ``transform`` writes its result into ``X`` when ``X`` is a
        float ndarray of the output's dtype, and returns it.
    with_mean : bool, default=True
        Center the data before scaling.
    with_std : bool, default=True
        Scale the data to unit variance.

    Attributes
    ----------
    scale_ : ndarray of shape (n_features,) or None
        Per-feature relative scaling (``sqrt(var_)``, zeros replaced by 1).
    mean_ : ndarray of shape (n_features,) or None
        Per-feature mean.
    var_ : ndarray of shape (n_features,) or None
        Per-feature variance.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when ``X`` has string column names.
    n_samples_seen_ : int or ndarray of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    >>> scaler = StandardScaler().fit(X)
    >>> scaler.mean_
    array([0.5, 0.5])
    >>> scaler.transform([[2.0, 2.0]])
    array([[3., 3.]])
    """

    _input_dtypes = _KEEPS_FLOAT16

    def fit(self, X, y=None, sample_weight=None):
        """Compute the mean and standard deviation (see scikit-learn's ``fit``)."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().fit(X, y, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the mean and standard deviation with a batch of samples."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().partial_fit(X, y, sample_weight)

    def transform(self, X, copy=None):
        """Standardize ``X`` with a compiled graph.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        copy : bool, default=None
            Overrides ``self.copy`` when given.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features), of ``X``'s float dtype
        """
        copy = copy if copy is not None else self.copy
        return self._run_symbolic(X, "transform", copy=copy)

    def inverse_transform(self, X, copy=None):
        """Scale back to the original representation with a compiled graph."""
        copy = copy if copy is not None else self.copy
        return self._run_symbolic(X, "inverse_transform", copy=copy)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = not self.with_mean
        return tags

    def _sparse_output(self, method):
        """Sparse input stays sparse; centring it is scikit-learn's ValueError."""
        if self.with_mean:
            verb = "center" if method == "transform" else "uncenter"
            raise ValueError(
                f"Cannot {verb} sparse matrices: pass `with_mean=False` instead. "
                "See docstring for motivation and alternatives."
            )
        return True

    def _symbolic_transform(self, X, inputs):
        # One multiply-add with precomputed 1 / scale and -mean / scale: faster than
        # subtract-then-divide, and equal to scikit-learn's result up to rounding.
        return self._affine_map().symbolic(X, inputs)

    def _symbolic_inverse_transform(self, X, inputs):
        if self.with_std:
            X = scale_columns(X, inputs.add("scale", self.scale_))
        if self.with_mean:
            X = X + inputs.add("mean", self.mean_)
        return X

    def _affine_map(self):
        scale = 1.0 / self.scale_ if self.with_std else None
        if not self.with_mean:
            return AffineMap(weight=scale)
        offset = -self.mean_ if scale is None else -self.mean_ * scale
        return AffineMap(weight=scale, offset=offset)


class MinMaxScaler(SymbolicMixin, sk_preprocessing.MinMaxScaler):
    """Transform features by scaling each feature to a given range.

    The same estimator as :class:`sklearn.preprocessing.MinMaxScaler` (same
    parameters, fitted attributes and results); its transform and inverse transform
    are compiled graphs; float16 input stays float16. As in scikit-learn, sparse
    input raises a TypeError (use ``MaxAbsScaler``, or densify); unlike
    scikit-learn, NaN raises an error (impute first).

    Parameters
    ----------
    feature_range : tuple (min, max), default=(0, 1)
        Desired range of transformed data.
    copy : bool, default=True
        If False, ``transform`` writes its result into ``X`` when it can.
    clip : bool, default=False
        Clip transformed values of held-out data to ``feature_range``.

    Attributes
    ----------
    min_ : ndarray of shape (n_features,)
        Per-feature adjustment for minimum (``min - data_min_ * scale_``).
    scale_ : ndarray of shape (n_features,)
        Per-feature relative scaling of the data.
    data_min_, data_max_, data_range_ : ndarray of shape (n_features,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
    n_samples_seen_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.preprocessing import MinMaxScaler
    >>> X = np.array([[-1.0, 2.0], [-0.5, 6.0], [0.0, 10.0], [1.0, 18.0]])
    >>> MinMaxScaler().fit(X).transform([[2.0, 2.0]])
    array([[1.5, 0. ]])
    """

    _input_dtypes = _KEEPS_FLOAT16

    def fit(self, X, y=None):
        """Compute the per-feature minimum and maximum."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().fit(X, y)

    def partial_fit(self, X, y=None):
        """Update the per-feature minimum and maximum with a batch of samples."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().partial_fit(X, y)

    def transform(self, X):
        """Scale ``X`` to ``feature_range`` with a compiled graph."""
        return self._run_symbolic(X, "transform", copy=self.copy)

    def inverse_transform(self, X):
        """Undo the scaling of ``X`` with a compiled graph."""
        return self._run_symbolic(X, "inverse_transform", copy=self.copy)

    def _symbolic_transform(self, X, inputs):
        out = X * inputs.add("scale", self.scale_) + inputs.add("min", self.min_)
        if self.clip:
            low, high = self.feature_range
            out = pt.clip(out, inputs.add("low", low), inputs.add("high", high))
        return out

    def _symbolic_inverse_transform(self, X, inputs):
        return (X - inputs.add("min", self.min_)) / inputs.add("scale", self.scale_)

    def _affine_map(self):
        if self.clip:
            return None
        return AffineMap(weight=np.asarray(self.scale_), offset=np.asarray(self.min_))
