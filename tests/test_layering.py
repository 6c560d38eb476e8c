"""The import layers of DESIGN.md: a module imports only its own layer or lower."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_pylearn"

# Layer of each top-level part of the package (DESIGN.md, "Layout and direction").
LAYERS = {
    "__init__": 7,  # the package root re-exports; others may read only __version__
    "_config": 1,
    "exceptions": 1,
    "utils": 1,
    "symbolic": 2,
    "data": 2,
    "runtime": 2,
    "graph": 3,
    "base": 4,
    "persistence": 4,
    "preprocessing": 5,
    "decomposition": 5,
    "feature_selection": 5,
    "linear_model": 5,
    "neural_network": 5,
    "training": 4,
    "pipeline": 6,
    "_fusion": 6,
    "__main__": 7,
    "_demo": 7,
    "experiment": 7,
}
FAMILIES = {name for name, layer in LAYERS.items() if layer == 5}
SIBLINGS = {"symbolic", "data", "runtime"}
# Modules allowed to walk the package at run time (like sklearn.utils.discovery).
DYNAMIC = {"utils/discovery.py"}


def _part(path):
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_parts(path):
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PACKAGE)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel.parent.parts)[: len(rel.parent.parts) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
                if not target:  # "from . import x" at the package root
                    target = ["__init__"]
            elif node.module and node.module.split(".")[0] == "sklearn_pylearn":
                target = node.module.split(".")[1:] or ["__init__"]
            else:
                continue
            names = [alias.name for alias in node.names]
            yield node.lineno, target[0] if target else "__init__", names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sklearn_pylearn":
                    yield node.lineno, parts[1] if len(parts) > 1 else "__init__", []


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "tests" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_the_layers(path):
    here = _part(path)
    assert here in LAYERS, f"{here} is not in DESIGN.md's layout: add it to LAYERS"
    if str(path.relative_to(PACKAGE)) in DYNAMIC:
        return
    for lineno, target, names in _imported_parts(path):
        where = f"{path.relative_to(PACKAGE)}:{lineno} imports {target}"
        if target == "__init__" and LAYERS[here] < LAYERS["__init__"]:
            assert names == ["__version__"], f"{where}: only __version__ from the root"
            continue
        target_layer = LAYERS[target]
        assert target_layer <= LAYERS[here], f"{where}: a higher layer"
        if here in FAMILIES and target in FAMILIES:
            assert target == here, f"{where}: families do not import each other"
        if here in SIBLINGS and target in SIBLINGS:
            assert target == here, f"{where}: siblings do not import each other"


def test_only_compile_module_calls_pytensor_function():
    offenders = []
    for path in MODULES:
        text = path.read_text()
        if "pytensor.function(" in text and path.name != "compile.py":
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_symbolic_imports_no_sklearn_or_pandas():
    for path in (PACKAGE / "symbolic").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"sklearn", "pandas"}, path


def test_checker_catches_an_upward_import(tmp_path, monkeypatch):
    fake = PACKAGE / "symbolic" / "compile.py"
    source = "from ..preprocessing import StandardScaler\n"
    monkeypatch.setattr(Path, "read_text", lambda self: source)
    targets = list(_imported_parts(fake))
    assert targets == [(1, "preprocessing", ["StandardScaler"])]
    assert LAYERS["preprocessing"] > LAYERS["symbolic"]
