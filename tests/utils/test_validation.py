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
def test_sparse_input_behaves_as_in_sklearn(est, fmt):
    """Each estimator takes sparse input exactly where its scikit-learn namesake
    does (same result, same sparsity), and raises the same kind of error where it
    does not; the default StandardScaler centres, so it refuses sparse input."""
    X_sparse = sp.random(30, 4, density=0.5, format=fmt, random_state=0)
    reference = _sklearn_twin(est)
    try:
        expected = reference.fit(X_sparse, Y).transform(X_sparse)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc), match="sparse"):
            clone(est).fit(X_sparse, Y)
        with pytest.raises(type(exc), match="sparse"):
            _fit(est).transform(X_sparse)
        return
    out = clone(est).fit(X_sparse, Y).transform(X_sparse)
    assert sp.issparse(out) == sp.issparse(expected)
    if sp.issparse(out):
        assert out.format == expected.format
        out, expected = out.toarray(), expected.toarray()
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_refused_sparse_names_the_pipeline_fix():
    with pytest.raises(
        TypeError,
        match=r"MinMaxScaler.*X\.toarray\(\).*OneHotEncoder\(sparse_output=False\)"
        r".*ColumnTransformer\(sparse_threshold=0\)",
    ):
        MinMaxScaler().fit(sp.random(30, 4, density=0.5, format="csr"))


def _sklearn_twin(est):
    """The scikit-learn estimator of the same name and parameters."""
    for base in type(est).__mro__[1:]:
        if (
            base.__module__.startswith("sklearn.")
            and base.__name__ == type(est).__name__
        ):
            return base(**est.get_params(deep=False))
    raise AssertionError(f"no scikit-learn namesake for {type(est).__name__}")


@pytest.mark.parametrize(
    "dtype, expected",
    [("float16", "float16"), ("float32", "float32"), ("float64", "float64")],
)
def test_float_dtypes_follow_sklearn(est, dtype, expected):
    X_typed = X.astype(dtype)
    out = clone(est).fit(X_typed, Y).transform(X_typed)
    ref = _sklearn_twin(est).fit(X_typed, Y).transform(X_typed)
    assert out.dtype == ref.dtype
    tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}[dtype]
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)


def test_float16_stays_float16_in_the_scalers():
    X16 = X.astype(np.float16)
    for scaler in (StandardScaler(), MinMaxScaler()):
        fitted = clone(scaler).fit(X16)
        assert fitted.transform(X16).dtype == np.float16
        assert fitted.inverse_transform(fitted.transform(X16)).dtype == np.float16


def test_numeric_categorical_column_is_used_as_in_sklearn(est):
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["c"] = pd.Categorical(rng.randint(0, 3, size=30))
    out = clone(est).fit(df, Y).transform(df)
    expected = _sklearn_twin(est).fit(df, Y).transform(df)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_string_categorical_column_is_named():
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["c"] = pd.Categorical(["x", "y"] * 15)
    with pytest.raises(TypeError, match="non-numeric column 'c'.*category"):
        SelectKBest(k=2).fit(df, Y)


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


@pytest.mark.parametrize(
    "sparse_est",
    [
        StandardScaler(with_mean=False),
        PCA(n_components=2),
        VarianceThreshold(),
        SelectKBest(k=2),
    ],
    ids=lambda e: type(e).__name__,
)
def test_sparse_with_64_bit_indices_gives_the_dense_result(sparse_est):
    """PyTensor's Numba sparse kernels read 32-bit indices: 64-bit ones must be
    narrowed first, or a column selection reads garbage."""
    X_sparse = sp.random(30, 4, density=0.5, format="csr", random_state=0)
    X_sparse.indices = X_sparse.indices.astype(np.int64)
    X_sparse.indptr = X_sparse.indptr.astype(np.int64)
    out = clone(sparse_est).fit(X_sparse, Y).transform(X_sparse)
    dense = X_sparse.toarray()
    expected = clone(sparse_est).fit(dense, Y).transform(dense)
    out = out.toarray() if sp.issparse(out) else out
    # abs: PCA's components have an arbitrary sign
    np.testing.assert_allclose(np.abs(out), np.abs(expected), rtol=1e-8, atol=1e-10)


def test_too_large_sparse_matrix_is_refused_with_the_reason():
    from sklearn_pylearn.utils.validation import as_graph_sparse

    with pytest.raises(ValueError, match="too large for the compiled sparse kernels"):
        as_graph_sparse(sp.csr_matrix((2, 2**31)))
