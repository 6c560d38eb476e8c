"""MLPClassifier / MLPRegressor: parity with scikit-learn, compiled training, outputs.

Graph structures are shared across tests (one hidden relu layer, sgd or adam,
float64) so that each compiles once per session.
"""

import inspect
import os
import signal
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import neural_network as sk_nn
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.utils.validation import check_is_fitted

from sklearn_pylearn import compile_stats
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.neural_network import MLPClassifier, MLPRegressor
from sklearn_pylearn.pipeline import Pipeline
from sklearn_pylearn.preprocessing import StandardScaler
from sklearn_pylearn.runtime import Hook
from sklearn_pylearn.training import TrainingDivergedError

X, y = make_classification(
    n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
)
Xr, yr = make_regression(n_samples=80, n_features=5, random_state=0)
Xr /= Xr.std(axis=0)
yr = (yr - yr.mean()) / yr.std()

SMALL = dict(hidden_layer_sizes=(8,), random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ------------------------------------------------------ parity with scikit-learn


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_training_matches_scikit_learn(solver):
    kw = dict(SMALL, solver=solver, max_iter=4, batch_size=32)
    ours = MLPClassifier(**kw).fit(X, y)
    ref = sk_nn.MLPClassifier(**kw).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-7)
    assert (ours.n_iter_, ours.t_, ours.out_activation_) == (
        ref.n_iter_,
        ref.t_,
        ref.out_activation_,
    )
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6)


def test_regressor_lbfgs_and_sample_weight_match_scikit_learn():
    if "sample_weight" not in inspect.signature(sk_nn.MLPRegressor.fit).parameters:
        pytest.skip("scikit-learn's MLP takes sample_weight from 1.7 on")
    sw = np.random.RandomState(0).uniform(0.5, 2, len(Xr))
    kw = dict(SMALL, solver="lbfgs", max_iter=30)
    ours = MLPRegressor(**kw).fit(Xr, yr, sample_weight=sw)
    ref = sk_nn.MLPRegressor(**kw).fit(Xr, yr, sample_weight=sw)
    np.testing.assert_allclose(ours.predict(Xr), ref.predict(Xr), rtol=1e-5, atol=1e-6)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.predict(Xr).shape == (len(Xr),)


def test_early_stopping_matches_scikit_learn_and_restores_the_best():
    kw = dict(
        SMALL,
        solver="sgd",
        max_iter=15,
        early_stopping=True,
        n_iter_no_change=2,
        learning_rate_init=0.3,
    )
    ours = MLPClassifier(**kw).fit(X, y)
    ref = sk_nn.MLPClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert ours.best_validation_score_ == max(ours.validation_scores_)
    assert ours.best_loss_ is None and ours.n_iter_ == ref.n_iter_
    for a, b in zip(ours.coefs_, ref.coefs_):  # sklearn restores the best too
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def test_partial_fit_continues_like_scikit_learn():
    kw = dict(SMALL, solver="sgd", batch_size=40)
    ours, ref = MLPClassifier(**kw), sk_nn.MLPClassifier(**kw)
    for _ in range(3):
        ours.partial_fit(X, y, classes=np.unique(y))
        ref.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_allclose(ours.coefs_[0], ref.coefs_[0], rtol=1e-7)
    assert ours.loss_curve_ == pytest.approx(ref.loss_curve_, rel=1e-7)


def test_multilabel_and_multioutput_targets():
    Y = np.c_[y == 0, y == 1, y != 2].astype(int)
    clf = MLPClassifier(**SMALL, solver="adam", max_iter=5).fit(X, Y)
    ref = sk_nn.MLPClassifier(**SMALL, solver="adam", max_iter=5).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))
    assert clf.predict_proba(X).shape == (len(X), 3)
    reg = MLPRegressor(**SMALL, solver="adam", max_iter=5).fit(Xr, np.c_[yr, -yr])
    assert reg.predict(Xr).shape == (len(Xr), 2)


def test_float32_dtype_and_deterministic_random_state():
    a = MLPClassifier(**SMALL, solver="adam", max_iter=3, dtype="float32").fit(X, y)
    b = MLPClassifier(**SMALL, solver="adam", max_iter=3, dtype="float32").fit(X, y)
    assert a.coefs_[0].dtype == np.float32
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(p, q)


def test_digits_accuracy_within_one_point_of_scikit_learn():
    Xd, yd = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(Xd / 16, yd, random_state=0)
    kw = dict(hidden_layer_sizes=(32,), random_state=0, max_iter=60, solver="adam")
    ours = MLPClassifier(**kw).fit(Xtr, ytr).score(Xte, yte)
    ref = sk_nn.MLPClassifier(**kw).fit(Xtr, ytr).score(Xte, yte)
    assert ours >= ref - 0.01 and ours > 0.9


# --------------------------------------------------------- compile once per grid


def test_grid_search_compiles_the_training_step_once():
    est = MLPClassifier(**SMALL, solver="sgd", max_iter=2)
    GridSearchCV(est, {"alpha": [1e-4]}, cv=2).fit(X, y)  # warm the structures
    before = compile_stats()["compiles"]
    grid = {"learning_rate_init": [0.01, 0.1, 0.3], "alpha": [1e-4, 1e-2]}
    search = GridSearchCV(est, grid, cv=3).fit(X, y)
    assert compile_stats()["compiles"] == before
    assert len(search.cv_results_["params"]) == 6


# ------------------------------------------------------------- named outputs


def test_compute_returns_named_outputs_from_one_graph():
    clf = MLPClassifier(**SMALL, solver="adam", max_iter=3).fit(X, y)
    frame = clf.compute(
        pd.DataFrame(X),
        y,
        outputs=("prediction", "proba", "nll", "class_error", "hidden_0"),
    )
    proba_cols = [f"proba_{c}" for c in clf.classes_]
    assert list(frame.columns[:4]) == ["prediction", *proba_cols]
    np.testing.assert_array_equal(frame["prediction"], clf.predict(X))
    np.testing.assert_allclose(frame[proba_cols], clf.predict_proba(X))
    np.testing.assert_allclose(
        frame["nll"], -np.log(clf.predict_proba(X)[np.arange(len(y)), y])
    )
    np.testing.assert_array_equal(frame["class_error"], clf.predict(X) != y)
    assert frame.filter(like="hidden_0_").shape[1] == 8
    with pytest.raises(ValueError, match="unknown output.*available"):
        clf.compute(X, outputs="nope")
    with pytest.raises(ValueError, match="need y"):
        clf.compute(X, outputs=["nll"])


def test_regressor_compute_squared_error():
    reg = MLPRegressor(**SMALL, solver="adam", max_iter=3).fit(Xr, yr)
    frame = reg.compute(Xr, yr, outputs=["prediction", "squared_error"])
    np.testing.assert_allclose(frame["squared_error"], (reg.predict(Xr) - yr) ** 2 / 2)


# ----------------------------------------------------------------- pipelines


def test_pipeline_folds_affine_steps_into_the_first_layer():
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("pca", PCA(4)),
            ("mlp", MLPClassifier(**SMALL, solver="adam", max_iter=3)),
        ]
    ).fit(X, y)
    [segment] = pipe.fusion_plan("predict_proba").entries
    assert "mlp (first layer)" in str(segment)
    assert segment.graph_str().count("Dot") == 2  # one X @ W' + b', one output layer
    Xt = pipe[:-1].transform(X)
    np.testing.assert_allclose(
        pipe.predict_proba(X), pipe[-1].predict_proba(Xt), rtol=1e-10
    )
    np.testing.assert_array_equal(pipe.predict(X), pipe[-1].predict(Xt))
    unfolded = Pipeline(pipe.steps, fold_affine=False)
    assert unfolded.fusion_plan("predict").segments[0].graph_str().count("Dot") == 3


# ------------------------------------------------------------------- errors


def test_errors_are_clear():
    est = MLPClassifier(**SMALL, max_iter=2)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        est.fit(X, np.where(y == 0, np.nan, y))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier(**SMALL).partial_fit(X, y)
    est.fit(X, y)
    unseen = np.where(y == 0, 7, y)  # counted as wrong, as in scikit-learn
    assert est.score(X, unseen) == np.mean(est.predict(X) == unseen)
    with pytest.raises(AttributeError, match="has no attribute .partial_fit."):
        getattr(MLPClassifier(solver="lbfgs"), "partial_fit")  # noqa: B009
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(**SMALL, early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


def test_diverging_training_names_the_learning_rate_and_keeps_finite_weights():
    est = MLPRegressor(**SMALL, solver="sgd", learning_rate_init=1e6, max_iter=5)
    with pytest.raises(
        TrainingDivergedError, match="learning_rate_init=1000000.0.*smaller"
    ):
        est.fit(Xr, yr * 1e3)
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)


# ----------------------------------------------------- program: hooks, resume


class StopAfter(Hook):
    def __init__(self, epochs=2):
        self.epochs = epochs

    def on_epoch_end(self, vm, **info):
        if info["count"] == self.epochs:
            vm.request_interrupt("test")


def test_checkpoint_dir_resumes_an_interrupted_fit(tmp_path):
    kw = dict(SMALL, solver="adam", max_iter=6, tol=0.0)
    full = MLPClassifier(**kw).fit(X, y)
    est = MLPClassifier(**kw, checkpoint_dir=str(tmp_path), hooks=[StopAfter(2)])
    with pytest.warns(UserWarning, match="interrupted at epoch 2; call fit again"):
        est.fit(X, y)
    assert est.n_iter_ == 2
    est.set_params(hooks=None).fit(X, y)  # same directory: resumes at epoch 3
    assert est.n_iter_ == 6 and est.loss_curve_ == full.loss_curve_
    for a, b in zip(est.coefs_, full.coefs_):
        np.testing.assert_array_equal(a, b)


def test_verbose_shows_a_progress_bar_and_prints_sklearns_lines(capsys):
    est = MLPClassifier(**SMALL, solver="adam", max_iter=2, verbose=True).fit(X, y)
    out, err = capsys.readouterr()
    assert "MLPClassifier" in err
    curve = est.loss_curve_
    assert out.splitlines()[:2] == [
        f"Iteration {i + 1}, loss = {loss:.8f}" for i, loss in enumerate(curve)
    ]


def test_sklearn_callbacks_see_each_epoch():
    pytest.importorskip("sklearn.callback")

    class Recorder:
        def __init__(self):
            self.events = []

        def setup(self, estimator, context):
            self.events.append("setup")

        def on_fit_task_begin(self, estimator, context):
            self.events.append(context.task_name)

        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if fitted_estimator is not None:
                self.events.append(fitted_estimator.coefs_[0].shape)

        def teardown(self, estimator, context):
            self.events.append("teardown")

    rec = Recorder()
    MLPClassifier(**SMALL, solver="adam", max_iter=2).set_callbacks(rec).fit(X, y)
    assert rec.events[:3] == ["setup", "fit", "epoch"]
    assert rec.events.count("epoch") == 2 and rec.events[-1] == "teardown"
    assert (6, 8) in rec.events


def test_sklearn_progress_bar_on_a_fit_and_inside_grid_search():
    pytest.importorskip("rich")
    callback = pytest.importorskip("sklearn.callback")
    from sklearn.datasets import load_iris
    from sklearn.model_selection import GridSearchCV

    X, y = load_iris(return_X_y=True)
    kwargs = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(**kwargs)
        clf.set_callbacks(callback.ProgressBar())
        plain = MLPClassifier(**kwargs).fit(X, y)
        np.testing.assert_array_equal(clf.fit(X, y).coefs_[0], plain.coefs_[0])
        grid = GridSearchCV(MLPClassifier(**kwargs), {"alpha": [1e-4, 1e-2]}, cv=2)
        grid.set_callbacks(callback.ProgressBar())
        grid.fit(X, y)
    assert grid.best_params_["alpha"] in (1e-4, 1e-2)


def test_checkpoint_dir_resumes_without_a_random_state(tmp_path, caplog):
    """The seed drawn is recorded, so an unseeded fit resumes; each message once."""
    kw = dict(SMALL, solver="adam", max_iter=5, tol=0.0, checkpoint_dir=str(tmp_path))
    kw.pop("random_state", None)
    est = MLPClassifier(**kw, hooks=[StopAfter(2)])
    with pytest.warns(UserWarning) as record:
        est.fit(X, y)
    messages = [str(w.message) for w in record if "interrupted" in str(w.message)]
    assert messages == [
        "MLPClassifier interrupted at epoch 2; call fit again with the same "
        "checkpoint_dir to resume."
    ]
    caplog.clear()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*another fit")
        est.set_params(hooks=None).fit(X, y)
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 5
    assert [r.getMessage() for r in caplog.records if "resumed" in r.getMessage()] == [
        f"resumed from epoch 2 of {next(tmp_path.iterdir())}"
    ]
    caplog.clear()
    again = MLPClassifier(**kw).fit(X, y)  # finished: loaded, and said so
    assert any(
        "loaded the finished fit (epoch 5)" in r.getMessage() for r in caplog.records
    )
    np.testing.assert_array_equal(again.coefs_[0], est.coefs_[0])


def test_checkpoint_dir_gives_each_search_fit_its_own_directory(tmp_path):
    kw = dict(SMALL, solver="adam", max_iter=2, checkpoint_dir=str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("error", message=".*another fit")
        GridSearchCV(MLPClassifier(**kw), {"alpha": [1e-4, 1e-3]}, cv=2).fit(X, y)
    assert len(list(tmp_path.iterdir())) == 2 * 2 + 1  # candidates x folds + refit


def test_partial_fit_with_checkpoint_dir_checkpoints_quietly(tmp_path):
    est = MLPClassifier(**SMALL, solver="adam", checkpoint_dir=str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            est.partial_fit(X, y, classes=np.unique(y))
    (sub,) = tmp_path.iterdir()
    assert list(sub.iterdir())


class SigintAt(Hook):
    """Send this process a real SIGINT at the end of an epoch, or at a step."""

    def __init__(self, epoch=None, step=None):
        self.epoch, self.step = epoch, step

    def on_epoch_end(self, vm, **info):
        if info["count"] == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)

    def on_step(self, vm, step, **info):
        if step == self.step:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_keeps_a_consistent_partly_trained_model():
    est = MLPClassifier(**SMALL, solver="adam", max_iter=5, hooks=[SigintAt(epoch=2)])
    with pytest.warns(UserWarning, match="MLPClassifier interrupted at epoch 2;"):
        est.fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2
    assert est.loss_ == est.loss_curve_[-1]
    est.predict(X)


def test_ctrl_c_in_the_first_epoch_leaves_the_estimator_as_it_was():
    est = MLPClassifier(**SMALL, solver="adam", max_iter=5, hooks=[SigintAt(step=1)])
    with pytest.raises(KeyboardInterrupt, match="in epoch 1, before any epoch"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    est.set_params(hooks=None).fit(X, y)
    before = [c.copy() for c in est.coefs_]
    with pytest.raises(KeyboardInterrupt):
        est.set_params(hooks=[SigintAt(step=1)]).fit(X, y)
    for a, b in zip(est.coefs_, before):
        np.testing.assert_array_equal(a, b)
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 5


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLPClassifier(**SMALL, max_iter=3),
        lambda: MLPClassifier(**SMALL, solver="lbfgs", max_iter=3),
    ],
)
def test_a_failed_refit_leaves_the_classifier_as_it_was(make):
    est = make().fit(X, y)
    before = est.predict_proba(X)
    # Fails after the new features and classes were read: sample_weight.
    with pytest.raises(ValueError, match="sample_weight"):
        est.fit(X[:, :3], np.ones(len(X)), sample_weight=np.ones(3))
    assert est.n_features_in_ == X.shape[1]

    np.testing.assert_array_equal(est.predict_proba(X), before)
    with pytest.raises(ValueError, match="NaN|infinity"):
        est.fit(np.full_like(X, np.nan), y)
    np.testing.assert_array_equal(est.predict_proba(X), before)


def test_a_failed_refit_leaves_the_regressor_as_it_was():
    est = MLPRegressor(**SMALL, max_iter=3).fit(Xr, yr)
    before = est.predict(Xr)
    # Fails after the new weights were drawn: the validation split is too small.
    est.set_params(early_stopping=True, validation_fraction=0.01)
    with pytest.raises(ValueError, match="validation set is too small"):
        est.fit(Xr[:20, :2], yr[:20])
    assert est.n_features_in_ == Xr.shape[1]
    np.testing.assert_array_equal(est.predict(Xr), before)


@pytest.mark.parametrize("hook", ["x", StopAfter])
def test_hooks_that_are_not_hook_objects_are_a_type_error(hook):
    with pytest.raises(TypeError, match=r"MLPClassifier: hooks\[0\] must be a hook"):
        MLPClassifier(**SMALL, max_iter=1, hooks=[hook]).fit(X, y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_dtype_none_follows_X_as_scikit_learn(solver):
    kw = dict(SMALL, solver=solver, max_iter=2)
    clf = MLPClassifier(**kw).fit(X.astype(np.float32), y)
    reg = MLPRegressor(**kw).fit(Xr.astype(np.float32), yr)
    for est in (clf, reg):
        assert {p.dtype for p in est.coefs_ + est.intercepts_} == {np.dtype("float32")}
    assert MLPClassifier(**kw).fit(X, y).coefs_[0].dtype == np.float64
    wide = MLPClassifier(**kw, dtype="float64").fit(X.astype(np.float32), y)
    assert wide.coefs_[0].dtype == np.float64


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_single_class_fits_as_scikit_learn(solver):
    ones = np.full(len(X), 3)
    est = MLPClassifier(**SMALL, solver=solver, max_iter=3).fit(X, ones)
    np.testing.assert_array_equal(est.classes_, [3])
    np.testing.assert_array_equal(est.predict(X), ones)
    assert est.score(X, ones) == 1.0
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 2)  # scikit-learn's shape for one class too
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_a_diverging_validation_score_is_recorded_as_nan(monkeypatch):
    est = MLPRegressor(**SMALL, max_iter=3, early_stopping=True, tol=0.0)
    real = MLPRegressor._validation_score

    def overflowing(self, raw, Y_val, sw_val):
        return real(self, np.full_like(raw, np.inf), Y_val, sw_val)

    monkeypatch.setattr(MLPRegressor, "_validation_score", overflowing)
    with pytest.warns(ConvergenceWarning):
        est.fit(Xr, yr)
    assert est.n_iter_ == 3 and np.isnan(est.validation_scores_).all()


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_poisson_loss_matches_scikit_learn(solver):
    counts = np.random.RandomState(0).poisson(np.exp(Xr[:, 0] / 2))
    kw = dict(SMALL, solver=solver, max_iter=20, loss="poisson")
    ours = MLPRegressor(**kw).fit(Xr, counts)
    ref = sk_nn.MLPRegressor(**kw).fit(Xr, counts)
    assert ours.out_activation_ == ref.out_activation_ == "exp"
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=1e-5)
    np.testing.assert_allclose(ours.predict(Xr), ref.predict(Xr), rtol=1e-4)
    with pytest.raises(ValueError, match="negative, which is not allowed for Poisson"):
        MLPRegressor(**kw).fit(Xr, counts - 1.0)


# -- sparse input ----------------------------------------------------------------


def _sparse(X, fmt, dtype):
    """``X`` as a CSR matrix / CSC array of ``dtype`` with 64-bit indices."""
    out = (sp.csr_matrix if fmt == "csr" else sp.csc_array)(X.astype(dtype))
    out.indices = out.indices.astype(np.int64)
    out.indptr = out.indptr.astype(np.int64)
    return out


def _sparse_data():
    rng = np.random.RandomState(0)
    Xs = rng.rand(80, 6)
    Xs[Xs < 0.6] = 0.0
    labels = (Xs[:, 0] + Xs[:, 1] > 0.5).astype(int)
    labels[:10] = 2
    return Xs, labels, Xs @ rng.rand(6)


def _assert_same_model(a, b):
    for name in ("coefs_", "intercepts_"):
        for pa, pb in zip(getattr(a, name), getattr(b, name)):
            assert pa.dtype == pb.dtype
            np.testing.assert_array_equal(pa, pb)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_sparse_input_gives_the_results_of_dense_input(Est, dtype, fmt, solver):
    Xs, labels, targets = _sparse_data()
    t = labels if Est is MLPClassifier else targets
    params = dict(SMALL, solver=solver, max_iter=10, early_stopping=solver == "adam")
    X_dense, X_sparse = Xs.astype(dtype), _sparse(Xs, fmt, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = Est(**params).fit(X_dense, t)
        sparse = Est(**params).fit(X_sparse, t)
        _assert_same_model(sparse, dense)
        if solver == "sgd":
            dense.partial_fit(X_dense, t)
            sparse.partial_fit(X_sparse, t)
            _assert_same_model(sparse, dense)
    np.testing.assert_array_equal(sparse.predict(X_sparse), dense.predict(X_dense))
    assert sparse.score(X_sparse, t) == dense.score(X_dense, t)
    if Est is MLPClassifier:
        np.testing.assert_array_equal(
            sparse.predict_proba(X_sparse), dense.predict_proba(X_dense)
        )
    pd.testing.assert_frame_equal(
        sparse.compute(X_sparse, t, ["prediction", "hidden_0"]),
        dense.compute(X_dense, t, ["prediction", "hidden_0"]),
    )


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_sparse_tag_as_sklearns(Est):
    twin = getattr(sk_nn, Est.__name__)()
    assert twin.__sklearn_tags__().input_tags.sparse is True
    assert Est().__sklearn_tags__().input_tags.sparse is True


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_fit_on_large_sparse_data_densifies_one_block_at_a_time(monkeypatch, solver):
    """Minibatches and lbfgs's row blocks are densified one at a time, never the
    whole sparse X, and give the model of the dense X (lbfgs summing the dense X
    over the same blocks)."""
    from sklearn_pylearn.symbolic import rowwise

    Xs, labels, _ = _sparse_data()
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 10 * Xs.shape[1] * 8)
    monkeypatch.setattr(rowwise, "MIN_BLOCK_ROWS", 1)
    densified = []
    toarray = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        densified.append(self.shape[0])
        return toarray(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    params = dict(SMALL, solver=solver, max_iter=5, batch_size=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = MLPClassifier(**params).fit(Xs, labels)
        sparse = MLPClassifier(**params).fit(_sparse(Xs, "csr", np.float64), labels)
    assert densified and max(densified) <= 16
    _assert_same_model(sparse, dense)


def test_sparse_in_a_pipeline_with_a_one_hot_encoder():
    """The most common pipeline: one-hot encoded categories (sparse) and numbers."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline as sk_make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {
            "city": rng.choice(list("abcdefghijklmnop"), 100),
            "kind": rng.choice(list("uvwxyz0123"), 100),
            "num": rng.rand(100),
        }
    )
    target = ((frame.city < "f") ^ (frame.num > 0.5)).astype(int).to_numpy()
    results = {}
    for sparse_output in (True, False):
        encode = ColumnTransformer(
            [("oh", OneHotEncoder(sparse_output=sparse_output), ["city", "kind"])],
            remainder="passthrough",
        )
        for name, make in (
            ("sklearn", sk_make_pipeline),
            ("fused", lambda *s: Pipeline([(f"s{i}", e) for i, e in enumerate(s)])),
        ):
            pipe = make(encode, MLPClassifier(**SMALL, max_iter=30))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe.fit(frame, target)
            assert sp.issparse(pipe[0].transform(frame)) is sparse_output
            results[name, sparse_output] = pipe.predict_proba(frame)
    np.testing.assert_array_equal(results["sklearn", True], results["sklearn", False])
    np.testing.assert_allclose(
        results["fused", True], results["fused", False], rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(
    "y",
    [[3, 1, 2, 3, 1], ["a", "b", "a"], [1, 0, 1, 1], [7, 7], [2.0, 5.0, 2.0, 9.0]],
)
def test_the_streamed_fit_target_encoding_is_label_binarizers(y):
    from sklearn.preprocessing import LabelBinarizer

    from sklearn_pylearn.neural_network._base import _fast_binarizer

    y = np.asarray(y)
    binarizer = LabelBinarizer().fit(y)
    fast = _fast_binarizer(binarizer)
    for part in (y, y[:2], y[::-1]):
        got, want = fast(part), binarizer.transform(part)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
