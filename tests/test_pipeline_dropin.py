"""The fusing Pipeline as a drop-in: sparse and float16 input as scikit-learn's
Pipeline takes them, fusion_plan's default, fuse() of a scikit-learn pipeline and
compute() through the last step."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import decomposition as skd
from sklearn import feature_selection as skfs
from sklearn import pipeline as skpipe
from sklearn import preprocessing as skp
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from sklearn_pylearn import compile_stats
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.linear_model import LogisticRegression
from sklearn_pylearn.pipeline import Pipeline, fuse, make_pipeline
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler

RNG = np.random.RandomState(0)
X_DENSE = RNG.rand(60, 6)
X_DENSE[X_DENSE < 0.5] = 0.0
Y = RNG.randint(0, 2, 60)


def _as_dense(a):
    return a.toarray() if sp.issparse(a) else a


SPARSE_CHAINS = {
    "select-scale": (
        lambda: [VarianceThreshold(0.01), StandardScaler(with_mean=False)],
        lambda: [skfs.VarianceThreshold(0.01), skp.StandardScaler(with_mean=False)],
    ),
    "scale-pca-rescale": (
        lambda: [
            StandardScaler(with_mean=False),
            PCA(2, svd_solver="arpack", random_state=0),
            MinMaxScaler(),
        ],
        lambda: [
            skp.StandardScaler(with_mean=False),
            skd.PCA(2, svd_solver="arpack", random_state=0),
            skp.MinMaxScaler(),
        ],
    ),
    "kbest-scale": (
        lambda: [SelectKBest(k=4), StandardScaler(with_mean=False)],
        lambda: [skfs.SelectKBest(k=4), skp.StandardScaler(with_mean=False)],
    ),
}


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("fold_affine", [True, False])
@pytest.mark.parametrize("chain", sorted(SPARSE_CHAINS))
def test_sparse_input_through_a_fused_pipeline_equals_sklearn(chain, fold_affine, fmt):
    ours, theirs = SPARSE_CHAINS[chain]
    X = sp.csr_matrix(X_DENSE).asformat(fmt)
    pipe = make_pipeline(*ours(), fold_affine=fold_affine).fit(X, Y)
    expected = skpipe.make_pipeline(*theirs()).fit(X, Y).transform(X)
    out = pipe.transform(X)
    assert len(pipe.fusion_plan().segments) == 1
    assert sp.issparse(out) == sp.issparse(expected)
    if sp.issparse(out):
        assert out.format == expected.format
    np.testing.assert_allclose(_as_dense(out), _as_dense(expected), atol=1e-12)


def test_sparse_output_of_an_encoder_feeds_a_fused_pipeline():
    frame = pd.DataFrame({"city": RNG.choice(["a", "b", "c"], 60), "x": X_DENSE[:, 0]})
    encode = ColumnTransformer(
        [("oh", skp.OneHotEncoder(), ["city"])], remainder="passthrough"
    )
    pipe = make_pipeline(
        encode, StandardScaler(with_mean=False), SkLogisticRegression()
    ).fit(frame, Y)
    reference = skpipe.make_pipeline(
        encode, skp.StandardScaler(with_mean=False), SkLogisticRegression()
    ).fit(frame, Y)
    np.testing.assert_allclose(
        pipe.predict_proba(frame), reference.predict_proba(frame), rtol=1e-10
    )


def test_sparse_into_a_step_that_refuses_it_names_the_pipeline_fix():
    pipe = make_pipeline(StandardScaler(with_mean=False), MinMaxScaler()).fit(X_DENSE)
    msg = (
        r"Pipeline step 'minmaxscaler': .*MinMaxScaler.*"
        r"OneHotEncoder\(sparse_output=False\).*ColumnTransformer\(sparse_threshold=0\)"
    )
    with pytest.raises(TypeError, match=msg):
        pipe.transform(sp.csr_matrix(X_DENSE))


def test_sparse_into_a_centring_scaler_is_sklearns_error():
    pipe = make_pipeline(StandardScaler(), PCA(2)).fit(X_DENSE)
    with pytest.raises(ValueError, match="Cannot center sparse matrices"):
        pipe.transform(sp.csr_matrix(X_DENSE))


def test_sparse_segment_compiles_once_per_structure():
    X = sp.csr_matrix(X_DENSE)
    make_pipeline(StandardScaler(with_mean=False), PCA(2)).fit(X).transform(X)
    before = compile_stats()["compiles"]
    pipe = make_pipeline(StandardScaler(with_mean=False), PCA(2)).fit(X * 3.0)
    pipe.transform(X)
    assert compile_stats()["compiles"] == before


@pytest.mark.parametrize(
    "steps, sk_steps, dtype",
    [
        (
            lambda: [StandardScaler(), VarianceThreshold(), MinMaxScaler()],
            lambda: [
                skp.StandardScaler(),
                skfs.VarianceThreshold(),
                skp.MinMaxScaler(),
            ],
            np.float16,
        ),
        (
            lambda: [StandardScaler(), PCA(2)],
            lambda: [skp.StandardScaler(), skd.PCA(2)],
            np.float64,
        ),
    ],
    ids=["kept", "pca-converts"],
)
def test_float16_through_a_fused_pipeline_has_sklearns_dtype(steps, sk_steps, dtype):
    X16 = X_DENSE.astype(np.float16)
    out = make_pipeline(*steps()).fit(X16).transform(X16)
    expected = skpipe.make_pipeline(*sk_steps()).fit(X16).transform(X16)
    assert out.dtype == expected.dtype == dtype
    np.testing.assert_allclose(out, expected, atol=5e-3)


# ------------------------------------------------------------ fusion_plan


def test_fusion_plan_defaults_to_predict_for_a_classifier():
    pipe = make_pipeline(StandardScaler(), SkLogisticRegression()).fit(X_DENSE, Y)
    plan = pipe.fusion_plan()
    assert plan.method == "predict"
    assert str(plan) == str(pipe.fusion_plan("predict"))


def test_fusion_plan_defaults_to_transform_for_a_transformer():
    pipe = make_pipeline(StandardScaler(), PCA(2)).fit(X_DENSE)
    assert pipe.fusion_plan().method == "transform"


# ------------------------------------------------------------------ fuse


def test_fuse_swaps_sklearn_steps_for_counterparts_and_says_which():
    plain = skpipe.make_pipeline(
        SimpleImputer(), skp.StandardScaler(), skd.PCA(2), SkLogisticRegression()
    ).fit(X_DENSE, Y)
    with pytest.warns(UserWarning, match=r"'standardscaler' \(StandardScaler\), 'pca'"):
        fused = fuse(plain)
    assert [type(est).__module__.split(".")[0] for _, est in fused.steps] == [
        "sklearn",
        "sklearn_pylearn",
        "sklearn_pylearn",
        "sklearn",
    ]
    [segment] = fused.fusion_plan().segments
    assert segment.steps == ("standardscaler", "pca")
    np.testing.assert_allclose(
        fused.predict_proba(X_DENSE), plain.predict_proba(X_DENSE), rtol=1e-10
    )
    assert isinstance(plain.steps[1][1], skp.StandardScaler)  # the original is kept


def test_fuse_of_own_steps_warns_nothing():
    plain = skpipe.make_pipeline(StandardScaler(), PCA(2)).fit(X_DENSE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fuse(plain)


def test_fuse_with_nothing_to_fuse_is_an_error():
    plain = skpipe.make_pipeline(SimpleImputer(), SkLogisticRegression())
    with pytest.raises(ValueError, match=r"nothing to fuse.*SimpleImputer"):
        fuse(plain.fit(X_DENSE, Y))


# --------------------------------------------------------------- compute


def test_pipeline_compute_is_one_graph_with_the_last_step():
    pipe = make_pipeline(StandardScaler(), PCA(3), LogisticRegression()).fit(X_DENSE, Y)
    names = ["prediction", "proba", "nll"]
    frame = pipe.compute(X_DENSE, Y, outputs=names)
    expected = pipe[-1].compute(pipe[:-1].transform(X_DENSE), Y, outputs=names)
    pd.testing.assert_frame_equal(frame, expected, rtol=1e-10)
    before = compile_stats()["compiles"]
    pipe.compute(X_DENSE * 2.0, Y, outputs=names)
    assert compile_stats()["compiles"] == before


def test_pipeline_compute_after_an_unfused_step_keeps_the_index():
    frame = pd.DataFrame(X_DENSE, index=np.arange(60) + 100)
    pipe = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression())
    out = pipe.fit(frame, Y).compute(frame, outputs="proba")
    assert list(out.index) == list(frame.index)
    np.testing.assert_allclose(out.to_numpy(), pipe.predict_proba(frame), rtol=1e-10)


def test_pipeline_compute_needs_a_final_step_with_compute():
    pipe = Pipeline([("scale", StandardScaler()), ("lr", SkLogisticRegression())])
    assert not hasattr(pipe, "compute")


def test_pipeline_compute_before_fit_is_not_fitted_error():
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    with pytest.raises(NotFittedError, match="not fitted"):
        pipe.compute(X_DENSE)
