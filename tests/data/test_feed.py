"""Streams feeding learners: StreamSource, MappedStream, one-column passes,
data identity."""

import numpy as np
import pandas as pd
import pytest

from sklearn_pylearn.data import (
    MappedStream,
    ParquetDataset,
    StreamSource,
    stream_unique,
)
from sklearn_pylearn.data._feed import data_identity, iter_fields
from tests.data.conftest import COLUMNS


def test_stream_unique_reads_only_that_column(parquet, monkeypatch):
    ds = ParquetDataset(parquet, input=COLUMNS, target="y", batch_size=10)
    before = ds.get_state()
    calls = []
    original = ParquetDataset._arrays

    def spy(self, batch, specs=None):
        calls.append(batch.schema.names)
        return original(self, batch, specs)

    monkeypatch.setattr(ParquetDataset, "_arrays", spy)
    assert stream_unique(ds).tolist() == [0, 1]
    assert calls and all(names == ["y"] for names in calls)
    assert ds.get_state()["epoch"] == before["epoch"]


def test_stream_source_is_a_training_source(parquet):
    ds = ParquetDataset(parquet, input=COLUMNS, batch_size=25)
    src = StreamSource(ds, lambda b: (b.input,))
    assert src.n_batches == 3
    src.start_epoch()
    rows = [len(src.next_batch()[0]) for _ in range(3)]
    assert rows == [25, 25, 10]
    assert src.get_recipe()["factory"] == "sklearn_pylearn.data:ParquetDataset"


def test_mapped_stream_maps_the_input_and_keeps_the_order(frame, parquet):
    source = ParquetDataset(
        parquet,
        input=COLUMNS,
        target="y",
        batch_size=7,
        shuffle_buffer=2,
        random_state=4,
    )
    mapped = MappedStream(source, lambda X: X.to_numpy() * 2)
    plain = ParquetDataset(
        parquet,
        input=COLUMNS,
        target="y",
        batch_size=7,
        shuffle_buffer=2,
        random_state=4,
    )
    for got, want in zip(mapped, plain):
        np.testing.assert_array_equal(got.input, want.input * 2)
        np.testing.assert_array_equal(got.target, want.target)
    assert len(mapped) == 60 and mapped.n_batches == 9
    assert mapped.columns("input") is None and mapped.columns("target") == "y"
    assert stream_unique(mapped).tolist() == [0, 1]
    first = next(iter_fields(mapped, ("input",)))["input"]
    np.testing.assert_array_equal(first, frame[COLUMNS].to_numpy()[:7] * 2)
    assert source.get_state()["epoch"] == 0  # the source's position is untouched


def test_data_identity_follows_the_data(frame, tmp_path):
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    one = data_identity(ParquetDataset(path, input=COLUMNS))
    assert one == data_identity(ParquetDataset(path, input=COLUMNS))
    assert one != data_identity(ParquetDataset(path, input=COLUMNS[:2]))
    frame.iloc[:30].to_parquet(path)
    assert one != data_identity(ParquetDataset(path, input=COLUMNS))
    mapped = MappedStream(ParquetDataset(path, input=COLUMNS), lambda X: X)
    assert data_identity(mapped)[1] == data_identity(
        ParquetDataset(path, input=COLUMNS)
    )
    with pytest.raises(ValueError, match="has no rows"):
        stream_unique(_empty(tmp_path))


def _empty(tmp_path):
    path = tmp_path / "empty.parquet"
    pd.DataFrame({"a": np.zeros(0), "y": np.zeros(0, dtype=np.int64)}).to_parquet(path)
    return ParquetDataset(path, input=["a"], target="y")


@pytest.mark.parametrize(
    "y", [[3, 1, 2, 3, 1], ["a", "b", "a"], [1, 0, 1, 1], [2.0, 5.0, 2.0, 9.0]]
)
def test_label_codes_are_label_encoders(y):
    from sklearn.preprocessing import LabelEncoder

    from sklearn_pylearn.data._feed import label_codes

    y = np.asarray(y)
    encoder = LabelEncoder().fit(y)
    for part in (y, y[:2], y[::-1]):
        np.testing.assert_array_equal(
            label_codes(encoder.classes_, part), encoder.transform(part)
        )
    assert label_codes(encoder.classes_, np.r_[y[:1], y[:1]][:, None]) is None
    unseen = "z" if y.dtype.kind == "U" else 99
    assert label_codes(encoder.classes_, np.r_[y[:1], [unseen]]) is None
