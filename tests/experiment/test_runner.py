import json
import os
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
