"""Examples, benchmarks, docs and public doctests import public names only."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sklearn_pylearn"
# ``from sklearn_pylearn.x._y import z``, ``import sklearn_pylearn._y``,
# ``from sklearn_pylearn.x import _z``, and the test fixtures (``tests.``).
PRIVATE = re.compile(
    r"(?:from|import)\s+(sklearn_pylearn(?:\.\w+)*\._(?!_)\w*"
    r"|sklearn_pylearn(?:\.\w+)*\s+import\s+\(?\s*_(?!_)\w*"
    r"|tests\.\w+)"
)


def _private_imports(text):
    return [m.group(1) for m in PRIVATE.finditer(text)]


def _public_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if not any(p.startswith("_") and p != "__init__" for p in parts):
            yield path


def _doctest_lines(text):
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line[4:] for line in lines if line[:4] in (">>> ", "... "))


USER_FACING = sorted(
    [*ROOT.glob("examples/*.py"), *ROOT.glob("doc/*.md"), ROOT / "README.md"]
)
BENCHMARKS = sorted(ROOT.glob("benchmarks/*.py"))


@pytest.mark.parametrize("path", USER_FACING, ids=lambda p: p.name)
def test_examples_and_docs_use_public_names(path):
    assert _private_imports(path.read_text()) == []


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_benchmarks_use_public_names(path):
    # Benchmarks may use the runtime's test fixture (a training program).
    found = _private_imports(path.read_text())
    assert [name for name in found if name != "tests.runtime"] == []


@pytest.mark.parametrize(
    "path", list(_public_modules()), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_public_doctests_use_public_names(path):
    assert _private_imports(_doctest_lines(path.read_text())) == []


@pytest.mark.parametrize(
    "text, found",
    [
        ("from sklearn_pylearn.runtime._refs import Ref", 1),
        ("import sklearn_pylearn._demo", 1),
        ("from sklearn_pylearn.base import _METHODS", 1),
        ("from tests.runtime.fixtures import Scores", 1),
        ("from sklearn_pylearn.__main__ import main", 0),
        ("from sklearn_pylearn.runtime import Ref", 0),
    ],
)
def test_the_checker(text, found):
    assert len(_private_imports(text)) == found
