import pickle

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sklearn_pylearn.data import Dataset, ParquetDataset, write_parquet


def _frame(n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "f0": rng.normal(size=n),
            "f1": rng.normal(size=n),
            "f2": rng.normal(size=n).astype("float32"),
            "label": np.arange(n) % 3,
            "w": rng.uniform(size=n),
            "id": np.arange(n),
        }
    )


@pytest.fixture
def one_file(tmp_path):
    path = tmp_path / "data.parquet"
    _frame(103).to_parquet(path, row_group_size=10)
    return path


@pytest.fixture
def directory(tmp_path):
    (tmp_path / "parts").mkdir()
    for k in range(3):
        _frame(40, seed=k).assign(id=np.arange(40) + 100 * k).to_parquet(
            tmp_path / "parts" / f"part-{k}.parquet", row_group_size=15
        )
    return tmp_path / "parts"


def _ids(stream, n=None):
    out = []
    for k, b in enumerate(stream):
        if n is not None and k == n:
            break
        out.append(b.id.tolist())
    return out


def test_fields_columns_and_length(one_file):
    ds = ParquetDataset(
        one_file,
        input=["f0", "f1", "f2"],
        target="label",
        weight="w",
        fields={"id": "id"},
        batch_size=16,
    )
    assert ds.fields == ("input", "target", "weight", "id")
    assert len(ds) == 103 and ds.n_row_groups == 11 and ds.n_batches == 7
    batch = ds.next()
    assert batch.input.shape == (16, 3) and batch.target.shape == (16,)
    frame = _frame(103)
    np.testing.assert_allclose(batch.input, frame[["f0", "f1", "f2"]][:16])


def test_in_order_epoch_crosses_row_groups(one_file):
    ds = ParquetDataset(one_file, target="label", fields={"id": "id"}, batch_size=16)
    ids = _ids(ds)
    assert [len(b) for b in ids] == [16] * 6 + [7]
    assert sum(ids, []) == list(range(103))
    assert sum(_ids(ds), []) == list(range(103))  # the next for-loop: epoch 2
    assert ds.epoch == 2


def test_directory_is_read_in_sorted_file_order(directory):
    ds = ParquetDataset(directory, input=["f0"], fields={"id": "id"}, batch_size=50)
    assert len(ds) == 120 and ds.n_row_groups == 9
    ids = sum(_ids(ds), [])
    assert ids == list(range(40)) + list(range(100, 140)) + list(range(200, 240))


def test_shuffle_buffer_permutes_within_bounded_windows(one_file):
    ds = ParquetDataset(
        one_file, fields={"id": "id"}, batch_size=8, shuffle_buffer=2, random_state=0
    )
    epoch1 = sum(_ids(ds), [])
    assert sorted(epoch1) == list(range(103)) and epoch1 != list(range(103))
    # each window of 2 row groups is permuted as a block: rows never leave it
    order = ds.get_state()["order"]
    first_window = set(range(order[0] * 10, order[0] * 10 + 10)) | set(
        range(order[1] * 10, order[1] * 10 + 10)
    )
    first_window &= set(range(103))
    assert set(epoch1[: len(first_window)]) == first_window
    assert sum(_ids(ds), []) != epoch1
    again = ParquetDataset(
        one_file, fields={"id": "id"}, batch_size=8, shuffle_buffer=2, random_state=0
    )
    assert sum(_ids(again), []) == epoch1


@pytest.mark.parametrize("shuffle_buffer", [0, 1, 3])
def test_resume_from_a_pickled_state_is_bit_identical(directory, shuffle_buffer):
    def make(seed):
        return ParquetDataset(
            directory,
            target="label",
            fields={"id": "id"},
            batch_size=7,
            shuffle_buffer=shuffle_buffer,
            random_state=seed,
        )

    ds = make(0)
    for _ in range(23):  # into the second epoch, mid row group
        ds.next()
    state = pickle.loads(pickle.dumps(ds.get_state()))
    expected = [ds.next() for _ in range(30)]
    fresh = make(99)
    fresh.set_state(state)
    got = [fresh.next() for _ in range(30)]
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a.input, b.input)
        np.testing.assert_array_equal(a.id, b.id)


def test_pickling_the_dataset_keeps_its_position(one_file):
    ds = ParquetDataset(
        one_file, fields={"id": "id"}, batch_size=9, shuffle_buffer=2, random_state=1
    )
    ds.next(), ds.next()
    blob = pickle.dumps(ds)
    assert b"ParquetFile" not in blob
    again = pickle.loads(blob)
    assert [again.next().id.tolist() for _ in range(4)] == [
        ds.next().id.tolist() for _ in range(4)
    ]


def test_state_is_plain_data_and_recipe_reopens(one_file):
    ds = ParquetDataset(
        one_file, target="label", batch_size=9, shuffle_buffer=2, random_state=1
    )
    ds.next()
    state = ds.get_state()
    assert set(state) == {"epoch", "ended", "order", "window", "row", "rng"}
    assert state["window"] == 0 and state["row"] == 9
    recipe = ds.get_recipe()
    assert recipe["factory"] == "sklearn_pylearn.data:ParquetDataset"
    rebuilt = ParquetDataset(**recipe["kwargs"])
    rebuilt.set_state(state)
    np.testing.assert_array_equal(rebuilt.next().input, ds.next().input)


def test_state_of_other_data_is_refused(one_file, directory):
    a = ParquetDataset(one_file, input=["f0"], batch_size=4)
    a.next()
    b = ParquetDataset(directory, input=["f0"], batch_size=4)
    with pytest.raises(ValueError, match="orders 11 chunks but this dataset has 9"):
        b.set_state(a.get_state())


def test_missing_columns_are_named_with_the_available_ones(one_file):
    with pytest.raises(KeyError, match=r"target= names column\(s\) \['y'\].*'label'"):
        ParquetDataset(one_file, target="y")
    with pytest.raises(KeyError, match=r"input= names column\(s\) \['f9'\]"):
        ParquetDataset(one_file, input=["f0", "f9"])


def test_path_and_parameter_errors(tmp_path, one_file):
    with pytest.raises(FileNotFoundError, match="neither a parquet file nor a dir"):
        ParquetDataset(tmp_path / "nope.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no \\*.parquet file"):
        ParquetDataset(tmp_path / "empty")
    with pytest.raises(ValueError, match="shuffle_buffer must be an int >= 0"):
        ParquetDataset(one_file, shuffle_buffer=-1)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        ParquetDataset(one_file, batch_size=0)
    ds = ParquetDataset(one_file, batch_size=50)
    list(ds)
    with pytest.raises(IndexError, match="epoch 1 is over"):
        ds.next_batch()


def test_to_dataset_and_dtype(one_file):
    ds = ParquetDataset(one_file, input=["f0", "f2"], target="label", dtype="float32")
    mem = ds.to_dataset()
    assert isinstance(mem, Dataset) and len(mem) == 103
    assert mem["input"].dtype == np.float32 and mem.columns("input") == ("f0", "f2")
    assert ds.next().input.dtype == np.float32


def test_map_streams_outputs_to_parquet(one_file, tmp_path):
    ds = ParquetDataset(
        one_file, input=["f0", "f1"], fields={"id": "id"}, batch_size=16
    )
    ds.next()
    before = ds.get_state()
    out = tmp_path / "out.parquet"
    n = ds.map(
        lambda X, ids: pd.DataFrame({"s": X.sum(axis=1), "id": ids}),
        out,
        fields=["input", "id"],
    )
    assert n == 103
    assert pq.ParquetFile(out).metadata.num_row_groups == 11
    result = pd.read_parquet(out)
    frame = _frame(103)
    np.testing.assert_allclose(result["s"], frame.f0 + frame.f1)
    assert result["id"].tolist() == list(range(103))
    assert ds.get_state()["row"] == before["row"]
    with pytest.raises(KeyError, match=r"no field \['target'\]"):
        ds.map(np.sum, out, fields=["target"])


def test_write_parquet_is_atomic_and_checks_schemas(tmp_path):
    path = tmp_path / "o.parquet"

    def batches():
        yield {"a": np.ones(2)}
        yield {"b": np.ones(2)}

    with pytest.raises(ValueError, match="batch 1 has schema"):
        write_parquet(batches(), path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="no batch to write"):
        write_parquet([], path)
    with pytest.raises(ValueError, match=r"columns=\['a'\] names 1 columns but bat"):
        write_parquet([np.ones((2, 2))], path, columns=["a"])
    assert write_parquet([pd.Series([1.0, 2.0], name="p")], path) == 2
    assert pd.read_parquet(path).columns.tolist() == ["p"]


TRAINER = """
import json, sys, time
import numpy as np
from sklearn_pylearn.data import ParquetDataset
from sklearn_pylearn.runtime import CALL, FILT, REPEAT, SEQ, Checkpoint, VirtualMachine

class Tally:
    def __init__(self):
        self.seen = []
    def update(self, batch):
        self.seen.append(batch.id.tolist())
        time.sleep(float(sys.argv[4]))
        return 0.0
    def get_state(self):
        return {"seen": [list(b) for b in self.seen]}
    def set_state(self, state):
        self.seen = [list(b) for b in state["seen"]]

path, ckpt, out = sys.argv[1:4]
prog = REPEAT(40, SEQ([CALL("data.next"), FILT("model.update")]))
data = ParquetDataset(path, input=["f0"], fields={"id": "id"}, batch_size=7,
                      shuffle_buffer=3, random_state=5)
model = Tally()
vm = VirtualMachine.resume(ckpt, program=prog, context={"model": model},
                           hooks=[Checkpoint(ckpt, every_n_steps=2)],
                           start_if_missing=True) if ckpt != "-" else None
if vm is None or vm.steps == 0:
    hooks = [Checkpoint(ckpt, every_n_steps=2)] if ckpt != "-" else []
    vm = VirtualMachine(prog, context={"data": data, "model": model}, hooks=hooks)
print("READY", vm.steps, flush=True)
vm.run(handle_signals=False)
json.dump(model.seen, open(out, "w"))
"""


def test_resumes_bit_identically_after_kill_9(tmp_path, directory):
    import json
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "trainer.py"
    script.write_text(TRAINER)

    def run(ckpt, out, delay):
        return subprocess.Popen(
            [sys.executable, str(script), str(directory), str(ckpt), str(out), delay],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    whole = run("-", tmp_path / "whole.json", "0")
    assert whole.wait() == 0, whole.stderr.read()
    ckpt = tmp_path / "ckpt"
    victim = run(ckpt, tmp_path / "never.json", "0.05")
    assert victim.stdout.readline().startswith("READY 0")
    while not (ckpt.exists() and any(ckpt.glob("ckpt-*"))):  # a first checkpoint
        time.sleep(0.05)
    time.sleep(0.3)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL
    again = run(ckpt, tmp_path / "resumed.json", "0")
    resumed_at = int(again.stdout.readline().split()[1])
    assert again.wait() == 0, again.stderr.read()
    assert 0 < resumed_at < 80
    expected = json.loads((tmp_path / "whole.json").read_text())
    got = json.loads((tmp_path / "resumed.json").read_text())
    assert got == expected and len(expected) == 40
