import subprocess
import sys

import pytest

from sklearn_pylearn.__main__ import main
from sklearn_pylearn._demo import run_demo


def test_demo_tells_the_whole_story(tmp_path):
    lines = []
    report = run_demo(out=lines.append, workdir=tmp_path)
    assert report["shape"] == (1797, 20)
    assert report["second"]["compiles"] == 0
    assert report["second"]["hits"] >= 1
    # 19 fits of one pipeline structure: at most one compile per graph structure.
    assert report["grid"]["fits"] == 19 and report["grid"]["compiles"] <= 3
    assert report["dbn_accuracy"] > 0.85 and report["sda_accuracy"] > 0.85
    assert report["resumed_identical"] is True
    names = {p.name for p in report["plots"]}
    assert {"training_curve.png", "filters.png", "sda_graph.png"} <= names
    for path in report["plots"]:
        assert path.exists() and path.stat().st_size > 1000
    text = "\n".join(lines)
    assert "nothing new compiled" in text and "compile_stats()" in text
    for section in range(1, 8):
        assert f"== {section}. " in text
    assert "'rbm1'" in text and "'daa1'" in text


def test_cli_requires_a_command(capsys):
    with pytest.raises(SystemExit):
        main([])
    assert "demo" in capsys.readouterr().err


def test_cli_demo_is_wired(monkeypatch):
    # The demo itself runs above; here, that the command calls it (one full run
    # of the demo in the suite is enough).
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
