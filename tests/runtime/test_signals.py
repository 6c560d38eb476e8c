"""Interrupts: the first SIGINT / SIGTERM finishes the step, checkpoints and stops
with a message; a second one stops at once."""

import signal
import threading

import numpy as np
import pytest

from sklearn_pylearn.runtime import (
    CALL,
    REPEAT,
    SEQ,
    Checkpoint,
    History,
    VirtualMachine,
    handle_interrupts,
    list_checkpoints,
)
from tests.runtime.fixtures import (
    SelfSignal,
    final_params,
    make_context,
    make_program,
    run_reference,
)

N_EPOCHS, N_BATCHES = 2, 6


@pytest.fixture(scope="module")
def reference():
    return run_reference(N_EPOCHS, N_BATCHES)


def ticking_program():
    """The training program with a CALL(sig.tick) after every SGD step."""
    program = make_program(N_EPOCHS, N_BATCHES)
    return program.find("model.sgd_step").replace_with(
        lambda old: SEQ([old, CALL("sig.tick")])
    )


def setup(directory, sig):
    context = make_context(N_BATCHES)
    context["sig"] = sig
    hooks = [History(), Checkpoint(directory, every_n_steps=1000, at_end=False)]
    return context, hooks


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_first_signal_checkpoints_and_stops_cleanly(
    tmp_path, capsys, signum, reference
):
    before = signal.getsignal(signum)
    context, hooks = setup(tmp_path, SelfSignal(at=4, signum=signum))
    vm = VirtualMachine(ticking_program(), context, hooks)
    vm.run()
    name = signal.Signals(signum).name
    assert vm.interrupted == name and not vm.finished
    assert signal.getsignal(signum) is before
    # the tick was the 4th SGD step's follower: 1 shuffle + 4 * 3 steps
    assert vm.steps == 13
    [entry] = list_checkpoints(tmp_path)
    assert entry.name.endswith("step000000013")
    err = capsys.readouterr().err
    assert f"{name} received: finishing the current step" in err
    assert f"Interrupted by {name} after step 13. Checkpoint written:" in err
    assert f"VirtualMachine.resume({str(tmp_path)!r}" in err
    with pytest.raises(StopIteration):
        next(vm)

    context, hooks = setup(tmp_path, SelfSignal(at=4, signum=signum))
    again = VirtualMachine.resume(
        tmp_path, program=ticking_program(), context=context, hooks=hooks
    )
    assert again.steps == 13 and again.interrupted is None
    again.run()
    assert again.finished
    for key, value in reference.items():
        assert np.asarray(final_params(again)[key]).tobytes() == value.tobytes()


@pytest.mark.parametrize(
    "signum, error", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, SystemExit)]
)
def test_a_second_signal_stops_at_once(tmp_path, signum, error):
    before = signal.getsignal(signum)
    context, hooks = setup(tmp_path, SelfSignal(at=2, signum=signum, twice=True))
    vm = VirtualMachine(ticking_program(), context, hooks)
    with pytest.raises(error):
        vm.run()
    assert signal.getsignal(signum) is before
    assert list_checkpoints(tmp_path) == []  # stopped inside the step: no save
    assert vm.steps == 6  # the interrupted 7th step did not complete


def test_without_a_checkpoint_hook_the_message_says_so(capsys):
    sig = SelfSignal(at=1)
    vm = VirtualMachine(REPEAT(3, CALL("sig.tick")), {"sig": sig})
    vm.run()
    assert vm.interrupted == "SIGINT" and vm.steps == 1
    assert "No Checkpoint hook wrote a checkpoint" in capsys.readouterr().err


def test_resume_hint_and_quiet(tmp_path, capsys):
    vm = VirtualMachine(
        REPEAT(3, CALL("sig.tick")),
        {"sig": SelfSignal(at=2)},
        [Checkpoint(tmp_path)],
        resume_hint="Call fit() again with the same checkpoint_dir.",
    )
    vm.run()
    assert vm.interrupt_message.endswith(
        "Call fit() again with the same checkpoint_dir."
    )
    capsys.readouterr()
    quiet = VirtualMachine(REPEAT(3, CALL("sig.tick")), {"sig": SelfSignal(at=1)})
    with handle_interrupts(quiet, quiet=True):
        list(quiet)
    assert quiet.interrupted == "SIGINT"
    assert capsys.readouterr().err == ""


def test_a_manual_loop_can_use_handle_interrupts(tmp_path):
    vm = VirtualMachine(
        REPEAT(5, CALL("sig.tick")), {"sig": SelfSignal(at=3)}, [Checkpoint(tmp_path)]
    )
    results = []
    with handle_interrupts(vm, quiet=True):
        for result in vm:
            results.append(result)
    assert results == [1, 2, 3] and vm.last_checkpoint is not None


def test_outside_the_main_thread_handlers_are_left_alone():
    vm = VirtualMachine(REPEAT(3, CALL("sig.tick")), {"sig": SelfSignal(at=99)})
    seen = {}

    def work():
        seen["result"] = vm.run()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["result"] == 3


def test_request_interrupt_is_ignored_once_finished():
    vm = VirtualMachine(CALL("sig.tick"), {"sig": SelfSignal(at=99)})
    vm.run()
    vm.request_interrupt()
    assert vm.interrupted is None and vm.interrupt_message is None
