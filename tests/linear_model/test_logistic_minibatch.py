"""LogisticRegression's minibatch solvers: hooks, checkpoints, resume, interrupts."""

import os
import pickle
import signal
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_pylearn.linear_model import LogisticRegression
from sklearn_pylearn.runtime import Hook

COLUMNS = ["a", "b", "c", "d"]
rng = np.random.RandomState(0)
X = rng.rand(60, 4)
y = (X[:, 0] + X[:, 1] > 1).astype(np.int64)
KW = dict(solver="adam", max_iter=5, tol=0.0, batch_size=8, learning_rate_init=0.05)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class StopAfter(Hook):
    """Asks the program to stop as Ctrl-C does, at the end of an epoch."""

    def __init__(self, epochs=2):
        self.epochs = epochs

    def on_epoch_end(self, vm, **info):
        if info["count"] == self.epochs:
            vm.request_interrupt("SIGINT")


class InterruptOnce:
    """A hook that sends this process one SIGINT at a given step (a Ctrl-C)."""

    def __init__(self, at_step):
        self.at_step = at_step
        self.fired = False

    def on_step(self, vm, **info):
        if not self.fired and vm.steps >= self.at_step:
            self.fired = True
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_stops_between_minibatches_and_the_fit_resumes(tmp_path, caplog):
    full = LogisticRegression(**KW, random_state=0).fit(X, y)
    hook = InterruptOnce(27)  # mid-epoch 2 (18 program steps an epoch)
    est = LogisticRegression(
        **KW, random_state=0, checkpoint_dir=str(tmp_path), hooks=[hook]
    )
    with pytest.warns(UserWarning) as record:
        est.fit(X, y)
    assert hook.fired
    messages = [str(w.message) for w in record if "interrupted" in str(w.message)]
    assert messages == [
        "LogisticRegression interrupted at epoch 1; call fit again with the same "
        "checkpoint_dir to resume."
    ]
    assert est.n_iter_[0] == 1 and len(est.loss_curve_) == 1
    assert not np.array_equal(est.coef_, full.coef_)
    with caplog.at_level("WARNING", logger="sklearn_pylearn"):
        est.fit(X, y)  # same directory: resumes mid-epoch 2
    assert f"resumed from epoch 1 of {next(tmp_path.iterdir())}" in caplog.text
    np.testing.assert_array_equal(est.coef_, full.coef_)
    np.testing.assert_array_equal(est.intercept_, full.intercept_)
    assert est.loss_curve_ == full.loss_curve_ and est.n_iter_[0] == 5


def test_an_interrupt_before_the_first_epoch_ends_leaves_the_estimator(tmp_path):
    est = LogisticRegression(**KW, random_state=0).fit(X, y)
    before = {k: v for k, v in vars(est).items()}
    est.set_params(hooks=[InterruptOnce(3)], checkpoint_dir=str(tmp_path))
    with pytest.raises(KeyboardInterrupt, match="before any epoch finished; the"):
        est.fit(X, y)
    assert est.coef_ is before["coef_"] and est.n_iter_ is before["n_iter_"]


def test_checkpoint_dir_resumes_without_a_random_state(tmp_path, caplog):
    """The seed drawn is recorded, so an unseeded fit resumes; a finished fit is
    loaded."""
    kw = dict(KW, checkpoint_dir=str(tmp_path))
    est = LogisticRegression(**kw, hooks=[StopAfter(2)])
    with pytest.warns(UserWarning, match="interrupted at epoch 2; call fit again"):
        est.fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*another fit")
        with caplog.at_level("WARNING", logger="sklearn_pylearn"):
            est.set_params(hooks=None).fit(X, y)
    assert "resumed from epoch 2" in caplog.text
    assert est.n_iter_[0] == 5 and len(est.loss_curve_) == 5
    caplog.clear()
    with caplog.at_level("WARNING", logger="sklearn_pylearn"):
        again = LogisticRegression(**kw).fit(X, y)
    assert "loaded the finished fit (epoch 5)" in caplog.text
    np.testing.assert_array_equal(again.coef_, est.coef_)
    assert again.loss_curve_ == est.loss_curve_


def test_checkpoint_dir_gives_each_search_fit_its_own_directory(tmp_path):
    kw = dict(KW, max_iter=2, random_state=0, checkpoint_dir=str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("error", message=".*another fit")
        GridSearchCV(LogisticRegression(**kw), {"C": [1.0, 0.1]}, cv=2).fit(X, y)
    assert len(list(tmp_path.iterdir())) == 2 * 2 + 1  # candidates x folds + refit


def test_a_checkpointed_fit_equals_the_plain_one():
    plain = LogisticRegression(**KW, random_state=0).fit(X, y)
    hooked = LogisticRegression(**KW, random_state=0, hooks=[Hook()]).fit(X, y)
    np.testing.assert_array_equal(hooked.coef_, plain.coef_)


def test_lbfgs_ignores_checkpoint_dir_and_hooks(tmp_path):
    est = LogisticRegression(checkpoint_dir=str(tmp_path), hooks=[StopAfter(1)])
    est.fit(X, y)
    assert est.score(X, y) > 0.8 and not list(tmp_path.iterdir())


@pytest.mark.parametrize("hook", [Hook, "not a hook"])
def test_hooks_that_are_not_hook_objects_are_a_type_error(hook):
    with pytest.raises(TypeError, match=r"hooks\[0\] must be a hook object"):
        LogisticRegression(solver="sgd", hooks=[hook]).fit(X, y)


KILLED_FIT = """
import os, sys, time, pickle, functools
import pandas as pd
import sklearn_pylearn.training.programs as programs
from sklearn_pylearn.data import ParquetDataset
from sklearn_pylearn.linear_model import LogisticRegression
from sklearn_pylearn.runtime import Hook

# Checkpoint every 2 steps instead of every 10 s, so the test is short (the class
# itself stays importable under its name: a checkpoint records it).
_init = programs.PhaseCheckpoint.__init__
programs.PhaseCheckpoint.__init__ = functools.partialmethod(_init, every_n_steps=2)

class Slow(Hook):
    def on_step(self, vm, **info):
        print("STEP", vm.steps, flush=True)
        time.sleep(float(os.environ.get("STEP_DELAY", "0")))

kind, path, ckpt, out = sys.argv[1:5]
columns = ["a", "b", "c", "d"]
clf = LogisticRegression(solver="adam", max_iter=4, tol=0.0, batch_size=8,
                         learning_rate_init=0.05, random_state=0, hooks=[Slow()],
                         checkpoint_dir=None if ckpt == "-" else ckpt)
if kind == "stream":
    clf.fit(ParquetDataset(path, input=columns, target="y", batch_size=8,
                           shuffle_buffer=2, random_state=3))
else:
    frame = pd.read_parquet(path)
    clf.fit(frame[columns].to_numpy(), frame["y"].to_numpy())
pickle.dump([clf.coef_, clf.intercept_, clf.loss_curve_], open(out, "wb"))
"""


@pytest.mark.parametrize("kind", ["stream", "arrays"])
def test_a_fit_killed_mid_epoch_resumes_bit_identically(kind, tmp_path):
    frame = pd.DataFrame(X, columns=COLUMNS).assign(y=y)
    parquet = tmp_path / "train.parquet"
    frame.to_parquet(parquet, row_group_size=16)
    script = tmp_path / "fit.py"
    script.write_text(KILLED_FIT)

    def run(ckpt, out, delay):
        return subprocess.Popen(
            [sys.executable, str(script), kind, str(parquet), str(ckpt), str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, STEP_DELAY=delay),
        )

    whole = run("-", tmp_path / "whole.pkl", "0")
    assert whole.wait(timeout=600) == 0, whole.stderr.read()
    ckpt = tmp_path / "ckpt"
    victim = run(ckpt, tmp_path / "never.pkl", "0.2")
    for line in victim.stdout:  # mid-epoch 2 of 4 (18 program steps an epoch)
        if line.startswith("STEP") and int(line.split()[1]) >= 27:
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
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert got[2] == expected[2]
