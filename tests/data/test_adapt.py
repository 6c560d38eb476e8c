import numpy as np
import pandas as pd
import pytest

from sklearn_pylearn.data import (
    Dataset,
    GetColumnDataset,
    ParquetDataset,
    as_arrays,
    is_dataset,
)


def test_dataset_unpacks_to_frame_target_and_weight():
    df = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0],
            "b": [0.0, 1.0, 0.0],
            "y": [0, 1, 1],
            "w": [1.0, 1.0, 2.0],
        }
    )
    X, y, w = as_arrays(Dataset.from_frame(df, target="y", weight="w"))
    pd.testing.assert_frame_equal(X, df[["a", "b"]])
    assert y.tolist() == [0, 1, 1] and w.tolist() == [1.0, 1.0, 2.0]


def test_unnamed_input_stays_an_array_and_missing_fields_come_from_arguments():
    X, y, w = as_arrays(Dataset(input=np.eye(2)), [0, 1], np.ones(2))
    assert isinstance(X, np.ndarray) and y == [0, 1] and w.tolist() == [1.0, 1.0]


def test_anything_else_passes_through_unchanged():
    X = np.eye(2)
    out = as_arrays(X, "y", "w")
    assert out[0] is X and out[1:] == ("y", "w")


def test_symbolic_dataset_is_computed():
    ds = Dataset(input=np.arange(6.0).reshape(3, 2), target=np.arange(3))
    X, y, _ = as_arrays(GetColumnDataset(ds, 1))
    assert X.tolist() == [1.0, 3.0, 5.0] and y.tolist() == [0, 1, 2]


def test_errors_say_what_to_do(tmp_path):
    ds = Dataset(input=np.eye(2), target=[0, 1])
    with pytest.raises(ValueError, match="y was passed, but the dataset has a 'tar"):
        as_arrays(ds, [1, 0])
    with pytest.raises(ValueError, match=r"no 'input' field \(its fields are \['x'\]"):
        as_arrays(Dataset(x=np.eye(2)))
    pd.DataFrame({"a": [1.0]}).to_parquet(tmp_path / "d.parquet")
    stream = ParquetDataset(tmp_path / "d.parquet")
    with pytest.raises(TypeError, match="ParquetDataset streams its data"):
        as_arrays(stream)
    assert is_dataset(stream) and is_dataset(ds) and not is_dataset(np.eye(2))
