"""The import layers of doc/architecture.md: a module imports its own layer or lower."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_pylearn"

ARCHITECTURE = Path(__file__).resolve().parents[1] / "doc" / "architecture.md"


def read_layer_table(text):
    """The ``part -> layer`` table between the page's ``layers:begin/end`` markers."""
    begin, end = "<!-- layers:begin -->", "<!-- layers:end -->"
    if begin not in text or end not in text:
        raise ValueError(f"doc/architecture.md lost its {begin} ... {end} markers")
    block = text.split(begin, 1)[1].split(end, 1)[0]
    layers = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[1].isdigit():
            continue  # the header and its rule
        layers[cells[0].strip("`")] = int(cells[1])
    return layers


# Layer of each top-level part of the package, as doc/architecture.md shows it.
LAYERS = read_layer_table(ARCHITECTURE.read_text())
FAMILIES = {name for name, layer in LAYERS.items() if layer == 5}
SIBLINGS = {"symbolic", "runtime"}
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
    assert here in LAYERS, f"{here} is missing from doc/architecture.md's layer table"
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


def test_layer_table_is_read_from_the_architecture_page():
    assert LAYERS["symbolic"] == 2 and LAYERS["graph"] == 3
    assert LAYERS["neural_network"] == 5 and LAYERS["pipeline"] == 6
    sample = "\n".join(
        [
            "x",
            "<!-- layers:begin -->",
            "| part | layer |",
            "|---|---|",
            "| `a` | 4 |",
            "<!-- layers:end -->",
        ]
    )
    assert read_layer_table(sample) == {"a": 4}
    with pytest.raises(ValueError, match="markers"):
        read_layer_table("no table here")


def test_every_part_of_the_package_is_in_the_table():
    parts = {_part(path) for path in MODULES}
    assert parts <= set(LAYERS), sorted(parts - set(LAYERS))
