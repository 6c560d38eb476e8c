"""Layers, activations and the binary probability helpers."""

import numpy as np
import pytensor.tensor as pt
import pytest

from sklearn_pylearn.symbolic.nn import (
    activation,
    binary_log_proba,
    binary_proba,
    log_sigmoid,
)

Z = np.array([-800.0, -2.0, 0.0, 3.0, 800.0])


def test_binary_proba_and_its_log_agree_and_stay_finite():
    z = pt.vector("z")
    p = binary_proba(z).eval({z: Z})
    log_p = binary_log_proba(z).eval({z: Z})
    assert p.shape == log_p.shape == (5, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(np.exp(log_p), p, atol=1e-12)
    sigmoid = 1 / (1 + np.exp(-Z[1:4]))
    np.testing.assert_allclose(p[1:4, 1], sigmoid)


def test_log_sigmoid_is_stable():
    z = pt.vector("z")
    np.testing.assert_allclose(log_sigmoid(z).eval({z: Z})[[0, -1]], [-800.0, 0.0])


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu"):
        activation("swish", pt.vector("z"))
