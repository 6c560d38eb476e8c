"""scikit-learn's own conformance suite over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.pipeline import Pipeline
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn_pylearn.utils.discovery import all_estimators

# Meta-estimators need sub-estimators to be constructed.
SPECIAL = {
    "Pipeline": lambda: Pipeline(
        [("scale", StandardScaler()), ("pca", PCA(n_components=1))]
    ),
}
ESTIMATORS = [SPECIAL.get(name, cls)() for name, cls in all_estimators()]

# Checks that cannot pass by design, with the reason a reviewer can verify.
_STEPS_REBOUND = (
    "Pipeline.fit stores the fitted steps back into `steps`, as scikit-learn's own "
    "Pipeline does (its fit assigns self.steps[i] = (name, fitted)); scikit-learn "
    "fails these two checks the same way"
)
_RANDOM_FLIPS = (
    "score_samples is the stochastic pseudo-likelihood: the unit flipped in each row "
    "is drawn by row position, so reordering or subsetting rows changes it; "
    "scikit-learn's own BernoulliRBM is marked to fail these two checks the same way"
)
_PRETRAINING_MINIBATCHES = (
    "sample_weight weighs the fine-tuning loss only: greedy pretraining is "
    "unsupervised and draws Gibbs-sampling (DBN) or corruption (SdA) noise per row, "
    "so a row repeated three times gets three draws where a row of weight 3 would "
    "get one, and the pretrained weights differ even in one minibatch of every row "
    "(test_pretraining_draws_noise_per_row_so_row_order_changes_it shows a row "
    "permutation alone changes them); weighting could match repetition in "
    "expectation only. Pretraining also runs shuffled minibatches of "
    "pretrain_batch_size rows (10 by default), where MLPClassifier's 'auto' batch "
    "is the whole of the check's small data set"
)
_PRETRAINED = {
    "check_sample_weight_equivalence_on_dense_data": _PRETRAINING_MINIBATCHES,
    "check_sample_weight_equivalence_on_sparse_data": _PRETRAINING_MINIBATCHES,
}
EXPECTED_FAILED = {
    "DBNClassifier": _PRETRAINED,
    "DBNRegressor": _PRETRAINED,
    "StackedDenoisingAutoencoderClassifier": _PRETRAINED,
    "StackedDenoisingAutoencoderRegressor": _PRETRAINED,
    "BernoulliRBM": {
        "check_methods_subset_invariance": _RANDOM_FLIPS,
        "check_methods_sample_order_invariance": _RANDOM_FLIPS,
    },
    "Pipeline": {
        "check_estimators_overwrite_params": _STEPS_REBOUND,
        "check_dont_overwrite_parameters": _STEPS_REBOUND,
    },
}


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
        "GraphClassifier",
        "GraphRegressor",
        "GraphTransformer",
        "DBNClassifier",
        "DBNRegressor",
        "StackedDenoisingAutoencoderClassifier",
        "StackedDenoisingAutoencoderRegressor",
    } <= names


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_tags_declare_finite_input(estimator):
    assert estimator.__sklearn_tags__().input_tags.allow_nan is False


SPARSE_AS_SKLEARN = [
    StandardScaler(),
    StandardScaler(with_mean=False),
    MinMaxScaler(),
    PCA(),
    PCA(svd_solver="arpack"),
    PCA(svd_solver="covariance_eigh"),
    PCA(svd_solver="full"),
    PCA(svd_solver="randomized"),
    VarianceThreshold(),
    SelectKBest(),
]


@pytest.mark.parametrize("estimator", SPARSE_AS_SKLEARN, ids=repr)
def test_sparse_tag_is_sklearns(estimator):
    """The sparse tag (which makes parametrize_with_checks run its sparse checks)
    says what the scikit-learn namesake says, for the same parameters."""
    base = next(
        cls
        for cls in type(estimator).__mro__[1:]
        if cls.__module__.startswith("sklearn.")
        and cls.__name__ == type(estimator).__name__
    )
    twin = base(**estimator.get_params(deep=False))
    expected = twin.__sklearn_tags__().input_tags.sparse
    assert estimator.__sklearn_tags__().input_tags.sparse is expected
