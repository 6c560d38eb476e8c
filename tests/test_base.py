"""The base contracts: named outputs (``compute``) and the sparse / float16 hooks."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_pylearn.base import NamedOutputsMixin
from sklearn_pylearn.utils.discovery import all_estimators

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
