"""The seed's example (layer_RP), nearly line for line, trained on digits."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_pylearn import compile_stats


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return X[:1400], y[:1400], X[1400:], y[1400:]


def test_seed_example_verbatim(digits):
    X_train, y_train, X_valid, y_valid = digits
    from sklearn_pylearn.graph import (
        SGD,
        CDk,
        Input,
        cross_entropy,
        dotW_b,
        grad,
        sigmoid,
        softmax,
    )  # noqa: E501

    train_x, train_y = Input("x", X_train), Input("y", y_train)
    valid_x, valid_y = Input("x", X_valid), Input("y", y_valid)
    h1 = sigmoid(dotW_b(train_x, n=300))
    rbm1 = CDk(h1, train_x, k=5, sampler="binomial", cost="pseudolikelihood")
    h2 = sigmoid(dotW_b(h1, n=300))
    rbm2 = CDk(h2, h1, k=5, sampler="binomial", cost="pseudolikelihood")
    out = softmax(dotW_b(h2, n=10))
    train_err = cross_entropy(out, train_y)
    grads = grad(train_err, train_err.parameters())
    learner = SGD(train_err, train_err.parameters(), grads, learning_rate=0.1)
    valid_err = train_err.replace({train_x: valid_x, train_y: valid_y})

    from sklearn_pylearn.graph import evaluate

    W1 = train_err.parameters()[0]
    before = W1.value.copy()
    rbm1.next()  # one CD-5 update on the next minibatch
    assert not np.allclose(W1.value, before)
    assert [p.name for p in rbm1.params] == ["W", "b_vis", "b"]
    rbm2.next()
    start = valid_err.eval()
    for _ in range(2 * train_x.n_batches):
        learner.next()  # one SGD step
    assert valid_err.eval() < start
    stats = compile_stats()
    outputs = evaluate([out, valid_err])
    assert compile_stats()["compiles"] - stats["compiles"] == 1
    assert outputs[0].shape == (len(X_train), 10)
    assert outputs[1] == pytest.approx(valid_err.eval())
    # The replaced cost shares the parameters: training moved the validation error.
    assert valid_err.parameters()[0] is W1


def test_seed_pieces_share_parameters(digits):
    from sklearn_pylearn.graph import CDk, Input, dotW_b, sigmoid

    X_train = digits[0][:200]
    x = Input("x", X_train)
    h1 = sigmoid(dotW_b(x, n=8, random_state=0))
    h2 = sigmoid(dotW_b(h1, n=4, random_state=0))
    rbm2 = CDk(h2, h1, k=1)
    W1 = h1.parameters()[0]
    w1, w2 = W1.value.copy(), h2.parameters()[2].value.copy()
    rbm2.next()
    # rbm2 trains its own layer's weights only: the layer below is its data.
    np.testing.assert_array_equal(W1.value, w1)
    assert not np.allclose(h2.parameters()[2].value, w2)
