"""Denoising autoencoder maths against NumPy."""

import numpy as np
import pytensor.tensor as pt
import pytest
from scipy.special import expit

from sklearn_pylearn.symbolic.autoencoder import (
    corrupt,
    decode,
    decoder_activation,
    encode,
    reconstruction_loss,
)
from sklearn_pylearn.symbolic.compile import compile_function

RNG = np.random.RandomState(0)
XV = RNG.uniform(size=(6, 5))
WV = RNG.normal(size=(5, 3))
BH, BV = RNG.normal(size=3), RNG.normal(size=5)


@pytest.fixture
def sym():
    return pt.matrix("X"), pt.matrix("W"), pt.vector("bh"), pt.vector("bv")


def test_masking_zeroes_inputs_where_the_noise_is_below_the_level():
    X, u, level = pt.matrix("X"), pt.matrix("u"), pt.scalar("level")
    fn = compile_function([X, u, level], corrupt(X, u, "binomial", level))
    noise = RNG.uniform(size=XV.shape)
    np.testing.assert_array_equal(fn(XV, noise, 0.4), XV * (noise >= 0.4))
    np.testing.assert_array_equal(fn(XV, noise, 0.0), XV)


def test_gaussian_corruption_adds_scaled_noise():
    X, z, level = pt.matrix("X"), pt.matrix("z"), pt.scalar("level")
    fn = compile_function([X, z, level], corrupt(X, z, "gaussian", level))
    noise = RNG.normal(size=XV.shape)
    np.testing.assert_allclose(fn(XV, noise, 0.5), XV + 0.5 * noise)


def test_encode_decode_and_losses_match_numpy(sym):
    X, W, bh, bv = sym
    H = encode(X, W, bh, "logistic")
    outs = [
        H,
        decode(H, W.T, bv, "cross_entropy"),
        decode(H, W.T, bv, "squared_error"),
        reconstruction_loss(X, H, W.T, bv, "cross_entropy"),
        reconstruction_loss(X, H, W.T, bv, "squared_error"),
    ]
    h, z_ce, z_se, ce, se = compile_function([X, W, bh, bv], outs)(XV, WV, BH, BV)
    h_ref = expit(XV @ WV + BH)
    logits = h_ref @ WV.T + BV
    z = expit(logits)
    np.testing.assert_allclose(h, h_ref)
    np.testing.assert_allclose(z_ce, z)
    np.testing.assert_allclose(z_se, logits)
    ce_ref = -(XV * np.log(z) + (1 - XV) * np.log(1 - z)).sum(axis=1)
    np.testing.assert_allclose(ce, ce_ref, rtol=1e-10)
    np.testing.assert_allclose(se, 0.5 * ((XV - logits) ** 2).sum(axis=1))


def test_cross_entropy_is_stable_for_saturated_outputs(sym):
    X, W, bh, bv = sym
    H = encode(X, W, bh, "identity")
    fn = compile_function(
        [X, W, bh, bv], reconstruction_loss(X, H, W.T, bv, "cross_entropy")
    )
    out = fn(np.ones((1, 5)), np.zeros((5, 3)), np.zeros(3), np.full(5, -800.0))
    np.testing.assert_allclose(out, [4000.0])


def test_unknown_names_are_errors(sym):
    X, W, bh, bv = sym
    with pytest.raises(ValueError, match="corruption must be one of.*'dropout'"):
        corrupt(X, X, "dropout", 0.1)
    with pytest.raises(ValueError, match="loss must be one of.*'hinge'"):
        decoder_activation("hinge")
