import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from sklearn_pylearn.exceptions import ExperimentConfigError
from sklearn_pylearn.experiment import resume_experiment, run_experiment
from sklearn_pylearn.persistence import load

ISSUE_EXAMPLE = """
data:
  sklearn: load_digits
  split: {test_size: 0.25, random_state: 0}
model:
  estimator: sklearn_pylearn.neural_network.MLPClassifier
  params: {hidden_layer_sizes: [64], max_iter: 30, random_state: 0}
evaluate:
  metrics: [accuracy]
"""

SEARCH = """
data:
  sklearn: load_digits
  split: {test_size: 0.25, random_state: 0}
model:
  steps:
    - estimator: sklearn_pylearn.preprocessing.MinMaxScaler
    - name: mlp
      estimator: sklearn_pylearn.neural_network.MLPClassifier
      params: {hidden_layer_sizes: [16], max_iter: 8, random_state: 0}
fit: {checkpoint: true}
search:
  params: {mlp__alpha: [0.0001, 0.001, 0.01], mlp__learning_rate_init: [0.001, 0.01]}
  cv: 2
evaluate:
  metrics: [accuracy, f1_macro]
"""


def _quiet(**kw):
    return {"out": None, **kw}


def test_the_issue_example_writes_its_output_directory(tmp_path):
    out = tmp_path / "run"
    metrics = run_experiment(ISSUE_EXAMPLE, out, **_quiet())
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == metrics
    assert set(saved) == {"train", "test"}
    assert 0.9 < saved["test"]["accuracy"] <= 1.0
    history = pd.read_csv(out / "history.csv")
    assert list(history.columns) == ["epoch", "loss"] and len(history) == 30
    assert json.loads((out / "run.json").read_text())["status"] == "finished"
    assert "max_iter: 30" in (out / "config.yaml").read_text()
    model = load(out / "model.skops")
    X = np.random.RandomState(0).rand(3, 64)
    assert model.predict(X).shape == (3,)
    assert "finished" in (out / "run.log").read_text()


def test_metrics_match_a_plain_fit(tmp_path):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from sklearn_pylearn.neural_network import MLPClassifier

    metrics = run_experiment(ISSUE_EXAMPLE, tmp_path / "run", **_quiet())
    X, y = load_digits(return_X_y=True, as_frame=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=[64], max_iter=30, random_state=0)
    assert metrics["test"]["accuracy"] == clf.fit(Xtr, ytr).score(Xte, yte)


def test_a_second_run_into_the_same_directory_is_refused(tmp_path):
    config = "data: {sklearn: load_iris}\nmodel: {estimator: sklearn.svm.SVC}\n"
    run_experiment(config, tmp_path / "run", **_quiet())
    with pytest.raises(ExperimentConfigError, match="already holds a run .*--resume"):
        run_experiment(config, tmp_path / "run", **_quiet())
    # Resuming a finished run does nothing and returns its metrics.
    assert resume_experiment(tmp_path / "run", out=None)["test"]["accuracy"] > 0.9
    with pytest.raises(ExperimentConfigError, match="nothing to resume"):
        resume_experiment(tmp_path / "empty", out=None)


def test_resume_refuses_another_config(tmp_path):
    config = "data: {sklearn: load_iris}\nmodel: {estimator: sklearn.svm.SVC}\n"
    run_experiment(config, tmp_path / "run", **_quiet())
    other = config.replace("load_iris", "load_wine")
    with pytest.raises(ExperimentConfigError, match=r"changed: data\.sklearn"):
        run_experiment(other, tmp_path / "run", resume=True, **_quiet())
    (tmp_path / "run" / "config.yaml").write_text(other)
    with pytest.raises(ExperimentConfigError, match="differs from the one"):
        resume_experiment(tmp_path / "run", out=None)


def test_csv_data_validation_split_and_named_outputs(tmp_path):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = {
        "data": {
            "csv": str(tmp_path / "data.csv"),
            "input": ["a", "b"],
            "target": "label",
            "split": {"test_size": 0.25, "validation_size": 0.2, "stratify": True},
        },
        "model": {
            "estimator": "sklearn_pylearn.linear_model.LogisticRegression",
        },
        "evaluate": {"outputs": ["prediction", "proba"], "format": "csv"},
    }
    metrics = run_experiment(config, tmp_path / "run", **_quiet())
    assert set(metrics) == {"train", "validation", "test"}
    outputs = pd.read_csv(tmp_path / "run" / "outputs_test.csv")
    assert list(outputs.columns) == ["prediction", "proba_no", "proba_yes"]
    assert len(outputs) == 30
    config["data"]["input"] = ["a", "zz"]
    with pytest.raises(ExperimentConfigError, match=r"column\(s\) \['zz'\] not in"):
        run_experiment(config, tmp_path / "run2", **_quiet())


def test_search_results_and_best_model(tmp_path):
    metrics = run_experiment(SEARCH, tmp_path / "run", **_quiet())
    results = pd.read_csv(tmp_path / "run" / "cv_results.csv")
    assert len(results) == 6 and sorted(results["rank_test_score"]) == list(range(1, 7))
    best = results.loc[results["rank_test_score"] == 1, "params"].iloc[0]
    assert json.loads(best) == metrics["search"]["best_params"]
    assert len(list((tmp_path / "run" / "search").glob("candidate_*.json"))) == 6
    # Each fold of each candidate checkpointed into its own directory.
    folds = list((tmp_path / "run" / "checkpoints" / "search").iterdir())
    assert len(folds) == 12


def _run_cli(args, cwd, **kw):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(
        [sys.executable, "-m", "sklearn_pylearn", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kw,
    )


def test_kill_9_during_a_search_then_resume_from_another_process(tmp_path):
    (tmp_path / "exp.yaml").write_text(SEARCH)
    reference = run_experiment(SEARCH, tmp_path / "reference", **_quiet())
    proc = _run_cli(["run", "exp.yaml", "--output", "run"], tmp_path)
    search = tmp_path / "run" / "search"
    deadline = time.monotonic() + 600
    while len(list(search.glob("candidate_*.json"))) < 2:
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the run never reached its 2nd candidate"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted(p.name for p in search.glob("candidate_*.json"))
    assert 2 <= len(done) < 6
    stamps = {p.name: p.stat().st_mtime_ns for p in search.glob("candidate_*.json")}
    resumed = _run_cli(["resume", "run"], tmp_path)
    output, _ = resumed.communicate()
    assert resumed.returncode == 0, output
    assert output.count("finished before, kept") == len(done)
    for name, stamp in stamps.items():
        assert (search / name).stat().st_mtime_ns == stamp
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics == reference


def test_cli_reports_config_errors_with_exit_code_2(tmp_path):
    (tmp_path / "bad.yaml").write_text("data: {sklearn: load_iris}\nmodle: {}\n")
    proc = _run_cli(["run", "bad.yaml"], tmp_path)
    output, _ = proc.communicate()
    assert proc.returncode == 2
    assert "modle: unknown section; did you mean 'model'?" in output
    assert not (tmp_path / "runs").exists()  # nothing ran


def test_a_graph_macro_experiment_with_checkpoints(tmp_path):
    config = """
data: {sklearn: load_iris, split: {test_size: 0.3, random_state: 0}}
model:
  graph:
    macro: sklearn_pylearn.graph.macros.DBN
    params: {n_in: 4, hidden_layer_sizes: [8], n_out: 3, finetune_learning_rate: 0.3}
  params: {learners: [rbm1, learner], max_iter: 20, batch_size: 10, random_state: 0}
fit: {checkpoint: true}
"""
    metrics = run_experiment(config, tmp_path / "run", **_quiet())
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    assert (tmp_path / "run" / "checkpoints" / "final" / "model").exists()
    # A layer-graph model is stored with skops too, and loads with its outputs.
    assert not (tmp_path / "run" / "model.joblib").exists()
    model = load(tmp_path / "run" / "model.skops")
    assert "'rbm1'" in model.model_.annotations(depth=1)
    X, _ = load_iris(return_X_y=True)
    assert model.predict(X).shape == (150,)


def test_named_outputs_as_parquet(tmp_path):
    config = {
        "data": {"sklearn": "load_iris", "split": {"test_size": 0.2}},
        "model": {"estimator": "sklearn_pylearn.linear_model.LogisticRegression"},
        "evaluate": {"outputs": ["prediction", "nll"]},
    }
    run_experiment(config, tmp_path / "run", **_quiet())
    outputs = pd.read_parquet(tmp_path / "run" / "outputs_test.parquet")
    assert list(outputs.columns) == ["prediction", "nll"] and len(outputs) == 30
    assert not list((tmp_path / "run").glob(".*tmp*"))


# A fit of about a second warm, checkpointed at every epoch into a directory of
# the user's choosing (relative: resolved against the directory the run starts in).
CUSTOM_CHECKPOINTS = """
data:
  sklearn: load_digits
  split: {test_size: 0.25, random_state: 0}
model:
  estimator: sklearn_pylearn.neural_network.MLPClassifier
  params:
    hidden_layer_sizes: [256]
    batch_size: 32
    max_iter: 60
    tol: 0.0
    random_state: 0
fit: {checkpoint: ../scratch/ckpt, checkpoint_every: 1}
"""


def _epochs_saved(root):
    from sklearn_pylearn.exceptions import CorruptCheckpointError
    from sklearn_pylearn.runtime import list_checkpoints, read_checkpoint

    epochs = [0]
    for fit_dir in root.glob("final/model/*"):
        for entry in list_checkpoints(fit_dir):
            try:
                epochs.append(read_checkpoint(entry)["vm"]["counters"]["epoch_end"])
            except (OSError, CorruptCheckpointError):  # pruned while read
                pass
    return max(epochs)


def test_kill_9_mid_fit_with_a_custom_checkpoint_dir_then_resume(tmp_path):
    """kill -9 while the final fit trains, after its checkpoint of epoch 2 reached
    ``fit.checkpoint``'s directory; ``resume`` from another process and another
    working directory continues from that checkpoint to the uninterrupted run's
    metrics."""
    plain = CUSTOM_CHECKPOINTS.replace(
        "{checkpoint: ../scratch/ckpt, checkpoint_every: 1}", "{}"
    )
    reference = run_experiment(plain, tmp_path / "reference", **_quiet())
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    (first / "exp.yaml").write_text(CUSTOM_CHECKPOINTS)
    output = tmp_path / "run"
    root = tmp_path / "scratch" / "ckpt"
    proc = _run_cli(["run", "exp.yaml", "--output", str(output)], first)
    deadline = time.monotonic() + 600
    while _epochs_saved(root) < 2:
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "no checkpoint of epoch 2"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the fit ended before the kill"
    assert not (output / "metrics.json").exists()
    state = json.loads((output / "run.json").read_text())
    assert state["status"] == "running" and state["checkpoint_dir"] == str(root)
    assert not (output / "checkpoints").exists()
    resumed = _run_cli(["resume", str(output)], second)
    text, _ = resumed.communicate()
    assert resumed.returncode == 0, text
    match = re.search(r"resumed from epoch (\d+) of (\S+)", text)
    assert match and 2 <= int(match[1]) < 60, text
    assert Path(match[2]).parent == root / "final" / "model"
    assert f"checkpoints: {root}" in text
    assert json.loads((output / "metrics.json").read_text()) == reference


def test_checkpoint_dir_from_the_command_line(tmp_path):
    config = """
data: {sklearn: load_iris, split: {test_size: 0.3, random_state: 0}}
model:
  estimator: sklearn_pylearn.neural_network.MLPClassifier
  params: {hidden_layer_sizes: [4], max_iter: 4, random_state: 0}
fit: {checkpoint_every: 1}
"""
    metrics = run_experiment(
        config, tmp_path / "run", checkpoint_dir=tmp_path / "ckpt", **_quiet()
    )
    state = json.loads((tmp_path / "run" / "run.json").read_text())
    assert state["checkpoint_dir"] == str(tmp_path / "ckpt")
    assert "checkpoint: " + str(tmp_path / "ckpt") in (
        (tmp_path / "run" / "config.yaml").read_text()
    )
    (fit_dir,) = (tmp_path / "ckpt" / "final" / "model").iterdir()
    assert len(list(fit_dir.glob("ckpt-*"))) == 2  # every epoch, the last two kept
    # The runner's checkpoint hook is no part of the saved model.
    assert load(tmp_path / "run" / "model.skops").hooks is None
    # Inside the run's directory, the path is kept relative (the directory can move).
    run_experiment(
        config, tmp_path / "run2", checkpoint_dir=tmp_path / "run2" / "c", **_quiet()
    )
    assert (
        json.loads((tmp_path / "run2" / "run.json").read_text())["checkpoint_dir"]
        == "c"
    )
    (tmp_path / "exp.yaml").write_text(config)
    proc = _run_cli(
        ["run", "exp.yaml", "--output", "cli", "--checkpoint-dir", "cli_ckpt"],
        tmp_path,
    )
    output, _ = proc.communicate()
    assert proc.returncode == 0, output
    assert json.loads((tmp_path / "cli" / "metrics.json").read_text()) == metrics
    assert list((tmp_path / "cli_ckpt" / "final" / "model").iterdir())


INTERRUPTIBLE = """
data: {sklearn: load_iris, split: {test_size: 0.3, random_state: 0}}
model:
  estimator: sklearn_pylearn.neural_network.MLPClassifier
  params: {hidden_layer_sizes: [8], max_iter: 6, tol: 0.0, random_state: 0}
fit: {checkpoint: true}
"""

# A layer-graph model trained by two learners (interrupted in the first).
INTERRUPTIBLE_GRAPH = """
data: {sklearn: load_iris, split: {test_size: 0.3, random_state: 0}}
model:
  graph:
    macro: sklearn_pylearn.graph.macros.DBN
    params: {n_in: 4, hidden_layer_sizes: [8], n_out: 3, finetune_learning_rate: 0.3}
  params:
    learners: [rbm1, learner]
    max_iter: 6
    batch_size: 10
    tol: 0.0
    random_state: 0
fit: {checkpoint: true}
"""


@pytest.mark.parametrize(
    "config", [INTERRUPTIBLE, INTERRUPTIBLE_GRAPH], ids=["mlp", "graph"]
)
def test_an_interrupted_fit_leaves_the_run_resumable(
    config, tmp_path, monkeypatch, caplog
):
    """Ctrl-C stops a learner after its current step and its fit returns: the run
    must not take that model as the finished one."""
    from sklearn_pylearn.experiment import runner

    reference = run_experiment(config, tmp_path / "reference", **_quiet())

    def interrupt_at_3(self, vm, **info):
        if info["count"] == 3:
            vm.request_interrupt("SIGINT")  # what the VM's Ctrl-C handler does

    monkeypatch.setattr(runner._RunnerHook, "on_epoch_end", interrupt_at_3)
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning, match="epoch 3"):
        run_experiment(config, tmp_path / "run", **_quiet())
    monkeypatch.undo()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == (
        "running"
    )
    assert not (tmp_path / "run" / "metrics.json").exists()
    log = (tmp_path / "run" / "run.log").read_text()
    assert "interrupted: the run is not finished" in log
    with caplog.at_level("WARNING"):
        metrics = resume_experiment(tmp_path / "run", out=None)
    assert "resumed from epoch 3" in caplog.text
    assert metrics == reference


def test_cli_exits_130_when_interrupted(tmp_path, monkeypatch):
    import sklearn_pylearn.experiment as experiment
    from sklearn_pylearn.__main__ import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "run_experiment", interrupted)
    assert main(["run", str(tmp_path / "exp.yaml")]) == 130
