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
