"""BernoulliRBM: parity with scikit-learn, CD-k / PCD, named outputs, runtime.

Structures are shared across tests (float64, Bernoulli, PCD-1 or CD-1) so that each
compiles once per session.
"""

import re
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.ndimage import convolve
from sklearn import linear_model as sk_linear_model
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.preprocessing import minmax_scale

from sklearn_pylearn import compile_stats
from sklearn_pylearn.neural_network import BernoulliRBM
from sklearn_pylearn.neural_network._rbm_training import MONITOR_ROWS
from sklearn_pylearn.persistence import dump, load
from sklearn_pylearn.pipeline import Pipeline
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn_pylearn.runtime import Hook

DIGITS = load_digits().data / 16.0
XB = (DIGITS[:200] > 0.5).astype(float)


def _sk_with_params_of(est, random_state=None):
    sk = SkBernoulliRBM(n_components=est.n_components, random_state=random_state)
    sk.components_ = np.array(est.components_)
    sk.intercept_hidden_ = np.array(est.intercept_hidden_)
    sk.intercept_visible_ = np.array(est.intercept_visible_)
    sk.n_features_in_ = est.n_features_in_
    return sk


# ------------------------------------------------------ parity with scikit-learn


def test_initial_weights_and_attributes_are_scikit_learn_s():
    ours = BernoulliRBM(n_components=7, n_iter=0, random_state=3).fit(XB)
    ref = SkBernoulliRBM(n_components=7, n_iter=0, random_state=3).fit(XB)
    np.testing.assert_array_equal(ours.components_, ref.components_)
    for name in ("intercept_hidden_", "intercept_visible_", "h_samples_"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(ref, name))
    assert ours.n_features_in_ == 64
    assert list(ours.get_feature_names_out()[:2]) == ["bernoullirbm0", "bernoullirbm1"]


def test_transform_free_energy_and_score_samples_match_scikit_learn():
    est = BernoulliRBM(n_components=16, n_iter=2, random_state=0).fit(XB)
    sk = _sk_with_params_of(est, random_state=5)
    np.testing.assert_allclose(est.transform(XB), sk.transform(XB), rtol=1e-12)
    frame = est.compute(XB, outputs=["free_energy"])
    np.testing.assert_allclose(frame["free_energy"], sk._free_energy(XB), rtol=1e-12)
    est.set_params(random_state=5)  # the flipped units come from random_state
    np.testing.assert_allclose(est.score_samples(XB), sk.score_samples(XB), rtol=1e-10)


def test_one_epoch_of_pcd_moves_like_scikit_learn():
    """Same initial weights and rule; different random streams, so close, not equal."""
    kw = dict(n_components=16, n_iter=1, learning_rate=0.05, random_state=0)
    ours = BernoulliRBM(**kw).fit(XB)
    ref = SkBernoulliRBM(**kw).fit(XB)
    init = SkBernoulliRBM(**{**kw, "n_iter": 0}).fit(XB).components_
    step_ours, step_ref = ours.components_ - init, ref.components_ - init
    corr = np.corrcoef(step_ours.ravel(), step_ref.ravel())[0, 1]
    assert corr > 0.9
    np.testing.assert_allclose(
        np.linalg.norm(step_ours), np.linalg.norm(step_ref), rtol=0.1
    )


def _nudge_dataset(X, Y):
    """scikit-learn's plot_rbm_logistic_classification: shift by one pixel."""
    directions = [
        [[0, 1, 0], [0, 0, 0], [0, 0, 0]],
        [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
        [[0, 0, 0], [0, 0, 1], [0, 0, 0]],
        [[0, 0, 0], [0, 0, 0], [0, 1, 0]],
    ]

    def shift(x, w):
        return convolve(x.reshape((8, 8)), mode="constant", weights=w).ravel()

    X = np.concatenate(
        [X] + [np.apply_along_axis(shift, 1, X, np.array(w)) for w in directions]
    )
    Y = np.concatenate([Y for _ in range(5)], axis=0)
    return X, Y


def _example_scores(logistic_params):
    """Fit scikit-learn's RBM example with both RBMs and scikit-learn's
    LogisticRegression(C=6000, **logistic_params) on top; return (accuracy, mean
    held-out pseudo-likelihood) for ours and for scikit-learn's."""
    X, y = load_digits(return_X_y=True)
    X, y = _nudge_dataset(np.asarray(X, "float32"), y)
    X = minmax_scale(X, feature_range=(0, 1))
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
    kw = dict(n_components=100, learning_rate=0.06, n_iter=10, random_state=0)
    scores = []
    for rbm in [BernoulliRBM(**kw), SkBernoulliRBM(**kw)]:
        logistic = sk_linear_model.LogisticRegression(C=6000, **logistic_params)
        pipe = SkPipeline([("rbm", rbm), ("logistic", logistic)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipe.fit(X_tr, y_tr)
        pl = pipe.named_steps["rbm"].score_samples(X_te).mean()
        scores.append((pipe.score(X_te, y_te), pl))
    return scores


def test_scikit_learn_rbm_logistic_example_fast_variant():
    """The example's data and RBM; the logistic regression stops at lbfgs's default
    100 iterations (about 0.90 for both) so that the test runs in the default suite.
    """
    (acc, pl), (acc_ref, pl_ref) = _example_scores({})
    assert acc_ref > 0.85
    assert acc >= acc_ref - 0.01
    assert abs(pl - pl_ref) <= 0.05 * abs(pl_ref)


@pytest.mark.slow
def test_scikit_learn_rbm_logistic_example_accuracy_and_pseudo_likelihood():
    """scikit-learn's RBM example with a converged LogisticRegression(C=6000):
    scikit-learn's pipeline gives 0.935; ours is within one point, and its mean
    held-out pseudo-likelihood within 5% (measured: 0.943 and -20.63 against 0.935
    and -20.60). Several minutes: C=6000 converges slowly."""
    (acc, pl), (acc_ref, pl_ref) = _example_scores({"max_iter": 1000})
    assert acc_ref > 0.925
    assert acc >= acc_ref - 0.01
    assert abs(pl - pl_ref) <= 0.05 * abs(pl_ref)


# ------------------------------------------------------------------ training


def test_same_seed_gives_bit_identical_parameters_and_other_seeds_differ():
    kw = dict(n_components=8, n_iter=2, batch_size=20)
    a = BernoulliRBM(**kw, random_state=1).fit(XB)
    b = BernoulliRBM(**kw, random_state=1).fit(XB)
    c = BernoulliRBM(**kw, random_state=2).fit(XB)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.h_samples_, b.h_samples_)
    assert not np.array_equal(a.components_, c.components_)


def test_partial_fit_is_one_epoch_in_minibatches():
    kw = dict(n_components=8, batch_size=20, random_state=0)
    full = BernoulliRBM(**kw, n_iter=1).fit(XB)
    part = BernoulliRBM(**kw).partial_fit(XB)
    np.testing.assert_array_equal(part.components_, full.components_)
    assert part.h_samples_.shape == (20, 8)
    before = part.components_.copy()
    part.partial_fit(XB[:50])
    assert not np.array_equal(part.components_, before)


@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_reconstruction_error_curve_is_the_named_output_under_each_update(method):
    """One minibatch per epoch: epoch e's value is the mean ``reconstruction_error``
    of its first MONITOR_ROWS rows under the parameters after e - 1 epochs (before
    its update)."""
    kw = dict(n_components=8, batch_size=len(XB), random_state=0, method=method)
    est = BernoulliRBM(**kw, n_iter=3).fit(XB)
    assert len(est.reconstruction_error_curve_) == 3
    assert not hasattr(est, "loss_curve_")  # CD descends no loss
    for epoch in range(3):
        before = BernoulliRBM(**kw, n_iter=epoch).fit(XB)
        monitored = XB[:MONITOR_ROWS]
        expected = before.compute(monitored, outputs="reconstruction_error").mean()
        np.testing.assert_allclose(
            est.reconstruction_error_curve_[epoch], expected.iloc[0], rtol=1e-10
        )


def test_reconstruction_error_falls_and_partial_fit_extends_the_curve():
    kw = dict(n_components=32, learning_rate=0.05, random_state=0)
    curve = BernoulliRBM(**kw, n_iter=5).fit(XB).reconstruction_error_curve_
    assert len(curve) == 5 and curve[-1] < 0.85 * curve[0]
    assert np.all(np.diff(curve) < 0)
    est = BernoulliRBM(**kw).partial_fit(XB).partial_fit(XB[:50])
    assert len(est.reconstruction_error_curve_) == 2
    assert est.reconstruction_error_curve_[0] == curve[0]
    est.fit(XB[:40])  # fit starts it again
    assert len(est.reconstruction_error_curve_) == est.n_iter == 10


@pytest.mark.parametrize(
    "params",
    [
        dict(method="cd"),
        dict(method="cd", k=3),
        dict(method="pcd", k=2),
        dict(momentum=0.5, weight_decay=1e-3),
    ],
    ids=["cd1", "cd3", "pcd2", "momentum"],
)
def test_variants_learn_the_data(params):
    est = BernoulliRBM(n_components=32, n_iter=5, learning_rate=0.05, random_state=0)
    untrained = clone(est).set_params(n_iter=0).fit(XB)
    est.set_params(**params).fit(XB)
    assert est.score_samples(XB).mean() > untrained.score_samples(XB).mean() + 5
    assert est.h_samples_.shape == (10, 32)


def test_weight_decay_shrinks_the_weights():
    kw = dict(n_components=16, n_iter=3, random_state=0)
    plain = BernoulliRBM(**kw).fit(XB)
    decayed = BernoulliRBM(**kw, weight_decay=0.5).fit(XB)
    assert np.abs(decayed.components_).sum() < 0.6 * np.abs(plain.components_).sum()


def test_gaussian_visible_units_model_real_data():
    rng = np.random.RandomState(0)
    centers = rng.normal(0, 2, (3, 10))
    X = centers[rng.randint(0, 3, 300)] + rng.normal(0, 0.3, (300, 10))
    X = StandardScaler().fit_transform(X)
    kw = dict(n_components=8, visible_units="gaussian", learning_rate=0.01)
    est = BernoulliRBM(**kw, n_iter=20, random_state=0, method="cd").fit(X)
    untrained = BernoulliRBM(**kw, n_iter=0, random_state=0).fit(X)
    out = ["reconstruction_error"]
    err = est.compute(X, outputs=out)["reconstruction_error"].mean()
    err0 = untrained.compute(X, outputs=out)["reconstruction_error"].mean()
    assert err < 0.5 * err0
    sample = est.gibbs(X)
    assert sample.dtype == np.float64 and len(np.unique(sample)) > 100


def _mean_pseudo_likelihood(est, X, y=None):
    return est.score_samples(X).mean()


def test_hyper_parameters_are_inputs_so_a_grid_search_compiles_nothing_new():
    est = BernoulliRBM(n_components=8, n_iter=1, random_state=0)
    est.fit(XB).score_samples(XB)  # warm the structure
    before = compile_stats()["compiles"]
    grid = {
        "learning_rate": [0.01, 0.1],
        "momentum": [0.0, 0.5],
        "weight_decay": [0.0, 1e-3],
    }
    search = GridSearchCV(est, grid, cv=2, scoring=_mean_pseudo_likelihood).fit(XB)
    assert compile_stats()["compiles"] == before
    assert len(search.cv_results_["params"]) == 8


def test_float32_trains_and_transforms_in_float32():
    est = BernoulliRBM(n_components=8, n_iter=2, dtype="float32", random_state=0)
    est.fit(XB)
    assert est.components_.dtype == np.float32
    assert est.transform(XB.astype(np.float32)).dtype == np.float32


def test_diverging_gaussian_training_names_the_learning_rate():
    X = np.random.RandomState(0).normal(0, 50, (40, 5))
    est = BernoulliRBM(
        n_components=4, visible_units="gaussian", learning_rate=1e5, n_iter=60
    )
    with pytest.raises(
        ValueError, match="non-finite parameters.*learning_rate=100000.0"
    ):
        est.fit(X)


# ------------------------------------------------------------- named outputs


def test_compute_returns_every_named_output_from_one_graph():
    est = BernoulliRBM(n_components=5, n_iter=1, random_state=0).fit(XB)
    before = compile_stats()["compiles"]
    names = [
        "hidden_proba",
        "hidden_sample",
        "reconstruction",
        "free_energy",
        "pseudo_likelihood",
        "reconstruction_error",
    ]
    frame = est.compute(XB[:30], outputs=names)
    assert compile_stats()["compiles"] <= before + 1
    assert list(frame.columns[:2]) == ["hidden_proba_0", "hidden_proba_1"]
    hidden = frame.filter(like="hidden_proba_").to_numpy()
    np.testing.assert_allclose(hidden, est.transform(XB[:30]))
    samples = frame.filter(like="hidden_sample_").to_numpy()
    assert set(np.unique(samples)) <= {0.0, 1.0}
    recon = frame.filter(like="reconstruction_").to_numpy()[:, :64]
    err = ((XB[:30] - recon) ** 2).sum(axis=1)
    np.testing.assert_allclose(frame["reconstruction_error"], err)
    np.testing.assert_allclose(frame["pseudo_likelihood"], est.score_samples(XB[:30]))


def test_gibbs_returns_booleans_and_advances_its_generator():
    est = BernoulliRBM(n_components=5, n_iter=1, random_state=0).fit(XB)
    a, b = est.gibbs(XB), est.gibbs(XB)
    assert a.dtype == bool and a.shape == XB.shape
    assert np.any(a != b)


# -------------------------------------------------------- pipeline and persistence


def test_rbm_fuses_with_other_symbolic_steps_in_a_pipeline():
    pipe = Pipeline(
        [("scale", MinMaxScaler()), ("rbm", BernoulliRBM(n_components=6, n_iter=1))]
    ).fit(DIGITS[:100])
    plan = pipe.fusion_plan("transform")
    assert len(plan.segments) == 1 and len(plan.segments[0].steps) == 2
    expected = pipe["rbm"].transform(pipe["scale"].transform(DIGITS[:10]))
    np.testing.assert_allclose(pipe.transform(DIGITS[:10]), expected)


def test_joblib_round_trip_in_a_fresh_process_and_skops(tmp_path):
    est = BernoulliRBM(n_components=6, n_iter=1, random_state=0).fit(XB)
    joblib.dump(est, tmp_path / "rbm.joblib")
    np.save(tmp_path / "X.npy", XB)
    np.save(tmp_path / "expected.npy", est.transform(XB))
    code = textwrap.dedent(
        f"""
        import joblib, numpy as np
        est = joblib.load({str(tmp_path / "rbm.joblib")!r})
        out = est.transform(np.load({str(tmp_path / "X.npy")!r}))
        assert np.array_equal(out, np.load({str(tmp_path / "expected.npy")!r}))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    loaded = load(dump(est, tmp_path / "rbm.skops"))
    np.testing.assert_array_equal(loaded.transform(XB), est.transform(XB))
    loaded.partial_fit(XB)  # a loaded model trains on


# ----------------------------------------------------- program: hooks, resume


class StopAfter(Hook):
    def __init__(self, epochs=2):
        self.epochs = epochs

    def on_epoch_end(self, vm, **info):
        if info["count"] == self.epochs:
            vm.request_interrupt("test")


def test_checkpoint_dir_resumes_an_interrupted_fit_bit_identically(tmp_path):
    kw = dict(n_components=8, n_iter=4, momentum=0.5, random_state=0)
    full = BernoulliRBM(**kw).fit(XB)
    est = BernoulliRBM(**kw, checkpoint_dir=str(tmp_path), hooks=[StopAfter(2)])
    with pytest.warns(UserWarning, match="Interrupted"):
        est.fit(XB)
    assert not np.array_equal(est.components_, full.components_)
    assert len(est.reconstruction_error_curve_) == 2
    est.set_params(hooks=None).fit(XB)  # same directory: resumes at epoch 3
    np.testing.assert_array_equal(est.components_, full.components_)
    np.testing.assert_array_equal(est.h_samples_, full.h_samples_)
    assert est.reconstruction_error_curve_ == full.reconstruction_error_curve_
    assert len(full.reconstruction_error_curve_) == 4


def test_verbose_prints_scikit_learn_s_lines_and_a_progress_bar(capsys):
    BernoulliRBM(n_components=4, n_iter=2, verbose=1).fit(XB)
    captured = capsys.readouterr()
    assert "BernoulliRBM" in captured.err and "pseudo_likelihood" in captured.err
    assert "reconstruction_error" in captured.err
    lines = captured.out.splitlines()
    pattern = r"\[BernoulliRBM\] Iteration {}, pseudo-likelihood = -\d+\.\d\d, "
    for n, line in enumerate(lines, 1):
        assert re.fullmatch(pattern.format(n) + r"time = \d+\.\d\ds", line), line
    assert len(lines) == 2


def test_errors_are_clear():
    with pytest.raises(ValueError, match="'method' parameter of BernoulliRBM"):
        BernoulliRBM(method="sml").fit(XB)
    with pytest.raises(ValueError, match="'k' parameter of BernoulliRBM"):
        BernoulliRBM(k=0).fit(XB)
    est = BernoulliRBM(n_components=3, n_iter=1).fit(XB)
    with pytest.raises(ValueError, match="unknown output.*'energy'"):
        est.compute(XB, outputs=["energy"])
    with pytest.raises(ValueError, match="X has 3 features"):
        est.transform(XB[:, :3])


# -- sparse input ----------------------------------------------------------------


def _sparse(X, fmt, dtype):
    """``X`` as a CSR matrix / CSC array of ``dtype`` with 64-bit indices."""
    out = (sp.csr_matrix if fmt == "csr" else sp.csc_array)(X.astype(dtype))
    out.indices = out.indices.astype(np.int64)
    out.indptr = out.indptr.astype(np.int64)
    return out


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sparse_input_gives_the_results_of_dense_input(dtype, fmt):
    X = (np.random.RandomState(0).rand(60, 8) > 0.6).astype(dtype)
    X_sparse = _sparse(X, fmt, dtype)
    params = dict(n_components=3, n_iter=3, random_state=0, dtype=dtype, verbose=1)
    dense, sparse = BernoulliRBM(**params), BernoulliRBM(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dense.fit(X).partial_fit(X)
        sparse.fit(X_sparse).partial_fit(X_sparse)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        np.testing.assert_array_equal(getattr(sparse, name), getattr(dense, name))
    np.testing.assert_array_equal(sparse.transform(X_sparse), dense.transform(X))
    np.testing.assert_array_equal(
        sparse.score_samples(X_sparse), dense.score_samples(X)
    )
    dense.random_state_ = np.random.RandomState(1)
    sparse.random_state_ = np.random.RandomState(1)
    np.testing.assert_array_equal(sparse.gibbs(X_sparse), dense.gibbs(X))
    outputs = ["free_energy", "reconstruction_error", "hidden_proba"]
    np.testing.assert_array_equal(
        sparse.compute(X_sparse, outputs=outputs), dense.compute(X, outputs=outputs)
    )


def test_sparse_tag_as_sklearns():
    assert SkBernoulliRBM().__sklearn_tags__().input_tags.sparse is True
    assert BernoulliRBM().__sklearn_tags__().input_tags.sparse is True
