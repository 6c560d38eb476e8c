import shutil
import signal
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_pylearn import _demo
from sklearn_pylearn._demo import run_demo
from sklearn_pylearn.neural_network import MLPClassifier
from sklearn_pylearn.runtime import list_checkpoints, read_checkpoint


def test_demo_tells_the_whole_story(tmp_path):
    lines = []
    report = run_demo(out=lines.append, workdir=tmp_path)
    assert report["shape"] == (1797, 20)
    assert report["second"]["compiles"] == 0
    assert report["second"]["hits"] >= 1
    # 19 fits of one pipeline structure: at most one compile per graph structure.
    assert report["grid"]["fits"] == 19 and report["grid"]["compiles"] <= 3
    assert report["dbn_accuracy"] > 0.85 and report["sda_accuracy"] > 0.85
    assert report["mlp_accuracy"] > 0.85  # the DBN's comparison, printed with it
    # Section 6: a child process killed part-way, another one resumed it.
    kill9 = report["kill9"]
    assert kill9["identical"] is True and report["resumed_identical"] is True
    assert _demo._KILL_EPOCH <= kill9["resumed_from"] < _demo._KILL_SETTINGS["max_iter"]
    names = {p.name for p in report["plots"]}
    assert {"training_curve.png", "filters.png", "sda_graph.png"} <= names
    for path in report["plots"]:
        assert path.exists() and path.stat().st_size > 1000
    text = "\n".join(lines)
    assert "nothing new compiled" in text and "compile_stats()" in text
    for section in range(1, 8):
        assert f"== {section}. " in text
    assert "'rbm1'" in text and "'daa1'" in text
    assert "DBNClassifier 64-64-32-10 test accuracy" in text
    assert "MLPClassifier, same layers and fine-tuning, no pretraining" in text
    assert "the fitted DBN is unchanged: True" in text
    if hasattr(signal, "SIGKILL"):
        assert "kill -9 " in text and "it died with exit code -9" in text
    assert f"resumed from epoch {kill9['resumed_from']} and trained to epoch" in text
    assert "bit-identical to an uninterrupted fit in this process: True" in text
    # Section 6 again in the same directory: a former run's finished checkpoints
    # must not be taken for this run's.
    data = np.load(tmp_path / "kill9" / "data.npz")
    again = _demo._kill_and_resume(
        lines.append, data["X"], data["y"], tmp_path / "kill9"
    )
    assert again["identical"] is True and again["resumed_from"] >= _demo._KILL_EPOCH


def _fit_with_hook(tmp_path, hook):
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    est = MLPClassifier(
        hidden_layer_sizes=(4,),
        max_iter=4,
        tol=0.0,
        random_state=0,
        checkpoint_dir=str(tmp_path),
        hooks=[hook],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def test_checkpoint_at_epoch_adds_one_entry_at_that_epoch(tmp_path):
    hook = _demo._CheckpointAtEpoch(2)
    _fit_with_hook(tmp_path, hook)
    (fit_dir,) = tmp_path.iterdir()
    epochs = [
        read_checkpoint(e)["vm"]["counters"]["epoch_end"]
        for e in list_checkpoints(fit_dir)
    ]
    # Without the hook only the end of the fit is saved (the estimator's own
    # Checkpoint writes every 10 s).
    assert epochs == [2, 4] and hook.first_epoch == 1
    assert _demo._saved_epoch(fit_dir / "no-such-entry") is None


def test_a_resumed_fit_reports_its_first_epoch(tmp_path):
    first = _fit_with_hook(tmp_path, _demo._CheckpointAtEpoch(2))
    (fit_dir,) = tmp_path.iterdir()
    final = list_checkpoints(fit_dir)[-1]
    # Drop the final entry: the newest is epoch 2's, as after a kill in epoch 3.

    shutil.rmtree(final)
    hook = _demo._CheckpointAtEpoch()
    resumed = _fit_with_hook(tmp_path, hook)
    assert hook.first_epoch == 3 and hook.epoch == 2  # the saved state came back
    assert all(np.array_equal(a, b) for a, b in zip(first.coefs_, resumed.coefs_))


def test_identical_is_bit_exact():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        ref.fit(X, y)
    result = {f"coef{i}": c.copy() for i, c in enumerate(ref.coefs_)}
    result.update({f"intercept{i}": b.copy() for i, b in enumerate(ref.intercepts_)})
    result["n_iter"] = np.array(ref.n_iter_)
    assert _demo._identical(ref, result)
    result["coef0"][0, 0] = np.nextafter(result["coef0"][0, 0], np.inf)  # one ulp
    assert not _demo._identical(ref, result)
    result["coef0"] = ref.coefs_[0].copy()
    result["n_iter"] = np.array(ref.n_iter_ + 1)
    assert not _demo._identical(ref, result)


def _sleeper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_kill_sends_sigkill_to_a_running_process():
    proc = _sleeper()
    assert _demo._kill(proc) == f"kill -9 {proc.pid}: it died with exit code -9"


def test_kill_falls_back_to_terminate_without_sigkill(monkeypatch):
    proc = _sleeper()
    monkeypatch.delattr(signal, "SIGKILL", raising=False)
    assert _demo._kill(proc).startswith("terminated (no SIGKILL on this platform")
    assert proc.returncode is not None


def test_kill_fails_loudly_when_the_process_already_ended():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    with pytest.raises(RuntimeError, match="exited .* before the kill"):
        _demo._kill(proc)


def test_waiting_for_a_checkpoint_fails_loudly_when_the_child_ends(tmp_path):
    (tmp_path / "child.log").write_text("Traceback: boom\n")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    with pytest.raises(RuntimeError, match=r"before writing the checkpoint(.|\n)*boom"):
        _demo._wait_for_checkpoint(proc, tmp_path, "child")
