import pickle

import numpy as np
import pytest

from sklearn_pylearn.data import Dataset, DatasetIterator


@pytest.fixture
def ds():
    return Dataset(input=np.arange(20.0).reshape(10, 2), target=np.arange(10))


def _targets(batches):
    return [b.target.tolist() for b in batches]


def test_one_epoch_per_for_loop_in_order(ds):
    it = ds.iterate(4)
    assert it.n_batches == 3
    assert _targets(it) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert it.epoch == 1
    assert _targets(it) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert it.epoch == 2


def test_shuffle_is_seeded_and_changes_per_epoch(ds):
    a, b = (
        ds.iterate(10, shuffle=True, random_state=3),
        ds.iterate(10, shuffle=True, random_state=3),
    )
    first = next(iter(a)).target
    assert sorted(first.tolist()) == list(range(10))
    assert first.tolist() == next(iter(b)).target.tolist()
    list(a)
    assert next(iter(a)).target.tolist() != first.tolist()


def test_fields_select_what_batches_hold(ds):
    batch = ds.iterate(3, fields=["target"]).next()
    assert batch.keys() == ("target",)
    with pytest.raises(KeyError, match=r"no field \['weight'\].*\['input', 'target'\]"):
        ds.iterate(3, fields=["weight"])


def test_next_never_stops_and_next_batch_says_epoch_is_over(ds):
    it = ds.iterate(4)
    got = [it.next().target[0] for _ in range(5)]
    assert got == [0, 4, 8, 0, 4]
    it = ds.iterate(8)
    it.next_batch(), it.next_batch()
    with pytest.raises(IndexError, match="epoch 1 is over"):
        it.next_batch()


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (0, ValueError, "batch_size must be >= 1, got 0"),
        (2.5, TypeError, r"positive int, got 2.5 \(float\)"),
        (True, TypeError, "positive int, got True"),
    ],
)
def test_batch_size_errors(ds, bad, exc, match):
    with pytest.raises(exc, match=match):
        ds.iterate(bad)


def test_random_state_error(ds):
    with pytest.raises(TypeError, match="random_state must be None, an int"):
        ds.iterate(2, random_state="seed")


def test_state_resumes_exactly_after_pickling(ds):
    it = ds.iterate(3, shuffle=True, random_state=0)
    for _ in range(5):  # into the second epoch
        it.next()
    state = pickle.loads(pickle.dumps(it.get_state()))
    expected = [it.next().target.tolist() for _ in range(7)]
    fresh = DatasetIterator(ds, 3, shuffle=True, random_state=123)
    fresh.set_state(state)
    assert [fresh.next().target.tolist() for _ in range(7)] == expected


def test_state_is_plain_data(ds):
    it = ds.iterate(3, shuffle=True, random_state=0)
    it.next()
    state = it.get_state()
    assert set(state) == {"epoch", "cursor", "ended", "order", "rng"}
    assert isinstance(state["rng"], np.random.Generator)
    assert isinstance(state["order"], np.ndarray)
    assert "DatasetIterator(batch_size=3" in repr(it)


def test_buffer_repeat_of_the_bound_next_and_next_many_agree(ds):
    from sklearn_pylearn.runtime import BUFFER_REPEAT, CALL, VirtualMachine

    it = ds.iterate(3)
    slow = VirtualMachine(BUFFER_REPEAT(4, CALL(it.next))).run()
    got = ds.iterate(3).next_many(4)
    assert _targets(got) == _targets(slow) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert it.get_state()["epoch"] == 1


def test_optimize_turns_buffer_repeat_of_next_into_one_batched_call(ds):
    from sklearn_pylearn.runtime import BUFFER_REPEAT, CALL, VirtualMachine, optimize

    prog = BUFFER_REPEAT(4, CALL("it.next"))
    slow = VirtualMachine(prog, context={"it": ds.iterate(3)}).run()
    fast, ctx = optimize(prog, {"it": ds.iterate(3)})
    assert str(fast) == "CALL(it.next_many, 4)"
    assert _targets(VirtualMachine(fast, context=ctx).run()) == _targets(slow)
