"""DBNClassifier and DBNRegressor (``_dbn.py``): pretraining then fine-tuning,
pretrain_only / warm_start, the layer graph ``model_`` and surgery on it, compiled
hyper-parameters, and quality against an MLP on digits."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_pylearn import compile_stats
from sklearn_pylearn.graph.macros import DAA
from sklearn_pylearn.neural_network import (
    DBNClassifier,
    DBNRegressor,
    GraphClassifier,
    MLPClassifier,
    StackedDenoisingAutoencoderClassifier,
)
from sklearn_pylearn.pipeline import Pipeline
from sklearn_pylearn.preprocessing import MinMaxScaler
from sklearn_pylearn.runtime import Hook

SMALL = dict(
    hidden_layer_sizes=(12, 8),
    pretrain_epochs=2,
    pretrain_batch_size=20,
    max_iter=5,
    batch_size=50,
    solver="sgd",
    learning_rate_init=0.1,
    tol=0.0,
    random_state=0,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        yield


class _ProgramRecorder(Hook):
    def on_program_start(self, vm, **info):
        self.program = vm.program


def _params(est):
    return est.coefs_ + est.intercepts_ + est.intercepts_visible_


def test_fit_is_reproducible_bit_for_bit(digits):
    a = DBNClassifier(**SMALL).fit(*digits)
    b = DBNClassifier(**SMALL).fit(*digits)
    for p, q in zip(_params(a), _params(b)):
        assert p.tobytes() == q.tobytes()
    assert a.pretrain_loss_curves_ == b.pretrain_loss_curves_
    assert a.pretrain_reconstruction_error_curves_ == (
        b.pretrain_reconstruction_error_curves_
    )
    assert [len(c) for c in a.pretrain_loss_curves_] == [2, 2]
    assert a.out_activation_ == "softmax" and len(a.coefs_) == 3
    assert a.predict_proba(digits[0]).shape == (300, 10)


def test_pretraining_lowers_each_layer_loss(digits):
    est = DBNClassifier(**{**SMALL, "pretrain_epochs": 5}).fit(*digits)
    for curve in est.pretrain_loss_curves_:
        assert curve[-1] < curve[0]
    # The CD step's own monitor, as BernoulliRBM's reconstruction_error_curve_.
    for curve in est.pretrain_reconstruction_error_curves_:
        assert len(curve) == 5 and curve[-1] < curve[0]


def test_pretrained_hidden_layers_are_the_rbm_weights(digits):
    pre = DBNClassifier(**SMALL, pretrain_only=True).fit(*digits)
    assert pre.n_iter_ == 0 and pre.loss_curve_ == []
    full = DBNClassifier(**SMALL).fit(*digits)
    # Same seed: fine-tuning starts from exactly the weights pretrain_only keeps.
    assert full.intercepts_visible_[1].tobytes() == pre.intercepts_visible_[1].tobytes()
    assert not np.array_equal(full.coefs_[0], pre.coefs_[0])


def test_warm_start_fine_tunes_again_without_pretraining(digits):
    est = DBNClassifier(**SMALL, pretrain_only=True).fit(*digits)
    curves = est.pretrain_loss_curves_
    hidden = [c.copy() for c in est.coefs_[:-1]]
    est.set_params(pretrain_only=False, warm_start=True).fit(*digits)
    assert est.pretrain_loss_curves_ is curves  # no pretraining this time
    assert est.n_iter_ == SMALL["max_iter"] and len(est.loss_curve_) == 5
    assert not np.array_equal(est.coefs_[0], hidden[0])
    again = DBNClassifier(**SMALL).fit(*digits)  # pretrain + fine-tune in one fit
    np.testing.assert_array_equal(again.coefs_[-1].shape, est.coefs_[-1].shape)


def test_pretrain_only_with_a_warm_start_is_refused_and_changes_nothing(digits):
    est = DBNClassifier(**SMALL, pretrain_only=True).fit(*digits)
    coefs = [c.copy() for c in est.coefs_]
    est.set_params(warm_start=True)
    with pytest.raises(ValueError, match="Set pretrain_only=False to fine-tune"):
        est.fit(*digits)
    for a, b in zip(coefs, est.coefs_):
        assert a.tobytes() == b.tobytes()


def test_warm_start_on_an_unfitted_estimator_pretrains(digits):
    est = DBNClassifier(**SMALL, warm_start=True).fit(*digits)
    assert [len(c) for c in est.pretrain_loss_curves_] == [2, 2]


def test_no_partial_fit_and_a_clear_message():
    est = DBNClassifier()
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError) as info:
        _ = est.partial_fit
    assert "warm_start=True to fine-tune again" in str(info.value.__cause__)


def test_lbfgs_is_refused_by_name(digits):
    with pytest.raises(ValueError, match="'solver' parameter of DBNClassifier"):
        DBNClassifier(solver="lbfgs").fit(*digits)


def test_pcd_and_k_change_the_result(digits):
    cd = DBNClassifier(**SMALL, pretrain_only=True).fit(*digits)
    pcd = DBNClassifier(**SMALL, pretrain_only=True, method="pcd").fit(*digits)
    k3 = DBNClassifier(**SMALL, pretrain_only=True, k=3).fit(*digits)
    assert not np.array_equal(cd.coefs_[0], pcd.coefs_[0])
    assert not np.array_equal(cd.coefs_[0], k3.coefs_[0])


def test_float32_input_trains_in_float32(digits):
    X, y = digits
    est = DBNClassifier(**SMALL).fit(X.astype(np.float32), y)
    assert {c.dtype for c in _params(est)} == {np.dtype(np.float32)}


def test_binary_and_regression(digits):
    X, y = digits
    clf = DBNClassifier(**SMALL).fit(X, y % 2)
    assert clf.out_activation_ == "logistic" and clf.coefs_[-1].shape == (8, 1)
    reg = DBNRegressor(**SMALL).fit(X, y.astype(float))
    assert reg.predict(X).shape == (300,)
    model = reg.model_
    assert [line.strip() for line in model.annotations(depth=1).split("\n")] == [
        "'DBN'",
        "'rbm1'",
        "'rbm2'",
        "'linear'",
        "'finetune'",
    ]
    np.testing.assert_allclose(model["output"].eval(x=X)[:, 0], reg.predict(X))


# -- the layer graph and surgery ----------------------------------------------------
def test_model_is_the_annotated_dbn_with_the_fitted_arrays(digits):
    X, _ = digits
    est = DBNClassifier(**SMALL).fit(*digits)
    model = est.model_
    assert model.annotations(depth=2).split("\n")[:4] == [
        "'DBN'",
        "    'rbm1'",
        "        'hidden'",
        "        'CDk'",
    ]
    assert "'logreg'" in model.annotations()
    W = [p for p in model.parameters("rbm1") if p.name == "W"][0]
    np.testing.assert_array_equal(W.value, est.coefs_[0])
    proba = model["output"].eval(x=X)
    np.testing.assert_allclose(proba, est.predict_proba(X), rtol=1e-10, atol=1e-12)
    # A property built from arrays: pickles hold no graph.
    assert "model_" not in vars(est)
    assert b"pytensor" not in pickle.dumps(est)


def test_model_of_a_pcd_dbn_has_pcd_learners_with_the_fitted_biases(digits):
    X, _ = digits
    est = DBNClassifier(**SMALL, method="pcd").fit(*digits)
    model = est.model_
    assert "'PCD'" in model.annotations() and "'CDk'" not in model.annotations()
    assert model["rbm2"].kind == "PCD"
    b_vis = [p for p in model.parameters("rbm2") if p.name == "b_vis"][-1]
    np.testing.assert_array_equal(b_vis.value, est.intercepts_visible_[1])
    np.testing.assert_allclose(
        model["output"].eval(x=X), est.predict_proba(X), rtol=1e-10, atol=1e-12
    )


def test_model_of_a_binary_classifier_gives_the_same_probabilities(digits):
    X, y = digits
    est = DBNClassifier(**SMALL).fit(X, y % 2)
    proba = est.model_["output"].eval(x=X)
    np.testing.assert_allclose(proba, est.predict_proba(X), rtol=1e-10, atol=1e-12)


def test_surgery_rbm1_to_daa1_trains_in_a_graph_classifier(digits):
    X, y = digits
    est = DBNClassifier(**SMALL).fit(X, y)
    daa1 = DAA(64, 12, corruption_level=0.2)
    surgered = est.model_.replace("rbm1", daa1, new_name="daa1")
    assert "'daa1'" in surgered.annotations() and "'rbm1'" not in (
        surgered.annotations()
    )
    assert "'rbm1'" in est.model_.annotations()  # the estimator is unchanged
    clf = GraphClassifier(
        surgered,
        learners=["daa1", "learner"],
        max_iter=20,
        batch_size=20,
        random_state=0,
    ).set_params(model__finetune__learning_rate=0.5)
    assert clf.fit(X, y).score(X, y) > 0.5
    # rbm2 and logreg start from the DBN's fitted weights.
    W2 = [p for p in surgered.parameters("rbm2") if p.name == "W"][0]
    np.testing.assert_array_equal(W2.value, est.coefs_[1])


# -- compiled hyper-parameters ------------------------------------------------------
def test_grid_over_pretraining_rate_and_alpha_compiles_each_structure_once(digits):
    X, y = digits
    est = DBNClassifier(**{**SMALL, "pretrain_epochs": 1, "max_iter": 1})
    est.fit(X, y).predict(X)  # warm: every structure compiled once
    before = compile_stats()["compiles"]
    grid = {"pretrain_learning_rate": [0.05, 0.1], "alpha": [1e-4, 1e-2]}
    GridSearchCV(est, grid, cv=2).fit(X, y)
    assert compile_stats()["compiles"] == before


def test_grid_of_the_sda_over_corruption_levels_compiles_nothing_new(digits):
    X, y = digits
    est = StackedDenoisingAutoencoderClassifier(
        **{**SMALL, "pretrain_epochs": 1, "max_iter": 1}
    )
    est.fit(X, y).predict(X)
    before = compile_stats()["compiles"]
    grid = {
        "pretrain_learning_rate": [0.05, 0.1],
        "corruption_levels": [0.1, [0.3, 0.2]],
        "alpha": [1e-4, 1e-2],
    }
    GridSearchCV(est, grid, cv=2).fit(X, y)
    assert compile_stats()["compiles"] == before


# -- quality ------------------------------------------------------------------------
def test_pretrained_networks_are_at_least_as_accurate_as_the_mlp_on_digits():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X / 16.0, y, test_size=0.25, random_state=0, stratify=y
    )
    finetune = dict(
        hidden_layer_sizes=(100, 100),
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.9,
        batch_size=20,
        max_iter=10,
        tol=0.0,
        random_state=0,
    )
    pretrain = dict(pretrain_epochs=10, pretrain_learning_rate=0.1)
    mlp = MLPClassifier(activation="logistic", **finetune).fit(X_tr, y_tr)
    dbn = DBNClassifier(**pretrain, **finetune).fit(X_tr, y_tr)
    sda = StackedDenoisingAutoencoderClassifier(
        **pretrain, corruption_levels=0.2, **finetune
    ).fit(X_tr, y_tr)
    baseline = mlp.score(X_te, y_te)
    assert dbn.score(X_te, y_te) >= baseline
    assert sda.score(X_te, y_te) >= baseline


def test_early_stopping_pretrains_on_the_training_split_only(digits):
    X, y = digits
    recorder = _ProgramRecorder()
    est = DBNClassifier(
        **{**SMALL, "max_iter": 3}, early_stopping=True, hooks=[recorder]
    ).fit(X, y)
    assert recorder.program == est.training_program(len(X))
    assert "REPEAT(14, SEQ([CALL(data1.next_batch)" in str(recorder.program)  # 270
    assert len(est.validation_scores_) == 3


def test_fuses_in_a_pipeline_and_computes_named_outputs(digits):
    X, y = digits
    pipe = Pipeline([("scale", MinMaxScaler()), ("dbn", DBNClassifier(**SMALL))])
    pipe.fit(X * 16, y)
    scaled = pipe["scale"].transform(X * 16)
    np.testing.assert_allclose(
        pipe.predict_proba(X * 16), pipe["dbn"].predict_proba(scaled), rtol=1e-10
    )
    frame = pipe["dbn"].compute(X[:5], y[:5], outputs=["hidden_1", "nll"])
    assert frame.shape == (5, 9) and (frame.filter(like="hidden").to_numpy() < 1).all()


def test_a_streamed_dataset_is_refused_with_the_fix(tmp_path):
    import pandas as pd

    from sklearn_pylearn.data import ParquetDataset, write_parquet
    from sklearn_pylearn.neural_network import DBNClassifier

    frame = pd.DataFrame({"a": [0.0, 1.0, 1.0, 0.0], "b": [1.0, 0.0, 1.0, 0.0]})
    frame["y"] = [0, 1, 1, 0]
    write_parquet([frame], tmp_path / "d.parquet")
    stream = ParquetDataset(tmp_path / "d.parquet", input=["a", "b"], target="y")
    with pytest.raises(TypeError, match="needs every row at once.*to_dataset"):
        DBNClassifier(hidden_layer_sizes=(2,), max_iter=1).fit(stream)
