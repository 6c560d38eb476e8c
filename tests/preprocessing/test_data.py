"""StandardScaler and MinMaxScaler: parity with scikit-learn, dtypes, copy."""

import numpy as np
import pytest
from sklearn import preprocessing as skp
from sklearn.datasets import load_diabetes, load_iris, load_wine

from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler


def _datasets():
    rng = np.random.RandomState(42)
    return {
        "iris": load_iris().data,
        "wine": load_wine().data,
        "diabetes": load_diabetes().data,
        "offset": rng.normal(1e3, 1e-2, size=(300, 7)),
        "constant_column": np.c_[rng.normal(size=(40, 3)), np.full(40, 5.0)],
    }


DATASETS = _datasets()
FITTED = ["mean_", "var_", "scale_", "n_samples_seen_"]


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize(
    "params",
    [{}, {"with_mean": False}, {"with_std": False}],
    ids=["default", "no_mean", "no_std"],
)
def test_standard_scaler_matches_sklearn(name, params):
    X = DATASETS[name]
    ours, ref = StandardScaler(**params).fit(X), skp.StandardScaler(**params).fit(X)
    for attr in FITTED:
        np.testing.assert_array_equal(getattr(ours, attr), getattr(ref, attr))
    Xt = ours.transform(X)
    np.testing.assert_allclose(Xt, ref.transform(X), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(
        ours.inverse_transform(Xt), ref.inverse_transform(Xt), rtol=1e-7
    )


def test_standard_scaler_partial_fit_and_sample_weight_match_sklearn():
    X = DATASETS["wine"]
    w = np.random.RandomState(0).uniform(0.1, 2.0, size=len(X))
    ours, ref = StandardScaler(), skp.StandardScaler()
    for chunk in np.array_split(np.arange(len(X)), 4):
        ours.partial_fit(X[chunk], sample_weight=w[chunk])
        ref.partial_fit(X[chunk], sample_weight=w[chunk])
    np.testing.assert_array_equal(ours.mean_, ref.mean_)
    np.testing.assert_array_equal(ours.n_samples_seen_, ref.n_samples_seen_)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-7)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize(
    "params",
    [{}, {"feature_range": (-3, 2)}, {"clip": True}],
    ids=["default", "range", "clip"],
)
def test_minmax_scaler_matches_sklearn(name, params):
    X = DATASETS[name]
    ours, ref = MinMaxScaler(**params).fit(X), skp.MinMaxScaler(**params).fit(X)
    for attr in ["min_", "scale_", "data_min_", "data_max_", "data_range_"]:
        np.testing.assert_array_equal(getattr(ours, attr), getattr(ref, attr))
    held_out = X * 1.5 + 1.0  # outside the fitted range, so clipping matters
    np.testing.assert_allclose(
        ours.transform(held_out), ref.transform(held_out), rtol=1e-7, atol=1e-12
    )
    np.testing.assert_allclose(
        ours.inverse_transform(X), ref.inverse_transform(X), rtol=1e-7
    )


def test_minmax_partial_fit_matches_sklearn():
    X = DATASETS["diabetes"]
    ours, ref = MinMaxScaler(), skp.MinMaxScaler()
    for chunk in np.array_split(X, 3):
        ours.partial_fit(chunk)
        ref.partial_fit(chunk)
    np.testing.assert_array_equal(ours.min_, ref.min_)
    # atol: Numba may fuse X * scale + min into one FMA, exact where sklearn rounds
    # twice, so values that should be 0 can differ by ~1e-18.
    np.testing.assert_allclose(
        ours.transform(X), ref.transform(X), rtol=1e-7, atol=1e-12
    )


@pytest.mark.parametrize(
    "cls, sk_cls",
    [(StandardScaler, skp.StandardScaler), (MinMaxScaler, skp.MinMaxScaler)],
)
def test_float32_is_computed_in_float32(cls, sk_cls):
    X = DATASETS["wine"].astype(np.float32)
    ours, ref = cls().fit(X), sk_cls().fit(X)
    out = ours.transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref.transform(X), rtol=2e-6, atol=2e-6)
    assert ours.inverse_transform(out).dtype == np.float32


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_copy_false_writes_into_the_input(cls):
    X = DATASETS["iris"].copy()
    expected = cls().fit(X).transform(X)
    scaler = cls(copy=False).fit(X)
    out = scaler.transform(X)
    assert out is X
    np.testing.assert_allclose(X, expected)


def test_copy_true_leaves_the_input_alone():
    X = DATASETS["iris"].copy()
    original = X.copy()
    StandardScaler().fit(X).transform(X)
    np.testing.assert_array_equal(X, original)


def test_transform_copy_argument_overrides_the_parameter():
    X = DATASETS["iris"].copy()
    scaler = StandardScaler().fit(X)
    assert scaler.transform(X, copy=False) is X


def test_affine_map_equals_transform():
    X = DATASETS["wine"]
    for scaler in [StandardScaler(), StandardScaler(with_mean=False), MinMaxScaler()]:
        scaler.fit(X)
        np.testing.assert_allclose(
            scaler._affine_map().apply(X), scaler.transform(X), rtol=1e-10, atol=1e-12
        )
    assert MinMaxScaler(clip=True).fit(X)._affine_map() is None


# --------------------------------------------------------- sparse, float16


def _sparse(fmt, kind="matrix"):
    import scipy.sparse as sp

    X = DATASETS["wine"].copy()
    X[X < np.median(X, axis=0)] = 0.0
    cls = {"matrix": sp.csr_matrix, "array": sp.csr_array}[kind]
    return cls(X).asformat(fmt)


@pytest.mark.parametrize("kind", ["matrix", "array"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_standard_scaler_sparse_without_mean_as_sklearn(fmt, kind):
    X = _sparse(fmt, kind)
    ours = StandardScaler(with_mean=False).fit(X)
    ref = skp.StandardScaler(with_mean=False).fit(X)
    for attr in FITTED[1:]:
        np.testing.assert_array_equal(getattr(ours, attr), getattr(ref, attr))
    out, expected = ours.transform(X), ref.transform(X)
    assert type(out) is type(expected) and out.format == expected.format == "csr"
    np.testing.assert_allclose(out.toarray(), expected.toarray(), rtol=1e-15)
    back = ours.inverse_transform(out)
    assert type(back) is type(ref.inverse_transform(expected))
    np.testing.assert_allclose(back.toarray(), X.toarray(), rtol=1e-12)


def test_standard_scaler_refuses_to_center_sparse_as_sklearn():
    X = _sparse("csr")
    with pytest.raises(ValueError, match="Cannot center sparse matrices"):
        StandardScaler().fit(X)
    fitted = StandardScaler().fit(X.toarray())
    with pytest.raises(ValueError, match="Cannot center sparse matrices"):
        fitted.transform(X)
    with pytest.raises(ValueError, match="Cannot uncenter sparse matrices"):
        fitted.inverse_transform(X)


def test_min_max_scaler_refuses_sparse_naming_the_fixes():
    msg = r"MinMaxScaler.*does not support sparse input.*sparse_output=False"
    with pytest.raises(TypeError, match=msg):
        MinMaxScaler().fit(_sparse("csr"))
    fitted = MinMaxScaler().fit(DATASETS["wine"])
    with pytest.raises(TypeError, match=msg):
        fitted.transform(_sparse("csc"))


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_float16_stays_float16_as_sklearn(cls):
    X16 = DATASETS["wine"].astype(np.float16)
    ours = cls().fit(X16)
    ref = getattr(skp, cls.__name__)().fit(X16)
    out, expected = ours.transform(X16), ref.transform(X16)
    assert out.dtype == expected.dtype == np.float16
    # scikit-learn subtracts in float16; the graph computes in float32 and rounds
    # once, so it is at least as close to the exact result.
    exact = ref.transform(X16.astype(np.float64))
    assert np.abs(out - exact).max() <= np.abs(expected - exact).max()
    np.testing.assert_allclose(out, expected, atol=1e-2)
    assert ours.inverse_transform(out).dtype == np.float16
