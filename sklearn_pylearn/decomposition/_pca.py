"""PCA whose projection and reconstruction are compiled graphs.

The decomposition itself (full, randomized or automatic SVD) is scikit-learn's, so
components, explained variances and noise variance equal scikit-learn's; projecting
and reconstructing run as graphs with the fitted arrays as inputs.
"""

import numpy as np
import pytensor.tensor as pt
from sklearn import decomposition as sk_decomposition

from ..base import SymbolicMixin
from ..symbolic.affine import AffineMap
from ..utils.fitting import restore_on_error
from ..utils.validation import check_fit_input, sparse_refused_message

__all__ = ["PCA"]


class PCA(SymbolicMixin, sk_decomposition.PCA):
    """Principal component analysis with compiled ``transform`` and
    ``inverse_transform``.

    The same estimator as :class:`sklearn.decomposition.PCA` (same parameters,
    fitted attributes, ``score`` and ``score_samples``). Sparse (CSR / CSC) input
    is fitted by scikit-learn's "arpack" and "covariance_eigh" solvers (and
    "auto", which picks one of them) and projected by a sparse product, giving a
    dense result; the other solvers raise scikit-learn's TypeError. float16 input
    is computed in float64, as in scikit-learn. Unlike scikit-learn, NaN raises an
    error in ``transform`` as in ``fit``.

    Parameters
    ----------
    n_components : int, float in (0, 1), "mle" or None, default=None
        Number of components to keep; a float keeps enough components to explain
        that fraction of the variance; None keeps ``min(n_samples, n_features)``.
    copy : bool, default=True
    whiten : bool, default=False
        Scale the projected components to unit variance.
    svd_solver : {"auto", "full", "covariance_eigh", "arpack", "randomized"}, \
default="auto"
    tol : float, default=0.0
    iterated_power : int or "auto", default="auto"
    n_oversamples : int, default=10
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the randomized and arpack solvers.

    Attributes
    ----------
    components_ : ndarray of shape (`n_components_`, n_features)
    explained_variance_ : ndarray of shape (`n_components_`,)
    explained_variance_ratio_ : ndarray of shape (`n_components_`,)
    singular_values_ : ndarray of shape (`n_components_`,)
    mean_ : ndarray of shape (n_features,)
    n_components_ : int
    noise_variance_ : float
    n_samples_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.decomposition import PCA
    >>> X = np.array([[-1.0, -1.0], [-2.0, -1.0], [-3.0, -2.0],
    ...               [1.0, 1.0], [2.0, 1.0], [3.0, 2.0]])
    >>> pca = PCA(n_components=1).fit(X)
    >>> pca.explained_variance_ratio_.round(4)
    array([0.9924])
    >>> pca.transform(X).shape
    (6, 1)
    """

    def fit(self, X, y=None):
        """Fit the model with ``X`` (see scikit-learn's ``PCA.fit``)."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().fit(X, y)

    def fit_transform(self, X, y=None):
        """Fit the model and return ``X`` projected on its components."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().fit_transform(X, y)

    def transform(self, X):
        """Project ``X`` on the principal components with a compiled graph.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_components_`), of ``X``'s float dtype
        """
        return self._run_symbolic(X, "transform")

    def inverse_transform(self, X):
        """Map projected data back to the input space with a compiled graph."""
        return self._run_symbolic(X, "inverse_transform")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.svd_solver in (
            "auto",
            "arpack",
            "covariance_eigh",
        )
        return tags

    def _sparse_output(self, method):
        """A sparse ``X`` projects to a dense array; reconstructions are dense."""
        if method != "transform":
            raise TypeError(sparse_refused_message(self))
        return False

    def _whitening_scale(self):
        scale = np.sqrt(self.explained_variance_)
        return np.maximum(scale, np.finfo(scale.dtype).eps)

    def _symbolic_transform(self, X, inputs):
        # X @ W + b with the centring (and whitening) folded into W and b: one
        # product and one add, equal to scikit-learn's result up to rounding.
        return self._affine_map().symbolic(X, inputs)

    def _symbolic_inverse_transform(self, X, inputs):
        components = self.components_
        if self.whiten:
            components = np.sqrt(self.explained_variance_[:, np.newaxis]) * components
        return pt.dot(X, inputs.add("components", components)) + inputs.add(
            "mean", self.mean_
        )

    def _affine_map(self):
        weight = self.components_.T
        if self.whiten:
            weight = weight / self._whitening_scale()
        return AffineMap(weight=weight, offset=-(self.mean_ @ weight))
