import logging

import numpy as np
import pytest

from sklearn_pylearn import compile_stats
from sklearn_pylearn.__main__ import main
from sklearn_pylearn.experiment import (
    register_warmup,
    unregister_warmup,
    warmup,
    warmup_jobs,
)
from sklearn_pylearn.experiment.warmup import summary
from sklearn_pylearn.neural_network import MLPClassifier
from sklearn_pylearn.symbolic import compile as compile_module


def test_every_family_and_setting_has_a_job():
    jobs = warmup_jobs()
    for name in [
        "StandardScaler",
        "PCA",
        "SelectKBest",
        "LogisticRegression(lbfgs)",
        "LogisticRegression(sgd)",
        "MLPClassifier(logistic, adam)",
        "MLPClassifier(tanh, adam)",
        "MLPClassifier(relu, lbfgs)",
        "MLPRegressor(relu, sgd)",
        "Pipeline(scaler, PCA, tanh, minmax)",
    ]:
        assert name in jobs


def test_every_public_estimator_is_warmed():
    from sklearn_pylearn.utils.discovery import all_estimators

    jobs = warmup_jobs()
    missing = [
        name
        for name, _ in all_estimators()
        if not any(job.split("(")[0] == name for job in jobs)
    ]
    assert missing == []


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warmed_mlp_serves_other_sizes_without_compiling():
    warmup(["MLPClassifier(tanh, adam)"], ["float64"], progress=False, out=None)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 11))  # other features, hidden units, classes, rows
    y = np.arange(90) % 5
    before = compile_stats()["compiles"]
    model = MLPClassifier((23,), activation="tanh", max_iter=2).fit(X, y)
    model.predict_proba(X[:7])
    assert compile_stats()["compiles"] == before


def test_warmup_reports_each_job_and_dtype():
    lines = []
    results = warmup(["StandardScaler"], ["float64", "float32"], False, lines.append)
    assert [(r.name, r.dtype) for r in results] == [
        ("StandardScaler", "float64"),
        ("StandardScaler", "float32"),
    ]
    assert lines[0].startswith("warm-up: 2 jobs")
    assert "StandardScaler" in lines[1]


def test_registered_jobs_run_with_each_dtype():
    seen = []
    register_warmup("test-job")(seen.append)
    try:
        warmup(["test-job"], ["float32"], progress=False, out=None)
    finally:
        unregister_warmup("test-job")
    assert seen == ["float32"]


def test_unknown_job_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown jobs.*choose among"):
        warmup(["NoSuchEstimator"], out=None)


def test_register_warmup_needs_a_name():
    with pytest.raises(TypeError, match="non-empty str"):
        register_warmup("")


def test_summary_lists_slowest_first():
    from sklearn_pylearn.experiment import WarmupResult

    lines = summary(
        [WarmupResult("a", "float64", 1, 0.1), WarmupResult("b", "float32", 2, 2.0)],
        2.1,
    )
    assert "3 graphs compiled" in lines[0]
    assert lines[1].split()[0] == "b"


def test_cli_lists_and_runs_jobs(capsys):
    assert main(["warmup", "--list"]) == 0
    assert "MLPClassifier(relu, adam)" in capsys.readouterr().out
    args = ["warmup", "--job", "MinMaxScaler", "--dtype", "float64", "--no-progress"]
    assert main(args) == 0
    assert "warm-up: 1 jobs" in capsys.readouterr().out


def test_slow_compile_logs_one_line_once(monkeypatch, caplog):
    monkeypatch.setitem(compile_module._notice, "shown", False)
    with caplog.at_level(logging.WARNING, logger="sklearn_pylearn"):
        compile_module._notice_slow_compile(0.5)
        compile_module._notice_slow_compile(12.0)
        compile_module._notice_slow_compile(15.0)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "12.0 s" in messages[0] and "python -m sklearn_pylearn warmup" in messages[0]
    assert "\n" not in messages[0]


def test_warmup_itself_stays_quiet(monkeypatch, caplog):
    monkeypatch.setitem(compile_module._notice, "shown", False)
    register_warmup("slow-job")(lambda dtype: compile_module._notice_slow_compile(9.0))
    try:
        with caplog.at_level(logging.WARNING, logger="sklearn_pylearn"):
            warmup(["slow-job"], ["float64"], progress=False, out=None)
    finally:
        unregister_warmup("slow-job")
    assert not caplog.records


def test_unregistering_an_unknown_job_says_so():
    with pytest.raises(KeyError, match="no job named 'nothing'"):
        unregister_warmup("nothing")


@pytest.mark.parametrize("job", warmup_jobs())
def test_every_default_job_runs(job):
    # The set-up (make demo / make test) runs every job: one that no longer matches
    # its estimator's signature must fail here, by name, not only in the Makefile.
    results = warmup([job], ["float64"], progress=False, out=None)
    assert [r.name for r in results] == [job]


def test_a_fresh_process_can_name_default_jobs():
    import subprocess
    import sys

    # --job with a default job name, before anything else loaded the defaults.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sklearn_pylearn",
            "warmup",
            "--no-progress",
            "--dtype",
            "float64",
            "--job",
            "StandardScaler",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "StandardScaler" in result.stdout
