"""GraphInputs and placeholder: every graph input is made one way."""

import numpy as np

from sklearn_pylearn.symbolic.inputs import GraphInputs, placeholder


def test_placeholders_have_free_shapes_and_the_given_dtype():
    v = placeholder("W", 3, np.float32)
    assert (v.name, v.type.dtype, v.type.shape) == ("W", "float32", (None,) * 3)


def test_graph_inputs_use_placeholders():
    inputs = GraphInputs("float32")
    X = inputs.data("X", np.ones((2, 2)))  # the data keeps its dtype
    m = inputs.add("m", [1.0, 2.0])  # fitted floats take the graph's
    p = inputs.placeholder("p", 0)
    assert X.type == placeholder("X", 2, "float64").type
    assert m.type == placeholder("m", 1, "float32").type
    assert p.type == placeholder("p", 0, "float32").type
    assert inputs.values[2] is None
