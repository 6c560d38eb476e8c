import subprocess
import sys

import pytest

from sklearn_pylearn.__main__ import main


def test_cli_requires_a_command(capsys):
    with pytest.raises(SystemExit):
        main([])
    assert "demo" in capsys.readouterr().err


def test_cli_demo_is_wired(monkeypatch):
    # The demo itself runs in tests/test_demo.py; here, that the command calls it
    # (one full run of the demo in the suite is enough).
    import sklearn_pylearn._demo as demo

    calls = []
    monkeypatch.setattr(demo, "run_demo", lambda: calls.append(True))
    assert main(["demo"]) == 0 and calls == [True]


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
