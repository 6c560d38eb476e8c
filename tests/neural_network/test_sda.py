"""StackedDenoisingAutoencoderClassifier and ...Regressor (``_sda.py``): per-layer
corruption, activations, the ``SdA`` layer graph, errors."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_pylearn.neural_network import (
    DenoisingAutoencoder,
    StackedDenoisingAutoencoderClassifier,
    StackedDenoisingAutoencoderRegressor,
)

SMALL = dict(
    hidden_layer_sizes=(12, 8),
    pretrain_epochs=2,
    pretrain_batch_size=20,
    max_iter=5,
    batch_size=50,
    solver="sgd",
    learning_rate_init=0.1,
    tol=0.0,
    random_state=0,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        yield


def test_reproducible_and_pretraining_lowers_reconstruction_loss(digits):
    kw = {**SMALL, "pretrain_epochs": 4}
    a = StackedDenoisingAutoencoderClassifier(**kw).fit(*digits)
    b = StackedDenoisingAutoencoderClassifier(**kw).fit(*digits)
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert p.tobytes() == q.tobytes()
    for curve in a.pretrain_loss_curves_:
        assert len(curve) == 4 and curve[-1] < curve[0]


def test_corruption_levels_per_layer_change_each_layer(digits):
    base = StackedDenoisingAutoencoderClassifier(**SMALL, pretrain_only=True)
    same = base.set_params(corruption_levels=[0.1, 0.1]).fit(*digits)
    scalar = StackedDenoisingAutoencoderClassifier(
        **SMALL, pretrain_only=True, corruption_levels=0.1
    ).fit(*digits)
    np.testing.assert_array_equal(same.coefs_[1], scalar.coefs_[1])
    other = StackedDenoisingAutoencoderClassifier(
        **SMALL, pretrain_only=True, corruption_levels=[0.1, 0.5]
    ).fit(*digits)
    np.testing.assert_array_equal(other.coefs_[0], scalar.coefs_[0])
    assert not np.array_equal(other.coefs_[1], scalar.coefs_[1])


def test_first_layer_is_trained_as_the_denoising_autoencoder_objective(digits):
    """Layer 1 minimises the DenoisingAutoencoder's loss: its pretrained code
    reconstructs better than the random initial weights."""
    X, _ = digits
    est = StackedDenoisingAutoencoderClassifier(
        **{**SMALL, "pretrain_epochs": 5}, pretrain_only=True
    ).fit(*digits)
    dae = DenoisingAutoencoder(n_components=12, max_iter=1, random_state=0).fit(X)
    before = dae.compute(X, outputs="reconstruction_error").mean().item()
    dae.components_ = est.coefs_[0].T
    dae.intercept_hidden_ = est.intercepts_[0]
    dae.intercept_visible_ = est.intercepts_visible_[0]
    after = dae.compute(X, outputs="reconstruction_error").mean().item()
    assert after < before
    assert after == pytest.approx(est.pretrain_loss_curves_[0][-1], rel=0.2)


@pytest.mark.parametrize("levels", [[0.1], [0.1, 0.2, 0.3], [0.1, -0.2]])
def test_wrong_corruption_levels_are_refused_by_name(digits, levels):
    est = StackedDenoisingAutoencoderClassifier(**SMALL, corruption_levels=levels)
    with pytest.raises(ValueError, match="corruption_levels must be one level >= 0"):
        est.fit(*digits)
    assert not hasattr(est, "coefs_")


def test_gaussian_corruption_and_tanh_units(digits):
    est = StackedDenoisingAutoencoderClassifier(
        **SMALL, corruption="gaussian", activation="tanh"
    ).fit(*digits)
    assert est.predict(digits[0]).shape == (300,)
    with pytest.raises(AttributeError, match="graph macro has logistic units"):
        _ = est.model_


def test_model_is_the_annotated_sda(digits):
    X, _ = digits
    est = StackedDenoisingAutoencoderClassifier(
        **SMALL, corruption_levels=[0.3, 0.2]
    ).fit(*digits)
    model = est.model_
    text = model.annotations()
    assert text.startswith("'SdA'\n    'daa1'\n        'hidden'")
    assert model.get_hyperparams()["daa2__reconstruction__corruption_level"] == 0.2
    np.testing.assert_allclose(
        model["output"].eval(x=X), est.predict_proba(X), rtol=1e-10, atol=1e-12
    )


def test_regressor(digits):
    X, y = digits
    reg = StackedDenoisingAutoencoderRegressor(**SMALL).fit(X, y.astype(float))
    assert reg.predict(X).shape == (300,) and reg.out_activation_ == "identity"
    np.testing.assert_allclose(reg.model_["output"].eval(x=X)[:, 0], reg.predict(X))
    assert not hasattr(reg, "partial_fit")
