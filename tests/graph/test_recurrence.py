import numpy as np
import pytest

from sklearn_pylearn.graph import (
    Adam,
    Input,
    apply,
    delayed,
    dotW_b,
    loop,
    recurrent_layer,
    slice,
    squared_error,
    tanh,
)

RNG = np.random.RandomState(0)
S = RNG.normal(size=(100, 8, 1))


def test_loop_over_a_sequence_is_a_running_sum():
    x = Input("x", S)
    s = recurrent_layer(init=np.zeros(1))
    total = loop(apply(lambda s, x: s + x, [s, slice(x, t=0)]))
    np.testing.assert_allclose(total.eval(), np.cumsum(S, axis=1))
    previous = loop(apply(lambda s, x: x, [s, slice(x, t=-1)]))
    np.testing.assert_allclose(previous.eval(), delayed(x, 1).eval())


def test_loop_without_a_sequence_runs_steps():
    s = recurrent_layer(init=np.ones(2))
    doubled = loop(apply(lambda s: 2 * s, [s], size=2), steps=3)
    assert doubled.eval()[0].tolist() == [[2.0, 2.0], [4.0, 4.0], [8.0, 8.0]]


def test_delayed_shifts_and_pads():
    x = Input("x", S)
    np.testing.assert_array_equal(delayed(x, 2).eval()[:, 2:], S[:, :-2])
    assert not delayed(x, 2).eval()[:, :2].any()


def test_seed_recurrent_example_trains_on_a_memory_task():
    # y(t) = x(t - 1): the network must carry one step of memory in its state.
    target = np.concatenate([np.zeros((100, 1, 1)), S[:, :-1]], axis=1)
    x, y = Input("x", S, batch_size=25), Input("y", target, batch_size=25)
    h_tm1 = recurrent_layer(init=np.zeros(8))
    x_t = slice(x, t=0)
    h = loop(tanh(dotW_b(h_tm1, 8, random_state=0) + dotW_b(x_t, 8, random_state=1)))
    err = squared_error(dotW_b(h, 1, random_state=2), y)
    start = float(err.eval())
    Adam(err, learning_rate=0.03).fit(15)
    assert float(err.eval()) < 0.1 * start
    # Same structure, other sizes: the trained loop still evaluates on new data.
    assert err.eval(x=S[:5], y=target[:5]).shape == ()


def test_recurrence_errors():
    with pytest.raises(ValueError, match="init must be a vector"):
        recurrent_layer(init=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="must be a sequence of shape"):
        slice(Input("x", np.zeros((2, 3))))
    with pytest.raises(ValueError, match="t must be an int <= 0"):
        slice(Input("x", S), t=2)
    with pytest.raises(ValueError, match="exactly one recurrent_layer"):
        loop(tanh(Input("x", np.zeros((2, 3)))), steps=2)
    s = recurrent_layer(init=np.zeros(1))
    with pytest.raises(ValueError, match="give steps=n"):
        loop(s * 2.0)
    with pytest.raises(ValueError, match="k must be a positive int"):
        delayed(Input("x", S), 0)
    with pytest.raises(TypeError, match="expected a graph node"):
        loop(3)
    with pytest.raises(ValueError, match="recurrent_layer is used outside loop"):
        (s + slice(Input("x", S))).eval()
    x_t = slice(Input("x", S))
    with pytest.raises(ValueError, match="reads time slices outside a loop"):
        Adam(squared_error(dotW_b(x_t, 1), Input("y", np.zeros((100, 1)))))


def test_slice_outside_a_loop_is_computed_at_every_step():
    x = Input("x", S)
    np.testing.assert_array_equal(slice(x, t=0).eval(), S)
    # The seed's default: a time slice outside a loop behaves as a delayed node.
    np.testing.assert_array_equal(slice(x, t=-1).eval(), delayed(x, 1).eval())
    np.testing.assert_array_equal(slice(x, t=-3).eval(), delayed(x, 3).eval())
    layer = dotW_b(slice(x, t=0), 4, random_state=0)
    W, b = (p.value for p in layer.parameters())
    np.testing.assert_allclose(tanh(layer).eval(), np.tanh(S @ W + b))
    # On other data, and inside a loop the same node is one step again.
    np.testing.assert_array_equal(slice(x, t=0).eval(x=S[:3, :2]), S[:3, :2])
    s = recurrent_layer(init=np.zeros(1))
    two_back = loop(apply(lambda s, x: x, [s, slice(x, t=-2)]))
    np.testing.assert_allclose(two_back.eval(), delayed(x, 2).eval())
