"""DenoisingAutoencoder: training, corruption, named outputs, pipeline, runtime."""

import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_pylearn import compile_stats
from sklearn_pylearn.neural_network import DenoisingAutoencoder
from sklearn_pylearn.persistence import dump, load
from sklearn_pylearn.pipeline import Pipeline
from sklearn_pylearn.preprocessing import MinMaxScaler
from sklearn_pylearn.runtime import Hook

X = load_digits().data[:300] / 16.0
SMALL = dict(n_components=16, max_iter=4, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_training_lowers_the_reconstruction_error():
    dae = DenoisingAutoencoder(**SMALL).fit(X)
    untrained = DenoisingAutoencoder(**{**SMALL, "max_iter": 0}).fit(X)
    out = ["reconstruction_error"]
    err = dae.compute(X, outputs=out)["reconstruction_error"].mean()
    err0 = untrained.compute(X, outputs=out)["reconstruction_error"].mean()
    assert err < 0.8 * err0
    assert dae.loss_curve_[-1] < dae.loss_curve_[0] and dae.n_iter_ == 4
    assert dae.components_.shape == (16, 64)
    assert dae.decoder_components_ is dae.components_


def test_same_seed_is_bit_identical_and_corruption_matters():
    a = DenoisingAutoencoder(**SMALL).fit(X)
    b = DenoisingAutoencoder(**SMALL).fit(X)
    clean = DenoisingAutoencoder(**SMALL, corruption_level=0.0).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert not np.array_equal(a.components_, clean.components_)


@pytest.mark.parametrize(
    "params",
    [
        dict(corruption="gaussian", corruption_level=0.2, loss="squared_error"),
        dict(tied_weights=False, solver="adam", learning_rate_init=0.01),
        dict(activation="relu", loss="squared_error", learning_rate_init=0.01),
    ],
    ids=["gaussian", "untied-adam", "relu"],
)
def test_variants_learn(params):
    dae = DenoisingAutoencoder(**{**SMALL, **params}).fit(X)
    assert dae.loss_curve_[-1] < dae.loss_curve_[0]
    recon = dae.inverse_transform(dae.transform(X))
    assert recon.shape == X.shape and np.isfinite(recon).all()
    if not dae.tied_weights:
        assert dae.decoder_components_.shape == (16, 64)


def test_named_outputs_agree_with_transform_and_inverse_transform():
    dae = DenoisingAutoencoder(**SMALL).fit(X)
    frame = dae.compute(X[:20], outputs=["hidden", "reconstruction"])
    np.testing.assert_allclose(
        frame.filter(like="hidden_").to_numpy(), dae.transform(X[:20])
    )
    recon = dae.inverse_transform(dae.transform(X[:20]))
    np.testing.assert_allclose(frame.filter(like="reconstruction_").to_numpy(), recon)
    z = np.clip(recon, 1e-12, 1 - 1e-12)
    ce = -(X[:20] * np.log(z) + (1 - X[:20]) * np.log(1 - z)).sum(axis=1)
    err = dae.compute(X[:20], outputs="reconstruction_error")["reconstruction_error"]
    np.testing.assert_allclose(err, ce, rtol=1e-8)


def _neg_reconstruction_error(est, X, y=None):
    frame = est.compute(X, outputs="reconstruction_error")
    return -frame["reconstruction_error"].mean()


def test_corruption_level_and_alpha_are_inputs_so_a_grid_compiles_nothing_new():
    est = DenoisingAutoencoder(**{**SMALL, "max_iter": 1})
    est.fit(X).transform(X)
    before = compile_stats()["compiles"]
    grid = {"corruption_level": [0.1, 0.5], "alpha": [0.0, 1e-3]}
    GridSearchCV(est, grid, cv=2, scoring=_neg_reconstruction_error).fit(X)
    assert compile_stats()["compiles"] == before


def test_fuses_in_a_pipeline_with_inverse_transform():
    pipe = Pipeline(
        [("scale", MinMaxScaler()), ("dae", DenoisingAutoencoder(**SMALL))]
    ).fit(X)
    plan = pipe.fusion_plan("transform")
    assert len(plan.segments) == 1 and len(plan.segments[0].steps) == 2
    expected = pipe["dae"].transform(pipe["scale"].transform(X[:5]))
    np.testing.assert_allclose(pipe.transform(X[:5]), expected)
    back = pipe.inverse_transform(pipe.transform(X[:5]))
    assert back.shape == (5, 64)


def test_persistence_round_trips(tmp_path):
    dae = DenoisingAutoencoder(**SMALL).fit(X)
    joblib.dump(dae, tmp_path / "dae.joblib")
    loaded = joblib.load(tmp_path / "dae.joblib")
    np.testing.assert_array_equal(loaded.transform(X), dae.transform(X))
    loaded = load(dump(dae, tmp_path / "dae.skops"))
    np.testing.assert_array_equal(
        loaded.inverse_transform(X[:3, :16]), dae.inverse_transform(X[:3, :16])
    )


class StopAfter(Hook):
    def on_epoch_end(self, vm, **info):
        if info["count"] == 2:
            vm.request_interrupt("test")


def test_checkpoint_dir_resumes_bit_identically(tmp_path):
    full = DenoisingAutoencoder(**SMALL, tol=0.0).fit(X)
    est = DenoisingAutoencoder(
        **SMALL, tol=0.0, checkpoint_dir=str(tmp_path), hooks=[StopAfter()]
    )
    with pytest.warns(UserWarning, match="Interrupted"):
        est.fit(X)
    assert est.n_iter_ == 2
    est.set_params(hooks=None).fit(X)
    assert est.n_iter_ == 4
    np.testing.assert_array_equal(est.components_, full.components_)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="'corruption' parameter of Denois"):
        DenoisingAutoencoder(corruption="salt").fit(X)
    with pytest.raises(ValueError, match="'loss' parameter of Denois"):
        DenoisingAutoencoder(loss="hinge").fit(X)
    dae = DenoisingAutoencoder(**SMALL).fit(X)
    with pytest.raises(ValueError, match="X has 5 features.*inverse_transform"):
        dae.inverse_transform(X[:, :5])


# -- sparse input ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sparse_input_gives_the_results_of_dense_input(dtype, fmt):
    X_dense = X[:80].astype(dtype)
    X_sparse = (sp.csr_matrix if fmt == "csr" else sp.csc_array)(X_dense)
    X_sparse.indices = X_sparse.indices.astype(np.int64)
    X_sparse.indptr = X_sparse.indptr.astype(np.int64)
    params = dict(SMALL, max_iter=2, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = DenoisingAutoencoder(**params).fit(X_dense)
        sparse = DenoisingAutoencoder(**params).fit(X_sparse)
    np.testing.assert_array_equal(sparse.components_, dense.components_)
    np.testing.assert_array_equal(sparse.transform(X_sparse), dense.transform(X_dense))
    outputs = ["hidden", "reconstruction_error"]
    np.testing.assert_array_equal(
        sparse.compute(X_sparse, outputs=outputs),
        dense.compute(X_dense, outputs=outputs),
    )
    codes = sp.csr_matrix(dense.transform(X_dense))
    np.testing.assert_array_equal(
        sparse.inverse_transform(codes), dense.inverse_transform(codes.toarray())
    )
    assert sparse.__sklearn_tags__().input_tags.sparse is True
