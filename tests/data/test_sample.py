import pickle

import numpy as np
import pytest

from sklearn_pylearn.data import Sample


def test_fields_read_as_attributes_names_and_positions():
    s = Sample({"input": np.array([1.0, 2.0]), "target": 3})
    assert s.target == 3 and s["target"] == 3 and s[1] == 3
    X, y = s
    assert X.tolist() == [1.0, 2.0] and y == 3
    assert len(s) == 2 and s.keys() == ("input", "target")
    assert s.to_dict()["target"] == 3


def test_unknown_field_names_the_fields():
    s = Sample({"input": 1})
    with pytest.raises(AttributeError, match=r"no field 'target'.*\['input'\]"):
        _ = s.target
    with pytest.raises(KeyError, match=r"no field 'weight'"):
        s["weight"]


def test_read_only_and_picklable():
    s = Sample({"input": 1})
    with pytest.raises(AttributeError, match="read-only"):
        s.input = 2
    again = pickle.loads(pickle.dumps(s))
    assert again.input == 1 and repr(again) == "Sample(input=1)"


class Sums:
    def __init__(self):
        self.seen = []

    def update(self, samples):
        self.seen.append([float(s.input) for s in samples])


def test_a_checkpoint_inside_buffer_repeat_of_samples_resumes(tmp_path):
    import numpy as np

    from sklearn_pylearn.data import Dataset
    from sklearn_pylearn.runtime import (
        BUFFER_REPEAT,
        CALL,
        FILT,
        REPEAT,
        SEQ,
        Checkpoint,
        VirtualMachine,
        list_checkpoints,
        read_checkpoint,
    )

    def program():
        fill = BUFFER_REPEAT(4, CALL("data.next"))
        return REPEAT(3, SEQ([fill, FILT("model.update")]))

    def context():
        return {
            "data": Dataset(input=np.arange(5.0), target=np.arange(5)),
            "model": Sums(),
        }

    ctx = context()
    hook = Checkpoint(tmp_path, every_n_steps=1, keep_last=None, at_end=False)
    VirtualMachine(program(), ctx, [hook]).run()
    expected = ctx["model"].seen
    assert len(expected) == 3
    inside = 0
    for path in list_checkpoints(tmp_path):
        state = read_checkpoint(path)
        again = context()
        vm = VirtualMachine.from_state(state, program=program(), context=again)
        inside += "Sample" in repr(state)  # a partly filled buffer of samples
        vm.run()
        assert again["model"].seen == expected
    assert inside > 0
