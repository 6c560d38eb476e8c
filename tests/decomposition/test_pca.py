"""PCA: parity with scikit-learn (components up to sign), solvers, dtypes, errors."""

import numpy as np
import pytest
from sklearn import decomposition as skd
from sklearn.datasets import load_diabetes, load_digits, load_iris

from sklearn_pylearn.decomposition import PCA

DATASETS = {
    "iris": load_iris().data,
    "diabetes": load_diabetes().data,
    "digits": load_digits().data[:400],
    "random": np.random.RandomState(1).normal(size=(120, 30))
    @ np.diag(np.linspace(5, 0.1, 30)),
}


def _signs(ours, ref):
    """Flip our components to scikit-learn's orientation (sign is arbitrary)."""
    return np.sign(np.sum(ours.components_ * ref.components_, axis=1))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize(
    "params",
    [
        {"n_components": 3, "svd_solver": "full"},
        {"n_components": 0.9, "svd_solver": "full"},
        {"n_components": None},
        {"n_components": 2, "whiten": True},
        {"n_components": 3, "svd_solver": "randomized", "random_state": 0},
        {"n_components": 3, "svd_solver": "auto", "random_state": 0},
    ],
    ids=["int", "float", "none", "whiten", "randomized", "auto"],
)
def test_pca_matches_sklearn(name, params):
    X = DATASETS[name]
    ours, ref = PCA(**params).fit(X), skd.PCA(**params).fit(X)
    assert ours.n_components_ == ref.n_components_
    signs = _signs(ours, ref)
    np.testing.assert_allclose(
        ours.components_ * signs[:, None], ref.components_, rtol=1e-7, atol=1e-10
    )
    for attr in [
        "explained_variance_",
        "explained_variance_ratio_",
        "singular_values_",
        "mean_",
    ]:
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), rtol=1e-7)
    np.testing.assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-7)
    Xt = ours.transform(X)
    np.testing.assert_allclose(
        Xt * signs, ref.transform(X), rtol=1e-7, atol=1e-9 * np.abs(X).max()
    )
    np.testing.assert_allclose(
        ours.inverse_transform(Xt),
        ref.inverse_transform(Xt * signs),
        rtol=1e-7,
        atol=1e-9 * np.abs(X).max(),
    )
    np.testing.assert_allclose(ours.score(X), ref.score(X), rtol=1e-7)


def test_pca_fit_transform_equals_transform():
    X = DATASETS["digits"]
    pca = PCA(n_components=5, svd_solver="full")
    np.testing.assert_allclose(
        pca.fit_transform(X), pca.transform(X), rtol=1e-7, atol=1e-9
    )


def test_pca_float32_is_computed_in_float32():
    X = DATASETS["random"].astype(np.float32)
    ours = PCA(n_components=4, svd_solver="full").fit(X)
    ref = skd.PCA(n_components=4, svd_solver="full").fit(X)
    out = ours.transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out * _signs(ours, ref), ref.transform(X), rtol=1e-4, atol=1e-4
    )
    assert ours.inverse_transform(out).dtype == np.float32


def test_pca_affine_map_equals_transform():
    X = DATASETS["iris"]
    for whiten in (False, True):
        pca = PCA(n_components=2, whiten=whiten).fit(X)
        np.testing.assert_allclose(
            pca._affine_map().apply(X), pca.transform(X), rtol=1e-10, atol=1e-12
        )


def test_pca_too_many_components_is_a_clear_error():
    X = DATASETS["iris"][:10, :3]
    with pytest.raises(ValueError, match=r"n_components=5 must be between 0 and"):
        PCA(n_components=5, svd_solver="full").fit(X)


def test_pca_inverse_transform_checks_the_width():
    pca = PCA(n_components=2).fit(DATASETS["iris"])
    with pytest.raises(
        ValueError,
        match=r"X has 3 features, but PCA.inverse_transform "
        r"is expecting 2 features",
    ):
        pca.inverse_transform(np.ones((4, 3)))


# ------------------------------------------------------------------ sparse


def _sparse_digits(fmt):
    import scipy.sparse as sp

    return sp.csr_matrix(DATASETS["digits"]).asformat(fmt)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["auto", "arpack", "covariance_eigh"])
def test_sparse_input_with_sklearns_sparse_solvers(solver, fmt):
    X = _sparse_digits(fmt)
    params = dict(n_components=5, svd_solver=solver, random_state=0)
    ours, ref = PCA(**params).fit(X), skd.PCA(**params).fit(X)
    signs = _signs(ours, ref)
    out = ours.transform(X)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out * signs, ref.transform(X), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(
        ours.fit_transform(X) * signs, ref.transform(X), rtol=1e-7, atol=1e-8
    )


@pytest.mark.parametrize("solver", ["full", "randomized"])
def test_sparse_input_with_other_solvers_is_sklearns_error(solver):
    with pytest.raises(TypeError, match=f'sparse inputs with the "arpack".*"{solver}"'):
        PCA(n_components=2, svd_solver=solver).fit(_sparse_digits("csr"))


def test_sparse_transform_after_a_dense_fit_as_sklearn():
    X = DATASETS["digits"]
    ours, ref = PCA(n_components=3).fit(X), skd.PCA(n_components=3).fit(X)
    np.testing.assert_allclose(
        ours.transform(_sparse_digits("csr")) * _signs(ours, ref),
        ref.transform(_sparse_digits("csr")),
        rtol=1e-7,
        atol=1e-8,
    )


def test_sparse_inverse_transform_names_the_fix():
    pca = PCA(n_components=3).fit(DATASETS["digits"])
    import scipy.sparse as sp

    with pytest.raises(TypeError, match=r"PCA.*X\.toarray\(\)"):
        pca.inverse_transform(sp.csr_matrix(np.ones((2, 3))))


def test_float16_is_computed_in_float64_as_sklearn():
    X16 = DATASETS["iris"].astype(np.float16)
    ours, ref = PCA(n_components=2).fit(X16), skd.PCA(n_components=2).fit(X16)
    out = ours.transform(X16)
    assert out.dtype == ref.transform(X16).dtype == np.float64
    np.testing.assert_allclose(out * _signs(ours, ref), ref.transform(X16), atol=1e-9)
