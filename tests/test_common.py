"""scikit-learn's own conformance suite over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_pylearn.utils.discovery import all_estimators

ESTIMATORS = [cls() for _, cls in all_estimators()]

# Checks that cannot pass by design, with the reason a reviewer can verify.
EXPECTED_FAILED = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED.get(type(estimator).__name__, {})


def test_every_public_estimator_is_checked():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert {
        "StandardScaler",
        "MinMaxScaler",
        "PCA",
        "VarianceThreshold",
        "SelectKBest",
    } <= names


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_tags_declare_dense_finite_input(estimator):
    tags = estimator.__sklearn_tags__()
    assert tags.input_tags.sparse is False
    assert tags.input_tags.allow_nan is False
