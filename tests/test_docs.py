"""The documentation site builds with Sphinx, warnings as errors, gallery included."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = {
    "_build",
    "generated",
    "auto_examples",
    "api.rst",
    "sg_execution_times.rst",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site from a copy of doc/ (generated files stay out of the repo)."""
    pytest.importorskip("sphinx_gallery", reason="the docs extra is not installed")
    work = tmp_path_factory.mktemp("docs")
    shutil.copytree(
        ROOT / "doc", work / "doc", ignore=lambda d, names: GENERATED & set(names)
    )
    (work / "examples").symlink_to(ROOT / "examples")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-q",
            str(work / "doc"),
            str(work / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return work


def test_the_site_builds_with_warnings_as_errors(site):
    chapters = sorted(
        f"user_guide/{page.stem}"
        for page in (Path(__file__).parents[1] / "doc" / "user_guide").glob("*.md")
    )
    assert "user_guide/differences" in chapters
    for page in ("index", "architecture", "api", *chapters):
        assert (site / "html" / f"{page}.html").exists(), page


def test_every_public_name_has_an_api_page(site):
    sys.path.insert(0, str(site / "doc"))
    try:
        import importlib

        conf = importlib.import_module("conf")
    finally:
        sys.path.remove(str(site / "doc"))
    missing = []
    for module in conf.API_MODULES:
        for name in conf.public_names(module) or []:
            page = site / "html" / "generated" / f"{module}.{name}.html"
            if not page.exists():
                missing.append(f"{module}.{name}")
    assert missing == []
    assert "sklearn_pylearn.neural_network" in conf.API_MODULES


def test_the_gallery_runs_every_example_and_draws_figures(site):
    gallery = site / "html" / "auto_examples"
    examples = sorted(p.stem for p in (ROOT / "examples").glob("*.py"))
    for name in examples:
        assert (gallery / f"{name}.html").exists(), name
    images = list((site / "html" / "_images").glob("sphx_glr_*_001.png"))
    assert {
        p.name.removeprefix("sphx_glr_").removesuffix("_001.png") for p in images
    } == (set(examples))


def test_a_broken_reference_fails_the_build(tmp_path):
    pytest.importorskip("sphinx_gallery", reason="the docs extra is not installed")
    shutil.copytree(
        ROOT / "doc", tmp_path / "doc", ignore=lambda d, names: GENERATED & set(names)
    )
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "GALLERY_HEADER.rst").write_text("Gallery\n=======\n")
    (tmp_path / "doc" / "index.rst").write_text(
        (tmp_path / "doc" / "index.rst").read_text()
        + "\nSee :class:`sklearn_pylearn.preprocessing.NoSuchScaler`.\n"
    )
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONPATH": str(ROOT),
        "SKLEARN_PYLEARN_DOCS_GALLERY": "False",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-b",
            "html",
            "-q",
            str(tmp_path / "doc"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode != 0
    assert "NoSuchScaler" in result.stderr
