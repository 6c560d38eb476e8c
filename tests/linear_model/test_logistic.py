"""LogisticRegression: parity with scikit-learn's lbfgs, outputs, errors, caching."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler as SkScaler

from sklearn_pylearn import compile_stats
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.linear_model import LogisticRegression
from sklearn_pylearn.pipeline import make_pipeline
from sklearn_pylearn.preprocessing import StandardScaler


def _scaled(loader):
    X, y = loader(return_X_y=True)
    return SkScaler().fit_transform(X), y


IRIS = _scaled(load_iris)
CANCER = _scaled(load_breast_cancer)
DIGITS = _scaled(load_digits)


def _assert_same_fit(ours, ref, rtol=1e-4):
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(
        ours.intercept_, ref.intercept_, rtol=rtol, atol=rtol * scale
    )


@pytest.mark.parametrize(
    "data", [IRIS, CANCER, DIGITS], ids=["iris", "cancer", "digits"]
)
@pytest.mark.parametrize(
    "params",
    [{}, {"C": 0.05}, {"fit_intercept": False}, {"class_weight": "balanced"}],
    ids=["default", "C", "no_intercept", "balanced"],
)
def test_lbfgs_matches_sklearn(data, params):
    X, y = data
    ours = LogisticRegression(max_iter=300, **params).fit(X, y)
    ref = sklm.LogisticRegression(max_iter=300, **params).fit(X, y)
    _assert_same_fit(ours, ref)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(
        ours.decision_function(X), ref.decision_function(X), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_no_penalty_matches_sklearn():
    X, y = DIGITS
    ours = LogisticRegression(penalty=None, max_iter=500).fit(X, y)
    ref = sklm.LogisticRegression(C=np.inf, max_iter=500).fit(X, y)
    _assert_same_fit(ours, ref)


def test_sample_weight_matches_sklearn():
    X, y = IRIS
    w = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
    ours = LogisticRegression(C=0.5).fit(X, y, sample_weight=w)
    ref = sklm.LogisticRegression(C=0.5).fit(X, y, sample_weight=w)
    _assert_same_fit(ours, ref)


def test_float32_input():
    X, y = CANCER
    ours = LogisticRegression().fit(X.astype(np.float32), y)
    ref = sklm.LogisticRegression().fit(X, y)
    _assert_same_fit(ours, ref, rtol=2e-3)
    assert ours.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_digits_accuracy_within_half_a_point_of_sklearn():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    scaler = SkScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    ours = LogisticRegression(max_iter=500).fit(X_tr, y_tr).score(X_te, y_te)
    ref = sklm.LogisticRegression(max_iter=500).fit(X_tr, y_tr).score(X_te, y_te)
    assert abs(ours - ref) <= 0.005


def test_log_proba_is_stable_and_consistent():
    X, y = IRIS
    clf = LogisticRegression(penalty=None, max_iter=50).fit(X * 50, y)
    log_p = clf.predict_log_proba(X * 50)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(np.exp(log_p), clf.predict_proba(X * 50), atol=1e-12)


def test_string_labels_and_binary_shapes():
    X, y = CANCER
    labels = np.array(["benign", "malignant"])[y]
    clf = LogisticRegression().fit(X, labels)
    assert clf.coef_.shape == (1, X.shape[1]) and clf.intercept_.shape == (1,)
    assert set(clf.predict(X)) <= {"benign", "malignant"}
    assert clf.decision_function(X).shape == (len(X),)
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_compute_returns_named_outputs_from_one_function():
    X, y = IRIS
    clf = LogisticRegression().fit(X, y)
    before = compile_stats()["compiles"]
    frame = clf.compute(
        X, y, outputs=("prediction", "proba", "nll", "class_error", "decision")
    )
    assert compile_stats()["compiles"] - before <= 1
    assert list(frame.columns[:4]) == ["prediction", "proba_0", "proba_1", "proba_2"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(frame[["proba_0", "proba_1", "proba_2"]], proba)
    np.testing.assert_allclose(frame["nll"], -np.log(proba[np.arange(len(y)), y]))
    np.testing.assert_array_equal(frame["prediction"], clf.predict(X))
    np.testing.assert_array_equal(frame["class_error"], clf.predict(X) != y)


def test_compute_keeps_a_dataframe_index():
    X, y = IRIS
    df = pd.DataFrame(X, columns=list("abcd"), index=np.arange(len(X)) + 1000)
    clf = LogisticRegression().fit(df, y)
    frame = clf.compute(df, outputs="prediction")
    assert frame.index[0] == 1000


def test_compute_errors_name_the_problem():
    X, y = IRIS
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"unknown output\(s\) \['probs'\]; available"):
        clf.compute(X, outputs=["probs"])
    with pytest.raises(
        ValueError, match=r"\['nll'\] compare with the truth and need y"
    ):
        clf.compute(X, outputs=["prediction", "nll"])
    with pytest.raises(
        ValueError, match=r"inconsistent numbers of samples: \[150, 10\]"
    ):
        clf.compute(X, y[:10], outputs=["nll"])
    with pytest.raises(ValueError, match=r"labels not seen in fit: \[7\]"):
        clf.compute(X, np.full(len(X), 7), outputs=["nll"])


def test_score_counts_labels_unseen_at_fit_as_wrong():
    from sklearn.model_selection import KFold, cross_val_score

    X, y = IRIS
    clf = LogisticRegression().fit(X, y)
    expected = np.mean(clf.predict(X) == np.where(y == 2, 9, y))
    assert clf.score(X, np.where(y == 2, 9, y)) == expected
    scores = cross_val_score(LogisticRegression(), X, y, cv=KFold(3))
    np.testing.assert_array_equal(scores, [0.0, 0.0, 0.0])  # as scikit-learn


def test_single_class_is_an_error():
    X, _ = IRIS
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 1"):
        LogisticRegression().fit(X, np.ones(len(X), dtype=int))


def test_nan_in_y_is_an_error():
    X, y = IRIS
    y = y.astype(float)
    y[3] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        LogisticRegression().fit(X, y)


def test_non_convergence_warns_and_names_max_iter():
    X, y = DIGITS
    with pytest.warns(ConvergenceWarning, match=r"max_iter"):
        LogisticRegression(max_iter=2).fit(X, y)


def test_same_data_gives_bit_identical_coefficients():
    X, y = IRIS
    a = LogisticRegression().fit(X, y)
    b = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_warm_start_continues_from_the_previous_solution():
    X, y = DIGITS
    clf = LogisticRegression(max_iter=500, warm_start=True).fit(X, y)
    cold_iterations = clf.n_iter_[0]
    coef = clf.coef_.copy()
    clf.fit(X, y)  # starts at the optimum: converges at once
    assert clf.n_iter_[0] <= 2 < cold_iterations
    np.testing.assert_allclose(clf.coef_, coef, rtol=1e-4, atol=1e-6)
    clf.set_params(warm_start=False).fit(X, y)
    assert clf.n_iter_[0] == cold_iterations


def test_grid_search_compiles_the_objective_once():
    X, y = IRIS
    LogisticRegression().fit(X, y)  # the objective of this structure is cached
    before = compile_stats()["compiles"]
    grid = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
    assert compile_stats()["compiles"] - before <= 1  # only the scoring graph
    assert grid.best_params_["C"] in (0.1, 1.0, 10.0)


def test_final_step_of_a_fused_pipeline():
    X, y = DIGITS
    pipe = make_pipeline(StandardScaler(), PCA(20), LogisticRegression()).fit(X, y)
    plan = pipe.fusion_plan("predict_proba")
    assert "logisticregression" in str(plan.segments[-1].steps)
    step_by_step = pipe[-1].predict_proba(pipe[:-1].transform(X))
    np.testing.assert_allclose(pipe.predict_proba(X), step_by_step, rtol=1e-9)
    np.testing.assert_array_equal(
        pipe.predict(X), pipe[-1].predict(pipe[:-1].transform(X))
    )


def test_pickle_holds_no_compiled_function():
    X, y = IRIS
    clf = LogisticRegression().fit(X, y)
    clf.predict(X)
    blob = pickle.dumps(clf)
    assert b"pytensor" not in blob
    np.testing.assert_array_equal(pickle.loads(blob).predict(X), clf.predict(X))


def _objective(clf, X, y, C=1.0):
    """scikit-learn's lbfgs objective at the fitted coefficients."""
    log_p = clf.predict_log_proba(X)
    codes = np.searchsorted(clf.classes_, y)
    nll = -log_p[np.arange(len(y)), codes].mean()
    return nll + np.sum(clf.coef_**2) / (2 * C * len(y))


# Constant-step SGD on this ill-conditioned problem (weak penalty) approaches the
# optimum slowly: 400 epochs reach 1.12x the optimal objective, Adam 1.003x.
@pytest.mark.parametrize(
    "solver, lr, bound", [("sgd", 0.05, 1.2), ("adam", 0.01, 1.02)]
)
def test_minibatch_solvers_reach_the_lbfgs_optimum(solver, lr, bound):
    X, y = CANCER
    exact = LogisticRegression().fit(X, y)
    clf = LogisticRegression(
        solver=solver,
        learning_rate_init=lr,
        max_iter=400,
        tol=1e-6,
        n_iter_no_change=20,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert _objective(clf, X, y) <= bound * _objective(exact, X, y)
    assert abs(clf.score(X, y) - exact.score(X, y)) <= 0.015


def test_minibatch_solver_is_deterministic_and_multinomial():
    X, y = IRIS
    kwargs = dict(solver="adam", max_iter=30, random_state=3, learning_rate_init=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = LogisticRegression(**kwargs).fit(X, y)
        b = LogisticRegression(**kwargs).fit(X, y)
    assert a.coef_.shape == (3, 4)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.score(X, y) > 0.9


def test_diverging_training_names_the_learning_rate():
    X, y = CANCER
    clf = LogisticRegression(solver="sgd", learning_rate_init=1e30, penalty=None)
    with pytest.raises(ValueError, match="diverged.*smaller learning_rate_init"):
        clf.fit((X * 1e6).astype(np.float32), y)
    assert not hasattr(clf, "coef_")  # a failed fit leaves it unfitted


def test_affine_preprocessing_folds_into_the_decision_function():
    X, y = DIGITS
    pipe = make_pipeline(StandardScaler(), PCA(20), LogisticRegression()).fit(X, y)
    plan = str(pipe.fusion_plan("predict_proba"))
    assert "first layer" in plan
    graph_text = pipe.fusion_plan("predict_proba").segments[-1].graph_str()
    assert graph_text.count("Dot") + graph_text.count("Gemm") == 1
    unfolded = clone_unfolded(pipe)
    np.testing.assert_allclose(
        pipe.predict_proba(X), unfolded.predict_proba(X), rtol=1e-10, atol=1e-12
    )


def clone_unfolded(pipe):
    from sklearn_pylearn.pipeline import fuse

    return fuse(pipe, fold_affine=False)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_a_failed_refit_leaves_the_model_as_it_was(solver):
    X, y = load_iris(return_X_y=True)
    est = LogisticRegression(solver=solver, max_iter=5).fit(X, y)
    before = est.predict_proba(X)
    with pytest.raises(ValueError, match="only one class"):
        est.fit(X[:, :2], np.zeros(len(X)))
    assert est.n_features_in_ == 4
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    np.testing.assert_array_equal(est.predict_proba(X), before)


def test_penalty_parameters_as_scikit_learn():
    X, y = IRIS
    none = LogisticRegression(penalty=None).fit(X, y)
    inf = LogisticRegression(C=np.inf).fit(X, y)  # scikit-learn's "no penalty"
    np.testing.assert_allclose(inf.coef_, none.coef_)
    l2 = LogisticRegression(l1_ratio=0.0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(l2.coef_, LogisticRegression().fit(X, y).coef_)
    with pytest.raises(ValueError, match=r"only the L2 penalty, got l1_ratio=0.5"):
        LogisticRegression(l1_ratio=0.5).fit(X, y)
    with pytest.warns(UserWarning, match="penalty=None will ignore the C"):
        LogisticRegression(penalty=None, C=2.0).fit(X, y)


def test_max_iter_zero_reports_zero_iterations():
    X, y = IRIS
    with pytest.warns(ConvergenceWarning):
        clf = LogisticRegression(max_iter=0).fit(X, y)
    np.testing.assert_array_equal(clf.n_iter_, [0])


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_float32_input_gives_float32_coefficients(solver):
    X, y = IRIS
    clf = LogisticRegression(solver=solver, max_iter=50).fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == clf.intercept_.dtype == np.float32
    assert LogisticRegression().fit(X, y).coef_.dtype == np.float64
    assert (clf.predict(X) == clf.predict(X.astype(np.float32))).mean() > 0.95


def test_sparsify_and_densify_as_scikit_learn():
    import scipy.sparse as sp

    X, y = IRIS
    clf = LogisticRegression().fit(X, y)
    dense, proba = clf.coef_.copy(), clf.predict_proba(X)
    assert clf.sparsify() is clf and sp.issparse(clf.coef_)
    np.testing.assert_allclose(clf.predict_proba(X), proba)
    assert clf.densify() is clf and isinstance(clf.coef_, np.ndarray)
    np.testing.assert_array_equal(clf.coef_, dense)


# -- sparse input ----------------------------------------------------------------


def _sparse(X, fmt, dtype):
    """``X`` as a CSR matrix / CSC array of ``dtype`` with 64-bit indices."""
    out = (sp.csr_matrix if fmt == "csr" else sp.csc_array)(X.astype(dtype))
    out.indices = out.indices.astype(np.int64)
    out.indptr = out.indptr.astype(np.int64)
    return out


def _sparse_problem():
    rng = np.random.RandomState(0)
    X = rng.rand(90, 7)
    X[X < 0.6] = 0.0
    y = (X[:, 0] + X[:, 1] > 0.5).astype(int)
    y[:15] = 2
    return X, y


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_input_gives_the_results_of_dense_input(solver, fmt, dtype):
    X, y = _sparse_problem()
    params = {"solver": solver, "max_iter": 15, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = LogisticRegression(**params).fit(X.astype(dtype), y)
        sparse = LogisticRegression(**params).fit(_sparse(X, fmt, dtype), y)
    assert sparse.coef_.dtype == dtype
    np.testing.assert_array_equal(sparse.coef_, dense.coef_)
    np.testing.assert_array_equal(sparse.intercept_, dense.intercept_)
    X_sp = _sparse(X, fmt, dtype)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        np.testing.assert_array_equal(
            getattr(sparse, method)(X_sp), getattr(dense, method)(X.astype(dtype))
        )
    assert sparse.score(X_sp, y) == dense.score(X.astype(dtype), y)
    outputs = ["prediction", "proba", "nll"]
    pd.testing.assert_frame_equal(
        sparse.compute(X_sp, y, outputs), dense.compute(X.astype(dtype), y, outputs)
    )


def test_sparse_tag_as_sklearns():
    assert LogisticRegression().__sklearn_tags__().input_tags.sparse is True
    assert sklm.LogisticRegression().__sklearn_tags__().input_tags.sparse is True


def test_lbfgs_on_large_sparse_data_densifies_one_row_block_at_a_time(monkeypatch):
    """Past two row blocks, lbfgs sums its objective over blocks; a sparse X is
    densified block by block and gives the very coefficients of the dense X."""
    from sklearn_pylearn.symbolic import rowwise

    X, y = _sparse_problem()
    whole = LogisticRegression().fit(X, y)
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 10 * X.shape[1] * 8)
    monkeypatch.setattr(rowwise, "MIN_BLOCK_ROWS", 1)
    densified = []
    toarray = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        densified.append(self.shape[0])
        return toarray(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    blocked = LogisticRegression().fit(X, y)
    sparse = LogisticRegression().fit(_sparse(X, "csr", np.float64), y)
    assert densified and max(densified) <= 10
    np.testing.assert_array_equal(sparse.coef_, blocked.coef_)
    np.testing.assert_allclose(blocked.coef_, whole.coef_, rtol=1e-10, atol=1e-12)
    densified.clear()
    proba = sparse.predict_proba(_sparse(X, "csr", np.float64))
    assert max(densified) <= 10
    np.testing.assert_array_equal(proba, blocked.predict_proba(X))


@pytest.mark.parametrize("fused", [False, True])
def test_sparse_from_a_one_hot_encoder_in_a_pipeline(fused):
    """The most common pipeline: one-hot encoded categories (sparse) and numbers,
    in scikit-learn's Pipeline and in the fused one."""
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
    make = make_pipeline if fused else sk_make_pipeline
    results = []
    for sparse_output in (True, False):
        encode = ColumnTransformer(
            [("oh", OneHotEncoder(sparse_output=sparse_output), ["city", "kind"])],
            remainder="passthrough",
        )
        pipe = make(encode, LogisticRegression()).fit(frame, target)
        assert sp.issparse(pipe[0].transform(frame)) is sparse_output
        results.append((pipe.predict(frame), pipe.predict_proba(frame)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)


# -- verbose ---------------------------------------------------------------------


def test_lbfgs_verbose_prints_the_l_bfgs_b_report(capfd):
    """scikit-learn passes iprint to scipy's L-BFGS-B, whose Fortran code printed
    ``At iterate N f= ... |proj g|= ...``; scipy 1.15+ prints nothing, so the same
    lines are printed here (see differences.md)."""
    X, y = IRIS
    LogisticRegression(verbose=2, max_iter=4).fit(X, y)
    out = capfd.readouterr().out.splitlines()
    number = r"[ -]\d\.\d{5}D[+-]\d\d"
    iterate = re.compile(rf"^At iterate\s+(\d+)    f= {number}    \|proj g\|= {number}")
    assert [int(m.group(1)) for m in map(iterate.match, out) if m] == [0, 1, 2, 3, 4]
    assert out[0] == "RUNNING THE L-BFGS-B CODE"
    assert out[-1].startswith("STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        LogisticRegression(verbose=1).fit(*load_iris(return_X_y=True))  # 100 its
    out = capfd.readouterr().out
    assert re.search(r"^At iterate\s+0 ", out, re.M)
    assert re.search(r"^At iterate\s+50 ", out, re.M)
    assert not re.search(r"^At iterate\s+1 ", out, re.M)
    LogisticRegression(max_iter=4).fit(X, y)
    assert capfd.readouterr().out == ""


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_minibatch_verbose_prints_sklearns_iteration_lines(capfd, solver):
    X, y = IRIS
    LogisticRegression(solver=solver, verbose=1, max_iter=3).fit(X, y)
    ours = [
        line
        for line in capfd.readouterr().out.splitlines()
        if line.startswith("Iteration")
    ]
    sklm_mlp = __import__("sklearn.neural_network", fromlist=["MLPClassifier"])
    sklm_mlp.MLPClassifier(solver=solver, verbose=True, max_iter=3).fit(X, y)
    theirs = [
        line
        for line in capfd.readouterr().out.splitlines()
        if line.startswith("Iteration")
    ]
    shape = re.compile(r"^Iteration (\d+), loss = \d+\.\d{8}$")
    assert [shape.match(line).group(1) for line in ours] == ["1", "2", "3"]
    assert [shape.match(line).group(1) for line in theirs] == ["1", "2", "3"]


# -- scikit-learn's callbacks ------------------------------------------------------


class _Recorder:
    """A FitCallback recording what scikit-learn's hooks receive."""

    def __init__(self):
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, metadata=None):
        self.events.append(("begin", context.task_name, context.task_id, metadata))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        coef = None if fitted_estimator is None else fitted_estimator.coef_.copy()
        self.events.append(("end", context.task_name, context.task_id, coef))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))


def _fit_recorded(cls, X, y, **fit_params):
    recorder = _Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cls(max_iter=3).set_callbacks(recorder).fit(X, y, **fit_params)
    return recorder.events


@pytest.mark.parametrize("data", [IRIS, CANCER], ids=["multinomial", "binary"])
def test_callbacks_are_called_as_sklearns(data):
    pytest.importorskip("sklearn.callback")
    X, y = data
    sw = np.linspace(0.5, 1.5, len(y))
    ours = _fit_recorded(LogisticRegression, X, y, sample_weight=sw)
    theirs = _fit_recorded(sklm.LogisticRegression, X, y, sample_weight=sw)
    assert [e[:3] for e in ours] == [e[:3] for e in theirs]
    assert ours[0] == ("setup", "fit") and ours[-1] == ("teardown", "fit")
    iterations = [e for e in ours if e[:2] == ("end", "lbfgs-iter")]
    assert len(iterations) == 3 + 1  # and the empty one begun after the last
    for mine, sk in zip(ours, theirs):
        if mine[0] == "begin":
            np.testing.assert_array_equal(mine[3]["sample_weight"], sw)
            np.testing.assert_array_equal(sk[3]["sample_weight"], sw)
        if mine[0] == "end":
            assert (mine[3] is None) == (sk[3] is None)
            if mine[3] is not None:
                assert mine[3].shape == sk[3].shape
                np.testing.assert_allclose(mine[3], sk[3], rtol=1e-5, atol=1e-7)


def test_progress_bar_of_sklearn_runs_over_lbfgs_iterations():
    sk_callback = pytest.importorskip("sklearn.callback")
    X, y = IRIS
    clf = LogisticRegression(max_iter=5).set_callbacks(sk_callback.ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert not hasattr(clf, "_callback_fit_ctx")  # torn down
    assert clf.n_iter_[0] == 5


def test_callbacks_with_a_minibatch_solver_warn_as_sklearn():
    pytest.importorskip("sklearn.callback")
    with pytest.warns(UserWarning, match="only supported in LogisticRegression for"):
        LogisticRegression(solver="sgd").set_callbacks(_Recorder())
    with pytest.warns(UserWarning, match="only supported in LogisticRegression for"):
        sklm.LogisticRegression(solver="saga").set_callbacks(_Recorder())
    recorder = _Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LogisticRegression(solver="sgd", max_iter=2).set_callbacks(recorder)
        clf.fit(*IRIS)
    assert [e[:2] for e in recorder.events] == [
        ("setup", "fit"),
        ("begin", "fit"),
        ("end", "fit"),
        ("teardown", "fit"),
    ]


def test_callbacks_are_torn_down_after_a_failed_fit(monkeypatch):
    pytest.importorskip("sklearn.callback")
    from sklearn_pylearn.linear_model import _logistic

    def fail(*args, **kwargs):
        raise RuntimeError("solver failed")

    monkeypatch.setattr(_logistic, "minimize_lbfgs", fail)
    recorder = _Recorder()
    clf = LogisticRegression().set_callbacks(recorder)
    with pytest.raises(RuntimeError, match="solver failed"):
        clf.fit(*IRIS)
    assert recorder.events[-1] == ("teardown", "fit")
    assert not hasattr(clf, "coef_")


def test_set_callbacks_takes_callback_instances_only():
    pytest.importorskip("sklearn.callback")
    with pytest.raises(TypeError, match="FitCallback protocol"):
        LogisticRegression().set_callbacks(_Recorder)
