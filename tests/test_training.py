"""The training glue: minibatch source, trainer, convergence hook, run_training."""

import copy
import pickle

import numpy as np
import pytensor.tensor as pt
import pytest

from sklearn_pylearn.runtime import CALL, EVENT, REPEAT, VirtualMachine
from sklearn_pylearn.training import (
    ConvergenceMonitor,
    MinibatchSource,
    MinibatchTrainer,
    TrainingDivergedError,
    compile_step,
    data_fingerprint,
    epoch_program,
    run_training,
)
from tests.runtime.fixtures import Scores

RNG = np.random.RandomState(0)
X = RNG.normal(size=(50, 3))
Y = X @ np.array([[1.0], [-2.0], [0.5]])


def _objective(params, X, Y, sw, hyper):
    (w,) = params
    err = pt.sqr(pt.dot(X, w) - Y).sum(axis=1) / 2
    loss = pt.sum(sw * err) / pt.sum(sw) + hyper["alpha"] * pt.sum(pt.sqr(w))
    return loss, loss


def _parts(lr=0.1, solver="sgd", seed=0, bs=8):
    w0 = np.zeros((3, 1))
    step = compile_step([w0], _objective, solver=solver, hyper_names=("alpha",))
    sp = (
        {"momentum": 0.9}
        if solver == "sgd"
        else {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}
    )
    model = MinibatchTrainer(
        step, [w0], learning_rate_init=lr, hyper={"alpha": 0.0}, solver_params=sp
    )
    data = MinibatchSource(len(X), bs, random_state=seed).bind(X, Y, np.ones(len(X)))
    return model, data


def test_source_state_is_plain_and_never_holds_the_data():
    src = MinibatchSource(50, 8, random_state=0).bind(X)
    src.start_epoch()
    first = src.next_batch()[0]
    assert "X" not in repr(src.get_recipe()) and set(src.get_state()) == {
        "rng",
        "order",
        "cursor",
    }
    twin = pickle.loads(pickle.dumps(src))
    assert twin._arrays == ()
    with pytest.raises(RuntimeError, match="bind"):
        twin.next_batch()
    again = MinibatchSource(50, 8, random_state=0).bind(X)
    again.start_epoch()
    np.testing.assert_array_equal(again.next_batch()[0], first)
    src.set_state(copy.deepcopy(again.get_state()))
    np.testing.assert_array_equal(src.next_batch()[0], again.next_batch()[0])


def test_trainer_learns_and_one_compile_serves_other_hyper_parameters():
    for solver in ("sgd", "adam"):
        model, data = _parts(lr=0.05, solver=solver)
        run_training(epoch_program(40, data.n_batches), model, data)
        np.testing.assert_allclose(model.params[0].ravel(), [1, -2, 0.5], atol=0.05)
    a, _ = _parts(lr=0.1)
    b, _ = _parts(lr=0.2)
    assert a._step.fn is b._step.fn


def test_divergence_restores_finite_parameters_and_names_the_learning_rate():
    model, data = _parts(lr=1e3)
    with pytest.raises(TrainingDivergedError, match=r"learning_rate_init=1000\.0"):
        run_training(epoch_program(50, data.n_batches), model, data)
    assert np.isfinite(model.params[0]).all()


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


def test_a_checkpoint_of_another_fit_is_not_resumed(tmp_path):
    model, data = _parts()
    run_training(
        epoch_program(2, data.n_batches),
        model,
        data,
        checkpoint_dir=tmp_path,
        fingerprint="a",
    )
    model2, data2 = _parts()
    with pytest.warns(UserWarning, match="another fit"):
        vm = run_training(
            epoch_program(2, data2.n_batches),
            model2,
            data2,
            checkpoint_dir=tmp_path,
            fingerprint="b",
        )
    assert vm.steps == 2 * (2 * data2.n_batches + 2)  # a fresh run
    assert data_fingerprint(X) != data_fingerprint(X + 1)
