"""Sphinx configuration: ``make docs`` builds the site into ``doc/_build/html``.

The API reference is generated from each public module's ``__all__`` (so a new public
name cannot be left out), the user guide and the architecture page are the markdown
files beside this one, and the gallery is built by sphinx-gallery from ``examples/``.
"""

import importlib
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import sklearn_pylearn  # noqa: E402

project = "sklearn_pylearn"
author = "the sklearn_pylearn developers"
copyright = "2026, the sklearn_pylearn developers"
version = release = sklearn_pylearn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_templates", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
html_theme = "alabaster"
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
myst_heading_anchors = 3
# Methods inherited from scikit-learn's classes keep scikit-learn's docstrings, whose
# glossary terms and labels live in scikit-learn's own site.
suppress_warnings = ["myst.header", "ref.term", "ref.ref"]

# Broken cross-references to this library fail the build; other libraries' names
# are not resolved (no network for intersphinx) and are not reported.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(pytensor|numpy|np|scipy|sklearn|pandas|pd|pyarrow|joblib|skops"
     r"|matplotlib|dask|distributed|torch|collections|typing|pathlib|os)(\..*)?"),
    (r"py:.*", r"(ndarray|array-like|DataFrame|Series|Variable|TensorVariable|Axes"
     r"|RandomGeneratorVariable"
     r"|Figure|AxesImage|Line2D|callable|optional|path-like|estimator|Path"
     r"|RandomState|Generator|Element|hashable)"),
    (r"py:class", r".*\b(of|or|default|shape|instance|sequence|mapping)\b.*"),
    # Private names (a base class shown by show-inheritance, a private helper named
    # in prose) and modules are not part of the reference.
    (r"py:.*", r"sklearn_pylearn(\.\w+)*\._\w+.*"),
    (r"py:mod", r".*"),
    # PyTensor's own docstrings, inherited by our ops.
    (r"py:.*", r"(node|Op|Apply|FunctionGraph)\..*"),
    # Bare attribute names of numpydoc's Attributes sections.
    (r"py:(obj|attr)", r"\w+"),
]

sphinx_gallery_conf = {
    "examples_dirs": os.path.relpath(ROOT / "examples", HERE),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"(__init__|_common)\.py$",
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": os.environ.get("SKLEARN_PYLEARN_DOCS_GALLERY", "True"),
}

def SUBMODULES(package):
    """The public submodules of ``package`` (its building blocks, for developers)."""
    import pkgutil

    module = importlib.import_module(package)
    return [
        f"{package}.{info.name}"
        for info in pkgutil.iter_modules(module.__path__)
        if not info.name.startswith("_")
    ]


# Public modules, in the order the API reference lists them.
API_MODULES = [
    "sklearn_pylearn",
    "sklearn_pylearn.preprocessing",
    "sklearn_pylearn.decomposition",
    "sklearn_pylearn.feature_selection",
    "sklearn_pylearn.linear_model",
    "sklearn_pylearn.neural_network",
    "sklearn_pylearn.pipeline",
    "sklearn_pylearn.base",
    "sklearn_pylearn.graph",
    "sklearn_pylearn.graph.macros",
    "sklearn_pylearn.data",
    "sklearn_pylearn.training",
    "sklearn_pylearn.runtime",
    "sklearn_pylearn.symbolic",
    *SUBMODULES("sklearn_pylearn.symbolic"),
    "sklearn_pylearn.persistence",
    "sklearn_pylearn.experiment",
    "sklearn_pylearn.plotting",
    "sklearn_pylearn.exceptions",
]


def public_names(module_name):
    """The names a public module exports (its ``__all__``), or None if absent."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return [n for n in getattr(module, "__all__", []) if not n.startswith("__")]


def write_api_page():
    """Write ``api.rst``: one autosummary table per public module.

    Written when this file is read, before Sphinx looks for source files, so the
    page and autosummary's stub pages exist in the first build.
    """
    lines = ["API reference", "=============", ""]
    lines.append("Every public name, from each module's ``__all__``.")
    lines.append("")
    for module_name in API_MODULES:
        names = public_names(module_name)
        if not names:
            continue
        lines += [f"``{module_name}``", "-" * (len(module_name) + 4), ""]
        lines += [f".. automodule:: {module_name}", "   :no-members:", ""]
        lines += [f".. currentmodule:: {module_name}", ""]
        lines += [".. autosummary::", "   :toctree: generated/", ""]
        lines += [f"   {name}" for name in names]
        lines.append("")
    text = "\n".join(lines)
    path = HERE / "api.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


write_api_page()
