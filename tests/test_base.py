"""The base contracts: SymbolicMixin's hooks with defaults, split finishing, and
named outputs (``compute``)."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

from sklearn_pylearn.base import (
    NamedOutputsMixin,
    SymbolicMixin,
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
