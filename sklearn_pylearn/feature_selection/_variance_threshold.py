"""VarianceThreshold with a compiled column gather as its transform."""

from sklearn import feature_selection as sk_fs

from ..utils.fitting import restore_on_error
from ..utils.validation import check_fit_input
from ._base import SymbolicSelectorMixin

__all__ = ["VarianceThreshold"]


class VarianceThreshold(SymbolicSelectorMixin, sk_fs.VarianceThreshold):
    """Feature selector that removes all low-variance features.

    The same estimator as :class:`sklearn.feature_selection.VarianceThreshold`;
    ``transform`` gathers the kept columns in a compiled graph. Sparse (CSR / CSC)
    input gives a CSR result and float16 stays float16, as in scikit-learn.
    Deliberately different: NaN raises an error (scikit-learn lets it through;
    impute first), and integer input gives float output.

    Parameters
    ----------
    threshold : float, default=0
        Features with a training-set variance not above this are removed.

    Attributes
    ----------
    variances_ : ndarray of shape (n_features,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> from sklearn_pylearn.feature_selection import VarianceThreshold
    >>> X = [[0, 2, 0, 3], [0, 1, 4, 3], [0, 1, 1, 3]]
    >>> VarianceThreshold().fit_transform(X)
    array([[2., 0.],
           [1., 4.],
           [1., 1.]])
    """

    def fit(self, X, y=None):
        """Learn the per-feature variances of ``X``."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().fit(X, y)
