"""Every example runs to the end and prints what it promises."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXPECTED = {
    "dbn_surgery.py": "the fitted DBN is unchanged: True",
    "fused_pipeline.py": "folded into X @ W + b",
    "graph_surgery.py": "the DBN is unchanged: True True",
    "named_outputs.py": "mean nll",
    "resumable_training.py": "both identical to an uninterrupted run: True",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert EXPECTED[name] in result.stdout


def test_every_example_is_tested():
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED)


README = EXAMPLES.parent / "README.md"


def _readme_section(title):
    text = README.read_text()
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_readme_starts_with_the_two_commands():
    text = README.read_text()
    assert re.search(r"```\n(.*?)```", text, re.S)[1] == "make demo\nmake test\n"


def test_readme_walk_through_runs_as_written(tmp_path):
    """The README's first experiment: its YAML, its commands, the files it names."""
    section = _readme_section("Your first experiment")
    (yaml_text,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    (tmp_path / "exp.yaml").write_text(yaml_text)
    commands = [
        line
        for block in re.findall(r"```sh\n(.*?)```", section, re.S)
        for line in block.splitlines()
        if line and not line.startswith("#")
    ]
    assert [c.split()[3] for c in commands] == ["run", "resume"]
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parent)}
    outputs = []
    for command in commands:
        program, *args = shlex.split(command)
        assert program == ".venv/bin/python"
        result = subprocess.run(
            [sys.executable, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    assert "finished: metrics in runs/mlp/metrics.json" in outputs[0]
    assert "the run had finished: nothing to do" in outputs[1]
    named = re.findall(r"`(runs/mlp/[^`]*)`", section)
    assert len(named) >= 8
    for path in named:
        assert (tmp_path / path).exists(), path
    metrics = json.loads((tmp_path / "runs/mlp/metrics.json").read_text())
    assert set(metrics) == {"train", "test"} and metrics["test"]["accuracy"] > 0.9
