import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.stats

from sklearn_pylearn.graph import (
    PCD,
    Annotation,
    HyperParam,
    Input,
    Model,
    apply,
    dotW_b,
    sigmoid,
    softmax,
)
from sklearn_pylearn.graph.macros import DAA, DBN

X = (np.random.RandomState(0).rand(30, 8) > 0.5) * 1.0
Y = np.arange(30) % 3


@pytest.fixture
def dbn():
    return DBN(
        8,
        [5, 4],
        3,
        x=Input("x", X, batch_size=10),
        y=Input("y", Y, batch_size=10),
        random_state=0,
    )


def test_annotations_tree_and_depth(dbn):
    assert dbn.annotations(depth=1).splitlines() == [
        "'DBN'",
        "    'rbm1'",
        "    'rbm2'",
        "    'logreg'",
        "    'finetune'",
    ]
    assert "'CDk'" in dbn.annotations()
    assert "Model('DBN'" in repr(dbn) and "'rbm2'" in repr(dbn)


def test_find_is_breadth_first_from_the_top(dbn):
    assert dbn.find("W", look_at="rbm2").shape == (5, 4)
    assert dbn.find("W", look_at="rbm1").shape == (8, 5)
    assert dbn.find("W").shape == (4, 3)  # the top layer's, the logreg
    assert isinstance(dbn.find("CDk", look_at="rbm2"), Annotation)
    assert dbn.find("output").kind == "softmax"
    top = dbn["output"]
    assert dbn.find("W", look_at=top).shape == (4, 3)
    with pytest.raises(KeyError, match="nothing called 'V'"):
        dbn.find("V")
    with pytest.raises(KeyError, match="no annotation 'rbm9'"):
        dbn.find("W", look_at="rbm9")


def test_parameters_by_annotation(dbn):
    assert [p.shape for p in dbn.parameters("rbm1")] == [(8, 5), (5,), (8,)]
    assert [p.name for p in dbn.parameters("logreg")] == ["W", "b"]
    assert len(dbn.parameters(regularizable=True)) == 3


def test_dbn_becomes_a_stacked_denoising_autoencoder(dbn):
    before = dbn["output"].eval()
    daa1 = DAA(8, 5, random_state=1)
    sda = dbn.replace("rbm1", daa1, new_name="daa1")
    assert "'daa1'" in sda.annotations() and "'rbm1'" not in sda.annotations()
    assert "'rbm1'" in dbn.annotations()  # not in place
    np.testing.assert_array_equal(dbn["output"].eval(), before)
    assert set(sda.outputs) == {"output", "cost", "learner", "rbm2", "daa1"}
    W_daa = daa1.find("W", look_at="hidden")
    assert sda.parameters("daa1")[0] is W_daa
    # The logreg is shared; the first layer is the DAA's.
    assert sda.find("W", look_at="logreg") is dbn.find("W", look_at="logreg")
    first = sda["daa1"].next()
    sda["daa1"].next()
    assert np.isfinite(first)
    sda["rbm2"].next()
    finetune = sda["learner"]
    assert W_daa in finetune.params
    assert dbn.find("W", look_at="rbm1") not in finetune.params
    finetune.next()
    assert not np.allclose(sda["output"].eval(), before)


def test_replace_cdk_by_pcd_by_name(dbn):
    h1 = dbn.find("hidden", look_at="rbm1").top
    pcd1 = PCD(h1, dbn.inputs[0], k=1)
    model = dbn.replace(
        look_at="rbm1", search_for="CDk", replace_with=pcd1, annotate_as="PCD1"
    )
    assert model["rbm1"] is pcd1
    assert "'PCD1'" in model.annotations() and "'PCD1'" not in dbn.annotations()
    model["rbm1"].next()
    assert model["rbm1"].chains is not None


def test_replace_a_node_by_mapping_and_by_name(dbn):
    x2 = Input("x", X[:5])
    y2 = Input("y", Y[:5])
    valid = dbn.replace({dbn.inputs[0]: x2, dbn.inputs[1]: y2})
    assert valid["output"].eval().shape == (5, 3)
    assert valid.find("W", look_at="rbm1") is dbn.find("W", look_at="rbm1")
    out = dbn["output"]
    sharper = apply(lambda p: p * p / (p * p).sum(axis=1, keepdims=True), out)
    model = dbn.replace(
        look_at="logreg",
        search_for="output",
        replace_with=sharper,
        annotate_as="sharper",
    )
    assert model["output"] is sharper
    with pytest.raises(TypeError, match="not a node"):
        dbn.replace(look_at="rbm1", search_for="W", replace_with=sharper)
    with pytest.raises(TypeError, match="give a mapping"):
        dbn.replace("rbm1")


def test_replace_subgraph_needs_matching_inputs_and_outputs(dbn):
    with pytest.raises(ValueError, match="same numbers of inputs and outputs"):
        dbn.replace("finetune", DAA(4, 3), new_name="daa")


def test_hyperparameters_by_path_and_distributions():
    x = Input("x", X)
    h = sigmoid(dotW_b(x, n=3, random_state=0))
    scale = HyperParam("scale", 2.0, distribution=scipy.stats.uniform(1, 3))
    out = apply(lambda a, s: s * a, h, hyperparams=[scale])
    model = Model({"out": out}, name="M")
    model.annotate("layer", [out])
    assert model.get_hyperparams() == {"layer__scale": 2.0}
    model.set_hyperparams(layer__scale=3.0)
    np.testing.assert_allclose(out.eval(), 3.0 * h.eval())
    assert set(model.param_distributions()) == {"layer__scale"}
    with pytest.raises(KeyError, match="no hyper-parameter 'scale'"):
        model.set_hyperparams(scale=1.0)


def test_model_errors():
    with pytest.raises(TypeError, match="outputs must be a non-empty mapping"):
        Model([])
    with pytest.raises(TypeError, match="is not a node"):
        Model({"a": 1})


def test_to_dot_draws_layers_and_annotation_clusters(dbn):
    dot = dbn.to_dot()
    assert dot.startswith('digraph "DBN" {') and dot.rstrip().endswith("}")
    assert dot.count("subgraph cluster_") == 8
    assert 'label="rbm1"' in dot and "shape=ellipse" in dot and "->" in dot


def test_model_pickles_with_identical_outputs_in_a_new_process(dbn, tmp_path):
    dbn["rbm1"].next()
    path = tmp_path / "dbn.pkl"
    path.write_bytes(pickle.dumps(dbn))
    np.save(tmp_path / "out.npy", dbn["output"].eval())
    code = (
        "import pickle, numpy as np;"
        f"m = pickle.loads(open({str(path)!r}, 'rb').read());"
        f"expected = np.load({str(tmp_path / 'out.npy')!r});"
        "np.testing.assert_array_equal(m['output'].eval(), expected);"
        "m['rbm2'].next(); m['learner'].next()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_model_inputs_default_and_explicit():
    x = Input("x", X)
    out = softmax(dotW_b(x, n=2, random_state=0))
    assert Model({"out": out}).inputs == [x]
    assert Model({"out": out}, inputs=[x]).inputs == [x]
    assert Model({"out": out})["out"] is out


def test_deep_copy_has_new_leaves_and_shares_compiled_functions(dbn):
    from sklearn_pylearn import compile_stats

    dbn["learner"].next()
    twin = dbn.copy(deep=True)
    assert twin.find("W") is not dbn.find("W")
    np.testing.assert_array_equal(twin.find("W").value, dbn.find("W").value)
    twin.set_hyperparams(finetune__learning_rate=0.5)
    assert dbn.get_hyperparams()["finetune__learning_rate"] == 0.1
    before = compile_stats()["compiles"]
    twin["learner"].next()
    assert compile_stats()["compiles"] == before
    shallow = dbn.copy()
    assert shallow.find("W") is dbn.find("W") and shallow.outputs is not dbn.outputs


def test_colliding_hyperparameter_paths_are_unique_and_stable():
    from sklearn_pylearn.graph import SGD, Adam, cross_entropy

    x, y = Input("x", X), Input("y", Y)
    out = softmax(dotW_b(x, 3, random_state=0))
    cost = cross_entropy(out, y)
    sgd, adam, sgd2 = SGD(cost), Adam(cost), SGD(cost, learning_rate=0.3)
    model = Model({"a": sgd, "b": adam, "c": sgd2})
    model.annotate("train", [cost, sgd, adam, sgd2])
    keys = list(model.hyperparameters())
    assert len(keys) == len(set(keys)) == 2 + 4 + 2  # every one reachable
    assert "train__Adam__learning_rate" in keys and "train__beta_1" in keys
    assert model.get_hyperparams()["train__SGD_2__learning_rate"] == 0.3
    assert model.hyperparameters()["train__SGD_1__momentum"] is sgd.hyper["momentum"]
    # The same structure gives the same paths (copies, pickles).
    assert list(model.copy(deep=True).hyperparameters()) == keys
    assert list(pickle.loads(pickle.dumps(model)).hyperparameters()) == keys


def test_transform_annotations_build_the_tree_find_and_paths():
    from sklearn_pylearn.graph import SGD, CDk, cross_entropy

    x, y = Input("x", X), Input("y", Y)
    h1 = sigmoid(
        dotW_b(x, n=4, annotations=["rbm1", "hidden"]), annotations=["rbm1", "hidden"]
    )
    rbm1 = CDk(h1, x, annotations=["rbm1", "CDk"])
    out = softmax(dotW_b(h1, n=3, annotations="logreg"), annotations="logreg")
    learner = SGD(cross_entropy(out, y, annotations="finetune"), annotations="finetune")
    model = Model({"output": out, "rbm1": rbm1, "learner": learner}, name="DBN")
    assert model.annotations(depth=2).split("\n") == [
        "'DBN'",
        "    'rbm1'",
        "        'hidden'",
        "        'CDk'",
        "    'logreg'",
        "    'finetune'",
    ]
    assert model.find("W", look_at="rbm1").shape == (8, 4)
    assert model.find("W", look_at="logreg").shape == (4, 3)
    assert model.find("b_vis", look_at="rbm1") is rbm1.params[1]
    assert [p.name for p in model.parameters("rbm1")] == ["W", "b", "b_vis"]
    assert sorted(model.get_hyperparams()) == [
        "finetune__learning_rate",
        "finetune__momentum",
        "rbm1__CDk__learning_rate",
    ]
    W = model.find("W", look_at="rbm1")
    assert W.annotations == {"rbm1", "hidden"}
    with pytest.raises(TypeError, match="annotations must be a non-empty str"):
        sigmoid(x, annotations=[""])
    with pytest.raises(TypeError, match="annotations must be a non-empty str"):
        dotW_b(x, 2, annotations=3)
