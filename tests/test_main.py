import subprocess
import sys

import pytest

from sklearn_pylearn.__main__ import main
from sklearn_pylearn._demo import run_demo


def test_demo_second_pipeline_compiles_nothing():
    lines = []
    report = run_demo(out=lines.append)
    assert report["shape"] == (1797, 20)
    assert report["second"]["compiles"] == 0
    assert report["second"]["hits"] >= 1
    text = "\n".join(lines)
    assert "nothing new compiled" in text and "compile_stats()" in text


def test_cli_requires_a_command(capsys):
    with pytest.raises(SystemExit):
        main([])
    assert "demo" in capsys.readouterr().err


def test_cli_demo_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_pylearn", "demo"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "nothing new compiled" in result.stdout


def test_cli_version(capsys):
    from sklearn_pylearn import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sklearn_pylearn {__version__}"


def test_cli_version_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_pylearn", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("sklearn_pylearn ")


def test_cli_help_shows_an_example_experiment(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = capsys.readouterr().out
    assert "estimator: sklearn_pylearn.neural_network.MLPClassifier" in help_text
    assert "resume" in help_text
