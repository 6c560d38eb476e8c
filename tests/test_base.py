"""The base contracts: SymbolicMixin's hooks with defaults, split finishing, and
named outputs (``compute``)."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

from sklearn_pylearn.base import (
    NamedOutputsMixin,
    SymbolicMixin,
    _memo_of,
    finish_output,
    is_symbolic,
)
from sklearn_pylearn.utils.discovery import all_estimators


class _Scale(SymbolicMixin, TransformerMixin, BaseEstimator):
    def _symbolic_transform(self, X, inputs):
        return X * 2


class _Labels(NamedOutputsMixin, SymbolicMixin, BaseEstimator):
    classes_ = np.array(["a", "b"])

    def _finish_method(self, method, value):
        return self.classes_[value] if method == "predict" else value


def test_the_mixin_declares_every_hook_with_a_default():
    est = _Scale()
    assert est._affine_map() is None and est._affine_head() is None
    assert est._finish_method("transform", 3) == 3
    with pytest.raises(NotImplementedError, match="_symbolic_from_head"):
        est._symbolic_from_head(None, None, "predict")
    for hook in ("_symbolic_predict", "_symbolic_score_samples"):
        with pytest.raises(NotImplementedError):
            getattr(est, hook)(None, None)


def test_is_symbolic_reports_the_overridden_methods_only():
    assert is_symbolic(_Scale(), "transform")
    assert not is_symbolic(_Scale(), "predict")
    assert not is_symbolic(BaseEstimator(), "transform")


def test_methods_and_named_outputs_are_finished_by_their_own_hooks():
    est = _Labels()
    assert finish_output(est, "predict", np.array([1, 0])).tolist() == ["b", "a"]
    assert finish_output(BaseEstimator(), "predict", 1) == 1
    # the named output "prediction" is the predict method's answer
    assert est._finish_named_output("prediction", np.array([0])).tolist() == ["a"]
    assert est._finish_named_output("proba", np.array([0])).tolist() == [0]


LEARNERS_WITH_COMPUTE = [
    cls for _, cls in all_estimators() if issubclass(cls, NamedOutputsMixin)
]


def test_learners_with_compute_are_found():
    names = {cls.__name__ for cls in LEARNERS_WITH_COMPUTE}
    assert {"LogisticRegression", "MLPClassifier", "MLPRegressor"} <= names


@pytest.mark.parametrize(
    "cls", LEARNERS_WITH_COMPUTE, ids=[c.__name__ for c in LEARNERS_WITH_COMPUTE]
)
def test_compute_before_fit_is_not_fitted_error(cls):
    X = np.zeros((3, 2))
    with pytest.raises(NotFittedError, match=f"This {cls.__name__} instance is not"):
        cls().compute(X)
    with pytest.raises(NotFittedError, match="not fitted"):
        cls().compute(X, outputs=["no such output"])


# -- the per-estimator memo of built graphs (issue 12, part 3) ---------------------


def _digits_like(n=60, n_features=8, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    y = np.arange(n) % n_classes
    X[:, 0] += y
    return X, y


def _fitted(kind, X, y):
    from sklearn_pylearn.linear_model import LogisticRegression
    from sklearn_pylearn.neural_network import MLPClassifier
    from sklearn_pylearn.preprocessing import StandardScaler

    if kind == "scaler":
        return StandardScaler().fit(X)
    if kind == "logreg":
        return LogisticRegression(max_iter=20).fit(X, y)
    return MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)


def _method(kind):
    return "transform" if kind == "scaler" else "predict_proba"


@pytest.fixture
def count_builds(monkeypatch):
    """Count the graphs run_graph builds (by wrapping base.build_graph)."""
    import sklearn_pylearn.base as base

    calls = []
    original = base.build_graph

    def counting(estimator, X, inputs, method="transform"):
        calls.append(method)
        return original(estimator, X, inputs, method)

    monkeypatch.setattr(base, "build_graph", counting)
    return calls


@pytest.mark.parametrize("kind", ["scaler", "logreg", "mlp"])
def test_a_second_call_builds_no_graph_and_answers_the_same(kind, count_builds):
    import pickle

    X, y = _digits_like()
    est = _fitted(kind, X, y)
    method = getattr(est, _method(kind))
    first = method(X[:7])
    assert count_builds == [_method(kind)]
    second = method(X[:7])
    one_row = method(X[:1])
    assert count_builds == [_method(kind)]
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first[:1], one_row, rtol=1e-12)
    # The same answer as an estimator that built its graph afresh.
    fresh = getattr(pickle.loads(pickle.dumps(est)), _method(kind))(X[:7])
    np.testing.assert_array_equal(first, fresh)


def test_each_dtype_and_method_has_its_own_entry(count_builds):
    X, y = _digits_like()
    est = _fitted("logreg", X, y)
    for _ in range(2):
        est.predict_proba(X)
        est.predict_proba(X.astype(np.float32))
        est.predict(X)
    assert sorted(count_builds) == ["predict", "predict_proba", "predict_proba"]
    assert est.predict_proba(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("kind", ["scaler", "logreg", "mlp"])
def test_memoised_functions_skip_input_checks_yet_take_any_layout(kind):
    # The memo fixes each input's type, so PyTensor's per-call checks are off;
    # strided, Fortran-ordered and float32 data still give the right answer.
    X, y = _digits_like()
    est = _fitted(kind, X, y)
    method = getattr(est, _method(kind))
    expected = method(X)
    assert all(entry.fn.trust_input for entry in _memo_of(est).values())
    wide = np.hstack([X, np.zeros_like(X)])[:, : X.shape[1]]
    np.testing.assert_allclose(method(wide), expected, rtol=1e-12)
    np.testing.assert_allclose(method(np.asfortranarray(X)), expected, rtol=1e-12)
    np.testing.assert_allclose(method(X.astype(np.float32)), expected, rtol=1e-4)


def test_a_compile_mode_change_is_honoured_after_the_first_call(count_builds):
    from sklearn_pylearn import config_context

    X, _ = _digits_like()
    est = _fitted("scaler", X, None)
    expected = est.transform(X)
    with config_context(compile_mode="FAST_COMPILE"):
        np.testing.assert_allclose(est.transform(X), expected)
        est.transform(X)
    assert len(count_builds) == 2
    modes = {key[3] for key in _memo_of(est)}
    assert len(modes) == 2 and any(m.startswith("FAST_COMPILE") for m in modes)
    est.transform(X)
    assert len(count_builds) == 2


def test_clearing_the_compile_cache_invalidates_the_memo(count_builds):
    from sklearn_pylearn import clear_compile_cache

    X, _ = _digits_like()
    est = _fitted("scaler", X, None)
    est.transform(X)
    clear_compile_cache()
    est.transform(X)
    assert len(count_builds) == 2


def test_refit_and_set_params_drop_the_memo_never_serving_stale_values(count_builds):
    from sklearn_pylearn import compile_stats

    X, y = _digits_like()
    est = _fitted("logreg", X, y)
    est.predict_proba(X)
    compiles = compile_stats()["compiles"]
    X2, y2 = _digits_like(seed=1)
    est.fit(X2, y2)
    refitted = est.predict_proba(X)
    assert len(count_builds) == 2
    # Same structure: the compiled function is reused, with the new fit's values.
    assert compile_stats()["compiles"] == compiles
    np.testing.assert_allclose(refitted, _fitted("logreg", X2, y2).predict_proba(X))
    assert _memo_of(est)
    est.set_params(C=0.5)
    assert not _memo_of(est)


def test_partial_fit_makes_the_memo_stale(count_builds):
    from sklearn_pylearn.neural_network import MLPClassifier

    X, y = _digits_like()
    est = MLPClassifier(hidden_layer_sizes=(5,), solver="sgd", random_state=0)
    est.partial_fit(X, y, classes=np.unique(y))
    before = est.predict_proba(X)
    est.partial_fit(X, y)
    after = est.predict_proba(X)
    assert len(count_builds) == 2
    assert not np.array_equal(before, after)


def test_pickles_leave_the_memo_out(tmp_path):
    import copy
    import pickle

    from sklearn.base import clone

    from sklearn_pylearn.persistence import dump, load

    X, y = _digits_like()
    est = _fitted("logreg", X, y)
    expected = est.predict_proba(X)
    before = dict(vars(est))
    memo = _memo_of(est)
    assert memo
    data = pickle.dumps(est)
    assert b"_GraphMemo" not in data and b"CompiledFunction" not in data
    for name in ("est.joblib", "est.skops"):
        loaded = load(dump(est, tmp_path / name))
        assert not _memo_of(loaded)
        np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    assert not _memo_of(copy.deepcopy(est)) and not _memo_of(clone(est))
    # Saving neither drops the memo nor changes the estimator.
    assert _memo_of(est) == memo and vars(est).keys() == before.keys()


def test_predict_leaves_the_instance_dict_unchanged():
    X, y = _digits_like()
    est = _fitted("logreg", X, y)
    before = dict(vars(est))
    est.predict_proba(X)
    est.compute(X, outputs=["proba"])
    assert vars(est) == before


def test_compute_builds_its_graph_once_per_output_set(monkeypatch):
    from sklearn_pylearn.linear_model import LogisticRegression

    X, y = _digits_like()
    est = _fitted("logreg", X, y)
    calls = []
    original = LogisticRegression._build_outputs

    def counting(self, *args):
        calls.append(args[-1])
        return original(self, *args)

    monkeypatch.setattr(LogisticRegression, "_build_outputs", counting)
    first = est.compute(X, y, outputs=["proba", "nll"])
    second = est.compute(X, y, outputs=["proba", "nll"])
    est.compute(X, outputs=["proba"])
    est.compute(X[:3], outputs=["proba"])
    assert calls == [["proba", "nll"], ["proba"]]
    assert first.equals(second)
    np.testing.assert_allclose(first.filter(like="proba_"), est.predict_proba(X))


def test_the_memo_does_not_keep_its_estimator_alive():
    import gc
    import weakref

    from sklearn_pylearn.neural_network import MLPClassifier

    X, y = _digits_like()
    # early_stopping keeps a trainer whose program refers back to the estimator.
    est = MLPClassifier(
        hidden_layer_sizes=(5,), max_iter=3, early_stopping=True, random_state=0
    ).fit(X, y)
    est.predict_proba(X)
    assert _memo_of(est)
    ref = weakref.ref(est)
    del est
    gc.collect()
    assert ref() is None
