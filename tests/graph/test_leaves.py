import numpy as np
import pytest

from sklearn_pylearn.graph import HyperParam, Input, Param, RandomStream


def test_input_batches_cover_the_data_in_order_then_wrap():
    x = Input("x", np.arange(10.0).reshape(5, 2), batch_size=2)
    rows = [x.batch(i)[:, 0].tolist() for i in range(4)]
    assert rows == [[0.0, 2.0], [4.0, 6.0], [8.0], [0.0, 2.0]]


def test_input_shuffle_is_seeded_and_aligned_across_inputs():
    a = Input("a", np.arange(6.0)[:, None], batch_size=3, shuffle=True, random_state=4)
    b = Input("b", np.arange(6), batch_size=3, shuffle=True, random_state=4)
    assert sorted(a.batch(0)[:, 0].tolist() + a.batch(1)[:, 0].tolist()) == list(
        np.arange(6.0)
    )
    np.testing.assert_array_equal(a.batch(1)[:, 0], b.batch(1))


def test_input_types_follow_the_data():
    assert Input("y", np.array([0, 1])).var.type.dtype == "int64"
    assert Input("x", np.ones((2, 3), dtype=np.float32)).var.type.ndim == 2
    assert Input("x", np.ones((2, 3))).size == 3


def test_input_errors():
    with pytest.raises(TypeError, match="give data, or both ndim and dtype"):
        Input("x")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        Input("x", np.ones((2, 2)), batch_size=0)
    with pytest.raises(TypeError, match="data must be numeric"):
        Input("x", np.array(["a"]))
    with pytest.raises(ValueError, match="has no data to iterate"):
        Input("x", ndim=2, dtype="float64").batch(0)
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        Param("", np.zeros(2))


def test_param_tags_freeze_and_copy():
    W = Param("W", np.ones((2, 2)))
    b = Param("b", np.ones(2), tags=("trainable",))
    assert W.has(regularizable=True) and not b.has(regularizable=True)
    W.freeze()
    assert not W.has(trainable=True) and W.frozen
    twin = W.copy()
    assert twin.var is not W.var and twin.frozen
    twin.value[0, 0] = 5.0
    assert W.value[0, 0] == 1.0


def test_hyperparam_and_random_stream():
    with pytest.raises(TypeError, match="value must be a real number"):
        HyperParam("lr", "fast")
    h = HyperParam("lr", 0.5, constant=True)
    assert "constant" in repr(h)
    r = RandomStream("noise", seed=1)
    first = r.generator.random()
    r.reseed(1)
    assert r.generator.random() == first


def test_values_keep_the_graph_types():
    W = Param("W", np.zeros((2, 2)))
    W.value = [[1, 2], [3, 4]]
    assert W.value.dtype == np.float64
    with pytest.raises(ValueError, match="holds 2-d arrays, got shape"):
        W.value = np.zeros(3)
    x = Input("x", np.zeros((2, 3)))
    with pytest.raises(ValueError, match="takes 2-d arrays, got shape"):
        x.feed({"x": np.zeros(3)}, None)
    assert x.feed({x: [[1, 2, 3]]}, None).dtype == np.float64
