"""Layer graphs store as plain data (structure + arrays) for pickle and skops."""

import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytensor.tensor as pt
import pytest
import scipy.stats
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op

from sklearn_pylearn.graph import (
    SGD,
    HyperParam,
    Input,
    Model,
    apply,
    cross_entropy,
    dotW_b,
    loop,
    recurrent_layer,
    sigmoid,
    slice,
    softmax,
)
from sklearn_pylearn.graph._serialize import GraphStateError, graph_state
from sklearn_pylearn.graph.macros import DAA, DBN, MLP, RBM, LinReg, LogReg, SdA
from sklearn_pylearn.persistence import dump, load

RNG = np.random.RandomState(0)
X = (RNG.rand(30, 6) > 0.5) * 1.0
Y = np.arange(30) % 2
MACROS = {
    "LogReg": lambda: LogReg(6, 2),
    "LinReg": lambda: LinReg(6, 2),
    "MLP-adam": lambda: MLP(6, (4, 3), 2, solver="adam", activation="tanh"),
    "MLP-sgd": lambda: MLP(6, (4,), 2),
    "RBM": lambda: RBM(6, 3, k=2),
    "RBM-pcd": lambda: RBM(6, 3, persistent=True),
    "DAA": lambda: DAA(6, 3, corruption_level=0.2),
    "DBN": lambda: DBN(6, [4, 3], 2),
    "SdA": lambda: SdA(6, [4], 2),
}


def _values(model):
    out = {}
    for key, node in model.outputs.items():
        if key in ("output", "hidden", "reconstruction"):
            out[key] = node.eval(x=X)
    return out


def _plain(obj):
    """Only plain types (what skops writes as JSON) and numpy arrays."""
    if isinstance(obj, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_plain(v) for v in obj)
    return obj is None or isinstance(obj, (bool, int, float, str, np.ndarray))


@pytest.mark.parametrize("name", sorted(MACROS))
def test_every_macro_round_trips_through_pickle_and_skops(name, tmp_path):
    model = MACROS[name]()
    # Train a little first: optimiser state, counters and generators travel too.
    inputs = {"x": X[:10]} if "y" not in [i.name for i in model.inputs] else None
    learner = model["learner"]
    if inputs is None:
        y = Y[:10] if name != "LinReg" else np.ones((10, 2))
        learner.step({"x": X[:10], "y": y})
    else:
        learner.step(inputs)
    state = model.__getstate__()
    assert _plain(state)
    again = pickle.loads(pickle.dumps(model))
    path = dump(model, tmp_path / "model.skops")
    safe = load(path)  # trusted_types() only
    expected = _values(model)  # (draws noise: from the state that was stored)
    for twin in (again, safe):
        assert twin.annotations() == model.annotations()
        assert repr(twin) == repr(model)
        for key, value in _values(twin).items():
            np.testing.assert_array_equal(value, expected[key])
        assert [p.name for p in twin.parameters()] == [
            p.name for p in model.parameters()
        ]
        assert twin.get_hyperparams() == model.get_hyperparams()
        assert twin["learner"].n_updates == 1
        assert twin.find("W") is not model.find("W")
    # The next update is the same in the original and in both copies
    # (parameters, optimiser state and random generators all came back).
    args = {"x": X[10:20]}
    if "y" in [i.name for i in model.inputs]:
        args["y"] = Y[10:20] if name != "LinReg" else np.ones((10, 2))
    costs = [m["learner"].step(args) for m in (model, again, safe)]
    assert costs[0] == costs[1] == costs[2]
    for p, q in zip(model.parameters(), safe.parameters()):
        np.testing.assert_array_equal(p.value, q.value)


def test_a_model_reloads_in_a_fresh_process_with_identical_outputs(tmp_path):
    model = DBN(6, [4], 2)
    path = dump(model, tmp_path / "dbn.skops")
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import numpy as np
        from sklearn_pylearn.persistence import load
        model = load({str(path)!r})
        np.save({str(tmp_path / "out.npy")!r},
                model["output"].eval(x=np.load({str(tmp_path / "X.npy")!r})))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    expected = model["output"].eval(x=X)
    assert np.load(tmp_path / "out.npy").tobytes() == expected.tobytes()


def test_apply_stores_the_graph_never_the_function():
    x = Input("x", np.ones((2, 3)))
    y = apply(
        lambda x, w, s: pt.tanh(s * x * w) + pt.exp(-x),
        x,
        params=[("w", np.full(3, 0.5))],
        hyperparams=[("scale", 2.0)],
    )
    state = y.__getstate__()
    text = json.dumps(state["graph"]["structure"])
    assert "lambda" not in text and "function" not in text
    assert b"<lambda>" not in pickle.dumps(y)
    twin = pickle.loads(pickle.dumps(y))
    np.testing.assert_array_equal(twin.eval(), y.eval())
    assert [h.name for h in twin.hyperparameters()] == ["scale"]
    twin.hyperparameters()[0].value = 1.0  # still a hyper-parameter input
    assert not np.array_equal(twin.eval(), y.eval())


def test_loops_scans_and_distributions_round_trip(tmp_path):
    x = Input("x", RNG.normal(size=(4, 5, 2)))
    s = recurrent_layer(init=np.zeros(3))
    h = loop(sigmoid(dotW_b(s, 3, random_state=0) + dotW_b(slice(x), 3)))
    lr = HyperParam("learning_rate", 0.1, distribution=scipy.stats.loguniform(0.01, 1))
    model = Model({"states": h, "lr": apply(lambda v, r: v * r, h, hyperparams=[lr])})
    twin = load(dump(model, tmp_path / "loop.skops"))
    np.testing.assert_array_equal(twin["states"].eval(), h.eval())
    dist = twin.param_distributions()["learning_rate"]
    assert dist.dist.name == "loguniform" and dist.args == (0.01, 1)
    # A time slice restored is still a time slice (per-step outside a loop).
    x_t = pickle.loads(pickle.dumps(slice(x, t=-1)))
    np.testing.assert_array_equal(x_t.eval(), slice(x, t=-1).eval())


def test_the_seed_model_with_data_round_trips():
    train_x, train_y = Input("x", X, batch_size=10), Input("y", Y, batch_size=10)
    out = softmax(dotW_b(sigmoid(dotW_b(train_x, n=4, random_state=0)), n=2))
    err = cross_entropy(out, train_y)
    learner = SGD(err, err.parameters(), learning_rate=0.1)
    learner.next()
    twin = pickle.loads(pickle.dumps(learner))
    # The data and the position of the iteration came back too.
    assert twin.next() == learner.next()


class _ForeignOp(Op):
    """An op that is not PyTensor's: no plain-data form."""

    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = inputs[0]


@pytest.mark.filterwarnings("ignore:Numba will use object mode")
def test_an_op_without_plain_form_names_joblib(tmp_path):
    x = Input("x", np.ones((2, 2)))
    model = Model({"out": apply(lambda v: _ForeignOp()(v), x)})
    with pytest.raises(GraphStateError, match="save it with joblib"):
        dump(model, tmp_path / "m.skops")
    with pytest.raises(GraphStateError, match="_ForeignOp"):
        graph_state(vars(model))
    # joblib (a pickle) stores it: the objects themselves, not plain data.
    again = load(dump(model, tmp_path / "m.joblib"))
    np.testing.assert_array_equal(again["out"].eval(), model["out"].eval())


def test_a_tampered_file_cannot_import_other_code():
    model = LogReg(3, 2)
    state = model.__getstate__()
    structure = json.loads(state["graph"]["structure"])
    structure["objects"][0]["class"] = "os:system"
    state["graph"]["structure"] = json.dumps(structure)
    with pytest.raises(GraphStateError, match="refused"):
        Model.__new__(Model).__setstate__(state)
    structure["objects"][0]["class"] = "sklearn_pylearn.persistence:load"
    state["graph"]["structure"] = json.dumps(structure)
    with pytest.raises(GraphStateError, match="is not a graph class"):
        Model.__new__(Model).__setstate__(state)


def _seed_learner():
    from sklearn_pylearn.graph import corrupt

    x, y = Input("x", X, batch_size=10), Input("y", Y, batch_size=10)
    out = softmax(dotW_b(corrupt(x, 0.2, seed=1), n=2, random_state=0))
    err = cross_entropy(out, y)
    return SGD(err, learning_rate=0.1, momentum=0.9)


def test_a_learner_in_a_runtime_program_checkpoints_and_resumes(tmp_path):
    # The seed's "iterator objects ... easy to wrap in a plug-in": a learner node
    # as a context object of a runtime program, checkpointed as plain data.
    from sklearn_pylearn.runtime import CALL, REPEAT, Checkpoint, VirtualMachine
    from sklearn_pylearn.runtime.checkpoint import list_checkpoints, read_checkpoint

    program = REPEAT(8, CALL("learner.next"))
    learner = _seed_learner()
    hook = Checkpoint(tmp_path, every_n_steps=4, keep_last=5)
    VirtualMachine(program, {"learner": learner}, [hook]).run(handle_signals=False)
    middle = list_checkpoints(tmp_path)[0]  # after 4 of the 8 updates
    expected = [p.value.tobytes() for p in learner.params]
    # Built from the checkpoint (the class is trusted), or restored into a built
    # learner of the same structure: both end bit-identically.
    for context in (None, {"learner": _seed_learner()}):
        state = read_checkpoint(middle)
        vm = VirtualMachine.from_state(
            state, program=program, context=context, hooks=[]
        )
        vm.run(handle_signals=False)
        resumed = vm.context["learner"]
        assert resumed.n_updates == 8
        assert [p.value.tobytes() for p in resumed.params] == expected
    other = SGD(cross_entropy(softmax(dotW_b(Input("x", X), n=2)), Input("y", Y)))
    with pytest.raises(GraphStateError, match="another graph structure"):
        other.set_state(learner.get_state())
    assert read_checkpoint(middle)["vm"]["steps"] == 4
