"""Plain-data encoding of state trees and the object state protocol."""

import json

import numpy as np
import pytest

from sklearn_pylearn.runtime import StateError, UntrustedReferenceError
from sklearn_pylearn.runtime._state import (
    build_object,
    decode_tree,
    encode_tree,
    is_plain_value,
    object_recipe,
    object_state,
    set_object_state,
)
from tests.runtime.fixtures import LinearModel, Recorder, RegressionData


def roundtrip(value):
    arrays = {}
    data = json.loads(json.dumps(encode_tree(value, arrays), allow_nan=False))
    return decode_tree(data, arrays), arrays


def test_every_plain_kind_round_trips_exactly():
    value = {
        "none": None,
        "flags": [True, False],
        "big": 2**100,
        "floats": (0.1, float("inf"), -float("inf")),
        "np": (np.float32(1.5), np.int8(-3), np.bool_(True)),
        "arr": np.arange(4, dtype=np.uint16).reshape(2, 2),
        "gens": [np.random.Generator(np.random.MT19937(1)), np.random.default_rng(2)],
        "legacy": np.random.RandomState(3),
        "keys": {1: "a", (1, 2): "b", "__dunder": "c"},
        "nested/name": {"x": np.zeros(1)},
    }
    back, arrays = roundtrip(value)
    assert back["none"] is None and back["flags"] == [True, False]
    assert back["big"] == 2**100
    assert back["floats"] == (0.1, float("inf"), -float("inf"))
    assert [type(v) for v in back["np"]] == [np.float32, np.int8, np.bool_]
    assert back["arr"].dtype == np.uint16 and back["arr"].tolist() == [[0, 1], [2, 3]]
    assert (
        back["gens"][0].random() == np.random.Generator(np.random.MT19937(1)).random()
    )
    assert back["gens"][1].random() == np.random.default_rng(2).random()
    assert back["legacy"].rand() == np.random.RandomState(3).rand()
    assert back["keys"] == {1: "a", (1, 2): "b", "__dunder": "c"}
    assert "nested%2Fname/x" in arrays
    nan, _ = roundtrip(float("nan"))
    assert np.isnan(nan)


def test_refused_values_name_their_place():
    with pytest.raises(StateError, match="cannot store 'a/1': a set is not plain"):
        encode_tree({"a": [0, {1}]}, {})
    with pytest.raises(StateError, match="get_state\\(\\) / set_state\\(\\)"):
        encode_tree(object(), {})
    gen = np.random.Generator(np.random.PCG64(0))
    arrays = {}
    data = encode_tree(gen, arrays)
    data["__generator__"]["bit_generator"] = "Evil"
    with pytest.raises(StateError, match="unknown bit generator 'Evil'"):
        decode_tree(data, arrays)
    with pytest.raises(StateError, match="names array 'gone', which is missing"):
        decode_tree({"__array__": "gone"}, {})


def test_is_plain_value():
    assert is_plain_value(1.0) and is_plain_value(np.zeros(1)) and is_plain_value([])
    assert is_plain_value(np.random.default_rng(0))
    assert not is_plain_value(Recorder())


def test_object_protocol_defaults_to_vars():
    rec = Recorder(limit=7)
    state = object_state(rec, "rec")
    assert state["limit"] == 7 and state is not vars(rec)
    other = Recorder()
    set_object_state(other, state, "rec")
    assert other.limit == 7
    assert object_recipe(rec, "rec") == {
        "factory": "tests.runtime.fixtures:Recorder",
        "kwargs": None,
    }
    rebuilt = build_object(object_recipe(rec, "rec"), state, (), "rec")
    assert isinstance(rebuilt, Recorder) and rebuilt.limit == 7


def test_object_protocol_uses_get_state_and_recipes():
    data = RegressionData(n_samples=16, batch_size=4)
    data.shuffle()
    data.next_batch()
    state = object_state(data, "data")
    assert set(state) == {"rng", "order", "cursor"}
    rebuilt = build_object(object_recipe(data, "data"), state, (), "data")
    assert rebuilt.next_batch()[0].tobytes() == data.next_batch()[0].tobytes()
    model = LinearModel(step_delay=0.5)
    assert "step_delay" not in object_state(model, "model")


class Slotted:
    __slots__ = ("x",)


class BadRecipe:
    def get_recipe(self):
        return {"kwargs": {}}


def test_object_protocol_errors():
    with pytest.raises(StateError, match="has no __dict__ and no get_state"):
        object_state(Slotted(), "thing")
    with pytest.raises(StateError, match="define set_state"):
        set_object_state(Slotted(), {"x": 1}, "thing")
    with pytest.raises(StateError, match="get_recipe\\(\\) must return"):
        object_recipe(BadRecipe(), "thing")
    with pytest.raises(UntrustedReferenceError, match="not trusted"):
        build_object(
            {"factory": "os:system", "kwargs": {"command": "true"}}, {}, (), "x"
        )
    with pytest.raises(StateError, match="is not a class"):
        build_object({"factory": "os:getpid", "kwargs": None}, {}, ["os"], "x")


class _Point:
    def __init__(self, values):
        self.values = dict(values)

    def to_dict(self):
        return dict(self.values)


def test_registered_records_are_plain_data():
    from sklearn_pylearn.runtime._state import register_record

    register_record(_Point, "tests:_Point")
    arrays = {}
    data = encode_tree({"buffer": [_Point({"x": np.arange(2.0), "y": 1})]}, arrays)
    assert data["buffer"][0]["__record__"][0] == "tests:_Point"
    back = decode_tree(data, arrays)["buffer"][0]
    assert isinstance(back, _Point) and back.values["y"] == 1
    np.testing.assert_array_equal(back.values["x"], [0.0, 1.0])
    unknown = {"__record__": ["tests:Nope", {}]}
    with pytest.raises(StateError, match="'tests:Nope' record"):
        decode_tree(unknown, {})
