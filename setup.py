"""Packaging for sklearn_pylearn (tool settings live in pyproject.toml)."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"',
    (HERE / "sklearn_pylearn" / "_version.py").read_text(),
    re.M,
).group(1)

INSTALL_REQUIRES = [
    "pytensor>=3,<4",
    "scikit-learn>=1.6,<1.10",  # utils/_sklearn_compat.py: SUPPORTED_SKLEARN
    "numpy>=1.26",
    "scipy>=1.11",
    "pandas>=2.0",
    "pyarrow>=15",
    "joblib>=1.3",
    "tqdm>=4.60",
    "pyyaml>=6",
]

# The docs build (tests/test_docs.py builds the site, so the test extra has them too).
DOCS = ["sphinx>=7", "numpydoc>=1.6", "sphinx-gallery>=0.16", "myst-parser>=3"]

EXTRAS = {
    "test": [
        "pytest>=8",
        "pytest-xdist>=3.5",
        "skops>=0.10",
        "polars>=1.0",
        "pyarrow>=15",
        "ruff>=0.6",
        "rich>=13",
        "matplotlib>=3.8",
        *DOCS,
    ],
    "plot": ["matplotlib>=3.8"],
    "docs": [*DOCS, "matplotlib>=3.8"],
    "dask": ["dask[distributed]>=2024.1", "dask-ml>=2024.1"],
    "bench": ["torch==2.13.0"],
}

setup(
    name="sklearn_pylearn",
    version=VERSION,
    description=(
        "scikit-learn compatible estimators that build symbolic graphs and run "
        "them compiled with PyTensor"
    ),
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    license="BSD-3-Clause",
    license_files=["LICENSE"],
    packages=find_packages(include=["sklearn_pylearn", "sklearn_pylearn.*"]),
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    classifiers=[
        "Programming Language :: Python :: 3.11",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
