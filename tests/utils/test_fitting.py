"""A failed refit leaves each estimator as it was (scikit-learn's own fits record or
reset part of the state before the error)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import (
    SelectKBest,
    VarianceThreshold,
    f_regression,
)
from sklearn_pylearn.preprocessing import (
    ExpressionTransformer,
    MinMaxScaler,
    StandardScaler,
)
from sklearn_pylearn.utils.fitting import restore_on_error

rng = np.random.RandomState(0)
X = rng.normal(size=(30, 4))
Y = (X[:, 0] > 0).astype(int)


def _first_column(X):
    return X[:, :1]


def _std_bad_weight(est):
    est.fit(X, sample_weight=np.ones(3))


def _minmax_bad_range(est):
    est.set_params(feature_range=(2, 1)).fit(X)


def _minmax_sparse(est):
    est.fit(sp.csr_matrix(X))


def _pca_too_few_features(est):
    est.fit(X[:, :1])


def _variance_nothing_kept(est):
    est.set_params(threshold=1e9).fit(X[:, :3])


def _kbest_score_fails(est):
    est.set_params(score_func=f_regression).fit(X[:, :3], np.array(["a", "b"] * 15))


def _expression_changes_shape(est):
    est.set_params(func=_first_column).fit(X[:, :3])


CASES = [
    (StandardScaler(), _std_bad_weight, ValueError, "sample_weight"),
    (MinMaxScaler(), _minmax_bad_range, ValueError, "feature range"),
    (MinMaxScaler(), _minmax_sparse, TypeError, "sparse"),
    (PCA(n_components=2), _pca_too_few_features, ValueError, "n_components=2"),
    (VarianceThreshold(), _variance_nothing_kept, ValueError, "threshold"),
    (SelectKBest(k=2), _kbest_score_fails, ValueError, "could not convert"),
    (ExpressionTransformer(), _expression_changes_shape, ValueError, "shape"),
]


def _fitted_state(est):
    params = est.get_params(deep=False)
    return {k: v for k, v in vars(est).items() if k not in params}


def _assert_same_state(before, after):
    assert sorted(before) == sorted(after)
    for key, value in before.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(after[key], value, err_msg=key)
        elif np.isscalar(value) or value is None:
            assert after[key] == value, key


@pytest.mark.parametrize(
    "est, refit, error, match",
    CASES,
    ids=[f"{type(c[0]).__name__}-{c[1].__name__}" for c in CASES],
)
def test_failed_refit_keeps_the_fitted_state(est, refit, error, match):
    fitted = clone(est).fit(X, Y)
    before_out = fitted.transform(X)
    before = _fitted_state(fitted)
    with pytest.raises(error, match=match):
        refit(fitted)
    _assert_same_state(before, _fitted_state(fitted))
    fitted.set_params(**est.get_params(deep=False))  # undo what the refit changed
    np.testing.assert_array_equal(fitted.transform(X), before_out)


def test_failed_first_fit_stays_unfitted():
    est = PCA(n_components=2)
    with pytest.raises(ValueError, match="n_components=2"):
        est.fit(X[:, :1])
    assert not hasattr(est, "n_features_in_")


def test_restore_on_error_keeps_parameters_set_since():
    est = MinMaxScaler().fit(X)
    with pytest.raises(ValueError, match="feature range"):
        est.set_params(feature_range=(2, 1)).fit(X)
    assert est.feature_range == (2, 1)


def test_restore_on_error_passes_success_through():
    est = StandardScaler()
    with restore_on_error(est):
        est.fit(X)
    assert est.mean_.shape == (4,)
