"""``python -m sklearn_pylearn demo`` (``make demo``): the whole story in one run.

1. a fused pipeline folded to one product, and its speed against scikit-learn's;
2. a grid search and its compile count;
3. named outputs of a learner from one compiled function;
4. a ``DBNClassifier`` pretrained layer by layer and fine-tuned on digits, with a
   progress bar per phase, next to an MLP with the same layers and fine-tuning;
5. model surgery on the fitted estimator's ``model_``: ``rbm1`` replaced by a
   denoising autoencoder ``daa1``, trained by ``GraphClassifier``;
6. a fit killed with kill -9 part-way and resumed in another process to the
   bit-identical result;
7. plots written to a folder.
"""

import os
import shutil
import signal
import statistics
import subprocess
import sys
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
from .exceptions import CorruptCheckpointError
from .feature_selection import VarianceThreshold
from .graph.macros import DAA
from .linear_model import LogisticRegression
from .neural_network import DBNClassifier, GraphClassifier, MLPClassifier
from .pipeline import make_pipeline
from .preprocessing import MinMaxScaler, StandardScaler
from .runtime import Checkpoint, Hook, list_checkpoints, read_checkpoint

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


# Section 4's fine-tuning, shared by the DBN and the MLP it is compared with.
_FINETUNE = dict(
    hidden_layer_sizes=(64, 32),
    solver="sgd",
    learning_rate_init=0.1,
    batch_size=20,
    max_iter=10,
    random_state=0,
)


def _dbn(out, X_train, X_test, y_train, y_test):
    _title(out, "4. a DBN: greedy layer-wise pretraining, then fine-tuning")
    est = DBNClassifier(pretrain_epochs=5, verbose=True, **_FINETUNE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_train, y_train)  # one progress bar per phase (on stderr)
        mlp = MLPClassifier(activation="logistic", **_FINETUNE).fit(X_train, y_train)
    out(est.model_.annotations(depth=2))
    accuracy = est.score(X_test, y_test)
    mlp_accuracy = mlp.score(X_test, y_test)
    layers = "-".join(map(str, _FINETUNE["hidden_layer_sizes"]))
    out(
        f"DBNClassifier 64-{layers}-10 test accuracy: {accuracy:.3f}; "
        f"MLPClassifier, same layers and fine-tuning, no pretraining: "
        f"{mlp_accuracy:.3f}"
    )
    return est, accuracy, mlp_accuracy


def _surgery(out, dbn_est, X_train, X_test, y_train, y_test):
    _title(out, "5. surgery: model_.replace('rbm1', daa1) turns the DBN into an SdA")
    daa1 = DAA(64, 64, corruption_level=0.2)
    sda = dbn_est.model_.replace("rbm1", daa1, new_name="daa1")
    out(sda.annotations(depth=1))
    # daa1 is pretrained; rbm2 and logreg start from the fitted DBN's weights.
    est = GraphClassifier(
        sda,
        learners=["daa1", "learner"],
        max_iter=_FINETUNE["max_iter"],
        batch_size=_FINETUNE["batch_size"],
        random_state=0,
    ).set_params(model__finetune__learning_rate=_FINETUNE["learning_rate_init"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_train, y_train)
    accuracy = est.score(X_test, y_test)
    out(f"after surgery (daa1, rbm2, logreg) test accuracy: {accuracy:.3f}")
    out(f"the fitted DBN is unchanged: {'rbm1' in dbn_est.model_.annotations()}")
    return est, accuracy


# -- 6. kill -9 and resume ---------------------------------------------------------

# The fit section 6 kills: long enough (about a second warm) that the kill lands while
# it trains, after the checkpoint of epoch _KILL_EPOCH.
_KILL_SETTINGS = dict(
    hidden_layer_sizes=(256,), batch_size=32, max_iter=100, tol=0.0, random_state=0
)
_KILL_EPOCH = 5
_CHILD = "from sklearn_pylearn._demo import _fit_in_child; _fit_in_child()"


class _CheckpointAtEpoch(Hook):
    """Write a checkpoint at the end of epoch ``epoch``; note the first epoch run.

    An estimator with ``checkpoint_dir`` checkpoints every 10 s and at the end: too
    rarely for a fit of a second. This hook asks the estimator's own
    :class:`~sklearn_pylearn.runtime.Checkpoint` hook for one more entry.
    ``first_epoch`` (the first epoch this process ran) is not part of the saved
    state, so a resumed process reports where it started.
    """

    def __init__(self, epoch=None):
        self.epoch = epoch
        self.first_epoch = None

    def get_state(self):
        return {"epoch": self.epoch}

    def set_state(self, state):
        self.epoch = state["epoch"]

    def on_epoch_end(self, vm, **info):
        if self.first_epoch is None:
            self.first_epoch = info["count"]
        if info["count"] == self.epoch:
            for hook in vm.hooks:
                if isinstance(hook, Checkpoint):
                    vm.request_checkpoint(hook)


def _fit_in_child():
    """Entry point of section 6's child processes: ``python -c _CHILD DIR ROLE``.

    Fits section 6's MLP on ``DIR/data.npz`` with ``checkpoint_dir=DIR/checkpoints``
    (role ``killed``: with a checkpoint at the end of epoch ``_KILL_EPOCH``, and the
    demo kills it while it trains on; role ``resumed``: the same fit, which resumes
    from the newest checkpoint), then writes its weights to ``DIR/ROLE.npz``.
    """
    import logging

    directory, role = Path(sys.argv[1]), sys.argv[2]
    logging.basicConfig(format="%(message)s", level=logging.WARNING, stream=sys.stdout)
    data = np.load(directory / "data.npz")
    hook = _CheckpointAtEpoch(_KILL_EPOCH if role == "killed" else None)
    est = MLPClassifier(
        **_KILL_SETTINGS,
        checkpoint_dir=str(directory / "checkpoints"),
        hooks=[hook],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(data["X"], data["y"])
    arrays = {f"coef{i}": a for i, a in enumerate(est.coefs_)}
    arrays.update({f"intercept{i}": b for i, b in enumerate(est.intercepts_)})
    with open(directory / f".{role}.npz.tmp", "wb") as f:
        np.savez(f, **arrays, n_iter=est.n_iter_, first_epoch=hook.first_epoch or 0)
    os.replace(directory / f".{role}.npz.tmp", directory / f"{role}.npz")


def _start_child(directory, role):
    """Run :func:`_fit_in_child` in a new interpreter, its output in DIR/ROLE.log."""
    env = dict(os.environ)
    # The child imports this very package, installed or not.
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    with open(directory / f"{role}.log", "w") as log:
        return subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(directory), role],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _child_failed(what, directory, role):
    log = (directory / f"{role}.log").read_text()
    return RuntimeError(f"demo section 6: {what}; the child's output:\n{log}")


def _saved_epoch(entry):
    """The number of epochs finished in a checkpoint entry (None: unreadable yet)."""
    try:
        state = read_checkpoint(entry)
    except (OSError, CorruptCheckpointError):  # pruned or being replaced: look again
        return None
    return state["vm"]["counters"].get("epoch_end", 0)


def _wait_for_checkpoint(proc, directory, role, timeout=600.0):
    """Poll ``DIR/checkpoints/*/`` until an entry of epoch >= _KILL_EPOCH exists.

    Returns the entry and its epoch.
    """
    deadline = time.monotonic() + timeout
    seen = set()
    while True:
        for fit_dir in sorted((directory / "checkpoints").glob("*")):
            for entry in list_checkpoints(fit_dir):
                if entry in seen:
                    continue
                epoch = _saved_epoch(entry)
                if epoch is not None:
                    seen.add(entry)
                    if epoch >= _KILL_EPOCH:
                        return entry, epoch
        if proc.poll() is not None:
            raise _child_failed(
                f"the fit ended (exit code {proc.returncode}) before writing the "
                f"checkpoint of epoch {_KILL_EPOCH}",
                directory,
                role,
            )
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise _child_failed(
                f"no checkpoint within {timeout:.0f} s", directory, role
            )
        time.sleep(0.005)


def _kill(proc):
    """kill -9 ``proc`` (terminate where there is no SIGKILL); say how it ended.

    Raises RuntimeError when the process had already exited: the kill must land
    while it runs.
    """
    sigkill = getattr(signal, "SIGKILL", None)
    if proc.poll() is not None:
        raise RuntimeError(
            f"demo section 6: process {proc.pid} exited (code {proc.returncode}) "
            "before the kill; the fit must outlast the checkpoint of epoch "
            f"{_KILL_EPOCH} (raise _KILL_SETTINGS['max_iter'])"
        )
    if sigkill is None:
        proc.terminate()
        proc.wait()
        return (
            f"terminated (no SIGKILL on this platform: {sys.platform}; "
            "TerminateProcess is as abrupt)"
        )
    proc.send_signal(sigkill)
    code = proc.wait()
    if code != -sigkill:
        raise RuntimeError(
            f"demo section 6: process {proc.pid} exited with code {code}, not killed "
            f"by SIGKILL ({-sigkill}): it finished before the kill"
        )
    return f"kill -9 {proc.pid}: it died with exit code {code}"


def _identical(reference, result):
    """Whether a child's saved weights are bit-identical to ``reference``'s."""
    ours = [result[f"coef{i}"] for i in range(len(reference.coefs_))]
    ours += [result[f"intercept{i}"] for i in range(len(reference.intercepts_))]
    theirs = reference.coefs_ + reference.intercepts_
    return int(result["n_iter"]) == reference.n_iter_ and all(
        a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(ours, theirs)
    )


def _kill_and_resume(out, X, y, directory):
    _title(out, "6. kill -9 part-way, resumed in a new process: the identical result")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "data.npz", X=X, y=y)
    epochs = _KILL_SETTINGS["max_iter"]
    (n_hidden,) = _KILL_SETTINGS["hidden_layer_sizes"]
    out(
        f"a child process fits MLPClassifier({n_hidden} hidden, {epochs} epochs) "
        f"with checkpoint_dir={directory / 'checkpoints'}"
    )
    shutil.rmtree(directory / "checkpoints", ignore_errors=True)  # a former run's
    children = []
    try:
        children.append(_start_child(directory, "killed"))
        entry, saved = _wait_for_checkpoint(children[0], directory, "killed")
        how = _kill(children[0])
        out(f"checkpoint of epoch {saved} on disk ({entry.name}): {how}")
        children.append(_start_child(directory, "resumed"))
        if children[1].wait() != 0:
            raise _child_failed(
                f"the resumed fit failed (exit code {children[1].returncode})",
                directory,
                "resumed",
            )
    finally:  # an error or Ctrl-C here leaves no child running
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    result = np.load(directory / "resumed.npz")
    first = int(result["first_epoch"])
    if not saved < first <= epochs:
        raise _child_failed(
            f"the new process did not resume part-way (its first epoch: {first})",
            directory,
            "resumed",
        )
    out(
        f"another new process resumed from epoch {first - 1} and trained to epoch "
        f"{int(result['n_iter'])}"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = MLPClassifier(**_KILL_SETTINGS).fit(X, y)
    same = _identical(reference, result)
    out(f"weights bit-identical to an uninterrupted fit in this process: {same}")
    if not same:
        raise RuntimeError(
            "demo section 6: the resumed fit's weights differ from the "
            "uninterrupted fit's: resuming is broken"
        )
    return {"identical": same, "resumed_from": first - 1, "kill": how}


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
    dbn_est, report["dbn_accuracy"], report["mlp_accuracy"] = _dbn(
        out, X_train, X_test, y_train, y_test
    )
    sda_est, report["sda_accuracy"] = _surgery(
        out, dbn_est, X_train, X_test, y_train, y_test
    )
    report["kill9"] = _kill_and_resume(out, X_train, y_train, workdir / "kill9")
    report["resumed_identical"] = report["kill9"]["identical"]
    report["plots"] = _plots(out, workdir / "plots", mlp, dbn_est, sda_est, pipe)
    out(f"\ncompile_stats(): {compile_stats()}")
    out(f"demo finished in {time.perf_counter() - start:.1f} s")
    return report
