"""Bad input: every estimator raises a clear error, with the message checked."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler

ESTIMATORS = [
    StandardScaler(),
    MinMaxScaler(),
    PCA(n_components=2),
    VarianceThreshold(),
    SelectKBest(k=2),
]
IDS = [type(e).__name__ for e in ESTIMATORS]

rng = np.random.RandomState(0)
X = rng.normal(size=(30, 4))
Y = (X[:, 0] > 0).astype(int)


def _fit(est, X_fit=X):
    return clone(est).fit(X_fit, Y[: len(X_fit)])


@pytest.fixture(params=ESTIMATORS, ids=IDS)
def est(request):
    return request.param


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_nan_or_inf_at_fit(est, bad, word):
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        _fit(est, X_bad)


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (-np.inf, "infinity")])
def test_nan_or_inf_at_transform(est, bad, word):
    fitted = _fit(est)
    X_bad = X.copy()
    X_bad[0, 0] = bad
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        fitted.transform(X_bad)


def test_failed_fit_leaves_an_unfitted_estimator_unfitted(est):
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    fresh = clone(est)
    with pytest.raises(ValueError):
        fresh.fit(X_bad, Y)
    assert not hasattr(fresh, "n_features_in_")


def test_failed_refit_keeps_the_previous_fit(est):
    fitted = _fit(est)
    before = fitted.transform(X)
    X_bad = X.copy()
    X_bad[0, 0] = np.inf
    with pytest.raises(ValueError):
        fitted.fit(X_bad, Y)
    np.testing.assert_array_equal(fitted.transform(X), before)


def test_wrong_number_of_features(est):
    fitted = _fit(est)
    name = type(est).__name__
    with pytest.raises(
        ValueError, match=f"X has 3 features, but {name} is expecting 4 features"
    ):
        fitted.transform(X[:, :3])


def test_different_feature_names_or_order(est):
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    fitted = clone(est).fit(df, Y)
    np.testing.assert_array_equal(fitted.feature_names_in_, ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        fitted.transform(df.rename(columns={"d": "z"}))
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        fitted.transform(df[["b", "a", "c", "d"]])


def test_string_column_is_named(est):
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(city="Oslo")
    with pytest.raises(TypeError, match="non-numeric column 'city'.*OneHotEncoder"):
        clone(est).fit(df, Y)


def test_string_array(est):
    with pytest.raises(TypeError, match="numeric arrays only"):
        clone(est).fit(X.astype(str), Y)


def test_strings_in_object_array(est):
    X_obj = X.astype(object)
    X_obj[2, 2] = "seven"
    with pytest.raises(TypeError, match="non-numeric values in X.*'seven'"):
        clone(est).fit(X_obj, Y)


def test_complex_numbers(est):
    with pytest.raises(ValueError, match="Complex data not supported"):
        clone(est).fit(X + 1j, Y)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_is_a_type_error_that_says_how_to_densify(est, fmt):
    X_sparse = sp.random(30, 4, density=0.5, format=fmt, random_state=0)
    with pytest.raises(TypeError, match=r"dense data is required.*X\.toarray\(\)"):
        clone(est).fit(X_sparse, Y)
    with pytest.raises(TypeError, match="dense data is required"):
        _fit(est).transform(X_sparse)


def test_empty_array(est):
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        clone(est).fit(np.empty((0, 4)), Y[:0])
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        _fit(est).transform(np.empty((0, 4)))


def test_one_dimensional_input(est):
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        clone(est).fit(X[:, 0], Y)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        _fit(est).transform(X[0])


def test_transform_before_fit(est):
    with pytest.raises(Exception, match="is not fitted yet"):
        clone(est).transform(X)


def test_dataframe_output_and_feature_names_out(est):
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    fitted = clone(est).set_output(transform="pandas").fit(df, Y)
    out = fitted.transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(fitted.get_feature_names_out())
    # A DataFrame converts to a Fortran-ordered array: BLAS may sum in another order.
    np.testing.assert_allclose(
        out.to_numpy(), clone(est).fit(X, Y).transform(X), rtol=1e-12, atol=1e-14
    )


def test_polars_output(est):
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({c: X[:, i] for i, c in enumerate("abcd")})
    out = clone(est).set_output(transform="polars").fit(df, Y).transform(df)
    assert isinstance(out, pl.DataFrame)
    assert out.shape[0] == 30


def test_feature_names_out_follow_sklearn():
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    assert list(StandardScaler().fit(df).get_feature_names_out()) == list("abcd")
    assert list(PCA(n_components=2).fit(df).get_feature_names_out()) == [
        "pca0",
        "pca1",
    ]
    sel = VarianceThreshold().fit(df.assign(d=1.0))
    assert list(sel.get_feature_names_out()) == ["a", "b", "c"]
