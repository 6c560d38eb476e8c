"""The virtual machine: semantics of each element, stepping, copying, pickling, moving
to another process, and rebuilding from plain state."""

import copy
import math
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

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
    History,
    Hook,
    ProgramError,
    Ref,
    UntrustedReferenceError,
    VirtualMachine,
)
from sklearn_pylearn.runtime._state import decode_tree, encode_tree
from tests.runtime.fixtures import (
    LinearModel,
    Recorder,
    final_params,
    make_context,
    make_program,
    run_reference,
)

N_EPOCHS, N_BATCHES = 3, 10
TOTAL_STEPS = N_EPOCHS * (2 * N_BATCHES + 2)


@pytest.fixture(scope="module")
def reference():
    return run_reference(N_EPOCHS, N_BATCHES)


def training_vm():
    return VirtualMachine(
        make_program(N_EPOCHS, N_BATCHES), make_context(N_BATCHES), [History()]
    )


def assert_same(params, reference):
    assert sorted(params) == sorted(reference)
    for key, value in reference.items():
        got = np.asarray(params[key])
        assert got.dtype == value.dtype
        assert got.tobytes() == value.tobytes(), key


def run_vm(program, context=None, hooks=()):
    return VirtualMachine(program, context, hooks).run(handle_signals=False)


# -- semantics -----------------------------------------------------------------------


def test_each_next_runs_one_call_and_returns_its_result():
    vm = VirtualMachine(SEQ([CALL(math.sqrt, 16.0), FILT(math.pow, 2), EVENT("e")]))
    assert iter(vm) is vm
    assert (vm.steps, next(vm), vm.steps) == (0, 4.0, 1)
    assert next(vm) == 16.0
    with pytest.raises(StopIteration):
        next(vm)
    assert vm.finished and vm.steps == 2 and vm.last == 16.0
    with pytest.raises(StopIteration):
        next(vm)
    assert vm.counters == {"e": 1}


def test_a_leaf_program_and_an_empty_repeat():
    assert run_vm(CALL(math.sqrt, 9.0)) == 3.0
    vm = VirtualMachine(REPEAT(0, CALL(math.sqrt, 9.0)))
    assert vm.run() is None and vm.steps == 0


def test_buffer_repeat_collects_results():
    rec = Recorder()
    assert run_vm(BUFFER_REPEAT(4, CALL("rec.count")), {"rec": rec}) == [1, 2, 3, 4]
    assert run_vm(BUFFER_REPEAT(0, CALL("rec.count")), {"rec": rec}) == []


def test_loop_until_and_break():
    rec = Recorder(limit=3)
    vm = VirtualMachine(LOOP(CALL("rec.count"), until="rec.done"), {"rec": rec})
    assert vm.run() == 3 and vm.steps == 3
    rec = Recorder(limit=5)
    prog = LOOP(CALL("rec.count"), SWITCH({True: BREAK()}, on="rec.done"))
    assert run_vm(prog, {"rec": rec}) == 5


def test_break_leaves_only_the_innermost_loop():
    rec = Recorder(limit=2)
    inner = REPEAT(10, CALL("rec.count"), SWITCH({True: BREAK()}, on="rec.done"))
    prog = REPEAT(3, CALL("rec.note", "outer"), inner)
    vm = VirtualMachine(prog, {"rec": rec})
    vm.run()
    assert rec.log == ["outer"] * 3
    assert rec.n == 4  # 2 in the first turn, then 1 per turn (done at once)
    rec = Recorder(limit=2)
    buf = BUFFER_REPEAT(
        5, SEQ([CALL("rec.count"), SWITCH({True: BREAK()}, on="rec.done")])
    )
    assert run_vm(buf, {"rec": rec}) == [1]  # the broken turn is not collected


def test_switch_on_a_function_or_the_last_result():
    rec = Recorder(key="b")
    cases = {"a": CALL("rec.note", "A"), "b": CALL("rec.note", "B")}
    assert run_vm(SWITCH(cases, on="rec.value"), {"rec": rec}) == "B"
    prog = SEQ([CALL("rec.note", "a"), SWITCH(cases)])
    assert run_vm(prog, {"rec": rec}) == "A"
    prog = SEQ([CALL("rec.note", "z"), SWITCH(cases, default=CALL("rec.note", "D"))])
    assert run_vm(prog, {"rec": rec}) == "D"
    vm = VirtualMachine(SEQ([CALL("rec.note", "z"), SWITCH(cases)]), {"rec": rec})
    assert vm.run() == "z" and vm.steps == 1  # no match, no default: nothing runs


def test_weave_interleaves_step_by_step_with_its_own_last_results():
    rec = Recorder()
    prog = WEAVE(
        SEQ([CALL("rec.note", 1), FILT("rec.double"), FILT("rec.double")]),
        REPEAT(2, CALL("rec.note", "b")),
        CALL("rec.note", "c"),
    )
    vm = VirtualMachine(prog, {"rec": rec})
    assert list(vm) == [1, "b", "c", 2, "b", 4]
    assert vm.last == [4, "b", "c"]


def test_weave_with_n_required_ends_early():
    rec = Recorder()
    branches = (REPEAT(5, CALL("rec.note", "long")), CALL("rec.note", "short"))
    prog = SEQ([WEAVE(*branches, n_required=1), CALL("rec.note", "after")])
    VirtualMachine(prog, {"rec": rec}).run()
    # "short" is found finished when its turn comes again, after one more "long"
    assert rec.log == ["long", "short", "long", "after"]


def test_events_reach_hooks_and_are_not_steps():
    seen = []

    class Listen(Hook):
        def on_epoch_end(self, vm, **info):
            seen.append(info)

    prog = REPEAT(2, CALL(dict, loss=0.5), EVENT("epoch_end", phase="train"))
    vm = VirtualMachine(prog, hooks=[Listen()])
    vm.run()
    assert vm.steps == 2 and vm.counters == {"epoch_end": 2}
    assert seen == [
        {"count": 1, "logs": {"loss": 0.5}, "step": 1, "phase": "train"},
        {"count": 2, "logs": {"loss": 0.5}, "step": 2, "phase": "train"},
    ]


def test_ref_arguments_name_context_objects():
    rec = Recorder(key=7)
    prog = SEQ([CALL("rec.note", Ref("rec.key")), CALL("rec.note", (Ref("rec"),))])
    run_vm(prog, {"rec": rec})
    assert rec.log == [7, (rec,)]


def test_stop_ends_the_program_before_the_next_step():
    class StopAt(Hook):
        def __init__(self, at):
            self.at = at

        def on_step(self, vm, **info):
            if info["step"] == self.at:
                vm.stop("enough")

    ends = []

    class End(Hook):
        def on_program_end(self, vm, **info):
            ends.append(info["reason"])

    rec = Recorder()
    vm = VirtualMachine(REPEAT(10, CALL("rec.count")), {"rec": rec}, [StopAt(3), End()])
    assert vm.run() == 3
    assert vm.steps == 3 and vm.finished and vm.stop_reason == "enough"
    assert ends == ["enough"]


def test_run_max_steps_and_continue():
    rec = Recorder()
    vm = VirtualMachine(REPEAT(5, CALL("rec.count")), {"rec": rec})
    assert vm.run(max_steps=2) == 2 and not vm.finished
    assert vm.run() == 5 and vm.finished


def test_a_failing_step_can_be_retried():
    rec = Recorder()
    vm = VirtualMachine(
        SEQ([CALL("rec.fail_once"), CALL("rec.note", "after")]), {"rec": rec}
    )
    with pytest.raises(RuntimeError, match="first call fails"):
        next(vm)
    assert vm.steps == 0
    assert next(vm) == "ok"
    assert vm.run() == "after"


# -- errors --------------------------------------------------------------------------


def test_construction_errors():
    with pytest.raises(TypeError, match="program must be a program element"):
        VirtualMachine(math.sqrt)
    with pytest.raises(ProgramError, match="context names must be non-empty strings"):
        VirtualMachine(CALL("a.f"), {"a.b": 1})
    with pytest.raises(TypeError, match=r"hooks\[0\] is the class History"):
        VirtualMachine(CALL("a.f"), hooks=[History])
    with pytest.raises(TypeError, match="hooks must be a sequence"):
        VirtualMachine(CALL("a.f"), hooks=History())
    with pytest.raises(ProgramError, match="BREAK"):
        VirtualMachine(SEQ([BREAK()]))


def test_resolution_errors_name_the_element():
    with pytest.raises(ProgramError, match="'data' is not in the VM context"):
        run_vm(CALL("data.next"), {"model": 1})
    with pytest.raises(ProgramError, match="has no attribute 'nope'"):
        run_vm(CALL("rec.nope"), {"rec": Recorder()})
    with pytest.raises(ProgramError, match="is not callable"):
        run_vm(CALL("rec.log"), {"rec": Recorder()})
    with pytest.raises(ProgramError, match="cannot import 'no_such_module_xyz:f'"):
        run_vm(CALL("no_such_module_xyz:f"))


def test_context_is_read_only():
    vm = VirtualMachine(CALL("rec.count"), {"rec": Recorder()})
    with pytest.raises(TypeError):
        vm.context["rec"] = 1  # type: ignore[index]


# -- copy, pickle, move --------------------------------------------------------------


@pytest.mark.parametrize("at", [0, 1, 7, 21, 22, 43, TOTAL_STEPS - 1, TOTAL_STEPS])
def test_deepcopy_at_any_step_continues_bit_for_bit(at, reference):
    vm = training_vm()
    vm.run(max_steps=at, handle_signals=False)
    twin = copy.deepcopy(vm)
    vm.run(handle_signals=False)
    twin.run(handle_signals=False)
    assert_same(final_params(vm), reference)
    assert_same(final_params(twin), reference)


@pytest.mark.parametrize("at", [3, 30])
def test_pickle_at_any_step_continues_bit_for_bit(at, reference):
    vm = training_vm()
    vm.run(max_steps=at, handle_signals=False)
    clone = pickle.loads(pickle.dumps(vm))
    assert clone.steps == at
    clone.run(handle_signals=False)
    assert_same(final_params(clone), reference)


def test_pickle_mid_weave_and_mid_buffer():
    def make():
        rec = Recorder()
        prog = WEAVE(
            BUFFER_REPEAT(4, CALL("rec.count")), REPEAT(3, CALL("rec.note", "b"))
        )
        return VirtualMachine(prog, {"rec": rec})

    whole = make()
    expected = list(whole)
    for at in range(len(expected) + 1):
        vm = make()
        head = [next(vm) for _ in range(at)]
        rest = list(pickle.loads(pickle.dumps(vm)))
        assert head + rest == expected


def test_pickled_vm_moves_to_another_process(tmp_path, reference):
    vm = training_vm()
    vm.run(max_steps=17, handle_signals=False)
    (tmp_path / "vm.pkl").write_bytes(pickle.dumps(vm))
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np
        from tests.runtime.fixtures import final_params
        vm = pickle.loads(open({str(tmp_path / "vm.pkl")!r}, "rb").read())
        vm.run()
        np.savez({str(tmp_path / "out.npz")!r}, **final_params(vm))
        """
    )
    root = Path(__file__).resolve().parents[2]  # where tests.runtime imports from
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, cwd=root)
    with np.load(tmp_path / "out.npz") as out:
        assert_same(dict(out), reference)


def test_pickle_drops_caches_only():
    vm = training_vm()
    vm.run(max_steps=5, handle_signals=False)
    state = vm.__getstate__()
    assert set(state) == {
        "_program",
        "_context",
        "_hooks",
        "_main",
        "_steps",
        "_counters",
        "_stop_reason",
        "_finished",
        "resume_hint",
    }


# -- plain state ---------------------------------------------------------------------


def roundtrip(state):
    arrays = {}
    return decode_tree(
        encode_tree(state, arrays), {k: v.copy() for k, v in arrays.items()}
    )


@pytest.mark.parametrize("at", [0, 5, 22, TOTAL_STEPS])
def test_state_round_trips_through_plain_data(at, reference):
    vm = training_vm()
    vm.run(max_steps=at, handle_signals=False)
    state = roundtrip(vm.get_state())
    fresh = make_context(N_BATCHES)
    again = VirtualMachine.from_state(
        state,
        program=make_program(N_EPOCHS, N_BATCHES),
        context=fresh,
        hooks=[History()],
    )
    assert again.context["model"] is fresh["model"]  # restored in place
    assert again.steps == at
    again.run(handle_signals=False)
    assert_same(final_params(again), reference)


def test_state_rebuilds_trusted_objects_and_hooks(reference):
    vm = training_vm()
    vm.run(max_steps=9, handle_signals=False)
    again = VirtualMachine.from_state(roundtrip(vm.get_state()))
    assert isinstance(again.context["model"], LinearModel)
    assert isinstance(again.hooks[0], History)
    again.run(handle_signals=False)
    assert_same(final_params(again), reference)


def test_state_refuses_untrusted_names():
    vm = VirtualMachine(SEQ([CALL("os:getpid"), CALL("os:getpid")]))
    next(vm)
    state = roundtrip(vm.get_state())
    with pytest.raises(
        UntrustedReferenceError, match="'os:getpid', which is not trusted"
    ):
        VirtualMachine.from_state(state)
    again = VirtualMachine.from_state(state, trusted=["os:getpid"])
    assert again.run() > 0
    assert VirtualMachine.from_state(state, trusted=["os"]).steps == 1


def test_state_needs_the_same_program():
    vm = training_vm()
    with pytest.raises(ProgramError, match="written by a different program"):
        VirtualMachine.from_state(
            roundtrip(vm.get_state()), program=make_program(N_EPOCHS + 1, N_BATCHES)
        )


def test_state_checks_the_class_of_given_objects():
    vm = VirtualMachine(CALL("obj.count"), {"obj": Recorder()})
    with pytest.raises(ProgramError, match="is a .*LinearModel.* but the checkpoint"):
        VirtualMachine.from_state(
            roundtrip(vm.get_state()), context={"obj": LinearModel()}
        )


def test_plain_context_values_are_restored_in_place():
    rng = np.random.default_rng(5)
    buf = np.zeros(3)
    rs = np.random.RandomState(2)
    vm = VirtualMachine(
        CALL("rng.random"), {"rng": rng, "buf": buf, "rs": rs, "lr": 0.1}
    )
    vm.run()
    state = roundtrip(vm.get_state())
    state["context"]["buf"]["value"][:] = 7.0
    new_rng, new_buf, new_rs = (
        np.random.default_rng(0),
        np.zeros(3),
        np.random.RandomState(),
    )
    again = VirtualMachine.from_state(
        state,
        context={"rng": new_rng, "buf": new_buf, "rs": new_rs, "lr": 0.5},
        trusted=[],
    )
    assert again.context["rng"] is new_rng
    assert new_rng.random() == rng.random()
    assert again.context["buf"] is new_buf and new_buf.tolist() == [7.0] * 3
    assert new_rs.rand() == rs.rand()
    assert again.context["lr"] == 0.1
