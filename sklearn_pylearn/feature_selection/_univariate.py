"""Univariate feature selection whose statistics and selection run as graphs.

``f_classif`` and ``f_regression`` compute their statistics with compiled graphs
(p-values come from SciPy's F distribution); ``SelectKBest`` is scikit-learn's
selector with these as defaults and a compiled column gather as its transform.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy import special, stats
from sklearn import feature_selection as sk_fs
from sklearn.utils.validation import check_X_y

from ..symbolic.compile import compile_function
from ..symbolic.inputs import GraphInputs
from ..symbolic.stats import anova_f_graph, correlation_graph
from ..utils.fitting import restore_on_error
from ..utils.validation import as_graph_sparse, check_fit_input, check_frame_columns
from ._base import SymbolicSelectorMixin

__all__ = ["f_classif", "f_regression", "SelectKBest"]


def _check_X_y(func, X, y, dtype):
    """Numeric X (dense, CSR or CSC) and y, as scikit-learn's score functions take."""
    check_frame_columns(func, X)
    X, y = check_X_y(X, y, accept_sparse=["csr", "csc"], dtype=dtype)
    return (as_graph_sparse(X) if sp.issparse(X) else X), y


def _run(name, build, X, **arrays):
    inputs = GraphInputs(X.dtype)
    X_sym = inputs.data("X", X)
    syms = {key: inputs.add(key, value) for key, value in arrays.items()}
    outputs = build(X_sym, **syms)
    fn = compile_function(inputs.variables, outputs, name=name)
    return fn(*inputs.values)


def f_classif(X, y):
    """ANOVA F-value between each feature and a class label, computed by a graph.

    Same results as :func:`sklearn.feature_selection.f_classif`, on dense or
    sparse (CSR / CSC) input, including its degenerate cases: a feature constant
    within every class gets F = inf (or NaN when constant overall, with a warning).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels.

    Returns
    -------
    f_statistic : ndarray of shape (n_features,)
    p_values : ndarray of shape (n_features,)

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    >>> f, p = f_classif(X, y)
    >>> f.shape, bool(p.min() < 1e-10)
    ((4,), True)
    """
    X, y = _check_X_y(f_classif, X, y, [np.float64, np.float32])
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    f, msb, msw = _run(
        "f_classif",
        lambda X, codes, counts: anova_f_graph(X, codes, counts),
        X,
        codes=codes.astype(np.int64),
        counts=counts.astype(X.dtype),
    )
    constant = np.flatnonzero(msw == 0.0)
    if np.count_nonzero(msb) != msb.size and constant.size:
        warnings.warn(f"Features {constant} are constant.", UserWarning, stacklevel=2)
    dfbn, dfwn = len(classes) - 1, X.shape[0] - len(classes)
    return f, special.fdtrc(dfbn, dfwn, f)


def f_regression(X, y, *, center=True, force_finite=True):
    """Univariate linear regression F-test of each feature, computed by a graph.

    Same results as :func:`sklearn.feature_selection.f_regression`, on dense or
    sparse (CSR / CSC) input, with one deliberate difference: a correlation within
    rounding error of +-1 (``1 - r**2 <= n_samples * eps``) counts as perfect, so a
    perfectly correlated feature always gets F = inf (the largest float with
    ``force_finite=True``) and p-value 0, where scikit-learn's result depends on
    how its sums round (inf, or a huge, even negative, finite F).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    center : bool, default=True
        Center ``X`` and ``y``.
    force_finite : bool, default=True
        Replace infinite F statistics (perfect correlation) by the largest float
        and NaN (constant feature or target) by 0, with p-value 1.

    Returns
    -------
    f_statistic : ndarray of shape (n_features,)
    p_values : ndarray of shape (n_features,)

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_samples=50, n_features=3, n_informative=1,
    ...                        noise=1e-4, random_state=42)
    >>> f, p = f_regression(X, y)
    >>> int(f.argmax())
    1
    """
    X, y = _check_X_y(f_regression, X, y, np.float64)
    y = y.astype(np.float64, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = _run(
            f"f_regression(center={center})",
            lambda X, y: correlation_graph(X, y, center=center),
            X,
            y=y,
        )
    # x / 0: a constant feature (or target) whose sums did not round to exactly 0.
    corr[~np.isfinite(corr)] = np.nan
    if force_finite:
        corr[np.isnan(corr)] = 0.0
    dof = y.size - (2 if center else 1)
    corr2 = corr**2
    with np.errstate(invalid="ignore"):
        corr2[np.abs(corr2 - 1.0) <= y.size * np.finfo(corr2.dtype).eps] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        f = corr2 / (1 - corr2) * dof
        p = stats.f.sf(f, 1, dof)
    if force_finite and not np.isfinite(f).all():
        f[np.isinf(f)] = np.finfo(f.dtype).max
        nan_mask = np.isnan(f)
        f[nan_mask] = 0.0
        p[nan_mask] = 1.0
    return f, p


class SelectKBest(SymbolicSelectorMixin, sk_fs.SelectKBest):
    """Select features according to the k highest scores.

    The same estimator as :class:`sklearn.feature_selection.SelectKBest`, with this
    module's compiled :func:`f_classif` as the default score function and a compiled
    column gather as its transform. Sparse (CSR / CSC) input gives a CSR result and
    float16 stays float16, as in scikit-learn. Deliberately different: NaN raises
    an error (impute first), and integer input gives float output.

    Parameters
    ----------
    score_func : callable, default=f_classif
        Takes ``X`` and ``y`` and returns ``(scores, pvalues)`` or scores alone.
        :func:`f_classif` and :func:`f_regression` from this module run as graphs;
        any scikit-learn score function works too.
    k : int or "all", default=10
        Number of top features to select.

    Attributes
    ----------
    scores_ : ndarray of shape (n_features,)
    pvalues_ : ndarray of shape (n_features,) or None
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_pylearn.feature_selection import SelectKBest, f_classif
    >>> X, y = load_iris(return_X_y=True)
    >>> SelectKBest(f_classif, k=2).fit(X, y).get_support()
    array([False, False,  True,  True])
    """

    def __init__(self, score_func=f_classif, *, k=10):
        super().__init__(score_func=score_func, k=k)

    def fit(self, X, y=None):
        """Score the features with ``score_func`` and record the k best."""
        with restore_on_error(self):
            check_fit_input(self, X)
            return super().fit(X, y)
