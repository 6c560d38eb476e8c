"""The fusing Pipeline: parity with scikit-learn's, fused segments, affine folding."""

import pickle
import re
from unittest import mock

import joblib
import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest
import sklearn
from sklearn import decomposition as skd
from sklearn import feature_selection as skfs
from sklearn import pipeline as skpipe
from sklearn import preprocessing as skp
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_pylearn import _fusion, compile_stats, config_context
from sklearn_pylearn._fusion import StepCall, unfused_reason
from sklearn_pylearn.base import SymbolicMixin, is_symbolic
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.pipeline import (
    FusedSegment,
    FusionPlan,
    Pipeline,
    UnfusedStep,
    fuse,
    make_pipeline,
)
from sklearn_pylearn.preprocessing import (
    ExpressionTransformer,
    MinMaxScaler,
    StandardScaler,
)
from sklearn_pylearn.symbolic import rowwise
from sklearn_pylearn.utils._sklearn_compat import InvalidParameterError
from sklearn_pylearn.utils.validation import validate_float_input

RNG = np.random.RandomState(0)
X = RNG.normal(size=(150, 6)) * RNG.uniform(0.5, 3.0, size=6) + RNG.uniform(-5, 5, 6)
X[:, 4] = 2.0  # a constant column for VarianceThreshold
Y = (X[:, 0] + X[:, 1] > X[:, 0].mean() + X[:, 1].mean()).astype(int)


def _chain(fold_affine=True):
    return make_pipeline(
        VarianceThreshold(),
        StandardScaler(),
        PCA(3, whiten=True),
        ExpressionTransformer(pt.tanh),
        MinMaxScaler(),
        fold_affine=fold_affine,
    )


def _sk_chain():
    return skpipe.make_pipeline(
        skfs.VarianceThreshold(),
        skp.StandardScaler(),
        skd.PCA(3, whiten=True),
        skp.FunctionTransformer(np.tanh),
        skp.MinMaxScaler(),
    )


def _affine(fold_affine=True):
    return make_pipeline(
        StandardScaler(), PCA(3), MinMaxScaler(), fold_affine=fold_affine
    )


def _classifier():
    return Pipeline(
        [("scale", StandardScaler()), ("pca", PCA(3)), ("clf", LogisticRegression())]
    )


@pytest.fixture(scope="module")
def chain():
    return _chain().fit(X)


@pytest.fixture(scope="module")
def affine():
    return _affine().fit(X)


def _sign(A, B):
    """Align PCA component signs (full SVD sign flips) of B to A."""
    return B * np.sign((A * B).sum(axis=0))


# ------------------------------------------------------------- parity


@pytest.mark.parametrize("fold_affine", [True, False], ids=["folded", "unfolded"])
def test_fit_and_transform_match_sklearns_pipeline(fold_affine):
    ours = _chain(fold_affine).fit(X)
    ref = _sk_chain().fit(X)
    out, expected = ours.transform(X), ref.transform(X)
    np.testing.assert_allclose(out, _sign(out, expected), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.fit_transform(X), out, rtol=1e-12, atol=1e-14)


def test_folded_and_unfolded_agree_in_float64(chain):
    folded = chain.transform(X)
    unfolded = clone(chain).set_params(fold_affine=False)
    unfolded.steps = chain.steps  # same fitted steps, no refit
    np.testing.assert_allclose(unfolded.transform(X), folded, rtol=1e-10, atol=1e-12)


def test_float32_input_runs_a_float32_graph(chain):
    out32 = chain.transform(X.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, chain.transform(X), rtol=1e-4, atol=1e-4)
    assert "float32" in chain.fusion_plan().segments[0].graph_str("float32")


def test_fit_computes_each_step_input_with_the_fused_prefix():
    forbid = mock.patch.multiple(
        SymbolicMixin,
        _run_symbolic=mock.DEFAULT,
    )
    with forbid as mocks:
        pipe = _chain().fit(X)
        out = pipe.transform(X)
    assert not mocks["_run_symbolic"].called  # no step ran its own transform
    prefix = pipe[:-1].transform(X)
    np.testing.assert_array_equal(pipe[-1].data_min_, prefix.min(axis=0))
    np.testing.assert_array_equal(out, pipe.transform(X))


# --------------------------------------------------------- the graphs


def test_folded_affine_chain_is_one_gemm_plus_one_add(affine):
    plan = affine.fusion_plan()
    [segment] = plan.segments
    [group] = segment.folded
    assert (group.steps, group.kind) == (segment.steps, "dense")
    assert (group.n_features_in, group.n_features_out) == (6, 3)
    text = segment.graph_str()
    assert len(re.findall(r"\b(Dot|Dot22|Gemm)\b", text)) == 1
    # Variable names in the text are those of the first graph of this structure
    # compiled in the process (the cache is structural), so only ops are checked.
    assert text.split()[0] == "Add"
    for intermediate in ("Sub", "True_div", "Mul", "Composite", "Subtensor"):
        assert intermediate not in text
    assert len(segment.compiled().input_dtypes) == 3  # X, W, b
    # The add writes into the product's output: no array besides the output.
    nodes = segment.compiled().fn.maker.fgraph.toposort()
    [product] = [node for node in nodes if str(node.op) == "Dot"]
    [add] = [node for node in nodes if str(node.op) == "Add"]
    assert add.op.destroy_map == {0: [0]} and add.inputs[0] is product.outputs[0]


def test_non_affine_tail_fuses_into_one_elementwise_pass(chain):
    text = chain.fusion_plan().segments[0].graph_str()
    assert len(re.findall(r"\bDot\b", text)) == 1
    assert "tanh" in text and "Composite" in text
    assert "AdvancedSubtensor" not in text  # the selection is folded into W


def test_a_lone_diagonal_step_is_not_densified():
    pipe = make_pipeline(
        StandardScaler(), ExpressionTransformer(pt.tanh), MinMaxScaler()
    ).fit(X)
    [segment] = pipe.fusion_plan().segments
    assert segment.folded == ()
    assert "Dot" not in segment.graph_str()
    squashed = np.tanh(StandardScaler().fit_transform(X))
    expected = MinMaxScaler().fit_transform(squashed)
    np.testing.assert_allclose(pipe.transform(X), expected, rtol=1e-12, atol=1e-15)


def test_diagonal_and_selection_steps_fold_into_one_elementwise_map():
    pipe = make_pipeline(
        VarianceThreshold(), StandardScaler(), MinMaxScaler(feature_range=(-1, 1))
    ).fit(X)
    [group] = pipe.fusion_plan().segments[0].folded
    assert (group.kind, group.n_features_in, group.n_features_out) == (
        "elementwise",
        6,
        5,
    )
    assert "Dot" not in pipe.fusion_plan().segments[0].graph_str()
    ref = skpipe.make_pipeline(
        skfs.VarianceThreshold(),
        skp.StandardScaler(),
        skp.MinMaxScaler(feature_range=(-1, 1)),
    ).fit(X)
    np.testing.assert_allclose(
        pipe.transform(X), ref.transform(X), rtol=1e-10, atol=1e-12
    )


def test_select_k_best_folds_before_pca():
    varying = np.delete(X, 4, axis=1)
    pipe = Pipeline(
        [("kbest", SelectKBest(k=4)), ("pca", PCA(2)), ("scale", StandardScaler())]
    ).fit(varying, Y)
    [group] = pipe.fusion_plan().segments[0].folded
    assert group.steps == ("kbest", "pca", "scale") and group.kind == "dense"
    step_by_step = varying
    for _, step in pipe.steps:
        step_by_step = step.transform(step_by_step)
    np.testing.assert_allclose(
        pipe.transform(varying), step_by_step, rtol=1e-10, atol=1e-12
    )


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 64)
    monkeypatch.setattr(rowwise, "MIN_BLOCK_ROWS", 16)


def _center(X):
    return X - X.mean(axis=0)  # mixes rows: must not run in blocks


@pytest.mark.parametrize("fold_affine", [True, False], ids=["folded", "unfolded"])
def test_row_wise_segments_run_in_blocks_with_the_same_result(
    small_blocks, fold_affine
):
    whole = _chain(fold_affine).fit(X)
    expected = whole.transform(X)
    blocked = clone(whole)
    blocked.steps = whole.steps
    calls = []
    real_call = _fusion.CompiledFunction.__call__

    def spy(self, *args):
        calls.append(len(args[0]))
        return real_call(self, *args)

    with mock.patch.object(_fusion.CompiledFunction, "__call__", spy):
        out = blocked.transform(X)
    assert calls[0] == 16 and sum(calls) == len(X)  # blocks of 16 rows
    np.testing.assert_array_equal(out, expected)


def test_a_graph_that_mixes_rows_runs_whole(small_blocks):
    pipe = make_pipeline(StandardScaler(), ExpressionTransformer(_center)).fit(X)
    expected = _center(StandardScaler().fit_transform(X))
    np.testing.assert_allclose(pipe.transform(X), expected, atol=1e-12)


STEPS_REBOUND = (
    "fit rebinds `steps` to the fitted steps: scikit-learn's own Pipeline fails "
    "this check the same way"
)
EXPECTED_FAILED = {
    "check_estimators_overwrite_params": STEPS_REBOUND,
    "check_dont_overwrite_parameters": STEPS_REBOUND,
}


def _expected_failed(pipe):
    failed = dict(EXPECTED_FAILED)
    if isinstance(pipe[-1], ExpressionTransformer):
        failed["check_fit_check_is_fitted"] = (
            "a stateless last step makes the pipeline count as fitted before fit, "
            "as in scikit-learn's Pipeline with a FunctionTransformer last"
        )
    return failed


@parametrize_with_checks(
    [
        Pipeline(
            [("scale", StandardScaler()), ("tanh", ExpressionTransformer(pt.tanh))]
        ),
        Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]),
    ],
    expected_failed_checks=_expected_failed,
)
def test_passes_sklearns_checks_as_sklearns_pipeline_does(estimator, check):
    check(estimator)


# ------------------------------------------------------ unfused steps


def test_non_symbolic_step_runs_between_fused_segments():
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("abs", skp.FunctionTransformer(np.abs)),
            ("drop", "passthrough"),
            ("pca", PCA(2)),
            ("rescale", MinMaxScaler()),
            ("none", None),
        ]
    ).fit(X)
    plan = pipe.fusion_plan()
    assert [type(e).__name__ for e in plan.entries] == [
        "FusedSegment",
        "UnfusedStep",
        "FusedSegment",
    ]
    assert plan.unfused[0].step == "abs"
    assert "FunctionTransformer builds no graph" in plan.unfused[0].reason
    assert plan.skipped == ("drop", "none")
    assert plan.segments[1].steps == ("pca", "rescale")
    text = str(plan)
    assert "unfused: abs.transform" in text and "skipped: drop" in text
    expected = np.abs(StandardScaler().fit_transform(X))
    expected = MinMaxScaler().fit_transform(PCA(2).fit_transform(expected))
    np.testing.assert_allclose(pipe.transform(X), expected, rtol=1e-10, atol=1e-12)


def test_predict_family_and_score_match_sklearn():
    pipe = _classifier().fit(X, Y)
    ref = skpipe.Pipeline(pipe.steps)  # the same fitted steps, run step by step
    for method in ("predict", "predict_proba", "predict_log_proba"):
        np.testing.assert_allclose(
            getattr(pipe, method)(X), getattr(ref, method)(X), rtol=1e-9
        )
    np.testing.assert_allclose(
        pipe.decision_function(X), ref.decision_function(X), rtol=1e-9, atol=1e-12
    )
    weights = RNG.uniform(size=len(X))
    assert pipe.score(X, Y) == ref.score(X, Y)
    assert pipe.score(X, Y, sample_weight=weights) == ref.score(
        X, Y, sample_weight=weights
    )
    assert list(pipe.classes_) == [0, 1]
    plan = pipe.fusion_plan("predict_proba")
    assert plan.segments[0].steps == ("scale", "pca")
    assert plan.unfused[0].step == "clf"


def test_score_samples_and_fit_predict():
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA(3))]).fit(X)
    ref = skpipe.Pipeline(pipe.steps)
    np.testing.assert_allclose(pipe.score_samples(X), ref.score_samples(X))
    km = Pipeline([("scale", StandardScaler()), ("km", KMeans(2, n_init=1))])
    assert km.fit_predict(X).shape == (len(X),)


class _SymbolicLinear(SymbolicMixin, RegressorMixin, BaseEstimator):
    """A least-squares regressor whose predict is a graph (a later issue's kind)."""

    def fit(self, X, y):
        X = validate_float_input(self, X, reset=True)
        design = np.c_[X, np.ones(len(X))]
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        self.coef_, self.intercept_ = coef[:-1], coef[-1]
        return self

    def predict(self, X):
        return self._run_symbolic(X, "predict")

    def _symbolic_predict(self, X, inputs):
        coef = inputs.add("coef", self.coef_)
        return pt.dot(X, coef) + inputs.add("intercept", self.intercept_)


def test_a_symbolic_final_predictor_joins_the_last_segment():
    y = X @ RNG.normal(size=6)
    pipe = Pipeline(
        [("scale", StandardScaler()), ("pca", PCA(4)), ("reg", _SymbolicLinear())]
    ).fit(X, y)
    assert is_symbolic(pipe[-1], "predict")
    [segment] = pipe.fusion_plan("predict").entries
    assert segment.methods == ("transform", "transform", "predict")
    assert "reg.predict" in str(segment)
    expected = pipe[-1].predict(pipe[:-1].transform(X))
    np.testing.assert_allclose(pipe.predict(X), expected, rtol=1e-10)


def test_inverse_transform_runs_fused_in_reverse():
    pipe = make_pipeline(
        StandardScaler(),
        PCA(),
        ExpressionTransformer(pt.tanh, inverse_func=pt.arctanh),
        MinMaxScaler(feature_range=(-0.5, 0.5)),
    ).fit(X)
    [segment] = pipe.fusion_plan("inverse_transform").segments
    assert segment.steps[0] == "minmaxscaler" and segment.steps[-1] == (
        "standardscaler"
    )
    np.testing.assert_allclose(pipe.inverse_transform(pipe.transform(X)), X)
    assert not hasattr(
        make_pipeline(ExpressionTransformer(pt.tanh)), "inverse_transform"
    )


# ------------------------------------------------ sklearn's Pipeline API


def test_set_params_routes_and_drops_the_fused_state():
    pipe = _affine().fit(X)
    first = pipe.transform(X)
    pipe.set_params(pca__whiten=True)  # changes transform without refitting
    ref = skpipe.Pipeline(pipe.steps)
    np.testing.assert_allclose(
        pipe.transform(X), ref.transform(X), rtol=1e-10, atol=1e-12
    )
    assert pipe.set_params(pca__n_components=2).fit(X).transform(X).shape == (150, 2)
    assert first.shape == (150, 3)


def test_refitting_a_step_directly_is_seen():
    pipe = _affine().fit(X)
    pipe.transform(X)
    pipe.named_steps.minmaxscaler.fit(pipe[:-1].transform(X[:20]))
    ref = skpipe.Pipeline(pipe.steps)
    np.testing.assert_allclose(
        pipe.transform(X), ref.transform(X), rtol=1e-10, atol=1e-12
    )


def test_unknown_step_parameter_raises_as_sklearn():
    with pytest.raises(ValueError, match="Invalid parameter 'nope'") as ours:
        _affine().set_params(nope__x=1)
    with pytest.raises(ValueError) as theirs:
        skpipe.Pipeline(_affine().steps).set_params(nope__x=1)
    assert (
        str(ours.value).split(" for estimator")[0]
        == str(theirs.value).split(" for estimator")[0]
    )


def test_slicing_named_steps_len_and_clone(affine):
    head = affine[:2]
    assert isinstance(head, Pipeline) and len(head) == 2
    assert head.steps[1][1] is affine.named_steps.pca
    assert affine["pca"] is affine.named_steps["pca"] is affine[1]
    unfolded = make_pipeline(StandardScaler(), fold_affine=False)
    assert unfolded[:1].fold_affine is False
    params = clone(unfolded).get_params()
    assert params["fold_affine"] is False and "standardscaler__with_mean" in params


def test_slicing_with_a_step_raises_as_sklearn(affine):
    with pytest.raises(ValueError, match="Pipeline slicing only supports a step of 1"):
        affine[::2]


def test_a_segment_described_without_its_pipeline_cannot_compile():
    segment = FusedSegment(("scale",), ("transform",), ())
    with pytest.raises(ValueError, match="built without its pipeline"):
        segment.graph_str()


def test_pickle_holds_no_compiled_state(affine, tmp_path):
    expected = affine.transform(X)
    assert affine._fusion_cache
    blob = pickle.dumps(affine)
    assert b"CompiledFunction" not in blob and b"_fusion_cache" not in blob
    joblib.dump(affine, tmp_path / "pipe.joblib")
    loaded = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(loaded.transform(X), expected)


def test_memory_caches_the_fitted_steps(tmp_path):
    pipe = _affine()
    given = pipe.steps[0][1]
    pipe.set_params(memory=str(tmp_path)).fit(X)
    assert pipe.steps[0][1] is not given  # memory fits clones, as sklearn does
    with mock.patch.object(StandardScaler, "fit", side_effect=AssertionError):
        again = clone(pipe).fit(X)  # loads the first two steps from the cache
    np.testing.assert_array_equal(again.transform(X), pipe.transform(X))
    np.testing.assert_allclose(
        pipe.transform(X), _affine().fit(X).transform(X), atol=1e-12
    )


def test_verbose_prints_each_step(capsys):
    _affine().set_params(verbose=True).fit(X)
    out = capsys.readouterr().out
    assert "(step 1 of 3) Processing standardscaler" in out
    assert "(step 3 of 3) Processing minmaxscaler" in out


def test_set_output_pandas_follows_sklearn():
    frame = pd.DataFrame(X, columns=list("abcdef"), index=range(100, 250))
    pipe = _affine().set_output(transform="pandas").fit(frame)
    ref = (
        skpipe.make_pipeline(skp.StandardScaler(), skd.PCA(3), skp.MinMaxScaler())
        .set_output(transform="pandas")
        .fit(frame)
    )
    out = pipe.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["pca0", "pca1", "pca2"]
    assert list(out.index) == list(frame.index)
    assert list(pipe[-1].feature_names_in_) == list(ref[-1].feature_names_in_)
    np.testing.assert_allclose(
        out.to_numpy(),
        _sign(out.to_numpy(), ref.transform(frame).to_numpy()),
        rtol=1e-9,
        atol=1e-12,
    )


def test_sample_weight_reaches_the_steps():
    weights = RNG.uniform(0.1, 1.0, size=len(X))
    pipe = _classifier().fit(X, Y, scale__sample_weight=weights)
    expected_mean = np.average(X, axis=0, weights=weights)
    np.testing.assert_allclose(pipe.named_steps.scale.mean_, expected_mean)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=True)),
                ("pca", PCA(3)),
                (
                    "clf",
                    LogisticRegression()
                    .set_fit_request(sample_weight=True)
                    .set_score_request(sample_weight=True),
                ),
            ]
        ).fit(X, Y, sample_weight=weights)
        np.testing.assert_allclose(routed.named_steps.scale.mean_, expected_mean)
        assert routed.predict(X).shape == (len(X),)
        assert routed.score(X, Y, sample_weight=weights) > 0.5
        assert routed[:-1].score_samples(X).shape == (len(X),)


def test_grid_search_reuses_compiled_functions():
    grid = {"pca__n_components": [2, 3, 4]}
    GridSearchCV(_classifier(), grid, cv=3).fit(X, Y)  # 10 fits
    before = compile_stats()
    search = GridSearchCV(_classifier(), {"pca__n_components": [1, 5]}, cv=3)
    search.fit(X[::-1] * 2.0, Y[::-1])  # 7 more fits, other data and widths
    after = compile_stats()
    assert after["compiles"] == before["compiles"]
    assert after["hits"] > before["hits"]


def test_grid_search_compiles_per_structure_not_per_fit():
    before = compile_stats()
    search = GridSearchCV(
        Pipeline(
            [
                ("scale", StandardScaler()),
                ("pca", PCA()),
                ("squash", ExpressionTransformer(pt.arctan)),
                ("clf", LogisticRegression()),
            ]
        ),
        {"pca__n_components": [2, 3, 4]},
        cv=3,
    ).fit(X, Y)
    delta = compile_stats()["compiles"] - before["compiles"]
    # at most: scale alone, scale+pca folded, folded+arctan; 10 fits, 9 scorings
    assert delta <= 3
    assert search.best_estimator_.fusion_plan("predict").segments[0].steps == (
        "scale",
        "pca",
        "squash",
    )


def test_fuse_wraps_a_fitted_sklearn_pipeline_without_refitting():
    plain = skpipe.make_pipeline(StandardScaler(), PCA(3), MinMaxScaler()).fit(X)
    with mock.patch.object(StandardScaler, "fit", side_effect=AssertionError):
        fused = fuse(plain)
    assert isinstance(fused, Pipeline)
    assert all(a[1] is b[1] for a, b in zip(fused.steps, plain.steps))
    np.testing.assert_allclose(
        fused.transform(X), plain.transform(X), rtol=1e-10, atol=1e-12
    )
    assert fuse(plain, fold_affine=False).fusion_plan().segments[0].folded == ()
    with pytest.raises(TypeError, match="fuse expects a sklearn.pipeline.Pipeline"):
        fuse(StandardScaler())


def test_nested_in_sklearn_pipeline_and_column_transformer():
    outer = skpipe.make_pipeline(_affine(), LogisticRegression()).fit(X, Y)
    assert outer.score(X, Y) > 0.5
    columns = ColumnTransformer(
        [("fused", _affine(), [0, 1, 2, 3]), ("rest", "passthrough", [5])]
    )
    out = columns.fit_transform(X)
    assert out.shape == (150, 4)
    expected = _affine().fit(X[:, :4]).transform(X[:, :4])
    np.testing.assert_allclose(
        out[:, :3], _sign(out[:, :3], expected), rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(columns.transform(X), out, atol=1e-12)


def test_fit_reports_the_same_callback_tasks_as_sklearn():
    callback_module = pytest.importorskip("sklearn.callback")

    class Record(callback_module.FitCallback):
        def __init__(self):
            self.tasks = []

        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            self.tasks.append(("begin", context.task_name))

        def on_fit_task_end(self, estimator, context):
            self.tasks.append(("end", context.task_name))

        def teardown(self, estimator, context):
            pass

    ours, theirs = Record(), Record()
    _classifier().set_callbacks(ours).fit(X, Y)
    skpipe.Pipeline(_classifier().steps).set_callbacks(theirs).fit(X, Y)
    assert ours.tasks == theirs.tasks
    assert ("begin", "fit-transform-pca") in ours.tasks


def test_each_compile_mode_gets_its_own_function(affine):
    expected = affine.transform(X)

    def lookups():
        stats = compile_stats()
        return stats["compiles"] + stats["hits"]

    before = lookups()
    with config_context(compile_mode="FAST_COMPILE"):
        np.testing.assert_allclose(affine.transform(X), expected, atol=1e-12)
        middle = lookups()
        affine.transform(X)
    assert middle == before + 1 and lookups() == middle
    affine.transform(X)
    assert lookups() == middle


def test_fold_affine_is_validated():
    with pytest.raises(InvalidParameterError, match="'fold_affine' parameter"):
        _affine(fold_affine="yes").fit(X)


def test_a_step_given_metadata_runs_unfused():
    call = StepCall(0, "scale", StandardScaler(), "transform")
    assert unfused_reason(call, None) is None
    assert "receives metadata ['w']" in unfused_reason(call, {"w": 1})
    predict = call._replace(method="predict")
    assert "has no symbolic predict" in unfused_reason(predict, None)


# --------------------------------------------------------------- plan


def test_fusion_plan_is_readable_and_prints_graphs(chain):
    plan = chain.fusion_plan()
    assert isinstance(plan, FusionPlan) and plan.method == "transform"
    [segment] = plan.entries
    assert isinstance(segment, FusedSegment)
    assert segment.steps == (
        "variancethreshold",
        "standardscaler",
        "pca",
        "expressiontransformer",
        "minmaxscaler",
    )
    [group] = segment.folded
    assert group.steps == ("variancethreshold", "standardscaler", "pca")
    text = str(plan)
    assert text.splitlines()[0] == (
        "Pipeline.transform: 1 fused segment(s), 0 unfused step(s), fold_affine=True"
    )
    assert "variancethreshold + standardscaler + pca folded into X @ W + b" in text
    assert "Composite" in segment.graph_str()
    assert str(UnfusedStep("f", "transform", "why")) == "unfused: f.transform (why)"


def test_fusion_plan_rejects_unknown_or_missing_methods(affine):
    with pytest.raises(ValueError, match="method must be one of"):
        affine.fusion_plan("fit")
    with pytest.raises(ValueError, match="has no 'predict'"):
        affine.fusion_plan("predict")


# ------------------------------------------------------------- errors


def test_unfitted_pipeline_raises_as_sklearn():
    with pytest.raises(NotFittedError, match="This Pipeline instance is not fitted"):
        _affine().transform(X)
    with pytest.raises(NotFittedError, match="This Pipeline instance is not fitted"):
        _affine().fusion_plan()


def test_unfitted_step_is_named():
    pipe = _affine().fit(X)
    pipe.set_params(standardscaler=StandardScaler())
    msg = "Pipeline step 'standardscaler': This StandardScaler instance is not fitted"
    with pytest.raises(NotFittedError, match=msg):
        pipe.transform(X)


def test_wrong_number_of_features_raises_as_sklearn(affine):
    with pytest.raises(ValueError) as theirs:
        skpipe.Pipeline(affine.steps).transform(X[:, :3])
    with pytest.raises(
        ValueError, match="X has 3 features, but StandardScaler"
    ) as ours:
        affine.transform(X[:, :3])
    assert str(ours.value) == str(theirs.value)


def test_wrong_feature_names_raise_as_sklearn():
    frame = pd.DataFrame(X, columns=list("abcdef"))
    pipe = _affine().fit(frame)
    renamed = frame.rename(columns={"a": "z"})
    with pytest.raises(ValueError) as theirs:
        skpipe.Pipeline(pipe.steps).transform(renamed)
    with pytest.raises(ValueError, match="feature names should match") as ours:
        pipe.transform(renamed)
    assert str(ours.value) == str(theirs.value)


def test_a_non_transformer_in_the_middle_raises_as_sklearn():
    pipe = Pipeline([("clf", LogisticRegression()), ("scale", StandardScaler())])
    with pytest.raises(TypeError, match="All intermediate steps should be transf"):
        pipe.fit(X, Y)


def test_steps_that_no_longer_chain_are_named():
    pipe = _affine().fit(X)
    pipe.named_steps.minmaxscaler.fit(X)  # 6 features where PCA gives 3
    with pytest.raises(
        ValueError,
        match=r"step 'minmaxscaler' \(MinMaxScaler\) "
        r"expects 6 features.*'pca', outputs 3",
    ):
        pipe.transform(X)


def test_fold_and_run_time_failures_name_the_steps():
    pipe = make_pipeline(StandardScaler(), MinMaxScaler()).fit(X)
    pipe.named_steps.minmaxscaler.scale_ = np.ones(2)  # broken by hand
    with pytest.raises(ValueError, match="cannot fold the affine steps standard"):
        pipe.transform(X)
    pipe.set_params(fold_affine=False)
    with pytest.raises(ValueError, match="fused segment standardscaler -> minmax"):
        pipe.transform(X)


# ------------------------------------------------------ non-finite input


def _with(X_clean, row, col, value):
    X_bad = X_clean.copy()
    X_bad[row, col] = value
    return X_bad


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_input_raises_on_the_single_fold_path(bad, word):
    rng = np.random.RandomState(0)
    X_fit = np.c_[rng.normal(size=(60, 5)), np.ones(60)]  # last column is dropped
    pipe = Pipeline(
        [("var", VarianceThreshold()), ("scale", StandardScaler()), ("pca", PCA(2))]
    ).fit(X_fit)
    entry = _fusion.segment_function(
        pipe._segments(), pipe._calls(), np.dtype("float64"), True
    )
    assert entry.output_reveals_nonfinite
    for col in (0, 5):  # a kept column, and the column the selection drops
        with pytest.raises(ValueError, match=f"Input X contains {word}"):
            pipe.transform(_with(X_fit, 3, col, bad))


def test_non_finite_input_raises_before_a_non_affine_tail():
    X_fit = np.random.RandomState(1).normal(size=(40, 4))
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("pca", PCA(2)),
            ("tanh", ExpressionTransformer(pt.tanh)),  # tanh(inf) would be finite
        ]
    ).fit(X_fit)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        pipe.transform(_with(X_fit, 0, 1, np.inf))


def test_assume_finite_skips_the_check_as_in_sklearn():
    X_fit = np.random.RandomState(2).normal(size=(40, 4))
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA(2))]).fit(X_fit)
    with sklearn.config_context(assume_finite=True):
        out = pipe.transform(_with(X_fit, 0, 1, np.nan))
    assert np.isnan(out[0]).all() and np.isfinite(out[1:]).all()


def test_overflow_of_finite_input_is_not_an_error():
    X_fit = np.random.RandomState(3).normal(size=(40, 4)) * 1e-3  # W holds ~1e3
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA(2))]).fit(X_fit)
    out = pipe.transform(_with(X_fit, 0, 1, 1e308))  # finite input, inf output
    assert not np.isfinite(out[0]).all()
