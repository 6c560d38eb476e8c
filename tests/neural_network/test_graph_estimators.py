import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from sklearn_pylearn import compile_stats
from sklearn_pylearn.graph import Input, Model, dotW_b, sigmoid
from sklearn_pylearn.graph.macros import DBN, MLP, RBM, LogReg
from sklearn_pylearn.neural_network import (
    GraphClassifier,
    GraphRegressor,
    GraphTransformer,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def test_classifier_trains_a_copy_of_the_model(digits):
    X, y = digits
    model = LogReg(64, 10, learning_rate=0.5)
    W0 = model.find("W").value.copy()
    clf = GraphClassifier(model, max_iter=30, batch_size=50, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    np.testing.assert_array_equal(model.find("W").value, W0)  # never changed
    assert clf.model_.find("W") is not model.find("W")
    proba = clf.predict_proba(X[:3])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_get_and_set_params_reach_the_model_hyperparameters():
    clf = GraphClassifier(MLP(4, (3,), 2, learning_rate=0.01))
    params = clf.get_params()
    assert params["model__cost__learning_rate"] == 0.01
    assert params["model__cost__alpha"] == 0.0001
    clf.set_params(model__cost__learning_rate=0.05)
    assert clf.model.get_hyperparams()["cost__learning_rate"] == 0.05
    twin = clone(clf)
    twin.set_params(model__cost__learning_rate=0.2)
    assert clf.get_params()["model__cost__learning_rate"] == 0.05


def test_grid_search_compiles_the_training_step_once(digits):
    X, y = digits
    clf = GraphClassifier(
        MLP(64, (16,), 10, learning_rate=0.01),
        max_iter=3,
        batch_size=100,
        random_state=0,
    )
    clf.fit(X, y).predict(X)  # warm: compiles the step and the prediction
    before = compile_stats()["compiles"]
    grid = {
        "model__cost__learning_rate": [0.01, 0.05],
        "model__cost__alpha": [0.0, 1e-3],
    }
    search = GridSearchCV(clf, grid, cv=2).fit(X, y)
    assert compile_stats()["compiles"] == before
    assert search.best_params_["model__cost__learning_rate"] in (0.01, 0.05)


def test_layerwise_learners_in_order(digits):
    X, y = digits
    clf = GraphClassifier(
        DBN(64, [32], 10, finetune_learning_rate=0.5),
        learners=["rbm1", "learner"],
        max_iter=15,
        batch_size=50,
        random_state=0,
    ).fit(X, y)
    assert clf.score(X, y) > 0.8
    assert clf.model_.find("b_vis").value.any()  # the RBM was pre-trained


def test_regressor_multi_output_and_custom_model():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3))
    Y = np.c_[X @ [1.0, -1.0, 0.5], X @ [0.0, 2.0, 1.0]]
    reg = GraphRegressor(max_iter=200, batch_size=20).fit(X, Y)
    assert reg.predict(X).shape == (80, 2) and reg.score(X, Y) > 0.99
    x = Input("x", ndim=2, dtype="float64", size=3)
    y = Input("y", ndim=2, dtype="float64", size=1)
    from sklearn_pylearn.graph import SGD, squared_error

    out = dotW_b(x, 1, random_state=0)
    cost = squared_error(out, y)
    model = Model(
        {"output": out, "cost": cost, "learner": SGD(cost, learning_rate=0.05)}
    )
    reg = GraphRegressor(model, max_iter=100, batch_size=20).fit(X, Y[:, 0])
    assert reg.predict(X).shape == (80,) and reg.score(X, Y[:, 0]) > 0.99


def test_transformer_with_an_rbm_and_pickle(digits):
    X, _ = digits
    tr = GraphTransformer(RBM(64, 8), max_iter=3, random_state=0).fit(X)
    Z = tr.transform(X)
    assert Z.shape == (400, 8) and 0 < Z.min() and Z.max() < 1
    again = pickle.loads(pickle.dumps(tr))
    np.testing.assert_array_equal(again.transform(X), Z)


def test_errors(digits):
    X, y = digits
    with pytest.raises(ValueError, match="has 3 columns, but y has 10 classes"):
        GraphClassifier(LogReg(64, 3), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="input x has width 4, but X has 64"):
        GraphClassifier(LogReg(4, 10), max_iter=1).fit(X, y)
    x = Input("data", ndim=2, dtype="float64", size=64)
    model = Model({"hidden": sigmoid(dotW_b(x, 2))})
    with pytest.raises(ValueError, match="no data input named 'x'"):
        GraphTransformer(model, max_iter=1).fit(X)
    with pytest.raises(ValueError, match="output='code' is not an output"):
        GraphTransformer(RBM(64, 2), output="code", max_iter=1).fit(X)


def test_checkpoints_resume_the_same_fit(digits, tmp_path):
    X, y = digits
    settings = dict(max_iter=3, batch_size=100, random_state=0, checkpoint_dir=tmp_path)
    first = GraphClassifier(LogReg(64, 10), **settings).fit(X, y)
    (fit_dir,) = tmp_path.iterdir()  # the fit's own directory, a learner in it
    assert (fit_dir / "learner").is_dir()
    again = GraphClassifier(LogReg(64, 10), **settings).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), first.predict_proba(X))
    assert again.n_iter_ == first.n_iter_ == 3
    # Other parameters (a search's other candidate) write elsewhere.
    GraphClassifier(LogReg(64, 10), **{**settings, "max_iter": 2}).fit(X, y)
    assert len(list(tmp_path.iterdir())) == 2


def test_randomized_search_samples_the_model_distributions(digits):
    import scipy.stats
    from sklearn.model_selection import RandomizedSearchCV

    from sklearn_pylearn.graph import SGD, HyperParam, cross_entropy, softmax

    x = Input("x", ndim=2, dtype="float64", size=64)
    y = Input("y", ndim=1, dtype="int64")
    out = softmax(dotW_b(x, 10, random_state=0))
    cost = cross_entropy(out, y)
    learner = SGD(cost, learning_rate=0.1)
    rate = learner.hyper["learning_rate"]
    rate.distribution = scipy.stats.loguniform(0.01, 1.0)
    model = Model({"output": out, "cost": cost, "learner": learner})
    model.annotate("train", [cost, learner])
    space = model.param_distributions(prefix="model__")
    assert list(space) == ["model__train__learning_rate"]
    X, y_ = digits
    search = RandomizedSearchCV(
        GraphClassifier(model, max_iter=3, batch_size=100),
        space,
        n_iter=2,
        cv=2,
        random_state=0,
    ).fit(X, y_)
    assert 0.01 <= search.best_params_["model__train__learning_rate"] <= 1.0
    assert isinstance(HyperParam("h", 1.0).distribution, type(None))


_KILL_SCRIPT = """
import logging, sys, warnings, numpy as np
from sklearn.datasets import load_digits
from sklearn_pylearn.graph.macros import DBN
from sklearn_pylearn.neural_network import GraphClassifier
warnings.simplefilter("ignore")
logging.basicConfig(level=logging.WARNING)  # says what it resumed
X, y = load_digits(return_X_y=True)
X, y = X[:300] / 16.0, y[:300]
clf = GraphClassifier(
    DBN(64, [24], 10, finetune_learning_rate=0.3), learners=["rbm1", "learner"],
    max_iter=int(sys.argv[2]), tol=0.0, n_iter_no_change=1000, batch_size=20,
    random_state=0, checkpoint_dir=sys.argv[1],
)
print("READY", flush=True)
clf.fit(X, y)
np.savez(sys.argv[3], proba=clf.predict_proba(X),
         **{f"p{i}": p.value for i, p in enumerate(clf.model_.parameters())})
"""


def test_a_fit_killed_with_sigkill_resumes_bit_identically(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from sklearn_pylearn.runtime.checkpoint import list_checkpoints

    root = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}

    def run(directory, out, wait=True):
        args = [sys.executable, "-c", _KILL_SCRIPT, str(directory), "40", str(out)]
        return (subprocess.run if wait else subprocess.Popen)(
            args, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    done = run(tmp_path / "reference", tmp_path / "reference.npz")
    assert done.returncode == 0, done.stderr.decode()
    proc = run(tmp_path / "ckpt", tmp_path / "killed.npz", wait=False)
    deadline = time.monotonic() + 300
    # Killed once the first learner (the RBM) has checkpointed: during (or just
    # after) the second one.
    while not any(list_checkpoints(d) for d in tmp_path.glob("ckpt/*/rbm1")):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the fit never checkpointed its RBM"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "killed.npz").exists()
    done = run(tmp_path / "ckpt", tmp_path / "resumed.npz")
    log = done.stderr.decode()
    assert done.returncode == 0, log
    # It resumed (the RBM's checkpoint is its finished fit, or one from its middle).
    assert "loaded the finished fit" in log or "resumed from epoch" in log, log
    with np.load(tmp_path / "reference.npz") as ref:
        with np.load(tmp_path / "resumed.npz") as got:
            assert sorted(got.files) == sorted(ref.files)
            for key in ref.files:
                assert got[key].tobytes() == ref[key].tobytes(), key


def test_hyperparameters_of_learners_annotated_together_get_unique_paths(digits):
    from sklearn_pylearn.graph import SGD, cross_entropy, softmax

    x = Input("x", ndim=2, dtype="float64", size=64)
    y = Input("y", ndim=1, dtype="int64")
    out = softmax(dotW_b(x, 10, random_state=0), name="output")
    cost = cross_entropy(out, y)
    warmup, learner = SGD(cost, learning_rate=0.5), SGD(cost, learning_rate=0.01)
    model = Model({"output": out, "warmup": warmup, "learner": learner})
    model.annotate("train", [cost, warmup, learner])
    clf = GraphClassifier(
        model, learners=["warmup", "learner"], max_iter=2, batch_size=100
    )
    params = clf.get_params()
    # Both learners' learning rates, each reachable (no path hides the other).
    assert params["model__train__SGD_1__learning_rate"] == 0.5
    assert params["model__train__SGD_2__learning_rate"] == 0.01
    clf.set_params(model__train__SGD_2__learning_rate=0.02)
    assert learner.hyper["learning_rate"].value == 0.02
    assert warmup.hyper["learning_rate"].value == 0.5
    X, y_ = digits
    clf.fit(X, y_).predict(X)  # warm: compiles both steps and the prediction
    before = compile_stats()["compiles"]
    grid = {
        "model__train__SGD_1__learning_rate": [0.1, 0.5],
        "model__train__SGD_2__learning_rate": [0.01, 0.05],
    }
    search = GridSearchCV(clf, grid, cv=2).fit(X, y_)
    assert compile_stats()["compiles"] == before
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_.model_.hyperparameters()
    chosen = search.best_params_
    for key in grid:
        assert best[key.removeprefix("model__")].value == chosen[key]


def test_fits_of_copies_reuse_the_built_training_step(digits, monkeypatch):
    from sklearn_pylearn.graph import Learner

    X, y = digits
    model = MLP(64, (16,), 10, learning_rate=0.01)
    model["learner"].step({"x": X[:10], "y": y[:10]})  # builds its step once
    first = GraphClassifier(model, max_iter=2, batch_size=100, random_state=0)

    def no_build(self, live):
        raise AssertionError("the step's graph was built again")

    monkeypatch.setattr(Learner, "_build_step", no_build)
    first.fit(X, y)  # a deep copy of the model: it keeps the built step
    clone(first).fit(X, y)
    assert first.model_["learner"].n_updates == 1 + 8  # (it went on from the model)
    # The copy trains its own parameters, never the model's.
    assert model["learner"].n_updates == 1


class InterruptOnce:
    """A hook that sends this process one SIGINT at a given step (a Ctrl-C)."""

    def __init__(self, at_step):
        self.at_step = at_step
        self.fired = False

    def on_step(self, vm, **info):
        import os
        import signal

        if not self.fired and vm.steps >= self.at_step:
            self.fired = True
            os.kill(os.getpid(), signal.SIGINT)


def _two_learners(random_state=0, **kw):
    return GraphClassifier(
        DBN(64, [12], 10, finetune_learning_rate=0.3),
        learners=["rbm1", "learner"],
        max_iter=3,
        batch_size=100,
        tol=0.0,
        n_iter_no_change=1000,
        random_state=random_state,
        **kw,
    )


def test_ctrl_c_in_the_first_learner_stops_the_fit_and_it_resumes(
    digits, tmp_path, caplog
):
    import warnings

    X, y = digits
    whole = _two_learners().fit(X, y)
    hook = InterruptOnce(14)  # mid-epoch 2 of rbm1 (4 minibatches, 10 steps an epoch)
    cut = _two_learners(checkpoint_dir=tmp_path, hooks=[hook])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        cut.fit(X, y)
    assert hook.fired
    messages = [str(w.message) for w in record if "interrupted" in str(w.message)]
    assert messages == [
        "GraphClassifier interrupted at epoch 1 of learner 'rbm1' (1 of 2; not "
        "trained: 'learner'); call fit again with the same checkpoint_dir to resume."
    ]
    assert cut.n_iter_ == 1 and len(cut.loss_curve_) == 1
    # The second learner never ran: what it alone trains is as it started.
    trained = {id(p) for p in cut.model_["rbm1"].params}
    initial = _two_learners().model.parameters()
    untouched = [
        (got, start)
        for got, start in zip(cut.model_.parameters(), initial)
        if id(got) not in trained
    ]
    assert untouched
    for got, start in untouched:
        np.testing.assert_array_equal(got.value, start.value)
    with caplog.at_level("WARNING", logger="sklearn_pylearn"):
        resumed = _two_learners(checkpoint_dir=tmp_path, hooks=[hook]).fit(X, y)
    assert "resumed from epoch 1" in caplog.text
    np.testing.assert_array_equal(resumed.predict_proba(X), whole.predict_proba(X))
    for a, b in zip(resumed.model_.parameters(), whole.model_.parameters()):
        assert a.value.tobytes() == b.value.tobytes()
    assert resumed.n_iter_ == whole.n_iter_ == 3


def test_ctrl_c_before_any_epoch_ends_leaves_the_estimator_as_it_was(digits):
    X, y = digits
    clf = _two_learners().fit(X, y)
    before = dict(vars(clf))
    clf.set_params(hooks=[InterruptOnce(3)])
    with pytest.raises(KeyboardInterrupt, match="in epoch 1 of learner 'rbm1'"):
        clf.fit(X, y)
    assert clf.model_ is before["model_"] and clf.n_iter_ == before["n_iter_"]


def test_hooks_that_are_not_hook_objects_are_a_type_error(digits):
    X, y = digits
    with pytest.raises(TypeError, match=r"GraphClassifier: hooks\[0\] must be"):
        GraphClassifier(hooks=["no"]).fit(X, y)
