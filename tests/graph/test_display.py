import numpy as np

from sklearn_pylearn.graph import Input, Model, dotW_b, sigmoid
from sklearn_pylearn.graph.macros import RBM


def test_each_node_is_drawn_once_in_its_deepest_cluster():
    dot = RBM(4, 2).to_dot()
    lines = dot.splitlines()
    assert lines[0] == 'digraph "RBM" {' and lines[-1] == "}"
    boxes = [line for line in lines if "shape=box" in line]
    assert len(boxes) == 3  # dotW_b, sigmoid, CDk
    assert any("[W, b]" in line for line in boxes)
    hidden = lines.index('    label="hidden";')
    assert "dotW_b" in lines[hidden + 1] and "sigmoid" in lines[hidden + 2]


def test_unannotated_nodes_and_edges():
    x = Input("x", np.ones((2, 3)))
    h = sigmoid(dotW_b(x, n=2, random_state=0))
    dot = Model({"h": h}, name="plain").to_dot()
    assert "subgraph" not in dot
    assert dot.count("->") == 2 and "shape=ellipse" in dot
