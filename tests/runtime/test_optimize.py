"""Program optimisations: batched reads and merged calls."""

import numpy as np
import pytest

from sklearn_pylearn.runtime import (
    BUFFER_REPEAT,
    CALL,
    FILT,
    REPEAT,
    SEQ,
    VirtualMachine,
)
from sklearn_pylearn.runtime.optimize import batched, optimize
from tests.runtime.fixtures import NumpyAffine, RegressionData


def reading_program(n):
    return REPEAT(2, CALL("data.shuffle"), BUFFER_REPEAT(n, CALL("data.next_batch")))


def test_buffer_repeat_becomes_one_batched_read():
    program, context = optimize(reading_program(5), {"data": RegressionData()})
    assert program == REPEAT(2, CALL("data.shuffle"), CALL("data.next_batches", 5))
    assert set(context) == {"data"}


def test_the_batched_read_gives_the_same_results_and_state():
    plain = VirtualMachine(reading_program(5), {"data": RegressionData()})
    program, context = optimize(reading_program(5), {"data": RegressionData()})
    fast = VirtualMachine(program, context)
    slow_result, fast_result = plain.run(), fast.run()
    assert (plain.steps, fast.steps) == (12, 4)
    assert len(slow_result) == len(fast_result) == 5
    for (xs, ys), (xf, yf) in zip(slow_result, fast_result):
        assert xs.tobytes() == xf.tobytes() and ys.tobytes() == yf.tobytes()
    assert plain.context["data"].cursor == fast.context["data"].cursor == 40
    assert plain.context["data"].rng.random() == fast.context["data"].rng.random()


def test_only_plain_calls_of_marked_functions_are_batched():
    data = {"data": RegressionData()}
    unchanged = [
        BUFFER_REPEAT(3, CALL("data.shuffle")),  # not marked
        BUFFER_REPEAT(3, CALL("data.next_batch", 1)),  # has an argument
        BUFFER_REPEAT(3, FILT("data.next_batch")),  # not a CALL
        BUFFER_REPEAT(3, CALL("missing.read")),  # cannot resolve
        REPEAT(3, CALL("data.next_batch")),  # not collected
    ]
    for program in unchanged:
        assert optimize(program, data)[0] == program


def marked_read():
    return 1


marked_read = batched("marked_reads")(marked_read)


def test_batched_importable_functions_and_decorator_errors():
    assert marked_read.__runtime_batched__ == "marked_reads"
    with pytest.raises(TypeError, match=r"write @batched\('read_many'\)"):
        batched(lambda: 1)


def test_batched_rewrites_import_references(monkeypatch):
    import math

    monkeypatch.setattr(math, "fake_read", marked_read, raising=False)
    marked = BUFFER_REPEAT(2, CALL("math:fake_read"))
    program, _ = optimize(marked)
    assert program == CALL("math:marked_reads", 2)


def affine(seed, n=4):
    rng = np.random.default_rng(seed)
    return NumpyAffine(rng.normal(size=(n, n)), rng.normal(size=n))


def test_a_seq_of_mergeable_calls_becomes_one_call():
    context = {"f": affine(1), "g": affine(2), "h": affine(3)}
    context["src"] = Source()
    program = SEQ([CALL("src.read"), FILT("f"), FILT("g"), FILT("h")])
    merged, new_context = optimize(program, context)
    assert merged == SEQ([CALL("src.read"), FILT("f+g+h")])
    assert "f+g+h" in new_context and "f+g+h" not in context
    slow = VirtualMachine(program, context).run()
    fast_vm = VirtualMachine(merged, new_context)
    fast = fast_vm.run()
    assert fast_vm.steps == 2
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


class Source:
    def read(self):
        return np.ones((2, 4))


def test_merging_stops_at_calls_that_cannot_merge():
    context = {"f": affine(1), "g": affine(2), "h": affine(3), "src": Source()}
    program = SEQ(
        [
            FILT("f"),
            CALL("g"),  # pipe=False: NumpyAffine refuses
            FILT("h", 1),  # arguments: not merged into the previous call
            FILT("src.read"),  # a method, not a mergeable object
        ]
    )
    assert optimize(program, context)[0] == program


def test_a_whole_seq_merges_into_one_element_and_names_stay_unique():
    context = {"f": affine(1), "g": affine(2), "f+g": "taken"}
    merged, new_context = optimize(REPEAT(2, SEQ([FILT("f"), FILT("g")])), context)
    assert merged == REPEAT(2, FILT("f+g#2"))
    assert new_context["f+g"] == "taken"
    plain, _ = optimize(
        REPEAT(2, SEQ([FILT("f"), FILT("g")])), context, merge_calls=False
    )
    assert plain == REPEAT(2, SEQ([FILT("f"), FILT("g")]))
