"""f_classif, f_regression and SelectKBest: parity with scikit-learn, graphs."""

import numpy as np
import pytest
from sklearn import feature_selection as skfs
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    make_classification,
    make_regression,
)

from sklearn_pylearn import compile_stats
from sklearn_pylearn.feature_selection import SelectKBest, f_classif, f_regression

CLASSIFICATION = {
    "iris": load_iris(return_X_y=True),
    "breast_cancer": load_breast_cancer(return_X_y=True),
    "many_classes": make_classification(
        400, 12, n_informative=6, n_classes=7, random_state=0
    ),
}
REGRESSION = {
    "diabetes": load_diabetes(return_X_y=True),
    "synthetic": make_regression(300, 15, n_informative=4, noise=3.0, random_state=0),
}


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_f_classif_matches_sklearn(name):
    X, y = CLASSIFICATION[name]
    f, p = f_classif(X, y)
    f_ref, p_ref = skfs.f_classif(X, y)
    np.testing.assert_allclose(f, f_ref, rtol=1e-7)
    np.testing.assert_allclose(p, p_ref, rtol=1e-7, atol=1e-300)


def test_f_classif_string_labels_and_float32():
    X, y = CLASSIFICATION["iris"]
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    np.testing.assert_allclose(f_classif(X, labels)[0], skfs.f_classif(X, y)[0])
    f32, _ = f_classif(X.astype(np.float32), y)
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, skfs.f_classif(X, y)[0], rtol=1e-4)


def test_f_classif_warns_on_constant_features():
    X, y = CLASSIFICATION["iris"]
    X = np.c_[X, np.ones(len(X))]
    with pytest.warns(UserWarning, match=r"Features \[4\] are constant"):
        f_classif(X, y)


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("center", [True, False])
def test_f_regression_matches_sklearn(name, center):
    X, y = REGRESSION[name]
    f, p = f_regression(X, y, center=center)
    f_ref, p_ref = skfs.f_regression(X, y, center=center)
    np.testing.assert_allclose(f, f_ref, rtol=1e-7)
    np.testing.assert_allclose(p, p_ref, rtol=1e-7, atol=1e-300)


@pytest.mark.parametrize("force_finite", [True, False])
def test_f_regression_constant_and_perfect_features(force_finite):
    X, y = REGRESSION["synthetic"]
    X = np.c_[X, np.ones(len(X)), y]  # a constant feature and a perfect one
    f, p = f_regression(X, y, force_finite=force_finite)
    f_ref, p_ref = skfs.f_regression(X, y, force_finite=force_finite)
    np.testing.assert_allclose(f, f_ref, rtol=1e-7)
    np.testing.assert_allclose(p, p_ref, rtol=1e-7)


def test_statistics_are_computed_by_one_cached_graph():
    X, y = CLASSIFICATION["many_classes"]
    f_classif(X, y)
    before = compile_stats()
    f_classif(X[:100] * 2.0, y[:100])
    assert compile_stats()["compiles"] == before["compiles"]
    assert compile_stats()["hits"] == before["hits"] + 1


@pytest.mark.parametrize("k", [1, 3, "all"])
def test_select_k_best_matches_sklearn(k):
    X, y = CLASSIFICATION["breast_cancer"]
    ours = SelectKBest(k=k).fit(X, y)
    ref = skfs.SelectKBest(skfs.f_classif, k=k).fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), ref.get_support())
    np.testing.assert_array_equal(ours.transform(X), ref.transform(X))
    np.testing.assert_array_equal(
        ours.inverse_transform(ours.transform(X)),
        ref.inverse_transform(ref.transform(X)),
    )


def test_select_k_best_with_f_regression_and_a_sklearn_score_func():
    X, y = REGRESSION["diabetes"]
    for score_func in (f_regression, skfs.mutual_info_regression):
        ours = SelectKBest(score_func, k=4).fit(X, y)
        assert ours.transform(X).shape == (len(X), 4)
    ref = skfs.SelectKBest(skfs.f_regression, k=4).fit(X, y)
    ours = SelectKBest(f_regression, k=4).fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), ref.get_support())


def test_select_k_best_default_is_our_f_classif():
    assert SelectKBest().score_func is f_classif


def test_select_k_best_inverse_transform_checks_the_width():
    X, y = CLASSIFICATION["iris"]
    sel = SelectKBest(k=2).fit(X, y)
    with pytest.raises(ValueError, match="X has a different shape than during fitting"):
        sel.inverse_transform(np.ones((3, 3)))
