"""ChunkedStream: windows, bounded buffers, and resuming inside a runtime program."""

import numpy as np
import pandas as pd
import pytest

from sklearn_pylearn.data import ChunkedStream, ParquetDataset
from sklearn_pylearn.runtime import CALL, FILT, REPEAT, SEQ, Checkpoint, VirtualMachine


class Chunks(ChunkedStream):
    """Chunk k holds rows 10k .. 10k+9; records which chunks each load read."""

    def __init__(self, n_chunks, batch_size, shuffle_buffer=0, random_state=None):
        self.fields = ("id",)
        self.n = n_chunks
        self.loads = []
        self._init_stream(batch_size, shuffle_buffer, random_state)

    def _n_chunks(self):
        return self.n

    def _load_chunks(self, ids):
        self.loads.append(list(ids))
        return {"id": np.concatenate([np.arange(10 * k, 10 * k + 10) for k in ids])}


def test_windows_hold_at_most_shuffle_buffer_chunks():
    s = Chunks(7, batch_size=4, shuffle_buffer=3, random_state=0)
    ids = np.concatenate([b.id for b in s])
    assert sorted(ids.tolist()) == list(range(70))
    assert [len(w) for w in s.loads] == [3, 3, 1]
    assert sorted(sum(s.loads, [])) == list(range(7))


def test_in_order_reading_streams_one_chunk_at_a_time():
    s = Chunks(3, batch_size=4)
    first = [b.id.tolist() for b in s][:3]
    assert first == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert s.loads == [[0], [1], [2]]


def test_resume_mid_window_replays_the_window_permutation():
    s = Chunks(5, batch_size=3, shuffle_buffer=2, random_state=4)
    for _ in range(4):
        s.next()
    state = s.get_state()
    assert state["window"] == 0 and state["row"] == 12
    rest = [s.next().id.tolist() for _ in range(20)]
    t = Chunks(5, batch_size=3, shuffle_buffer=2, random_state=0)
    t.set_state(state)
    assert [t.next().id.tolist() for _ in range(20)] == rest


class Tally:
    """A model stand-in: records the ids of every minibatch it is given."""

    def __init__(self):
        self.seen = []

    def update(self, batch):
        self.seen.append(batch.id.tolist())
        return float(len(self.seen))

    def get_state(self):
        return {"seen": [list(b) for b in self.seen]}

    def set_state(self, state):
        self.seen = [list(b) for b in state["seen"]]


def test_a_program_resumes_from_a_checkpoint_with_the_same_batches(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"x": np.arange(50.0), "id": np.arange(50)}).to_parquet(
        path, row_group_size=8
    )

    def data():
        return ParquetDataset(
            path,
            input=["x"],
            fields={"id": "id"},
            batch_size=5,
            shuffle_buffer=2,
            random_state=7,
        )

    prog = REPEAT(17, SEQ([CALL("data.next"), FILT("model.update")]))
    whole = Tally()
    VirtualMachine(prog, context={"data": data(), "model": whole}).run()

    ckpt = tmp_path / "ckpt"
    part = Tally()
    vm = VirtualMachine(
        prog,
        context={"data": data(), "model": part},
        hooks=[Checkpoint(ckpt, every_n_steps=2)],
    )
    vm.run(max_steps=21)
    # a new process would rebuild the data from its recipe: do the same here
    resumed = Tally()
    again = VirtualMachine.resume(ckpt, program=prog, context={"model": resumed})
    assert again.steps == 20
    assert isinstance(again.context["data"], ParquetDataset)
    again.run()
    assert resumed.seen == whole.seen
    assert len(whole.seen) == 17


def test_shuffle_buffer_must_be_a_count():
    with pytest.raises(ValueError, match=r"shuffle_buffer must be an int >= 0.*2.5"):
        Chunks(3, batch_size=2, shuffle_buffer=2.5)
