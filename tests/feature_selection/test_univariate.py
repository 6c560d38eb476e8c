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


# ------------------------------------------------- degenerate cases, sparse

PERFECT_TARGETS = {
    "integers": np.arange(20.0),
    "normal": np.random.RandomState(0).normal(size=50),
}


@pytest.mark.parametrize("name", PERFECT_TARGETS)
def test_f_regression_perfect_correlation_is_inf_or_float_max(name):
    """scikit-learn's answer for a perfect (anti-)correlation: inf, or the largest
    float with force_finite=True, p-value 0. (Its own sums sometimes round to a
    huge or negative finite F instead; a correlation within rounding of +-1 counts
    as perfect here.)"""
    y = PERFECT_TARGETS[name]
    X = np.c_[y, 2.0 * y + 1.0, -3.0 * y]
    f, p = f_regression(X, y, force_finite=False)
    np.testing.assert_array_equal(f, np.inf)
    np.testing.assert_array_equal(p, 0.0)
    f, p = f_regression(X, y)
    np.testing.assert_array_equal(f, np.finfo(np.float64).max)
    np.testing.assert_array_equal(p, 0.0)
    if name == "integers":  # where scikit-learn's sums are exact, the same answer
        np.testing.assert_array_equal(skfs.f_regression(X[:, :1], y)[0], f[:1])


def test_f_regression_constant_feature_is_nan_or_zero_as_sklearn():
    y = PERFECT_TARGETS["normal"]
    X = np.c_[np.ones_like(y), np.full_like(y, 3.7), y**2]
    for force_finite in (False, True):
        f, p = f_regression(X, y, force_finite=force_finite)
        f_ref, p_ref = skfs.f_regression(X, y, force_finite=force_finite)
        # 3.7 is not exact in binary: both get an F of rounding noise (~1e-18).
        np.testing.assert_allclose(f, f_ref, rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(p, p_ref, rtol=1e-7)


def test_f_classif_degenerate_features_as_sklearn():
    y = np.repeat([0, 1], 25)
    noise = np.random.RandomState(0).normal(size=50)
    X = np.c_[np.ones(50), y * 1.0, noise, np.full(50, 2.0)]
    with pytest.warns(UserWarning, match=r"Features \[0 1 3\] are constant"):
        f, p = f_classif(X, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_ref, p_ref = skfs.f_classif(X, y)
    np.testing.assert_allclose(f, f_ref, rtol=1e-7)
    np.testing.assert_allclose(p, p_ref, rtol=1e-7)
    assert np.isnan(f[0]) and np.isinf(f[1])


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_score_functions_take_sparse_input_as_sklearn(fmt):
    import scipy.sparse as sp

    X, y = CLASSIFICATION["many_classes"]
    X = np.where(np.abs(X) < 0.7, 0.0, X)
    X_sparse = sp.csr_matrix(X).asformat(fmt)
    for ours, theirs in (
        (f_classif, skfs.f_classif),
        (f_regression, skfs.f_regression),
    ):
        f, p = ours(X_sparse, y)
        f_ref, p_ref = theirs(X_sparse, y)
        np.testing.assert_allclose(f, f_ref, rtol=1e-9)
        np.testing.assert_allclose(p, p_ref, rtol=1e-7, atol=1e-300)
        np.testing.assert_allclose(f, ours(X, y)[0], rtol=1e-9)
    for center in (True, False):
        f = f_regression(X_sparse, y, center=center)[0]
        np.testing.assert_allclose(
            f, skfs.f_regression(X_sparse, y, center=center)[0], rtol=1e-9
        )


def test_select_k_best_with_a_numeric_categorical_column_as_sklearn():
    import pandas as pd

    X, y = CLASSIFICATION["iris"]
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["b"] = pd.Categorical(np.round(frame["b"]))
    ours = SelectKBest(k=2).set_output(transform="pandas").fit(frame, y)
    theirs = skfs.SelectKBest(k=2).set_output(transform="pandas").fit(frame, y)
    np.testing.assert_allclose(ours.scores_, theirs.scores_, rtol=1e-10)
    pd.testing.assert_frame_equal(ours.transform(frame), theirs.transform(frame))
