import pickle

import numpy as np
import pytest
from pytensor.graph.traversal import graph_inputs

from sklearn_pylearn import clear_compile_cache, compile_stats
from sklearn_pylearn.data import Dataset, GetColumnDataset, SymbolicDataset


@pytest.fixture
def ds():
    X = np.arange(24.0).reshape(6, 4)
    return Dataset(input=X, target=np.array([0, 1, 0, 1, 1, 0]))


def _column_values(dataset, **kwargs):
    """The seed's loop: every column of the dataset, sample by sample."""
    out = []
    for j in range(dataset.n_columns):
        col = GetColumnDataset(dataset, j, **kwargs)
        out.append([float(b.input[0]) for b in col.iterate(1)])
    return out


def test_iterating_every_column_compiles_one_function(ds):
    clear_compile_cache()
    values = _column_values(ds)
    assert values == ds["input"].T.tolist()
    stats = compile_stats()
    assert stats["compiles"] == 1
    assert stats["cached_functions"] == 1


def test_constants_fold_the_column_in_one_function_per_value(ds):
    clear_compile_cache()
    values = _column_values(ds, constants=["column"])
    assert values == ds["input"].T.tolist()
    assert compile_stats()["compiles"] == ds.n_columns
    clear_compile_cache()
    _column_values(ds, constants=["column"])
    assert compile_stats()["compiles"] == ds.n_columns


def test_folded_graph_holds_the_constant_and_the_free_one_an_input(ds):
    free = GetColumnDataset(ds, 2)
    folded = GetColumnDataset(ds, 2, constants=["column"])
    assert len(free.inputs) == 3  # input, target, column
    assert len(folded.inputs) == 2
    assert free.function() is not folded.function()
    assert free.function() is GetColumnDataset(ds, 3).function()
    np.testing.assert_array_equal(folded["input"], ds["input"][:, 2])


def test_fields_pass_through_and_transforms_chain(ds):
    scaled = SymbolicDataset(ds, lambda s, k: s.input * k, k=2.0)
    shifted = SymbolicDataset(
        scaled, lambda s, b: {"input": s.input + b, "score": s.input.sum(axis=1)}, b=1.0
    )
    assert shifted.fields == ("input", "target", "score")
    assert shifted.params == {"k": 2.0, "b": 1.0}
    out = shifted.evaluate()
    np.testing.assert_allclose(out["input"], ds["input"] * 2 + 1)
    np.testing.assert_allclose(out["score"], (ds["input"] * 2).sum(axis=1))
    np.testing.assert_array_equal(out["target"], ds["target"])
    assert list(shifted.to_frame().columns)[:2] == ["input_0", "input_1"]


def test_dropping_a_field_and_string_fields_passing_through():
    ds = Dataset(input=np.eye(3), target=np.array(["a", "b", "c"]), weight=np.ones(3))
    sym = SymbolicDataset(ds, lambda s: {"weight": None, "input": s.input[:, :2]})
    assert sym.fields == ("input", "target")
    assert sym[1].target == "b"
    np.testing.assert_array_equal(sym[1].input, [0.0, 1.0])


def test_slices_index_and_iterate_through_the_compiled_function(ds):
    col = GetColumnDataset(ds, 1)
    assert len(col[2:5]) == 3
    np.testing.assert_array_equal(col[2:5]["input"], ds["input"][2:5, 1])
    assert col[-1].input == ds["input"][-1, 1]
    batches = [b.input.tolist() for b in col.iterate(4, shuffle=True, random_state=0)]
    assert sorted(sum(batches, [])) == sorted(ds["input"][:, 1].tolist())


def test_variable_is_the_expression_of_the_source_variable(ds):
    col = GetColumnDataset(ds, 0)
    assert col.variable.ndim == 1
    inputs = set(graph_inputs([col.variable]))
    assert ds.variable in inputs
    assert [v.name for v in inputs if v is not ds.variable] == ["column"]
    assert col.variables["target"] is ds.variables["target"]


def test_pickle_drops_the_compiled_function(ds):
    col = GetColumnDataset(ds, 1)
    col.function()
    blob = pickle.dumps(col)
    assert b"CompiledFunction" not in blob
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again["input"], ds["input"][:, 1])


def test_errors_name_what_is_wrong(ds):
    with pytest.raises(ValueError, match=r"constants=\['k'\] names \['k'\].*\['col"):
        GetColumnDataset(ds, 0, constants=["k"])
    scaled = SymbolicDataset(ds, lambda s, k: s.input * k, k=2.0)
    with pytest.raises(ValueError, match=r"parameter\(s\) \['k'\] already belong"):
        SymbolicDataset(scaled, lambda s, k: s.input * k, k=3.0)
    with pytest.raises(TypeError, match="built on a Dataset or a SymbolicDataset"):
        SymbolicDataset(np.eye(2), lambda s: s.input)
    with pytest.raises(TypeError, match="must return a symbolic expression"):
        SymbolicDataset(ds, lambda s: 3)
    with pytest.raises(ValueError, match="field 'input' is a scalar expression"):
        SymbolicDataset(ds, lambda s: s.input.sum())
    with pytest.raises(TypeError, match="parameter 'k' must be numeric"):
        SymbolicDataset(ds, lambda s, k: s.input, k="two")
    reduced = SymbolicDataset(ds, lambda s: s.input[:2])
    with pytest.raises(ValueError, match="must keep one entry per sample"):
        reduced.evaluate()
    with pytest.raises(IndexError, match="sample 6 is out of range"):
        reduced[6]
    with pytest.raises(TypeError, match=r"got 0.5 \(float\)"):
        reduced[0.5]
