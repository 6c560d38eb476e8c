"""epoch_program, data_fingerprint and run_training (checkpoints, resume)."""

import numpy as np
import pytest

from sklearn_pylearn.runtime import Hook
from sklearn_pylearn.training import data_fingerprint, epoch_program, run_training
from tests.training.conftest import X


def test_a_checkpoint_of_another_fit_is_not_resumed(tmp_path, make_parts):
    model, data = make_parts()
    run_training(
        epoch_program(2, data.n_batches),
        model,
        data,
        checkpoint_dir=tmp_path,
        fingerprint="a",
    )
    model2, data2 = make_parts()
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


class StopAfter(Hook):
    def __init__(self, epochs=2):
        self.epochs = epochs

    def on_epoch_end(self, vm, **info):
        if info["count"] == self.epochs:
            vm.request_interrupt("test")


def test_a_checkpoint_of_the_same_fit_resumes(tmp_path, make_parts):
    full, full_data = make_parts()
    run_training(epoch_program(4, full_data.n_batches), full, full_data)
    model, data = make_parts()
    first = run_training(
        epoch_program(4, data.n_batches),
        model,
        data,
        hooks=[StopAfter(2)],
        checkpoint_dir=tmp_path,
        fingerprint="a",
    )
    assert first.interrupted and model.n_iter_ == 2
    again, again_data = make_parts()
    vm = run_training(
        epoch_program(4, again_data.n_batches),
        again,
        again_data,
        checkpoint_dir=tmp_path,
        fingerprint="a",
    )
    assert vm.steps == 4 * (2 * again_data.n_batches + 2) and again.n_iter_ == 4
    np.testing.assert_array_equal(again.params[0], full.params[0])


def test_epoch_program_names_its_objects():
    text = str(epoch_program(1, 2, model="m", data="d"))
    assert "FILT(m.train_step)" in text and "CALL(d.next_batch)" in text
    assert data_fingerprint(np.zeros(2), "a") != data_fingerprint(np.zeros(2), "b")
    with pytest.raises(TypeError):
        epoch_program(1.5, 2)


def test_data_fingerprint_of_a_sparse_matrix_reads_its_values():
    import scipy.sparse as sp

    a = sp.csr_matrix(np.eye(3))
    b = sp.csr_matrix(np.eye(3) * 2)
    assert data_fingerprint(a) != data_fingerprint(b)
    assert data_fingerprint(a) == data_fingerprint(sp.csr_matrix(np.eye(3)))
