"""ConvergenceMonitor follows scikit-learn's rule; SklearnCallbacks is inert alone."""

import pytest

from sklearn_pylearn.runtime import CALL, EVENT, REPEAT, VirtualMachine
from sklearn_pylearn.training import (
    ConvergenceMonitor,
    IterationLog,
    SklearnCallbacks,
)
from tests.runtime.fixtures import Scores


class _Plateau(Scores):
    def __init__(self, values, adaptive):
        super().__init__(values, "loss")
        self.adaptive = adaptive
        self.decreases = 0

    def trigger_stopping(self):
        if self.adaptive and self.decreases < 1:
            self.decreases += 1
            return False
        return True


@pytest.mark.parametrize("adaptive, epochs", [(False, 3), (True, 5)])
def test_convergence_monitor_follows_scikit_learn(adaptive, epochs):
    mon = ConvergenceMonitor(tol=0.1, n_iter_no_change=1, model="m")
    prog = REPEAT(8, CALL("m.next"), EVENT("epoch_end"))
    vm = VirtualMachine(
        prog, {"m": _Plateau([5, 5, 5, 5, 5, 5, 5, 5], adaptive)}, hooks=[mon]
    )
    vm.run()
    assert len(mon.loss_curve) == epochs and "did not improve" in vm.stop_reason


@pytest.mark.parametrize(
    "losses, epochs",
    [
        ([4.0, 3.5, 3.0, 2.5], 4),  # improvements of exactly tol count
        ([4.0, 3.75, 3.5, 3.25], 3),  # smaller ones do not
    ],
)
def test_tol_counts_inclusively_as_in_scikit_learn(losses, epochs):
    mon = ConvergenceMonitor(tol=0.5, n_iter_no_change=1, model="m")
    prog = REPEAT(len(losses), CALL("m.next"), EVENT("epoch_end"))
    VirtualMachine(prog, {"m": _Plateau(losses, False)}, hooks=[mon]).run()
    assert len(mon.loss_curve) == epochs


def test_callbacks_do_nothing_without_a_context():
    hook = SklearnCallbacks()
    prog = REPEAT(2, EVENT("epoch_begin"), EVENT("epoch_end"))
    vm = VirtualMachine(prog, {"model": None}, hooks=[hook])
    vm.run()
    assert vm.stop_reason is None


def test_iteration_log_prints_scikit_learn_s_line_or_the_model_s_own(capsys):
    from types import SimpleNamespace

    plain = SimpleNamespace(n_iter_=2)
    worded = SimpleNamespace(n_iter_=4, log_line=lambda n, logs: f"[X] {n} {logs}")
    IterationLog().on_epoch_end(
        SimpleNamespace(context={"model": plain}),
        logs={"loss": 0.25, "validation_score": 0.5},
    )
    IterationLog().on_epoch_end(
        SimpleNamespace(context={"model": worded}), logs={"loss": 0.25}
    )
    assert capsys.readouterr().out.splitlines() == [
        "Iteration 2, loss = 0.25000000",
        "Validation score: 0.500000",
        "[X] 4 {'loss': 0.25}",
    ]
