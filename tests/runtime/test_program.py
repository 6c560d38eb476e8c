"""Program elements: construction, refusal of unnamed functions, printing, find /
replace_with, plain-data round trips."""

import copy
import functools
import json
import math
import operator
import pickle
import threading

import numpy as np
import pytest

from sklearn_pylearn.runtime import (
    BREAK,
    BUFFER_REPEAT,
    CALL,
    EVENT,
    FILT,
    LOOP,
    REPEAT,
    SEQ,
    SWITCH,
    WEAVE,
    Element,
    ProgramError,
    Ref,
    VirtualMachine,
    count_steps,
    element_from_data,
)
from sklearn_pylearn.runtime.program import check_program
from tests.runtime.fixtures import Recorder


def full_program():
    """A program that uses every element."""
    return SEQ(
        [
            CALL(math.sqrt, 4.0),
            FILT("rec.double"),
            REPEAT(2, CALL("rec.count"), EVENT("epoch_end", tag="t")),
            BUFFER_REPEAT(3, CALL("rec.note", (1, "a"), key=Ref("rec"))),
            LOOP(CALL("rec.count"), SWITCH({True: BREAK()}, on="rec.done")),
            SWITCH({"a": CALL("rec.note", "A")}, on="rec.value"),
            WEAVE(CALL("rec.note", "w1"), CALL("rec.note", "w2"), n_required=1),
        ]
    )


# -- construction and refusal ------------------------------------------------------


def test_call_names_importable_functions():
    el = CALL(math.sqrt, 2.0)
    assert el.fn == "math:sqrt"
    assert el.args == (2.0,)
    assert CALL(operator.add, 1, 2).fn == "_operator:add"
    assert CALL(np.add).fn == "numpy:add"
    assert CALL("data.next_batch").fn == "data.next_batch"
    assert CALL("pkg.mod:func").fn == "pkg.mod:func"


def test_call_fn_is_positional_only_so_kwargs_can_be_named_fn():
    el = CALL("obj.method", fn=1, where="x")
    assert dict(el.kwargs) == {"fn": 1, "where": "x"}


def _outer():
    def inner():
        return 1

    return inner


class _Callable:
    def __call__(self):
        return 1

    def method(self):
        return 1


def _local_object():
    class Local:  # defined in a function: a program could not pickle it
        def method(self):
            return 1

    return Local()


@pytest.mark.parametrize(
    "fn, match",
    [
        (lambda: 1, "got a lambda; programs are plain data"),
        (_outer(), "closure"),
        (functools.partial(math.pow, 2), "functools.partial"),
        (_Callable(), "callable object"),
        (_local_object().method, "bound method"),
        (threading.Lock().acquire, "bound method.*cannot be pickled"),
        (3, "expected a callable"),
    ],
)
def test_unnamed_functions_are_refused_with_the_reason(fn, match):
    with pytest.raises(TypeError, match=match):
        CALL(fn)


def test_refusal_message_suggests_the_fix():
    with pytest.raises(TypeError, match=r"CALL\('obj.method'\) with VirtualMachine"):
        CALL(_local_object().method)
    with pytest.raises(TypeError, match="Define it with 'def' at module level"):
        FILT(lambda x: x)


def test_bad_reference_strings_are_refused():
    with pytest.raises(ProgramError, match="is not a function reference"):
        CALL("not a ref")
    with pytest.raises(ProgramError, match="is not a function reference"):
        CALL("a:b:c")


def test_arguments_must_be_plain_data():
    with pytest.raises(TypeError, match="must be plain data.*Ref"):
        CALL("m.f", np.zeros(3))
    with pytest.raises(TypeError, match="argument of type dict"):
        CALL("m.f", x={"a": 1})
    el = CALL("m.f", [1, (2, np.int64(3))], flag=np.bool_(True))
    assert el.args == ((1, (2, 3)),)
    assert dict(el.kwargs) == {"flag": True}


def test_elements_are_immutable_values():
    el = CALL("m.f", 1)
    with pytest.raises(AttributeError, match="immutable"):
        el.fn = "m.g"
    assert el == CALL("m.f", 1)
    assert el != CALL("m.f", 2)
    assert el != FILT("m.f", 1)
    assert len({el, CALL("m.f", 1), FILT("m.f", 1)}) == 2
    assert copy.deepcopy(el) is el
    assert copy.copy(el) is el
    with pytest.raises(AttributeError, match="immutable"):
        Ref("x").name = "y"


def test_repeat_checks_its_count_and_body():
    with pytest.raises(ValueError, match="n must be >= 0, got -1"):
        REPEAT(-1, CALL("m.f"))
    with pytest.raises(TypeError, match="n must be an int, got 2.5"):
        REPEAT(2.5, CALL("m.f"))
    with pytest.raises(TypeError, match="n must be an int, got True"):
        BUFFER_REPEAT(True, CALL("m.f"))
    with pytest.raises(TypeError, match="needs a body element"):
        REPEAT(2)
    with pytest.raises(TypeError, match="expected program elements"):
        REPEAT(2, math.sqrt)
    assert REPEAT(np.int64(2), CALL("m.f"), CALL("m.g")).body == SEQ(
        [CALL("m.f"), CALL("m.g")]
    )


def test_seq_accepts_a_list_or_varargs():
    assert SEQ([CALL("m.f"), CALL("m.g")]) == SEQ(CALL("m.f"), CALL("m.g"))
    with pytest.raises(TypeError, match="Wrap a function in CALL"):
        SEQ([math.sqrt])


def test_loop_needs_a_step_in_its_body():
    with pytest.raises(ProgramError, match="contains no CALL or FILT"):
        LOOP(SWITCH({True: BREAK()}, on="m.done"))
    assert LOOP(CALL("m.f"), until="m.done").until == "m.done"


def test_switch_checks_cases_and_chooses_by_type():
    with pytest.raises(TypeError, match="cases must be a mapping"):
        SWITCH([CALL("m.f")])
    with pytest.raises(TypeError, match="case keys must be"):
        SWITCH({(1, 2): CALL("m.f")})
    on_bool = SWITCH({True: CALL("m.t"), "a": CALL("m.a")})
    assert on_bool.choose(True) == 0
    assert on_bool.choose(np.bool_(True)) == 0
    assert on_bool.choose(1) is None  # a number never selects a bool case
    assert on_bool.choose("a") == 1
    assert on_bool.choose("b") is None
    on_int = SWITCH({1: CALL("m.one")})
    assert on_int.choose(1) == 0
    assert on_int.choose(1.0) == 0
    assert on_int.choose(np.int64(1)) == 0
    assert on_int.choose(True) is None
    assert SWITCH({0: CALL("m.f")}, default=CALL("m.g")).choose(5) == 1


def test_weave_and_event_check_their_arguments():
    with pytest.raises(TypeError, match="at least one program"):
        WEAVE()
    with pytest.raises(ValueError, match="n_required must be between 1 and"):
        WEAVE(CALL("m.f"), n_required=2)
    with pytest.raises(ValueError, match="must be an identifier"):
        EVENT("epoch end")
    with pytest.raises(ValueError, match="reserved"):
        EVENT("step")
    assert WEAVE([CALL("m.f"), CALL("m.g")]).programs == (CALL("m.f"), CALL("m.g"))


def test_break_must_be_inside_a_loop_of_its_own_weave_branch():
    with pytest.raises(ProgramError, match="BREAK\\(\\) is not inside a LOOP"):
        check_program(SEQ([CALL("m.f"), BREAK()]))
    with pytest.raises(ProgramError, match="WEAVE branch"):
        VirtualMachine(LOOP(CALL("m.f"), WEAVE(BREAK(), CALL("m.g"))))
    check_program(REPEAT(2, WEAVE(LOOP(CALL("m.f"), BREAK()))))


# -- printing ------------------------------------------------------------------------


def test_print_shows_indented_readable_code():
    prog = REPEAT(
        10,
        SEQ(
            [
                CALL("data.shuffle"),
                LOOP(
                    CALL("data.next_batch"),
                    FILT("model.sgd_step", lr=0.1),
                    SWITCH({True: BREAK()}, on="data.exhausted"),
                ),
                CALL("model.evaluate", Ref("data")),
                EVENT("epoch_end"),
            ]
        ),
    )
    assert str(prog) == (
        "REPEAT(10,\n"
        "    SEQ([\n"
        "        CALL(data.shuffle),\n"
        "        LOOP(\n"
        "            SEQ([\n"
        "                CALL(data.next_batch),\n"
        "                FILT(model.sgd_step, lr=0.1),\n"
        "                SWITCH(on=data.exhausted, cases={True: BREAK()}),\n"
        "            ]),\n"
        "        ),\n"
        "        CALL(model.evaluate, Ref('data')),\n"
        "        EVENT('epoch_end'),\n"
        "    ]),\n"
        ")"
    )


def test_print_of_every_element_kind():
    text = str(full_program())
    for piece in (
        "CALL(math.sqrt, 4.0)",
        "FILT(rec.double)",
        "EVENT('epoch_end', tag='t')",
        "BUFFER_REPEAT(3, CALL(rec.note, (1, 'a'), key=Ref('rec')))",
        "WEAVE(CALL(rec.note, 'w1'), CALL(rec.note, 'w2'), n_required=1)",
        "SWITCH(on=rec.value, cases={'a': CALL(rec.note, 'A')})",
    ):
        assert piece in text
    long = SWITCH(
        {"first_case": SEQ([CALL("m.f" + str(i)) for i in range(8)])},
        on="m.key",
        default=CALL("m.other"),
    )
    lines = str(long).splitlines()
    assert lines[0] == "SWITCH("
    assert lines[1] == "    on=m.key,"
    assert lines[2] == "    cases={"
    assert lines[-2] == "    default=CALL(m.other),"
    woven = str(WEAVE(*[REPEAT(9, SEQ([CALL("m.f"), FILT("m.g")]))] * 2, n_required=1))
    assert woven.splitlines()[-2] == "    n_required=1,"


def test_repr_is_constructor_like():
    assert (
        repr(CALL(math.sqrt, 2.0, x=Ref("m"))) == "CALL('math:sqrt', 2.0, x=Ref('m'))"
    )
    assert repr(REPEAT(2, BREAK())) == "REPEAT(2, BREAK())"
    assert "SWITCH({" in repr(SWITCH({1: BREAK()}))
    assert repr(LOOP(CALL("m.f"))) == "LOOP(CALL('m.f'), until=None)"


# -- find and replace_with ------------------------------------------------------------


def test_find_by_element_string_or_predicate():
    prog = full_program()
    assert prog.find(CALL("rec.count")).paths == ((2, 0, 0), (4, 0, 0))
    assert prog.find("rec.double").paths == ((1,),)
    found = prog.find(lambda el: isinstance(el, EVENT))
    assert found.elements == (EVENT("epoch_end", tag="t"),)
    assert len(prog.find("nothing.here")) == 0
    assert prog.at((2, 0, 1)) == EVENT("epoch_end", tag="t")
    with pytest.raises(TypeError, match="find expects"):
        prog.find(3)


def test_at_reports_a_bad_path():
    with pytest.raises(ProgramError, match="CALL has 0 children, index 0"):
        CALL("m.f").at((0,))


def test_replace_with_returns_a_new_program_and_leaves_the_old_one():
    prog = REPEAT(2, SEQ([CALL("data.next"), FILT("model.update")]))
    before = str(prog)
    hooked = prog.find(FILT("model.update")).replace_with(
        SEQ([FILT("model.update"), CALL("debug.show")])
    )
    assert str(prog) == before
    assert hooked.at((0, 1)) == SEQ([FILT("model.update"), CALL("debug.show")])
    wrapped = prog.find("model.update").replace_with(
        lambda old: SEQ([old, CALL("debug.show")])
    )
    assert wrapped == hooked


def test_replace_with_handles_nested_matches():
    prog = REPEAT(2, REPEAT(3, CALL("m.f")))
    doubled = prog.find(lambda el: isinstance(el, REPEAT)).replace_with(
        lambda old: REPEAT(old.n * 2, old.body)
    )
    assert doubled == REPEAT(4, REPEAT(6, CALL("m.f")))


def test_replace_with_errors():
    prog = SEQ([CALL("m.f")])
    with pytest.raises(ProgramError, match="matched no element"):
        prog.find("m.g").replace_with(CALL("m.h"))
    with pytest.raises(TypeError, match="replace_with expected program elements"):
        prog.find("m.f").replace_with(lambda old: "not an element")
    with pytest.raises(TypeError, match="replace_with expected program elements"):
        prog.find("m.f").replace_with(3)


def test_matches_is_a_sequence():
    found = SEQ([CALL("m.f"), CALL("m.f")]).find("m.f")
    assert list(found) == [(0,), (1,)]
    assert found[1] == (1,)
    assert "paths=((0,), (1,))" in repr(found)


# -- plain data ---------------------------------------------------------------------


def test_to_data_round_trips_through_json_and_pickle():
    prog = full_program()
    data = json.loads(json.dumps(prog.to_data()))
    assert element_from_data(data) == prog
    assert pickle.loads(pickle.dumps(prog)) == prog
    assert element_from_data(SWITCH({1: BREAK()}, default=CALL("m.f")).to_data()) == (
        SWITCH({1: BREAK()}, default=CALL("m.f"))
    )


def test_event_info_round_trips_with_refs():
    event = EVENT("epoch_end", who=Ref("model"), pair=(1, 2.5))
    data = json.loads(json.dumps(event.to_data()))
    assert element_from_data(data) == event
    assert repr(event) == "EVENT('epoch_end', pair=(1, 2.5), who=Ref('model'))"


def test_element_from_data_rejects_unknown_data():
    with pytest.raises(ProgramError, match="expected a mapping with 'op'"):
        element_from_data({"op": "EXEC", "code": "rm -rf /"})
    with pytest.raises(ProgramError, match="expected a mapping"):
        element_from_data([1, 2])


def test_count_steps():
    assert count_steps(CALL("m.f")) == 1
    assert count_steps(REPEAT(3, SEQ([CALL("m.f"), FILT("m.g"), EVENT("e")]))) == 6
    assert count_steps(SWITCH({1: CALL("m.f")}, default=CALL("m.g"))) == 1
    assert count_steps(SWITCH({1: CALL("m.f")})) is None
    assert count_steps(WEAVE(CALL("m.f"), REPEAT(2, CALL("m.g")))) == 3
    assert count_steps(WEAVE(CALL("m.f"), CALL("m.g"), n_required=1)) is None
    assert count_steps(REPEAT(2, REPEAT(3, CALL("m.f"), BREAK()))) is None
    assert count_steps(REPEAT(2, EVENT("epoch_end")), event="epoch_end") == 2


def test_base_element_is_abstract():
    with pytest.raises(NotImplementedError):
        Element().to_data()


def test_a_program_runs_as_printed():
    rec = Recorder(limit=2, key="a")
    vm = VirtualMachine(full_program(), {"rec": rec})
    result = vm.run(handle_signals=False)
    assert rec.log == [(1, "a")] * 3 + ["A", "w1", "w2"]
    assert result == ["w1", "w2"]
