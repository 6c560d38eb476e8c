"""MinibatchTrainer: updates, divergence, rebind for another fit call."""

import numpy as np
import pytest

from sklearn_pylearn.exceptions import SklearnPylearnError, TrainingDivergedError
from sklearn_pylearn.training import TrainingDivergedError as FromTraining
from sklearn_pylearn.training import epoch_program, run_training


def test_divergence_restores_finite_parameters_and_names_the_learning_rate(make_parts):
    model, data = make_parts(lr=1e3)
    with pytest.raises(TrainingDivergedError, match=r"learning_rate_init=1000\.0"):
        run_training(epoch_program(50, data.n_batches), model, data)
    assert np.isfinite(model.params[0]).all()


def test_training_diverged_error_is_a_library_error_importable_from_training():
    assert FromTraining is TrainingDivergedError
    assert issubclass(TrainingDivergedError, SklearnPylearnError)
    assert issubclass(TrainingDivergedError, ValueError)


def test_rebind_continues_the_optimiser_with_a_new_step(make_parts):
    model, data = make_parts(lr=0.05)
    run_training(epoch_program(2, data.n_batches), model, data)
    updates, state = model.n_updates_, [s.copy() for s in model.opt_state]
    other, _ = make_parts(lr=0.05)
    params = [np.ones((3, 1))]
    assert model.rebind(other._step, params, samples_seen=7) is model
    assert model.params[0] is params[0] and model._step is other._step
    assert model.t_ == 7 and model.n_iter_ == 0 and model.n_updates_ == updates
    np.testing.assert_array_equal(model.opt_state[0], state[0])
    run_training(epoch_program(1, data.n_batches), model, data)
    assert model.n_iter_ == 1 and model.t_ == 7 + 50
