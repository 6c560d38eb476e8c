import numpy as np
import pytest
from sklearn import feature_selection as skfs
from sklearn.datasets import load_wine

from sklearn_pylearn.feature_selection import VarianceThreshold


@pytest.mark.parametrize("threshold", [0.0, 0.5, 10.0])
def test_variance_threshold_matches_sklearn(threshold):
    X = np.c_[load_wine().data, np.full(178, 3.0)]
    ours = VarianceThreshold(threshold).fit(X)
    ref = skfs.VarianceThreshold(threshold).fit(X)
    np.testing.assert_array_equal(ours.variances_, ref.variances_)
    np.testing.assert_array_equal(ours.get_support(), ref.get_support())
    np.testing.assert_array_equal(ours.transform(X), ref.transform(X))
    np.testing.assert_array_equal(
        ours.inverse_transform(ours.transform(X)),
        ref.inverse_transform(ref.transform(X)),
    )


def test_variance_threshold_keeps_float32():
    X = load_wine().data.astype(np.float32)
    assert VarianceThreshold(1.0).fit(X).transform(X).dtype == np.float32


def test_no_feature_selected_warns_like_sklearn():
    X = np.ones((5, 3))
    sel = VarianceThreshold().fit(X[:2] + np.eye(3)[:2])
    sel.variances_ = np.zeros(3)  # force an empty selection after fit
    with pytest.warns(UserWarning, match="No features were selected"):
        out = sel.transform(X)
    assert out.shape == (5, 0)


def test_affine_map_is_a_column_gather():
    X = np.c_[load_wine().data, np.zeros(178)]
    sel = VarianceThreshold().fit(X)
    np.testing.assert_array_equal(sel._affine_map().apply(X), sel.transform(X))
