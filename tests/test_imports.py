"""Importing the library loads only what a fit on arrays needs.

Each check runs in a fresh interpreter and reads ``sys.modules``: no timing, so
it holds on a loaded machine. scikit-learn itself imports pandas, ``scipy.stats``
and pyarrow on ``import sklearn`` (in 1.9), so those are held to scikit-learn's
own footprint: a module may load them only where the matching scikit-learn import
does.
"""

import importlib
import json
import subprocess
import sys

import pytest

# Never needed to import an estimator: Numba comes with the first compile, the
# others with the data source, plotting or experiment that uses them.
NEVER = (
    "dask",
    "distributed",
    "matplotlib",
    "numba",
    "pyarrow.dataset",
    "pyarrow.parquet",
    "skops",
    "tqdm",
    "yaml",
    "sklearn_pylearn.data._dask",
    "sklearn_pylearn.data._parquet",
    "sklearn_pylearn.experiment",
    "sklearn_pylearn.plotting",
)
# Loaded only where scikit-learn's matching import loads them too.
AS_SKLEARN = ("pandas", "pyarrow", "rich", "scipy.stats")

# Our module and the scikit-learn import it stands in for.
PAIRS = [
    ("sklearn_pylearn", "sklearn"),
    ("sklearn_pylearn.neural_network", "sklearn.neural_network"),
    ("sklearn_pylearn.linear_model", "sklearn.linear_model"),
    ("sklearn_pylearn.preprocessing", "sklearn.preprocessing"),
    ("sklearn_pylearn.pipeline", "sklearn.pipeline"),
]


def loaded_after_import(module):
    """Which of ``NEVER + AS_SKLEARN`` a fresh interpreter holds after ``import``."""
    code = (
        f"import json, sys, {module}\n"
        f"print(json.dumps([m for m in {list(NEVER + AS_SKLEARN)!r} "
        "if m in sys.modules]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_import_loads_no_more_than_sklearn(ours, theirs):
    loaded = loaded_after_import(ours)
    assert not loaded & set(NEVER)
    assert loaded & set(AS_SKLEARN) <= loaded_after_import(theirs)


@pytest.mark.parametrize("module", ["sklearn_pylearn", "sklearn_pylearn.runtime"])
def test_package_root_and_runtime_do_not_import_pytensor(module):
    code = f"import sys, {module}\nassert 'pytensor' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_root_names_still_import():
    code = (
        "import sklearn_pylearn\n"
        "from sklearn_pylearn import clear_compile_cache, compile_stats\n"
        "from sklearn_pylearn.symbolic import compile as c\n"
        "assert compile_stats is c.compile_stats\n"
        "assert 'compile_stats' in dir(sklearn_pylearn)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_data_names_still_import():
    code = (
        "import sys\n"
        "from sklearn_pylearn.data import DaskDataset, ParquetDataset, write_parquet\n"
        "import sklearn_pylearn.data as data\n"
        "assert 'ParquetDataset' in dir(data)\n"
        "assert ParquetDataset.__module__ == 'sklearn_pylearn.data._parquet'\n"
        "assert 'pyarrow.parquet' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("module", ["sklearn_pylearn", "sklearn_pylearn.data"])
def test_unknown_name_raises(module):
    package = importlib.import_module(module)
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        _ = package.NoSuchName


PARQUET_CHECKPOINT = """
import numpy as np, pandas as pd
from sklearn_pylearn.data import ParquetDataset
from sklearn_pylearn.runtime import CALL, REPEAT, SEQ, Checkpoint, VirtualMachine
pd.DataFrame({"f0": np.arange(50.0)}).to_parquet("d.parquet")
data = ParquetDataset("d.parquet", input=["f0"], batch_size=7)
vm = VirtualMachine(REPEAT(4, SEQ([CALL("data.next")])), context={"data": data},
                    hooks=[Checkpoint("ck", every_n_steps=2)])
vm.run(handle_signals=False)
"""
RESUME = """
import sys
import sklearn_pylearn.data
from sklearn_pylearn.runtime import CALL, REPEAT, SEQ, VirtualMachine
assert "sklearn_pylearn.data._parquet" not in sys.modules
vm = VirtualMachine.resume("ck", program=REPEAT(4, SEQ([CALL("data.next")])))
assert type(vm.context["data"]).__name__ == "ParquetDataset", vm.context
assert vm.steps == 4
"""


def test_checkpoint_reopens_a_lazily_imported_parquet_source(tmp_path):
    for script in (PARQUET_CHECKPOINT, RESUME):
        subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path)
