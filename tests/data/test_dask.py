"""DaskDataset (Dataset.from_dask) on dask's local scheduler; the cluster tests are
in test_distributed.py."""

import pickle

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")

from sklearn_pylearn.data import DaskDataset, Dataset  # noqa: E402


@pytest.fixture
def ddf():
    df = pd.DataFrame(
        {
            "a": np.arange(23.0),
            "b": np.ones(23),
            "y": np.arange(23) % 2,
            "w": np.linspace(0, 1, 23),
        }
    )
    return dd.from_pandas(df, npartitions=4)


def test_partition_by_partition_in_order(ddf):
    ds = Dataset.from_dask(ddf, target="y", weight="w", batch_size=5)
    assert isinstance(ds, DaskDataset) and ds.fields == ("input", "target", "weight")
    assert len(ds) == 23 and ds.n_batches == 5 and ds.n_partitions == 4
    batches = list(ds)
    assert [len(b.input) for b in batches] == [5, 5, 5, 5, 3]
    X = np.concatenate([b.input for b in batches])
    np.testing.assert_array_equal(X[:, 0], np.arange(23.0))
    assert batches[0].input.shape == (5, 2)


def test_shuffle_permutes_partitions_and_rows_and_resumes(ddf):
    ds = Dataset.from_dask(ddf, target="y", batch_size=4, shuffle=True, random_state=1)
    first = np.concatenate([b.input[:, 0] for b in ds])
    assert sorted(first.tolist()) == list(range(23))
    assert first.tolist() != list(range(23))
    ds.next(), ds.next()
    state = pickle.loads(pickle.dumps(ds.get_state()))
    rest = [ds.next().input.tolist() for _ in range(8)]
    again = Dataset.from_dask(ddf, target="y", batch_size=4, shuffle=True)
    again.set_state(state)
    assert [again.next().input.tolist() for _ in range(8)] == rest


def test_to_dataset_and_missing_columns(ddf):
    mem = Dataset.from_dask(ddf, input=["a"], target="y").to_dataset()
    assert mem.columns("input") == ("a",) and len(mem) == 23
    with pytest.raises(KeyError, match=r"weight= names column\(s\) \['v'\]"):
        Dataset.from_dask(ddf, weight="v")
