"""compile_step: one compiled update, shared by every clone, memoised by structure."""

import numpy as np
import pytest

from sklearn_pylearn import config_context
from sklearn_pylearn.training import compile_step, epoch_program, run_training
from tests.training.conftest import objective


def test_trainer_learns_and_one_compile_serves_other_hyper_parameters(make_parts):
    for solver in ("sgd", "adam"):
        model, data = make_parts(lr=0.05, solver=solver)
        run_training(epoch_program(40, data.n_batches), model, data)
        np.testing.assert_allclose(model.params[0].ravel(), [1, -2, 0.5], atol=0.05)
    a, _ = make_parts(lr=0.1)
    b, _ = make_parts(lr=0.2)
    assert a._step.fn is b._step.fn


def test_the_step_trusts_its_input_through_the_compile_cache():
    step = compile_step([np.zeros((3, 1))], objective, hyper_names=("alpha",))
    assert step.fn.trust_input and step.fn.fn.trust_input


def test_the_memo_knows_the_key_and_the_compile_mode():
    w0 = [np.zeros((3, 1))]
    a = compile_step(w0, objective, hyper_names=("alpha",), key=("t", 1))
    assert compile_step(w0, objective, hyper_names=("alpha",), key=("t", 1)) is a
    assert compile_step(w0, objective, hyper_names=("alpha",), key=("t", 2)) is not a
    with config_context(compile_mode="FAST_COMPILE"):
        other = compile_step(w0, objective, hyper_names=("alpha",), key=("t", 1))
    assert other is not a and other.fn is not a.fn


def test_a_float32_step_converts_a_float64_minibatch():
    w0 = np.zeros((3, 1), dtype="float32")
    step = compile_step([w0], objective, hyper_names=("alpha",))
    p, s, loss = step(
        [w0],
        step.init_state([w0]),
        np.ones((4, 3)),
        np.ones((4, 1)),
        np.ones(4),
        0.1,
        {"alpha": 0.0},
        {"momentum": 0.0},
        1,
    )
    assert p[0].dtype == np.float32 and np.isfinite(float(loss))


def test_an_unknown_solver_is_refused():
    with pytest.raises(ValueError, match="solver must be 'sgd' or 'adam'"):
        compile_step([np.zeros(2)], objective, solver="rmsprop")
