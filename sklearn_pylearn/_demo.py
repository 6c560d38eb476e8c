"""``python -m sklearn_pylearn demo`` (``make demo``): the whole story in one run.

1. a fused pipeline folded to one product, and its speed against scikit-learn's;
2. a grid search and its compile count;
3. named outputs of a learner from one compiled function;
4. a DBN pretrained layer by layer and fine-tuned on digits, with a progress bar;
5. model surgery: the DBN's ``rbm1`` replaced by a denoising autoencoder ``daa1``;
6. a training run interrupted part-way and resumed to the identical result;
7. plots written to a folder.
"""

import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split

from . import compile_stats
from .decomposition import PCA
from .feature_selection import VarianceThreshold
from .graph.macros import DAA, DBN
from .linear_model import LogisticRegression
from .neural_network import GraphClassifier, MLPClassifier
from .pipeline import make_pipeline
from .preprocessing import MinMaxScaler, StandardScaler
from .runtime import Hook

__all__ = ["run_demo"]


def _pipeline(module):
    return make_pipeline(
        module.VarianceThreshold(threshold=0.0),
        module.StandardScaler(),
        module.PCA(n_components=20, random_state=0),
        module.MinMaxScaler(feature_range=(-1, 1)),
    )


class _Ours:
    VarianceThreshold, StandardScaler, PCA, MinMaxScaler = (
        VarianceThreshold,
        StandardScaler,
        PCA,
        MinMaxScaler,
    )


class _Sklearn:
    from sklearn.decomposition import PCA
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.preprocessing import MinMaxScaler, StandardScaler


def _delta(before):
    after = compile_stats()
    return {
        "compiles": after["compiles"] - before["compiles"],
        "hits": after["hits"] - before["hits"],
        "compile_seconds": round(
            after["compile_seconds"] - before["compile_seconds"], 3
        ),
    }


def _median_time(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _title(out, text):
    out(f"\n== {text} " + "=" * max(0, 74 - len(text)))


def _fused_pipeline(out, X):
    _title(out, "1. a fused pipeline: one compiled graph, affine steps folded")
    first_half, second_half = X[: len(X) // 2], X[len(X) // 2 :]
    before = compile_stats()
    pipe = _pipeline(_Ours).fit(first_half)
    Xt = pipe.transform(X)
    first = _delta(before)
    out(f"pipeline: {' -> '.join(name for name, _ in pipe.steps)}")
    out(f"transformed shape: {Xt.shape}, dtype {Xt.dtype}; first use: {first}")
    out(str(pipe.fusion_plan()))
    before = compile_stats()
    _pipeline(_Ours).fit(second_half).transform(X)
    second = _delta(before)
    verdict = "nothing new compiled" if second["compiles"] == 0 else "RECOMPILED"
    out(f"second pipeline, same structure, other data: {second}")
    out(f"-> {verdict}: fitted arrays are graph inputs, not constants")
    big = np.tile(X, (20, 1))
    theirs = _pipeline(_Sklearn).fit(first_half)
    ours_s = _median_time(lambda: pipe.transform(big))
    theirs_s = _median_time(lambda: theirs.transform(big))
    ratio = theirs_s / ours_s
    out(
        f"transform of {big.shape[0]} rows: ours {ours_s * 1e3:.1f} ms, scikit-learn "
        f"{theirs_s * 1e3:.1f} ms (median of 5): {ratio:.2f}x"
    )
    return pipe, {"shape": Xt.shape, "first": first, "second": second, "speedup": ratio}


def _grid_search(out, X, y):
    _title(out, "2. a grid search: one compile per graph structure, not per fit")
    pipe = make_pipeline(
        StandardScaler(), PCA(), LogisticRegression(max_iter=300, random_state=0)
    )
    grid = {"pca__n_components": [10, 20, 30], "logisticregression__C": [0.1, 1.0]}
    before = compile_stats()
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    delta = _delta(before)
    fits = len(search.cv_results_["params"]) * 3 + 1
    out(f"{fits} fits: {delta['compiles']} compiles, {delta['hits']} cache hits")
    out(f"best {search.best_params_}, cv accuracy {search.best_score_:.3f}")
    return {"fits": fits, **delta}


def _named_outputs(out, X_train, X_test, y_train, y_test):
    _title(out, "3. named outputs: several per-sample results, one compiled function")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(64,), max_iter=30, random_state=0)
        mlp.fit(X_train, y_train)
    frame = mlp.compute(X_test, y_test, outputs=["prediction", "nll", "class_error"])
    out(frame.head(3).to_string())
    out(
        f"mean nll {frame['nll'].mean():.3f}, error rate "
        f"{frame['class_error'].mean():.3f} on {len(frame)} test digits"
    )
    return mlp


def _dbn(out, X_train, X_test, y_train, y_test):
    _title(out, "4. a DBN: greedy layer-wise pretraining, then fine-tuning")
    dbn = DBN(64, [64, 32], 10, finetune_learning_rate=0.5)
    out(dbn.annotations(depth=2))
    est = GraphClassifier(
        dbn,
        learners=["rbm1", "rbm2", "learner"],
        max_iter=15,
        batch_size=20,
        random_state=0,
        verbose=True,
    )
    est.fit(X_train, y_train)
    accuracy = est.score(X_test, y_test)
    out(f"DBN 64-64-32-10 test accuracy: {accuracy:.3f}")
    return est, accuracy


def _surgery(out, dbn_est, X_train, X_test, y_train, y_test):
    _title(out, "5. surgery: model.replace('rbm1', daa1) turns the DBN into an SdA")
    daa1 = DAA(64, 64, corruption_level=0.2)
    sda = dbn_est.model_.replace("rbm1", daa1, new_name="daa1")
    out(sda.annotations(depth=1))
    est = GraphClassifier(
        sda,
        learners=["daa1", "rbm2", "learner"],
        max_iter=15,
        batch_size=20,
        random_state=0,
    )
    est.fit(X_train, y_train)
    accuracy = est.score(X_test, y_test)
    out(f"after surgery (daa1, rbm2, logreg) test accuracy: {accuracy:.3f}")
    out(f"the fitted DBN is unchanged: {'rbm1' in dbn_est.model_.annotations()}")
    return est, accuracy


class _InterruptAt(Hook):
    """Interrupt training at the end of an epoch, as Ctrl-C or a kill would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, vm, **info):
        if info["count"] == self.epoch:
            vm.request_interrupt("interrupted by the demo")


def _resume(out, X, y, directory):
    _title(out, "6. a run interrupted part-way and resumed: the identical result")
    settings = dict(hidden_layer_sizes=(32,), max_iter=8, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = MLPClassifier(**settings).fit(X, y)
        est = MLPClassifier(
            **settings, checkpoint_dir=str(directory), hooks=[_InterruptAt(3)]
        )
        est.fit(X, y)
        stopped = est.n_iter_
        est.set_params(hooks=None).fit(X, y)
    same = all(np.array_equal(a, b) for a, b in zip(est.coefs_, reference.coefs_))
    out(f"stopped after epoch {stopped}; checkpoints in {directory}")
    out(
        f"resumed to epoch {est.n_iter_}: weights identical to an uninterrupted run: "
        f"{same}"
    )
    return same


def _plots(out, folder, mlp, dbn_est, sda_est, pipe):
    _title(out, f"7. plots, in {folder}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import ModelGraphDisplay, write_plots

    paths = []
    for name, est in (("mlp", mlp), ("dbn", dbn_est)):
        paths += write_plots(est, Path(folder) / name)
    for name, disp in (
        ("sda_graph.png", ModelGraphDisplay.from_model(sda_est.model_)),
        ("fusion_plan.png", ModelGraphDisplay.from_estimator(pipe)),
    ):
        disp.figure_.savefig(Path(folder) / name, dpi=100, bbox_inches="tight")
        plt.close(disp.figure_)
        paths.append(Path(folder) / name)
    for path in paths:
        out(f"  {path}")
    return paths


def run_demo(out=print, workdir=None):
    """Run the demo; return a report (shapes, compile counts, accuracies, paths).

    Parameters
    ----------
    out : callable, default=print
        Receives each line.
    workdir : path-like, optional
        Where checkpoints and plots go (default: a new temporary directory).

    Returns
    -------
    report : dict
    """
    workdir = Path(workdir or tempfile.mkdtemp(prefix="sklearn_pylearn_demo_"))
    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    out(f"digits: {X.shape[0]} samples x {X.shape[1]} features")
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.2, random_state=0
    )
    pipe, report = _fused_pipeline(out, X)
    report["grid"] = _grid_search(out, X, y)
    mlp = _named_outputs(out, X_train, X_test, y_train, y_test)
    dbn_est, report["dbn_accuracy"] = _dbn(out, X_train, X_test, y_train, y_test)
    sda_est, report["sda_accuracy"] = _surgery(
        out, dbn_est, X_train, X_test, y_train, y_test
    )
    report["resumed_identical"] = _resume(out, X_train, y_train, workdir / "ckpt")
    report["plots"] = _plots(out, workdir / "plots", mlp, dbn_est, sda_est, pipe)
    out(f"\ncompile_stats(): {compile_stats()}")
    out(f"demo finished in {time.perf_counter() - start:.1f} s")
    return report
