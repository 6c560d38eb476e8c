import numpy as np
import pytest
from scipy.special import expit

from sklearn_pylearn.graph import Input, dotW_b, inverse, sigmoid, softmax, tanh

X = np.random.RandomState(0).rand(5, 4)


def test_tied_inverse_uses_the_transposed_weights():
    h = sigmoid(dotW_b(Input("x", X), n=3, random_state=0))
    W, b = (p.value for p in h.parameters())
    r = inverse(h)
    np.testing.assert_allclose(r.eval(), expit(expit(X @ W + b) @ W.T))
    assert r.kind == "sigmoid" and r.parents[0].info["tied"]
    assert h.inverse().size == 4


def test_untied_inverse_has_its_own_weights():
    h = tanh(dotW_b(Input("x", X), n=3, random_state=0))
    r = inverse(h, tied=False)
    W = h.parameters()[0]
    W_prime = [p for p in r.parameters() if p.name == "W_prime"][0]
    np.testing.assert_array_equal(W_prime.value, W.value.T)
    W_prime.value[:] = 0
    assert np.allclose(r.eval(), 0)


def test_deep_inverse_reverses_the_stack():
    x = Input("x", X)
    h2 = sigmoid(dotW_b(sigmoid(dotW_b(x, n=3, random_state=0)), n=2, random_state=1))
    r = inverse(h2)
    assert r.eval().shape == (5, 4)
    sizes = [n.size for n in r.ancestors() if n.kind == "dotW_b_inverse"]
    assert sizes == [4, 3]


def test_inverse_of_a_code_node():
    x = Input("x", X)
    h = sigmoid(dotW_b(x, n=3, random_state=0))
    code = Input("code", np.zeros((2, 3)))
    assert inverse(h, code=code).eval().shape == (2, 4)


def test_no_inverse():
    with pytest.raises(NotImplementedError, match="has no inverse"):
        inverse(softmax(Input("x", X)))
