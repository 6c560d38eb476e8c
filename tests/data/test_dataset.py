import pickle

import numpy as np
import pandas as pd
import pytest

from sklearn_pylearn.data import Dataset, Sample
from sklearn_pylearn.runtime import BUFFER_REPEAT, CALL, VirtualMachine


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=6),
            "b": rng.normal(size=6),
            "c": rng.normal(size=6),
            "label": [0, 1, 0, 1, 1, 0],
            "w": np.arange(1.0, 7.0),
        }
    )


def test_from_frame_chooses_columns_per_field(frame):
    ds = Dataset.from_frame(frame, input=["a", "c"], target="label", weight="w")
    assert ds.fields == ("input", "target", "weight")
    assert ds["input"].shape == (6, 2) and ds.columns("input") == ("a", "c")
    np.testing.assert_array_equal(ds["input"], frame[["a", "c"]].to_numpy())
    assert ds.columns("target") == "label" and ds.n_columns == 2


def test_default_input_is_every_unused_column_and_other_fields(frame):
    ds = Dataset.from_frame(frame, target="label", extra=["w"])
    assert ds.columns("input") == ("a", "b", "c")
    assert ds["extra"].shape == (6, 1)


def test_missing_column_is_named_with_the_available_ones(frame):
    with pytest.raises(KeyError, match=r"target= names column\(s\) \['y'\].*'label'"):
        Dataset.from_frame(frame, target="y")
    with pytest.raises(KeyError, match=r"input= names column\(s\) \['z'\]"):
        Dataset.from_frame(frame, input=["a", "z"])


def test_len_index_sample_slice_and_mask(frame):
    ds = Dataset.from_frame(frame, target="label")
    assert len(ds) == 6
    s = ds[-1]
    assert isinstance(s, Sample) and s.target == 0
    np.testing.assert_array_equal(s.input, ds["input"][5])
    part = ds[1:3]
    assert isinstance(part, Dataset) and len(part) == 2
    assert part.columns("input") == ds.columns("input")
    assert len(ds[ds["target"] == 1]) == 3
    assert [s.target for s in ds[[0, 1]]] == [0, 1]


def test_index_errors():
    ds = Dataset(input=np.eye(2))
    with pytest.raises(IndexError, match="sample 2 is out of range for 2"):
        ds[2]
    with pytest.raises(TypeError, match=r"got 1.5 \(float\)"):
        ds[1.5]
    with pytest.raises(KeyError, match=r"no field \['target'\]"):
        ds["target"]


def test_constructor_errors():
    with pytest.raises(ValueError, match="at least one field"):
        Dataset()
    with pytest.raises(ValueError, match=r"lengths \{'input': 3, 'target': 2\}"):
        Dataset(input=np.eye(3), target=[0, 1])
    with pytest.raises(ValueError, match="field 'weight' .* scalar 1.0"):
        Dataset(input=np.eye(3), weight=1.0)


def test_to_frame_round_trips_column_names(frame):
    ds = Dataset.from_frame(frame, input=["a", "b"], target="label")
    out = ds.to_frame()
    assert list(out.columns) == ["a", "b", "label"]
    pd.testing.assert_frame_equal(out, frame[["a", "b", "label"]])
    plain = Dataset(input=np.ones((2, 2)), target=np.zeros(2)).to_frame()
    assert list(plain.columns) == ["input_0", "input_1", "target"]


def test_from_csv_and_parquet(tmp_path, frame):
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_parquet(tmp_path / "d.parquet", row_group_size=4)
    a = Dataset.from_csv(tmp_path / "d.csv", target="label", weight="w")
    b = Dataset.from_parquet(tmp_path / "d.parquet", target="label", weight="w")
    for ds in (a, b):
        assert ds.columns("input") == ("a", "b", "c")
        np.testing.assert_allclose(ds["input"], frame[["a", "b", "c"]].to_numpy())
        np.testing.assert_array_equal(ds["target"], frame["label"])


def test_next_walks_samples_and_buffer_repeat_collects_them():
    ds = Dataset(input=np.arange(5.0), target=np.arange(5) * 10)
    prog = BUFFER_REPEAT(3, CALL("data.next"))
    first = VirtualMachine(prog, context={"data": ds}).run()
    assert [s.target for s in first] == [0, 10, 20]
    assert ds.get_state() == {"cursor": 3}
    assert [s.target for s in ds.next_many(3)] == [30, 40, 0]
    ds.set_state({"cursor": 4})
    assert ds.next().target == 40


def test_the_seed_syntax_call_dataset_next():
    # plugin_JB: BUFFER_REPEAT(n, CALL(dataset.next)) with the bound method
    ds = Dataset(input=np.arange(4.0), target=np.arange(4))
    prog = BUFFER_REPEAT(3, CALL(ds.next))
    vm = VirtualMachine(prog)
    assert [s.target for s in vm.run()] == [0, 1, 2]
    assert "Dataset" in str(prog)


def test_pickle_keeps_data_and_cursor_not_variables():
    ds = Dataset(input=np.eye(3))
    var = ds.variable
    ds.next()
    again = pickle.loads(pickle.dumps(ds))
    assert again.get_state() == {"cursor": 1}
    np.testing.assert_array_equal(again["input"], np.eye(3))
    assert again.variable is not var and again.variable.type == var.type


def test_variables_follow_dtypes_and_refuse_strings():
    ds = Dataset(input=np.ones((2, 3), dtype="float32"), target=np.array(["a", "b"]))
    assert ds.variable.type.dtype == "float32" and ds.variable.ndim == 2
    assert set(ds.variables) == {"input"}
    with pytest.raises(TypeError, match="field 'input' has dtype <U1"):
        _ = Dataset(input=np.array(["a", "b"])).variable


def test_named_outputs_read_as_the_seed_reads_them():
    # the seed: results = nnet(dataset); for datapoint in results: datapoint.nll
    results = Dataset(
        prediction=np.array([1, 0]),
        nll=np.array([0.1, 0.7]),
        proba=np.array([[0.1, 0.9], [0.8, 0.2]]),
    )
    seen = [(d.prediction, d.nll, d.proba.tolist()) for d in results]
    assert seen == [(1, 0.1, [0.1, 0.9]), (0, 0.7, [0.8, 0.2])]
    assert list(results.to_frame().columns) == [
        "prediction",
        "nll",
        "proba_0",
        "proba_1",
    ]
