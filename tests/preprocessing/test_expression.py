"""ExpressionTransformer: a stateless step defined by a symbolic expression."""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_pylearn import compile_stats
from sklearn_pylearn.base import is_symbolic
from sklearn_pylearn.pipeline import make_pipeline
from sklearn_pylearn.preprocessing import ExpressionTransformer
from sklearn_pylearn.utils._sklearn_compat import InvalidParameterError

RNG = np.random.RandomState(0)
X = RNG.uniform(0.1, 2.0, size=(40, 3))


def square(X):
    """A module-level expression: picklable, unlike a lambda."""
    return X**2


EXPECTED_FAILED = {
    "check_estimators_overwrite_params": (
        "once a graph holding a PyTensor op has been compiled, the op's frozendict "
        "inplace_pattern caches its hash, so joblib.hash of a deep copy differs "
        "from the op's although fit changes nothing"
    )
}


@parametrize_with_checks(
    [ExpressionTransformer(), ExpressionTransformer(pt.tanh, inverse_func=pt.arctanh)],
    expected_failed_checks=lambda est: EXPECTED_FAILED if est.func else {},
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "func, reference",
    [(pt.tanh, np.tanh), (pt.log1p, np.log1p), (square, np.square), (None, None)],
    ids=["tanh", "log1p", "square", "identity"],
)
def test_transform_applies_the_expression(func, reference):
    out = ExpressionTransformer(func).fit(X).transform(X)
    expected = X if reference is None else reference(X)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_float32_stays_float32_and_integers_become_float64():
    est = ExpressionTransformer(pt.tanh).fit(X)
    out32 = est.transform(X.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, np.tanh(X), rtol=1e-6)
    assert est.transform(np.arange(6).reshape(2, 3)).dtype == np.float64


def test_boolean_expression_is_cast_back_to_the_input_dtype():
    out = ExpressionTransformer(lambda X: X > 1.0).fit(X).transform(X)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, (X > 1.0).astype(float))


def test_is_a_stateless_symbolic_step():
    est = ExpressionTransformer(pt.tanh)
    assert is_symbolic(est, "transform")
    assert not is_symbolic(est, "inverse_transform")
    assert est._affine_map() is None
    np.testing.assert_allclose(est.transform(X), np.tanh(X))  # no fit needed


def test_each_expression_compiles_once_and_equal_graphs_share():
    def compiled(func):
        pipe = make_pipeline(ExpressionTransformer(func)).fit(X)
        return pipe.fusion_plan().segments[0].compiled()

    tanh = compiled(pt.tanh)
    before = compile_stats()["compiles"]
    ExpressionTransformer(pt.tanh).fit(X[:5]).transform(X[:5])
    assert compiled(lambda X: pt.tanh(X)) is tanh  # the cache is structural
    assert compile_stats()["compiles"] == before
    assert compiled(pt.arcsinh) is not tanh


def test_inverse_transform_only_with_inverse_func():
    assert not hasattr(ExpressionTransformer(pt.tanh), "inverse_transform")
    est = ExpressionTransformer(pt.tanh, inverse_func=pt.arctanh).fit(X)
    assert is_symbolic(est, "inverse_transform")
    np.testing.assert_allclose(est.inverse_transform(est.transform(X)), X)


def test_inverse_transform_checks_the_width():
    est = ExpressionTransformer(pt.tanh, inverse_func=pt.arctanh).fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but Expression"):
        est.inverse_transform(X[:, :2])


def test_feature_names_are_one_to_one_and_set_output_works():
    frame = pd.DataFrame(X, columns=["a", "b", "c"], index=range(10, 50))
    est = ExpressionTransformer(pt.log1p).set_output(transform="pandas").fit(frame)
    assert list(est.get_feature_names_out()) == ["a", "b", "c"]
    out = est.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["a", "b", "c"]
    assert list(out.index) == list(frame.index)
    np.testing.assert_allclose(out.to_numpy(), np.log1p(X))


def test_clone_get_params_and_joblib_with_a_pytensor_op(tmp_path):
    est = ExpressionTransformer(pt.tanh, inverse_func=pt.arctanh)
    assert est.get_params() == {"func": pt.tanh, "inverse_func": pt.arctanh}
    copy = clone(est)
    assert copy.func is est.func and copy.inverse_func is est.inverse_func
    est.fit(X)
    joblib.dump(est, tmp_path / "est.joblib")
    loaded = joblib.load(tmp_path / "est.joblib")
    np.testing.assert_allclose(loaded.transform(X), np.tanh(X))
    module_func = pickle.loads(pickle.dumps(ExpressionTransformer(square).fit(X)))
    np.testing.assert_allclose(module_func.transform(X), X**2)


def test_func_must_be_callable():
    with pytest.raises(InvalidParameterError, match="'func' parameter"):
        ExpressionTransformer(3.0).fit(X)


def test_func_that_fails_on_a_tensor_is_a_type_error():
    def needs_numpy(X):
        return np.asarray(X, dtype=float) + 1

    with pytest.raises(TypeError, match="failed on a symbolic matrix"):
        ExpressionTransformer(needs_numpy).fit(X)


def test_func_must_return_a_symbolic_tensor():
    with pytest.raises(TypeError, match="must return a symbolic tensor"):
        ExpressionTransformer(lambda X: 1.0).fit(X)


@pytest.mark.parametrize(
    "func, shape",
    [(lambda X: X[:, :1], r"\(\?, 1\)"), (lambda X: X.sum(axis=1), r"\(\?,\)")],
    ids=["fewer_columns", "vector"],
)
def test_func_must_keep_the_shape(func, shape):
    with pytest.raises(ValueError, match=f"must keep the shape.*{shape}"):
        ExpressionTransformer(func).fit(X)


def test_shape_change_seen_only_at_run_time_is_reported():
    est = ExpressionTransformer(lambda X: X.T).fit(X)
    with pytest.raises(ValueError, match=r"returned shape \(3, 40\)"):
        est.transform(X)
