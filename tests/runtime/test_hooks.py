"""Hooks: dispatch by name, the state protocol, ProgressBar, History, EarlyStopping and
Checkpoint."""

import copy
import math
import pickle

import numpy as np
import pytest

from sklearn_pylearn.runtime import (
    CALL,
    EVENT,
    REPEAT,
    SEQ,
    Checkpoint,
    EarlyStopping,
    History,
    Hook,
    ProgressBar,
    VirtualMachine,
    list_checkpoints,
    read_checkpoint,
)
from tests.runtime.fixtures import (
    Recorder,
    Scores,
    make_context,
    make_program,
)


class Log(Hook):
    def __init__(self):
        self.events = []

    def on_program_start(self, vm, **info):
        self.events.append(("program_start", info))

    def on_step(self, vm, **info):
        self.events.append(("step", info["step"]))

    def on_epoch_end(self, vm, **info):
        self.events.append(("epoch_end", info["count"]))

    def on_checkpoint(self, vm, **info):
        self.events.append(("checkpoint", info["step"]))

    def on_program_end(self, vm, **info):
        self.events.append(("program_end", info["reason"]))


def test_events_are_dispatched_by_name_in_order(tmp_path):
    log = Log()
    prog = REPEAT(2, CALL(math.sqrt, 1.0), EVENT("epoch_end"))
    hooks = [log, Checkpoint(tmp_path, every_n_steps=2, at_end=False)]
    VirtualMachine(prog, hooks=hooks).run()
    assert log.events == [
        ("program_start", {"resumed": False, "step": 0}),
        ("step", 1),
        ("epoch_end", 1),
        ("step", 2),
        ("checkpoint", 2),
        ("epoch_end", 2),
        ("program_end", None),
    ]


def test_any_object_with_on_methods_is_a_hook():
    class Plain:
        def __init__(self):
            self.n = 0

        def on_step(self, vm, **info):
            self.n += 1

    plain = Plain()
    VirtualMachine(REPEAT(3, CALL(math.sqrt, 1.0)), hooks=[plain]).run()
    assert plain.n == 3


def test_hook_state_protocol_separates_params_state_and_transients():
    stopper = EarlyStopping("loss", patience=2)
    stopper._scratch = object()
    assert stopper.get_params() == {
        "monitor": "loss",
        "patience": 2,
        "min_delta": 0.0,
        "mode": "min",
        "restore_best": False,
        "objects": None,
    }
    assert set(stopper.get_state()) == {
        "best_",
        "best_epoch_",
        "wait_",
        "stopped_epoch_",
        "best_state_",
    }
    recipe = stopper.get_recipe()
    assert recipe["factory"] == "sklearn_pylearn.runtime.hooks:EarlyStopping"
    clone = pickle.loads(pickle.dumps(stopper))
    assert not hasattr(clone, "_scratch")
    assert repr(clone).startswith("EarlyStopping(monitor='loss', patience=2")
    stopper.set_state({"wait_": 1})
    assert stopper.wait_ == 1


# -- ProgressBar ---------------------------------------------------------------------


def test_progress_bar_counts_steps_with_monitors(capsys):
    bar = ProgressBar(desc="fit")
    prog = REPEAT(3, CALL(dict, loss=0.25))
    VirtualMachine(prog, hooks=[bar]).run()
    err = capsys.readouterr().err
    assert "fit" in err and "3/3" in err and "loss=0.25" in err


def test_progress_bar_counts_epochs_and_resumes_where_it_was(capsys):
    bar = ProgressBar(event="epoch_end", total=None, desc="epochs", monitors=False)
    prog = REPEAT(4, CALL(dict, loss=0.5), EVENT("epoch_end"))
    vm = VirtualMachine(prog, hooks=[bar])
    vm.run(max_steps=2)
    twin = copy.deepcopy(vm)  # the open bar is transient: not copied
    assert getattr(twin.hooks[0], "_bar", None) is None
    twin.run()
    err = capsys.readouterr().err
    assert "4/4" in err


def test_progress_bar_rejects_an_unknown_event():
    with pytest.raises(ValueError, match="event must be one of .*got 'batch'"):
        ProgressBar(event="batch")


def test_progress_bar_closes_on_interrupt():
    bar = ProgressBar(leave=False)
    vm = VirtualMachine(REPEAT(3, CALL(math.sqrt, 1.0)), hooks=[bar])
    vm.request_interrupt()  # only acts after a step
    vm.run()
    assert vm.interrupted == "SIGINT" and vm.steps == 1
    assert bar._bar is None


# -- History -------------------------------------------------------------------------


def test_history_records_steps_and_epochs():
    history = History()
    steps = Scores([np.float32(0.5), np.float32(0.5)], name="loss")
    epochs = Scores([np.array(0.25), np.float64(0.25)])
    prog = REPEAT(
        2,
        CALL("steps.next"),
        CALL(dict, n=3, tag="x"),
        CALL("epochs.next"),
        EVENT("epoch_end"),
    )
    VirtualMachine(prog, {"steps": steps, "epochs": epochs}, [history]).run()
    assert history.steps[:2] == [{"step": 1, "loss": 0.5}, {"step": 2, "n": 3}]
    assert history.epochs == [
        {"epoch": 1, "step": 3, "val_loss": 0.25},
        {"epoch": 2, "step": 6, "val_loss": 0.25},
    ]
    assert all(type(r["val_loss"]) is float for r in history.epochs)
    assert history["val_loss"] == [0.25, 0.25]
    assert history["loss"] == [0.5, 0.5]
    assert history["missing"] == []


def test_history_keys_and_per_step():
    history = History(keys=["b"], per_step=False)
    VirtualMachine(
        SEQ([CALL(dict, a=1, b=2), EVENT("epoch_end")]), hooks=[history]
    ).run()
    assert history.steps == []
    assert history.epochs == [{"epoch": 1, "step": 1, "b": 2}]
    with pytest.raises(TypeError, match="keys must be a list of names, got 'b'"):
        History(keys="b")


# -- EarlyStopping -------------------------------------------------------------------


def epochs_program(n):
    return REPEAT(n, CALL("rec.count"), CALL("scores.next"), EVENT("epoch_end"))


def test_early_stopping_stops_after_patience():
    scores = Scores([3.0, 2.0, 2.5, 2.4, 2.6, 1.0])
    stopper = EarlyStopping(patience=3)
    vm = VirtualMachine(
        epochs_program(6), {"rec": Recorder(), "scores": scores}, [stopper]
    )
    vm.run()
    assert stopper.best_ == 2.0 and stopper.best_epoch_ == 2
    assert stopper.stopped_epoch_ == 5 and vm.counters["epoch_end"] == 5
    assert "did not improve by more than 0.0 for 3 epochs" in vm.stop_reason


def test_early_stopping_min_delta_and_max_mode():
    scores = Scores([1.0, 1.05, 1.2, 1.3], name="acc")
    stopper = EarlyStopping("acc", mode="max", min_delta=0.1, patience=1)
    vm = VirtualMachine(
        epochs_program(4), {"rec": Recorder(), "scores": scores}, [stopper]
    )
    vm.run()
    assert stopper.best_ == 1.0 and stopper.stopped_epoch_ == 2


def test_early_stopping_restores_the_best_state():
    rec = Recorder()
    scores = Scores([3.0, 1.0, 2.0, 2.5])
    stopper = EarlyStopping(patience=2, restore_best=True, objects=["rec"])
    vm = VirtualMachine(epochs_program(4), {"rec": rec, "scores": scores}, [stopper])
    vm.run()
    assert stopper.stopped_epoch_ == 4
    assert rec.n == 2  # the value it had at the best epoch


def test_early_stopping_errors():
    with pytest.raises(ValueError, match="patience must be an int >= 1, got 0"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta must be >= 0, got -1"):
        EarlyStopping(min_delta=-1)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'low'"):
        EarlyStopping(mode="low")
    with pytest.raises(ValueError, match=r"needs objects=.*got objects=None"):
        EarlyStopping(restore_best=True)
    vm = VirtualMachine(
        SEQ([CALL(dict, loss=1.0), EVENT("epoch_end")]),
        hooks=[EarlyStopping("val_loss")],
    )
    with pytest.raises(KeyError, match=r"monitor 'val_loss' is not in the epoch logs"):
        vm.run()


def test_early_stopping_ignores_a_first_nan():
    stopper = EarlyStopping("val_loss", patience=5)
    scores = Scores([float("nan"), 2.0])
    vm = VirtualMachine(
        epochs_program(2), {"rec": Recorder(), "scores": scores}, [stopper]
    )
    vm.run()
    assert stopper.best_ == 2.0 and stopper.best_epoch_ == 2


# -- Checkpoint ----------------------------------------------------------------------


def test_checkpoint_every_n_steps_keeps_the_last_k(tmp_path):
    hook = Checkpoint(tmp_path, every_n_steps=3, keep_last=2)
    VirtualMachine(REPEAT(10, CALL(math.sqrt, 1.0)), hooks=[hook]).run()
    names = [p.name for p in list_checkpoints(tmp_path)]
    assert names == ["ckpt-000003-step000000009", "ckpt-000004-step000000010"]
    assert hook.n_saved_ == 4 and hook.saved_step_ == 10


def test_checkpoint_every_seconds(tmp_path):
    hook = Checkpoint(tmp_path, every_seconds=1e-9, keep_last=None, at_end=False)
    VirtualMachine(REPEAT(4, CALL(math.sqrt, 1.0)), hooks=[hook]).run()
    assert len(list_checkpoints(tmp_path)) == 4
    slow = Checkpoint(tmp_path / "slow", every_seconds=3600, at_end=False)
    VirtualMachine(REPEAT(4, CALL(math.sqrt, 1.0)), hooks=[slow]).run()
    assert list_checkpoints(tmp_path / "slow") == []


def test_checkpoint_holds_every_hook_updated_for_that_step(tmp_path):
    # Checkpoint comes first, yet the History it saves already has the step
    hooks = [Checkpoint(tmp_path, every_n_steps=1, keep_last=None), History()]
    VirtualMachine(REPEAT(2, CALL(dict, loss=1.0)), hooks=hooks).run()
    first = read_checkpoint(list_checkpoints(tmp_path)[0])
    assert first["hooks"][1]["state"]["steps"] == [{"step": 1, "loss": 1.0}]
    assert first["hooks"][0]["state"]["saved_step_"] == 1


def test_checkpoint_at_end_holds_the_restored_best_state(tmp_path):
    rec = Recorder()
    hooks = [
        Checkpoint(tmp_path),
        EarlyStopping(patience=1, restore_best=True, objects=["rec"]),
    ]
    scores = Scores([1.0, 2.0, 3.0])
    VirtualMachine(epochs_program(3), {"rec": rec, "scores": scores}, hooks).run()
    last = read_checkpoint(list_checkpoints(tmp_path)[-1])
    assert last["context"]["rec"]["state"]["n"] == 1
    assert last["vm"]["finished"] is True


def test_checkpoint_errors():
    with pytest.raises(ValueError, match="every_n_steps must be an int >= 1"):
        Checkpoint("d", every_n_steps=0)
    with pytest.raises(ValueError, match="keep_last must be an int >= 1 or None"):
        Checkpoint("d", keep_last=True)
    with pytest.raises(ValueError, match="every_seconds must be > 0 or None"):
        Checkpoint("d", every_seconds=0)


def test_hooks_resume_with_their_state(tmp_path):
    program = make_program(2, 5)
    hooks = [History(), Checkpoint(tmp_path, every_n_steps=4)]
    vm = VirtualMachine(program, make_context(5), hooks)
    vm.run(max_steps=9)
    rebuilt = VirtualMachine.resume(tmp_path, program=program)
    history, checkpoint = rebuilt.hooks
    assert isinstance(history, History) and len(history.steps) == 3
    assert checkpoint.get_params() == hooks[1].get_params()
    given = [History(), History()]
    restored = VirtualMachine.resume(
        tmp_path, program=program, context=make_context(5), hooks=given
    )
    assert restored.hooks[0].steps == history.steps
    assert restored.hooks[1].steps == []  # no second saved History


def test_early_stopping_state_survives_a_resume(tmp_path):
    program = epochs_program(6)
    scores = [3.0, 1.0, 2.0, 2.5, 2.7, 0.5]

    def start(directory):
        context = {"rec": Recorder(), "scores": Scores(scores)}
        hooks = [
            EarlyStopping(patience=3, restore_best=True, objects=["rec"]),
            Checkpoint(directory, every_n_steps=1, keep_last=1),
        ]
        return VirtualMachine(program, context, hooks)

    whole = start(tmp_path / "whole")
    whole.run()
    assert whole.hooks[0].stopped_epoch_ == 5 and whole.context["rec"].n == 2
    for at in (3, 5, 7):
        start(tmp_path / str(at)).run(max_steps=at)
        again = VirtualMachine.resume(tmp_path / str(at))  # hooks, objects rebuilt
        again.run()
        assert again.hooks[0].get_state() == whole.hooks[0].get_state()
        assert again.context["rec"].n == 2 and again.steps == whole.steps


@pytest.mark.parametrize(
    "value, best, kwargs, expected",
    [
        (1.0, 2.0, {}, True),
        (2.0, 2.0, {}, False),
        (1.5, 2.0, {"min_delta": 0.5}, False),
        (1.5, 2.0, {"min_delta": 0.5, "inclusive": True}, True),
        (3.0, 2.0, {"mode": "max"}, True),
        (float("nan"), 2.0, {}, False),
    ],
)
def test_improves_is_the_one_early_stopping_rule(value, best, kwargs, expected):
    from sklearn_pylearn.runtime import improves

    assert improves(value, best, **kwargs) is expected
