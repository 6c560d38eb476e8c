"""Private scikit-learn names are imported in utils/_sklearn_compat.py only."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from sklearn_pylearn.utils import _sklearn_compat as compat

ROOT = Path(__file__).resolve().parents[2]
COMPAT = ROOT / "sklearn_pylearn" / "utils" / "_sklearn_compat.py"
SCANNED = ("sklearn_pylearn", "tests", "benchmarks", "examples")


def _is_sklearn(module):
    return module.split(".")[0] == "sklearn"


def _private(dotted):
    return any(part.startswith("_") and not part.startswith("__") for part in dotted)


def private_sklearn_imports(source):
    """(line, what) for each private scikit-learn name ``source`` reaches."""
    tree = ast.parse(source)
    found, aliases = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if not _is_sklearn(node.module):
                continue
            names = [a.name for a in node.names]
            if _private(node.module.split(".")) or _private(names):
                found.append((node.lineno, f"from {node.module} import {names}"))
            aliases.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if _is_sklearn(a.name):
                    if _private(a.name.split(".")):
                        found.append((node.lineno, f"import {a.name}"))
                    aliases.add(a.asname or a.name.split(".")[0])
    for node in ast.walk(tree):
        # ``module.sub._name`` (a class's own ``_attributes`` are not modules').
        if isinstance(node, ast.Attribute) and _private([node.attr]):
            base, path = node.value, []
            while isinstance(base, ast.Attribute):
                path.append(base.attr)
                base = base.value
            modules_only = all(part.islower() for part in path)
            if isinstance(base, ast.Name) and base.id in aliases and modules_only:
                found.append((node.lineno, f"{ast.unparse(node)}"))
    return found


def _files():
    for part in SCANNED:
        yield from sorted((ROOT / part).rglob("*.py"))


def test_private_sklearn_names_are_imported_only_in_the_compat_module():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _files()
        if path != COMPAT
        for line, what in private_sklearn_imports(path.read_text())
    ]
    assert offenders == [], (
        "import these through sklearn_pylearn/utils/_sklearn_compat.py:\n"
        + "\n".join(offenders)
    )


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from sklearn.base import _fit_context\n", 1),
        ("from sklearn.utils._param_validation import StrOptions\n", 1),
        ("import sklearn.utils._set_output\n", 1),
        ("from sklearn import pipeline as skp\nskp._name_estimators([])\n", 1),
        ("import sklearn\nsklearn.utils._testing\n", 1),
        ("from sklearn.base import clone\nfrom sklearn import __version__\n", 0),
        ("from sklearn import pipeline as skp\nskp.Pipeline._can_transform\n", 0),
        ("from sklearn_pylearn._version import __version__\n", 0),
    ],
)
def test_the_checker_finds_private_names(source, expected):
    assert len(private_sklearn_imports(source)) == expected


def test_compat_module_is_the_one_that_imports_them():
    assert private_sklearn_imports(COMPAT.read_text())


def test_setup_bounds_scikit_learn_as_the_compat_module_says():
    setup = (ROOT / "setup.py").read_text()
    bound = re.search(r'"scikit-learn([^"]+)"', setup).group(1)
    assert bound == compat.SUPPORTED_SKLEARN and "<" in bound


def test_fallbacks_behave_like_scikit_learn():
    X = np.ones((3, 2))
    np.testing.assert_array_equal(compat.check_sample_weight(None, X), np.ones(3))
    with pytest.raises(ValueError, match="sample_weight"):
        compat.check_sample_weight(np.ones(2), X)
    assert compat.SUPPORTED_SKLEARN in str(compat._unsupported("a thing"))
