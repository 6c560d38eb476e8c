"""Learners take datasets (DatasetMethodsMixin), train on streamed datasets and
write streamed outputs (predict_to_parquet)."""

import warnings

import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_pylearn.data import (
    DaskDataset,
    Dataset,
    ParquetDataset,
)
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.graph.macros import RBM, LinReg, LogReg
from sklearn_pylearn.linear_model import LogisticRegression
from sklearn_pylearn.neural_network import (
    BernoulliRBM,
    DenoisingAutoencoder,
    GraphClassifier,
    GraphRegressor,
    GraphTransformer,
    MLPClassifier,
    MLPRegressor,
)
from sklearn_pylearn.pipeline import make_pipeline
from sklearn_pylearn.preprocessing import (
    ExpressionTransformer,
    MinMaxScaler,
    StandardScaler,
)
from sklearn_pylearn.utils.discovery import all_estimators
from tests.data.conftest import COLUMNS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def make_estimators():
    """Every public estimator, small, keyed by name (the test below checks the list
    is complete)."""
    return {
        "StandardScaler": StandardScaler(),
        "MinMaxScaler": MinMaxScaler(),
        "PCA": PCA(n_components=2),
        "SelectKBest": SelectKBest(k=2),
        "VarianceThreshold": VarianceThreshold(),
        "ExpressionTransformer": ExpressionTransformer(pt.log1p),
        "LogisticRegression": LogisticRegression(),
        "MLPClassifier": MLPClassifier(
            hidden_layer_sizes=(3,), max_iter=3, random_state=0
        ),
        "MLPRegressor": MLPRegressor(
            hidden_layer_sizes=(3,), max_iter=3, random_state=0
        ),
        "BernoulliRBM": BernoulliRBM(n_components=3, n_iter=2, random_state=0),
        "DenoisingAutoencoder": DenoisingAutoencoder(
            n_components=3, max_iter=2, random_state=0
        ),
        "GraphClassifier": GraphClassifier(LogReg(4, 2), max_iter=2, random_state=0),
        "GraphRegressor": GraphRegressor(
            LinReg(4, 1), max_iter=2, batch_size=20, random_state=0
        ),
        "GraphTransformer": GraphTransformer(RBM(4, 3), max_iter=2, random_state=0),
        "Pipeline": make_pipeline(StandardScaler(), LogisticRegression()),
    }


def _output(est, X):
    for method in ("predict", "transform"):
        if hasattr(est, method):
            return getattr(est, method)(X)
    raise AssertionError(type(est).__name__)


def test_every_public_estimator_takes_a_dataset(frame):
    from sklearn.base import clone

    estimators = make_estimators()
    for name, cls in all_estimators():  # one added later: with its defaults
        if name not in estimators:
            est = cls()
            if "random_state" in est.get_params():
                est.set_params(random_state=0)
            estimators[name] = est
    X, y = frame[COLUMNS], frame["y"].to_numpy()
    ds = Dataset.from_frame(frame, input=COLUMNS, target="y")
    for name, est in estimators.items():
        if "Regressor" in name:
            yy = frame["r"].to_numpy()
            data = Dataset.from_frame(frame, input=COLUMNS, target="r")
        else:
            yy, data = y, ds
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            on_arrays = clone(est).fit(X, yy)
            on_dataset = clone(est).fit(data)
        np.testing.assert_array_equal(
            _output(on_dataset, data), _output(on_arrays, X), err_msg=name
        )
        if hasattr(on_arrays, "score"):
            assert on_dataset.score(data) == on_arrays.score(X, yy), name


def test_y_with_a_target_field_is_an_error_naming_both(frame):
    ds = Dataset.from_frame(frame, input=COLUMNS, target="y")
    with pytest.raises(ValueError, match="y was passed, but the dataset has a 'tar"):
        LogisticRegression().fit(ds, frame["y"])
    with pytest.raises(ValueError, match="y was passed, but the dataset has a 'tar"):
        make_pipeline(StandardScaler(), LogisticRegression()).fit(ds, frame["y"])


def test_weight_field_is_sample_weight(frame):
    X, w = frame[COLUMNS], frame["w"].to_numpy()
    ds = Dataset.from_frame(frame, input=COLUMNS, target="y", weight="w")
    a = StandardScaler().fit(ds)
    b = StandardScaler().fit(X, sample_weight=w)
    np.testing.assert_array_equal(a.mean_, b.mean_)
    clf = LogisticRegression().fit(ds)
    ref = LogisticRegression().fit(X, frame["y"], sample_weight=w)
    np.testing.assert_array_equal(clf.coef_, ref.coef_)
    assert clf.score(ds) == ref.score(X, frame["y"], sample_weight=w)
    with pytest.raises(TypeError, match="MinMaxScaler.fit takes no sample weights"):
        MinMaxScaler().fit(ds)
    with pytest.raises(ValueError, match="sample_weight was passed, but the data"):
        StandardScaler().fit(ds, sample_weight=w)


def test_compute_on_a_dataset_is_a_dataset_and_the_seed_loop_works(frame):
    dataset = Dataset.from_frame(frame, input=COLUMNS, target="y")
    nnet = MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(
        dataset
    )
    out = nnet.compute(dataset, outputs=["prediction", "proba", "nll"])
    assert isinstance(out, Dataset) and out.fields == ("prediction", "proba", "nll")
    expected = nnet.compute(frame[COLUMNS], frame["y"], ["prediction", "proba", "nll"])
    pd.testing.assert_frame_equal(out.to_frame(), expected)
    # The seed (datalearn): results = nnet(dataset); for datapoint in results: ...
    results = nnet(dataset)
    seen = []
    for datapoint in results:
        seen.append((datapoint.prediction, datapoint.nll))
    assert len(seen) == len(frame)
    np.testing.assert_array_equal([p for p, _ in seen], nnet.predict(frame[COLUMNS]))
    np.testing.assert_allclose([n for _, n in seen], expected["nll"])
    assert "hidden_0" in results.fields and "class_error" in results.fields
    unlabelled = nnet(Dataset(input=frame[COLUMNS]))
    assert "nll" not in unlabelled.fields and "prediction" in unlabelled.fields
    frame_out = nnet(frame[COLUMNS])  # arrays: compute's DataFrame
    assert isinstance(frame_out, pd.DataFrame) and "nll" not in frame_out


def test_fused_pipeline_on_datasets(frame):
    ds = Dataset.from_frame(frame, input=COLUMNS, target="y")
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0),
    )
    pipe.fit(ds)
    out = pipe.compute(ds, outputs=["prediction", "nll"])
    assert out.fields == ("prediction", "nll")
    np.testing.assert_array_equal(out["prediction"], pipe.predict(frame[COLUMNS]))


# -- streamed fit ---------------------------------------------------------------------


def _no_full_read(monkeypatch):
    def refuse(self):
        raise AssertionError("the whole file was loaded")

    monkeypatch.setattr(ParquetDataset, "to_dataset", refuse)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_mlp_streamed_fit_equals_the_in_memory_fit(cls, frame, parquet, monkeypatch):
    _no_full_read(monkeypatch)
    target = "y" if cls is MLPClassifier else "r"
    params = dict(
        hidden_layer_sizes=(3,),
        max_iter=3,
        batch_size=10,
        shuffle=False,
        random_state=0,
    )
    ds = ParquetDataset(
        parquet, input=COLUMNS, target=target, weight="w", batch_size=10
    )
    streamed = cls(**params).fit(ds)
    ref = cls(**params).fit(
        frame[COLUMNS], frame[target], sample_weight=frame["w"].to_numpy()
    )
    for a, b in zip(streamed.coefs_, ref.coefs_):
        np.testing.assert_array_equal(a, b)
    assert streamed.loss_curve_ == ref.loss_curve_ and streamed.n_iter_ == 3
    assert list(streamed.feature_names_in_) == COLUMNS


def test_rbm_and_autoencoder_streamed_fit_equal_in_memory(frame, parquet, monkeypatch):
    _no_full_read(monkeypatch)
    X = frame[COLUMNS]
    ds = ParquetDataset(parquet, input=COLUMNS, batch_size=10)
    rbm = BernoulliRBM(n_components=3, n_iter=2, batch_size=10, random_state=0)
    a, b = rbm.fit(ds).components_, BernoulliRBM(**rbm.get_params()).fit(X).components_
    np.testing.assert_array_equal(a, b)
    dae = DenoisingAutoencoder(
        n_components=3, max_iter=2, batch_size=10, shuffle=False, random_state=0
    )
    a = dae.fit(ds).components_
    b = DenoisingAutoencoder(**dae.get_params()).fit(X).components_
    np.testing.assert_array_equal(a, b)


def test_logistic_streamed_fit(frame, parquet):
    import dask.dataframe as dd

    kw = dict(solver="adam", max_iter=3, random_state=0, class_weight="balanced")
    ds = ParquetDataset(parquet, input=COLUMNS, target="y", weight="w", batch_size=8)
    clf = LogisticRegression(**kw).fit(ds)
    ddf = dd.from_pandas(frame, npartitions=3)
    same_rows = Dataset.from_dask(
        ddf, input=COLUMNS, target="y", weight="w", batch_size=8
    )
    assert isinstance(same_rows, DaskDataset)
    other = LogisticRegression(**kw).fit(same_rows)
    np.testing.assert_array_equal(clf.coef_, other.coef_)
    assert clf.n_iter_[0] == 3 and list(clf.classes_) == [0, 1]
    encoder, total, per_class = clf._stream_targets(ds, np.float64)
    ref = LogisticRegression(**kw)
    ref.fit(frame[COLUMNS], frame["y"], sample_weight=frame["w"].to_numpy())
    counts = np.bincount(frame["y"])
    np.testing.assert_allclose(per_class, len(frame) / (2 * counts))
    np.testing.assert_allclose(total, (frame["w"] * per_class[frame["y"]]).sum())
    assert (
        abs(
            clf.score(frame[COLUMNS], frame["y"])
            - ref.score(frame[COLUMNS], frame["y"])
        )
        < 0.2
    )


def test_scalers_stream_one_pass(frame, parquet, monkeypatch):
    _no_full_read(monkeypatch)
    ds = ParquetDataset(parquet, input=COLUMNS, batch_size=7)
    s = StandardScaler().fit(ds)
    ref = StandardScaler().fit(frame[COLUMNS])
    np.testing.assert_allclose(s.mean_, ref.mean_)
    np.testing.assert_allclose(s.var_, ref.var_)
    assert s.n_samples_seen_ == 60
    m = MinMaxScaler().fit(ds)
    np.testing.assert_array_equal(m.data_max_, frame[COLUMNS].max().to_numpy())
    s.fit(ds)  # a refit starts afresh
    assert s.n_samples_seen_ == 60


def test_what_cannot_stream_says_what_to_do(parquet):
    ds = ParquetDataset(parquet, input=COLUMNS, target="y", batch_size=10)
    with pytest.raises(
        TypeError,
        match=r"PCA.fit cannot train on a streamed Parq.*"
        r"to_dataset\(\)",
    ):
        PCA(n_components=2).fit(ds)
    with pytest.raises(ValueError, match=r"solver='lbfgs'\) cannot train.*'adam'"):
        MLPClassifier(solver="lbfgs").fit(ds)
    with pytest.raises(ValueError, match="solver='lbfgs'.*solver='adam'"):
        LogisticRegression().fit(ds)
    with pytest.raises(ValueError, match="early_stopping=True"):
        MLPClassifier(early_stopping=True).fit(ds)
    fitted = StandardScaler().fit(ds)
    with pytest.raises(TypeError, match="predict_to_parquet"):
        fitted.transform(ds)
    with pytest.raises(TypeError, match=r"fit_transform returns .* fit\(dataset\)"):
        StandardScaler().fit_transform(ds)
    with pytest.raises(TypeError, match="PCA.score cannot score a streamed"):
        PCA(n_components=2).fit(ds.to_dataset()).score(ds)
    with pytest.raises(ValueError, match="carries its target"):
        StandardScaler().fit(ds, [1, 2])


KILLED_FIT = """
import os, sys, time, pickle, functools
import numpy as np
import sklearn_pylearn.training.programs as programs
from sklearn_pylearn.data import ParquetDataset
from sklearn_pylearn.neural_network import MLPClassifier
from sklearn_pylearn.runtime import Hook

# Checkpoint every 2 steps instead of every 10 s, so the test is short (the class
# itself stays importable under its name: a checkpoint records it).
_init = programs.PhaseCheckpoint.__init__
programs.PhaseCheckpoint.__init__ = functools.partialmethod(_init, every_n_steps=2)

class Slow(Hook):
    def on_step(self, vm, **info):
        print("STEP", vm.steps, flush=True)
        time.sleep(float(os.environ.get("STEP_DELAY", "0")))

path, ckpt, out = sys.argv[1:4]
ds = ParquetDataset(path, input=["a", "b", "c", "d"], target="y", batch_size=8,
                    shuffle_buffer=2, random_state=3)
clf = MLPClassifier((4,), max_iter=4, random_state=0, hooks=[Slow()],
                    checkpoint_dir=None if ckpt == "-" else ckpt)
clf.fit(ds)
pickle.dump([clf.coefs_, clf.intercepts_, clf.loss_curve_], open(out, "wb"))
"""


def test_streamed_fit_resumes_mid_epoch_after_kill_9(parquet, tmp_path):
    import os
    import pickle
    import signal
    import subprocess
    import sys

    script = tmp_path / "fit.py"
    script.write_text(KILLED_FIT)

    def run(ckpt, out, delay):
        env = dict(os.environ, STEP_DELAY=delay)
        return subprocess.Popen(
            [sys.executable, str(script), str(parquet), str(ckpt), str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    whole = run("-", tmp_path / "whole.pkl", "0")
    assert whole.wait(timeout=600) == 0, whole.stderr.read()
    ckpt = tmp_path / "ckpt"
    victim = run(ckpt, tmp_path / "never.pkl", "0.2")
    for line in victim.stdout:  # epoch 2 of 4 (8 steps an epoch), mid-epoch
        if line.startswith("STEP") and int(line.split()[1]) >= 13:
            break
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert any(ckpt.rglob("ckpt-*"))
    again = run(ckpt, tmp_path / "resumed.pkl", "0")
    assert again.wait(timeout=600) == 0, again.stderr.read()
    assert "resumed from epoch" in again.stderr.read()
    expected = pickle.loads((tmp_path / "whole.pkl").read_bytes())
    got = pickle.loads((tmp_path / "resumed.pkl").read_bytes())
    for a, b in zip(got[0] + got[1], expected[0] + expected[1]):
        np.testing.assert_array_equal(a, b)
    assert got[2] == expected[2]


class InterruptOnce:
    """A hook that sends this process one SIGINT at a given step (a Ctrl-C)."""

    fired = False

    def __init__(self, at_step):
        self.at_step = at_step

    def on_step(self, vm, **info):
        import os
        import signal

        if not InterruptOnce.fired and vm.steps >= self.at_step:
            InterruptOnce.fired = True
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: BernoulliRBM(n_components=3, n_iter=3, random_state=0, **kw),
        lambda **kw: DenoisingAutoencoder(
            n_components=3, max_iter=3, random_state=0, tol=0.0, **kw
        ),
    ],
    ids=["rbm", "autoencoder"],
)
def test_interrupted_streamed_fit_resumes_from_checkpoint_dir(
    make, parquet, tmp_path, caplog
):
    def stream():
        return ParquetDataset(
            parquet, input=COLUMNS, batch_size=8, shuffle_buffer=2, random_state=1
        )

    whole = make().fit(stream())
    InterruptOnce.fired = False
    ckpt = tmp_path / "ckpt"
    with pytest.warns(UserWarning, match="nterrupt"):
        cut = make(checkpoint_dir=str(ckpt), hooks=[InterruptOnce(11)]).fit(stream())
    assert InterruptOnce.fired and any(ckpt.rglob("ckpt-*"))
    assert not np.array_equal(cut.components_, whole.components_)  # stopped early
    with caplog.at_level("WARNING", logger="sklearn_pylearn"):
        resumed = make(checkpoint_dir=str(ckpt), hooks=[InterruptOnce(11)]).fit(
            stream()
        )
    assert "resumed from epoch" in caplog.text  # not started again
    np.testing.assert_array_equal(resumed.components_, whole.components_)
    np.testing.assert_array_equal(resumed.intercept_hidden_, whole.intercept_hidden_)


def test_a_failed_streamed_fit_leaves_the_estimator_as_it_was(frame, tmp_path):
    bad = frame[COLUMNS].copy()
    bad.iloc[50, 0] = np.nan
    path = tmp_path / "bad.parquet"
    bad.to_parquet(path, row_group_size=16)
    scaler = StandardScaler().fit(frame[COLUMNS])
    before = dict(vars(scaler))
    with pytest.raises(ValueError, match="NaN"):
        scaler.fit(ParquetDataset(path, batch_size=10))
    assert vars(scaler).keys() == before.keys()
    np.testing.assert_array_equal(scaler.mean_, before["mean_"])


def test_pipeline_streamed_fit_each_step_on_the_transformed_stream(
    frame, parquet, monkeypatch
):
    _no_full_read(monkeypatch)
    ds = ParquetDataset(parquet, input=COLUMNS, target="y", batch_size=10)
    mlp = dict(
        hidden_layer_sizes=(3,),
        max_iter=2,
        batch_size=10,
        shuffle=False,
        random_state=0,
    )
    pipe = make_pipeline(StandardScaler(), MinMaxScaler(), MLPClassifier(**mlp))
    pipe.fit(ds)
    ref = make_pipeline(StandardScaler(), MinMaxScaler(), MLPClassifier(**mlp))
    ref.fit(frame[COLUMNS], frame["y"])
    np.testing.assert_allclose(pipe[1].data_max_, ref[1].data_max_)
    np.testing.assert_allclose(pipe[2].coefs_[0], ref[2].coefs_[0], rtol=1e-12)
    assert pipe[2].n_iter_ == 2
    with pytest.raises(TypeError, match="PCA.fit cannot train on a streamed"):
        make_pipeline(StandardScaler(), PCA(n_components=2)).fit(ds)
    from sklearn.preprocessing import StandardScaler as SkScaler

    with pytest.raises(TypeError, match="step 'standardscaler' \\(StandardScaler\\)"):
        make_pipeline(SkScaler(), LogisticRegression()).fit(ds)


def test_mlp_warm_start_continues_on_a_stream(frame, parquet):
    params = dict(
        hidden_layer_sizes=(3,),
        max_iter=2,
        batch_size=10,
        shuffle=False,
        random_state=0,
        warm_start=True,
    )
    ds = ParquetDataset(parquet, input=COLUMNS, target="y", batch_size=10)
    streamed = MLPClassifier(**params).fit(ds).fit(ds)
    ref = MLPClassifier(**params).fit(frame[COLUMNS], frame["y"])
    ref.fit(frame[COLUMNS], frame["y"])
    np.testing.assert_array_equal(streamed.coefs_[0], ref.coefs_[0])
    assert len(streamed.loss_curve_) == 4
