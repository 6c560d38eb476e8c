"""symbolic._numba_linker: a graph's function compiled once, and cached on disk."""

import json
import os
import pickle
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import Mode

from sklearn_pylearn.symbolic import _numba_linker
from sklearn_pylearn.symbolic._numba_linker import DirectNumbaLinker
from sklearn_pylearn.symbolic.compile import compile_function

# A child compiles ``tanh(x) * c`` for a constant c unique to the test run (so the
# first child meets a structure no process compiled before) and reports Numba's
# compile events for graph functions.
CHILD = textwrap.dedent(
    """
    import json, sys
    import numba.core.event as ev
    import numpy as np
    import pytensor.tensor as pt
    from sklearn_pylearn.symbolic.compile import compile_function

    rec = ev.RecordingListener()
    ev.register("numba:compile", rec)
    x = pt.vector("x")
    fn = compile_function([x], pt.tanh(x) * float(sys.argv[1]))
    out = fn(np.array([0.5, -1.0]))
    funcs = [e.data["dispatcher"].py_func for _, e in rec.buffer if e.is_start]
    names = [f.__module__ + "." + f.__name__ for f in funcs]
    graphs = ("numba_funcified_fgraph", "sklearn_pylearn_graph")
    print(json.dumps({"out": out.tolist(),
                      "graph_compiles": [n for n in names if n.endswith(graphs)]}))
    """
)


def _child(constant, script=CHILD, disk_cache=False):
    """Run ``script`` in a fresh interpreter; the JSON line it prints last."""
    env = {k: v for k, v in os.environ.items() if k != "SKLEARN_PYLEARN_NO_DISK_CACHE"}
    if not disk_cache:
        env["SKLEARN_PYLEARN_NO_DISK_CACHE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", script, repr(constant)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_compile_function_links_with_the_direct_linker():
    x = pt.vector("x")
    fn = compile_function([x], pt.exp(x) + 1.0)
    assert isinstance(fn.fn.maker.linker, DirectNumbaLinker)
    np.testing.assert_allclose(fn(np.array([0.0, 1.0])), [2.0, np.e + 1.0])


def test_new_graph_is_finalized_once_and_loaded_from_disk_next_time():
    constant = 1.0 + (uuid.uuid4().int % 10**9) / 10**10
    expected = (np.tanh([0.5, -1.0]) * constant).tolist()
    first = _child(constant)
    # One graph function compiled, and it is the generated one: no wrapper
    # around it that would send the whole graph through LLVM a second time.
    assert first["graph_compiles"] == ["pytensor.link.utils.sklearn_pylearn_graph"]
    second = _child(constant)
    assert second["graph_compiles"] == []  # Numba's disk cache, by the graph's key
    np.testing.assert_allclose(first["out"], expected, rtol=1e-15)
    np.testing.assert_allclose(second["out"], expected, rtol=1e-15)


def _accumulator():
    """``s + x`` with the update ``s <- s + x``: a graph PyTensor cannot key."""
    s = pytensor.shared(np.zeros(2), name="s")
    x = pt.vector("x")
    f = pytensor.function(
        [x], s + x, updates={s: s + x}, mode=Mode(linker=DirectNumbaLinker())
    )
    return f, s


def test_graphs_with_shared_updates_still_work():
    # A graph PyTensor cannot key (a shared variable's update) is compiled
    # without a cache, as the stock linker does.
    f, s = _accumulator()
    f(np.ones(2))
    np.testing.assert_array_equal(f(np.ones(2)), [2.0, 2.0])
    np.testing.assert_array_equal(s.get_value(), [2.0, 2.0])


def test_without_numba_cache_nothing_is_keyed():
    # With PyTensor's Numba cache off, the graph function gets no cache key (as
    # with the stock linker), so Numba never tries to cache a temporary file.
    from pytensor.graph.fg import FunctionGraph

    x = pt.vector("x")
    fgraph = FunctionGraph([x], [pt.exp(x) * 3.0], clone=True)
    with pytensor.config.change_flags(numba__cache=False):
        fn, key = DirectNumbaLinker().fgraph_convert(fgraph)
    assert key is None
    assert hasattr(fn, "py_func")
    keyed_fn, keyed = DirectNumbaLinker().fgraph_convert(fgraph)
    assert keyed is not None
    assert keyed_fn.py_func.__code__.co_filename == "<string>"
    assert keyed_fn.py_func.__name__ == _numba_linker.GRAPH_FUNCTION_NAME


def test_only_the_graph_library_skips_the_full_module_passes():
    # A graph no process compiled before (a unique constant inside a new fused
    # kernel): the kernel is finalized in full, the graph's library with the
    # cheap passes only, once.
    before = _numba_linker.light_finalizations[0]
    constant = 1.0 + (uuid.uuid4().int % 10**9) / 10**10
    x = pt.vector("x")
    fn = compile_function([x], pt.tanh(x) * constant + 1.0)
    out = fn(np.array([0.25, -2.0]))
    np.testing.assert_allclose(out, np.tanh([0.25, -2.0]) * constant + 1.0)
    assert _numba_linker.light_finalizations[0] == before + 1


def test_numba_keeps_its_pipeline_for_other_libraries():
    from numba.core import codegen

    patched = codegen.CPUCodeLibrary._optimize_final_module
    assert patched.wrapped is not None

    class Library:
        name = "some_kernel"

    calls = []
    wrapper = _numba_linker._finalize_graph_library(lambda lib: calls.append(lib))
    lib = Library()
    wrapper(lib)
    assert calls == [lib]


# The disk cache on: a second child calls the graph from Numba's cache through a
# DirectFunction, without unpickling (rebuilding) PyTensor's Function.
DIRECT_CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import pytensor.tensor as pt
    from sklearn_pylearn.symbolic.compile import compile_function, compile_stats

    x = pt.vector("x")
    fn = compile_function([x], pt.tanh(x) * float(sys.argv[1]))
    out = fn(np.array([0.5, -1.0]))
    print(json.dumps({"out": out.tolist(), "type": type(fn.fn).__name__,
                      "rebuilt": getattr(fn.fn, "_full", True) is not None,
                      "disk_loads": compile_stats()["disk_loads"]}))
    """
)


def test_a_later_process_calls_the_graph_without_rebuilding_its_function():
    constant = 1.0 + (uuid.uuid4().int % 10**9) / 10**10
    expected = (np.tanh([0.5, -1.0]) * constant).tolist()
    first = _child(constant, DIRECT_CHILD, disk_cache=True)
    assert first["type"] == "Function" and first["disk_loads"] == 0
    second = _child(constant, DIRECT_CHILD, disk_cache=True)
    assert second["type"] == "DirectFunction" and second["disk_loads"] == 1
    assert not second["rebuilt"]
    np.testing.assert_allclose(second["out"], expected, rtol=1e-15)


def _direct(inputs, outputs, trust_input=False):
    """A compiled function and its DirectFunction (as the disk cache loads it)."""
    compiled = compile_function(inputs, outputs, trust_input=trust_input)
    # Loaded from the disk cache, compiled.fn is a DirectFunction already.
    full = getattr(compiled.fn, "pytensor_function", compiled.fn)
    entry = full.maker.linker.direct_entry(full)
    direct = entry.function(pickle.dumps(full))
    direct.trust_input = full.trust_input
    return compiled, direct


XM = np.arange(6.0).reshape(3, 2) / 4
WV = np.array([1.0, -2.0])


def test_direct_function_returns_what_the_function_returns():
    x, w = pt.matrix("x"), pt.vector("w")
    compiled, direct = _direct([x, w], [pt.tanh(x * w), (x * w).sum()])
    expected = compiled(XM, WV)
    got = direct(XM, WV)
    assert isinstance(got, list) and len(got) == 2
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert direct._full is None  # served from Numba's cache alone
    _, single = _direct([x, w], pt.exp(x) - w)
    np.testing.assert_allclose(single(XM, WV), np.exp(XM) - WV, rtol=1e-15)


def test_a_signature_numba_has_not_cached_goes_to_the_full_function():
    # A structure no process compiled before, so that Numba's cache holds
    # only the signature called here: C-ordered inputs.
    c = 1.0 + (uuid.uuid4().int % 10**9) / 10**10
    x, w = pt.matrix("x"), pt.vector("w")
    compiled, direct = _direct([x, w], pt.tanh(x * w) + c)
    compiled(XM, WV)
    fortran = np.asfortranarray(XM)
    np.testing.assert_allclose(direct(fortran, WV), np.tanh(fortran * WV) + c)
    assert direct._full is not None
    np.testing.assert_allclose(direct(XM, WV), np.tanh(XM * WV) + c)


def test_static_shapes_are_checked_as_pytensor_checks_them():
    x = pt.tensor("x", shape=(None, 2), dtype="float64")
    compiled, direct = _direct([x], x * 2.0)
    np.testing.assert_array_equal(direct(XM), XM * 2.0)
    with pytest.raises(TypeError) as theirs:
        compiled.fn(np.ones((3, 3)))
    with pytest.raises(TypeError) as ours:
        direct(np.ones((3, 3)))
    assert str(ours.value) == str(theirs.value)


def test_an_error_in_the_graph_is_reported_by_the_full_function():
    x, w = pt.matrix("x"), pt.vector("w")
    compiled, direct = _direct([x, w], x * w)
    with pytest.raises(ValueError) as theirs:
        compiled.fn(np.ones((3, 3)), WV)
    with pytest.raises(ValueError) as ours:
        direct(np.ones((3, 3)), WV)
    assert str(ours.value) == str(theirs.value)
    assert getattr(ours.value, "__notes__", None) == getattr(
        theirs.value, "__notes__", None
    )


def test_other_attributes_come_from_the_full_function():
    x = pt.vector("x")
    compiled, direct = _direct([x], pt.exp(x), trust_input=True)
    assert direct.trust_input
    assert isinstance(direct.maker.linker, DirectNumbaLinker)  # unpickled now
    assert direct.pytensor_function.trust_input
    compiled.fn = direct
    assert "Exp" in compiled.graph_str() or "exp" in compiled.graph_str().lower()
    copy = pickle.loads(pickle.dumps(direct))
    assert type(copy).__name__ == "DirectFunction" and copy.trust_input
    np.testing.assert_allclose(copy(np.array([0.0, 1.0])), [1.0, np.e])


def test_only_plain_dense_graphs_get_an_entry():
    f, _ = _accumulator()
    f(np.ones(2))
    assert f.maker.linker.direct_entry(f) is None
    x = pt.vector("x")
    _, direct = _direct([x], x + 1.0)
    g = direct.pytensor_function
    entry = g.maker.linker.direct_entry(g)
    assert entry is not None and entry.shapes == ((None,),)
    with pytensor.config.change_flags(numba__cache=False):
        # Numba's cache off in this process: the full Function, unpickled.
        assert type(entry.function(pickle.dumps(g))).__name__ == "Function"
