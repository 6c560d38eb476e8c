import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.neural_network import MLPClassifier
from sklearn_pylearn.pipeline import make_pipeline
from sklearn_pylearn.plotting import (
    FiltersDisplay,
    ModelGraphDisplay,
    TrainingCurveDisplay,
    parse_dot,
    write_plots,
)
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


@pytest.fixture(scope="module")
def mlp(digits):
    X, y = digits
    clf = MLPClassifier(
        hidden_layer_sizes=(16,), max_iter=6, early_stopping=True, random_state=0
    )
    return clf.fit(X, y)


def test_training_curve_from_estimator(mlp, png_is_drawn):
    disp = TrainingCurveDisplay.from_estimator(mlp)
    assert len(disp.lines_) == 2  # loss and validation score
    np.testing.assert_array_equal(disp.lines_[0].get_ydata(), mlp.loss_curve_)
    np.testing.assert_array_equal(disp.lines_[1].get_ydata(), mlp.validation_scores_)
    assert disp.ax_.get_title() == "MLPClassifier: training curve"
    png_is_drawn(disp.figure_)


def test_training_curve_from_a_pipeline_and_a_history(
    mlp, digits, tmp_path, png_is_drawn
):
    X, y = digits
    pipe = make_pipeline(MinMaxScaler(), MLPClassifier(max_iter=3, random_state=0))
    disp = TrainingCurveDisplay.from_estimator(pipe.fit(X, y))
    assert len(disp.lines_) == 1 and len(disp.lines_[0].get_xdata()) == 3
    pd.DataFrame({"epoch": [1, 2], "loss": [1.0, 0.5]}).to_csv(
        tmp_path / "history.csv", index=False
    )
    disp = TrainingCurveDisplay.from_history(tmp_path / "history.csv")
    png_is_drawn(disp.figure_)


def test_training_curve_needs_an_iterative_learner(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="StandardScaler recorded no loss_curve_"):
        TrainingCurveDisplay.from_estimator(StandardScaler().fit(X))


def test_filters_of_an_mlp_and_of_pca(mlp, digits, png_is_drawn):
    disp = FiltersDisplay.from_estimator(mlp)
    assert disp.image_shape == (8, 8) and len(disp.filters) == 16
    np.testing.assert_array_equal(disp.filters, mlp.coefs_[0].T)
    assert disp.mosaic_.shape == (4 * 9 - 1, 4 * 9 - 1)
    png_is_drawn(disp.figure_)
    X, _ = digits
    disp = FiltersDisplay.from_estimator(PCA(n_components=5).fit(X), n_filters=3)
    assert len(disp.filters) == 3
    png_is_drawn(disp.figure_, "pca.png")


def test_filters_errors(digits):
    X, y = digits
    with pytest.raises(ValueError, match="63 features are not a square image"):
        FiltersDisplay.from_estimator(PCA(n_components=2).fit(X[:, :63]))
    with pytest.raises(ValueError, match="holds 12 pixels but each filter has 16"):
        FiltersDisplay(filters=np.ones((2, 16)), image_shape=(3, 4)).plot()
    with pytest.raises(ValueError, match="has no first-layer weights"):
        FiltersDisplay.from_estimator(StandardScaler().fit(X))


def test_model_graph_of_a_fusion_plan(digits, png_is_drawn):
    X, _ = digits
    pipe = make_pipeline(StandardScaler(), PCA(n_components=10), MinMaxScaler()).fit(X)
    disp = ModelGraphDisplay.from_estimator(pipe, engine="matplotlib")
    assert disp.engine_ == "matplotlib"
    nodes, edges, clusters = parse_dot(disp.dot)
    assert ("input", "standardscaler") in edges and ("pca", "minmaxscaler") in edges
    assert list(clusters.values()) == [["standardscaler", "pca", "minmaxscaler"]]
    xs = [disp.positions_[n][0] for n in ("input", "standardscaler", "minmaxscaler")]
    assert xs == sorted(xs)
    png_is_drawn(disp.figure_)


def test_model_graph_of_a_layer_graph_with_annotations(png_is_drawn):
    class Model:  # anything with to_dot(), as sklearn_pylearn.graph models have
        def to_dot(self):
            return (
                "digraph DBN { rankdir=LR;\n"
                'subgraph cluster_rbm1 { label="rbm1"; "h1" [label="sigmoid"]; }\n'
                'subgraph cluster_logreg { label="logreg"; "out" [label="softmax"]; }\n'
                '"x" -> "h1"; "h1" -> "out"; }'
            )

    disp = ModelGraphDisplay.from_model(Model(), engine="matplotlib")
    assert (
        disp.positions_["x"][0] < disp.positions_["h1"][0] < disp.positions_["out"][0]
    )
    labels = [t.get_text() for t in disp.ax_.texts]
    assert {"rbm1", "logreg", "sigmoid", "softmax"} <= set(labels)
    png_is_drawn(disp.figure_)


def test_model_graph_engines(digits):
    with pytest.raises(ValueError, match="engine must be"):
        ModelGraphDisplay(dot="digraph {}").plot(engine="svg")
    with pytest.raises(ValueError, match="neither a sklearn_pylearn Pipeline"):
        ModelGraphDisplay.from_estimator(StandardScaler())
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="apt-get install graphviz"):
            ModelGraphDisplay(dot='digraph { "a" -> "b"; }').plot(engine="graphviz")
        assert ModelGraphDisplay(dot='digraph { "a" -> "b"; }').plot().engine_ == (
            "matplotlib"
        )
    else:
        disp = ModelGraphDisplay(dot='digraph { "a" -> "b"; }').plot()
        assert disp.engine_ == "graphviz"


def test_write_plots(mlp, digits, tmp_path):
    X, y = digits
    paths = write_plots(mlp, tmp_path / "plots")
    assert sorted(p.name for p in paths) == ["filters.png", "training_curve.png"]
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=2, random_state=0))
    paths = write_plots(pipe.fit(X, y), tmp_path / "pipe")
    assert sorted(p.name for p in paths) == [
        "filters.png",
        "model_graph.png",
        "training_curve.png",
    ]
    for path in paths:
        assert path.stat().st_size > 1000


def test_filters_of_a_layer_graph_model(digits, png_is_drawn):
    from sklearn_pylearn.graph.macros import MLP
    from sklearn_pylearn.neural_network import GraphClassifier

    X, y = digits
    clf = GraphClassifier(MLP(64, (12,), 10), max_iter=2, random_state=0).fit(X, y)
    disp = FiltersDisplay.from_estimator(clf)
    first_w = [p.value for p in clf.model_.parameters() if p.name == "W"][0]
    np.testing.assert_array_equal(disp.filters, first_w.T)
    assert disp.filters.shape == (12, 64)
    png_is_drawn(disp.figure_)


def _learners():
    from sklearn_pylearn.graph.macros import DBN, RBM
    from sklearn_pylearn.linear_model import LogisticRegression
    from sklearn_pylearn.neural_network import (
        BernoulliRBM,
        DenoisingAutoencoder,
        GraphClassifier,
        GraphRegressor,
        GraphTransformer,
        MLPRegressor,
    )

    small = dict(max_iter=3, random_state=0)
    return {
        "MLPClassifier": MLPClassifier(hidden_layer_sizes=(9,), **small),
        "MLPRegressor": MLPRegressor(hidden_layer_sizes=(9,), **small),
        "LogisticRegression-sgd": LogisticRegression(solver="sgd", **small),
        "LogisticRegression-adam": LogisticRegression(solver="adam", **small),
        "BernoulliRBM": BernoulliRBM(n_components=9, n_iter=3, random_state=0),
        "DenoisingAutoencoder": DenoisingAutoencoder(n_components=9, **small),
        "GraphClassifier-DBN": GraphClassifier(
            DBN(64, [9], 10), learners=["rbm1", "learner"], **small
        ),
        "GraphRegressor": GraphRegressor(**small),
        "GraphTransformer-RBM": GraphTransformer(RBM(64, 9), **small),
    }


@pytest.mark.parametrize("kind", sorted(_learners()))
def test_every_display_for_every_iterative_learner(kind, digits, png_is_drawn):
    """Training curve, filters and graph (the learner's own layer graph, or a
    fused pipeline's plan with the learner last) render to non-blank PNGs."""
    import warnings

    X, y = digits
    est = _learners()[kind]
    target = y.astype(float) if "Regressor" in kind else y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, target)
        pipe = make_pipeline(MinMaxScaler(), est).fit(X, target)
    # CD descends no loss: an RBM's curve is its per-epoch reconstruction error.
    curve = getattr(est, "loss_curve_", None)
    if kind == "BernoulliRBM":
        assert curve is None
        curve = est.reconstruction_error_curve_
    disp = TrainingCurveDisplay.from_estimator(est)
    np.testing.assert_array_equal(disp.lines_[0].get_ydata(), curve)
    assert len(curve) >= 1
    png_is_drawn(disp.figure_, "curve.png")
    disp = FiltersDisplay.from_estimator(est)
    assert disp.image_shape == (8, 8) and disp.filters.shape[1] == 64
    png_is_drawn(disp.figure_, "filters.png")
    if kind.startswith("Graph"):
        disp = ModelGraphDisplay.from_estimator(est, engine="matplotlib")
        nodes, _, _ = parse_dot(disp.dot)
        assert len(nodes) >= 3
        png_is_drawn(disp.figure_, "graph.png")
    disp = ModelGraphDisplay.from_estimator(pipe, engine="matplotlib")
    png_is_drawn(disp.figure_, "plan.png")


def test_logistic_regression_lbfgs_records_no_curve(digits):
    from sklearn_pylearn.linear_model import LogisticRegression

    X, y = digits
    clf = LogisticRegression(solver="sgd", max_iter=2, random_state=0).fit(X, y)
    assert len(clf.loss_curve_) == 2
    clf.set_params(solver="lbfgs", max_iter=50).fit(X, y)
    assert not hasattr(clf, "loss_curve_")  # not the previous fit's curve
    with pytest.raises(ValueError, match="solver='lbfgs' records none"):
        TrainingCurveDisplay.from_estimator(clf)
