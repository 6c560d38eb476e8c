"""MinibatchSource: seeded minibatches; plain state that never holds the data."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_pylearn.training import MinibatchSource

X = np.random.RandomState(0).normal(size=(50, 3))


def test_source_state_is_plain_and_never_holds_the_data():
    src = MinibatchSource(50, 8, random_state=0).bind(X)
    src.start_epoch()
    first = src.next_batch()[0]
    assert "X" not in repr(src.get_recipe()) and set(src.get_state()) == {
        "rng",
        "order",
        "cursor",
    }
    twin = pickle.loads(pickle.dumps(src))
    assert twin._arrays == ()
    with pytest.raises(RuntimeError, match="bind"):
        twin.next_batch()
    again = MinibatchSource(50, 8, random_state=0).bind(X)
    again.start_epoch()
    np.testing.assert_array_equal(again.next_batch()[0], first)
    src.set_state(copy.deepcopy(again.get_state()))
    np.testing.assert_array_equal(src.next_batch()[0], again.next_batch()[0])


def test_bind_checks_the_rows_and_an_exhausted_epoch_says_so():
    with pytest.raises(ValueError, match="has 4 rows, expected 5"):
        MinibatchSource(5, 2).bind(np.zeros(4))
    src = MinibatchSource(2, 2, shuffle=False).bind(np.arange(2.0))
    src.start_epoch()
    np.testing.assert_array_equal(src.next_batch()[0], [0.0, 1.0])
    with pytest.raises(IndexError, match="call start_epoch"):
        src.next_batch()


def test_the_recipe_names_the_public_factory():
    assert MinibatchSource(5, 2).get_recipe()["factory"] == (
        "sklearn_pylearn.training:MinibatchSource"
    )


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_sparse_batches_are_the_dense_batches(fmt, shuffle):
    X = np.random.RandomState(0).rand(7, 3)
    X[X < 0.5] = 0.0
    y = np.arange(7.0)
    X_sparse = sp.csr_matrix(X).asformat(fmt)
    dense = MinibatchSource(7, 3, shuffle=shuffle, random_state=0).bind(X, y)
    sparse = MinibatchSource(7, 3, shuffle=shuffle, random_state=0).bind(X_sparse, y)
    for _ in range(2):
        dense.start_epoch()
        sparse.start_epoch()
        for _ in range(dense.n_batches):
            (Xd, yd), (Xs, ys) = dense.next_batch(), sparse.next_batch()
            assert isinstance(Xs, np.ndarray) and Xs.flags.c_contiguous
            np.testing.assert_array_equal(Xs, Xd)
            np.testing.assert_array_equal(ys, yd)
