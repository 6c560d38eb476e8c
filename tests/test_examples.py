"""Every example runs to the end and prints what it promises."""

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
