"""Test-suite setup: the repository root is importable, so that the fixture
modules under ``tests/`` have stable dotted names (``tests.runtime.fixtures``):
programs and checkpoints name their objects by those names, and the kill tests'
subprocesses run ``python -m tests.runtime.fixtures``."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
