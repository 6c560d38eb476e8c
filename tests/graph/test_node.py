import pickle
import subprocess
import sys

import numpy as np
import pytest

from sklearn_pylearn import clear_compile_cache, compile_stats
from sklearn_pylearn.graph import (
    HyperParam,
    Input,
    apply,
    dotW_b,
    evaluate,
    sigmoid,
    softmax,
    tanh,
)


def _data(rows=6, cols=4, seed=0):
    return np.random.RandomState(seed).rand(rows, cols)


def test_building_never_compiles():
    before = compile_stats()["compiles"] + compile_stats()["hits"]
    x = Input("x", _data())
    softmax(dotW_b(tanh(dotW_b(x, n=5, random_state=0)), n=3, random_state=1))
    assert compile_stats()["compiles"] + compile_stats()["hits"] == before


def test_node_knows_inputs_parameters_and_hyperparameters():
    x = Input("x", _data())
    h = apply(
        lambda x, s: s * x,
        tanh(dotW_b(x, n=2, random_state=0)),
        hyperparams=[("scale", 2.0)],
    )
    assert h.inputs() == [x]
    assert [p.name for p in h.parameters()] == ["W", "b"]
    assert [p.name for p in h.parameters(regularizable=True)] == ["W"]
    assert [hp.name for hp in h.hyperparameters()] == ["scale"]


def test_models_of_one_structure_share_one_compiled_function():
    clear_compile_cache()
    a = tanh(dotW_b(Input("x", _data(6, 4)), n=3, random_state=0))
    b = tanh(dotW_b(Input("x", _data(9, 7, seed=1)), n=11, random_state=1))
    a.eval()
    b.eval()
    stats = compile_stats()
    assert stats["compiles"] == 1 and stats["hits"] == 1


def test_evaluate_several_nodes_compiles_one_function():
    x = Input("x", _data())
    h = sigmoid(dotW_b(x, n=3, random_state=0))
    out = softmax(dotW_b(h, n=2, random_state=1))
    before = compile_stats()["compiles"] + compile_stats()["hits"]
    hv, ov = evaluate([h, out])
    assert compile_stats()["compiles"] + compile_stats()["hits"] == before + 1
    np.testing.assert_allclose(hv, h.eval())
    np.testing.assert_allclose(ov.sum(axis=1), 1.0)


def test_eval_on_other_data_by_name_or_input():
    x = Input("x", _data())
    h = tanh(x)
    other = np.zeros((2, 4))
    np.testing.assert_array_equal(h.eval(x=other), other)
    np.testing.assert_array_equal(h.eval({x: other}), other)


def test_next_iterates_over_minibatches():
    x = Input("x", np.arange(10.0).reshape(5, 2), batch_size=2)
    node = tanh(x) * 1.0
    shapes = [next(node).shape for _ in range(4)]
    assert shapes == [(2, 2), (2, 2), (1, 2), (2, 2)]


def test_next_refuses_misaligned_inputs():
    a = Input("a", np.ones((4, 1)), batch_size=2)
    b = Input("b", np.ones((6, 1)), batch_size=2)
    with pytest.raises(ValueError, match="different numbers of rows"):
        (a + b).next()


def test_replace_is_not_in_place_and_shares_parameters():
    x, x2 = Input("x", _data()), Input("x", _data(seed=3))
    h = tanh(dotW_b(x, n=3, random_state=0))
    before = h.eval()
    h2 = h.replace({x: x2})
    np.testing.assert_array_equal(h.eval(), before)
    assert h2.inputs() == [x2]
    assert h2.parameters()[0] is h.parameters()[0]
    h.parameters()[0].value *= 2
    assert not np.allclose(h2.eval(x=x.data), before)


def test_copy_deep_gives_new_parameters():
    x = Input("x", _data())
    h = tanh(dotW_b(x, n=3, random_state=0))
    deep = h.copy(deep=True)
    assert all(p is not q for p, q in zip(deep.parameters(), h.parameters()))
    np.testing.assert_allclose(deep.eval(), h.eval())
    deep.parameters()[0].value[:] = 0
    assert not np.allclose(deep.eval(), h.eval())
    assert h.copy().parameters()[0] is h.parameters()[0]


def test_replace_errors():
    x = Input("x", _data())
    with pytest.raises(TypeError, match="keys must be nodes or parameters"):
        tanh(x).replace({"x": x})
    with pytest.raises(TypeError, match="its replacement must be a node"):
        tanh(x).replace({x: np.zeros(3)})


def test_hyperparameter_input_does_not_recompile_constant_does():
    x = Input("x", _data())
    scale = HyperParam("scale", 2.0)
    node = apply(lambda x, s: s * x, x, hyperparams=[scale])
    node.eval()
    compiles = compile_stats()["compiles"]
    scale.value = 3.0
    np.testing.assert_allclose(node.eval(), 3.0 * x.data)
    assert compile_stats()["compiles"] == compiles
    folded = HyperParam("scale", 5.0, constant=True)
    node2 = apply(lambda x, s: s * x, x, hyperparams=[folded])
    np.testing.assert_allclose(node2.eval(), 5.0 * x.data)
    fn = node2._memo[next(iter(node2._memo))][1]
    assert "scale" not in [v.name for v in fn.fn.fn.maker.fgraph.inputs]
    folded.value = 1.0
    np.testing.assert_allclose(node2.eval(), x.data)


def test_pickle_round_trip_in_a_new_process(tmp_path):
    x = Input("x", _data())
    h = softmax(dotW_b(tanh(dotW_b(x, n=5, random_state=0)), n=3, random_state=1))
    path = tmp_path / "node.pkl"
    path.write_bytes(pickle.dumps(h))
    np.save(tmp_path / "expected.npy", h.eval())
    assert "_fns" not in pickle.dumps(h).decode("latin1")
    code = (
        "import pickle, numpy as np, sys;"
        f"h = pickle.loads(open({str(path)!r}, 'rb').read());"
        f"expected = np.load({str(tmp_path / 'expected.npy')!r});"
        "np.testing.assert_array_equal(h.eval(), expected)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_inverse_is_refused_by_default():
    with pytest.raises(NotImplementedError, match="softmax.* has no inverse"):
        softmax(Input("x", _data())).inverse()
