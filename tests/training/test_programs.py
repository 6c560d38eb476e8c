"""epoch_program, layerwise_program, data_fingerprint and run_training
(checkpoints, resume, phases)."""

import numpy as np
import pytest

from sklearn_pylearn.runtime import Hook, list_checkpoints
from sklearn_pylearn.training import (
    PhaseCheckpoint,
    data_fingerprint,
    epoch_program,
    layerwise_program,
    run_training,
)
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


class _Layer:
    """A layer trainer and its data at once: counts what the program calls."""

    def __init__(self):
        self.calls = []
        self.params = [np.zeros(1)]

    def encode(self):
        self.calls.append("encode")

    def start_epoch(self):
        self.calls.append("start")

    def next_batch(self):
        return (np.ones(1),)

    def train_step(self, batch):
        self.params = [self.params[0] + batch[0]]

    def end_epoch(self):
        self.calls.append("end")
        return {"loss": float(self.params[0][0])}


class _Events(Hook):
    def __init__(self):
        self.seen = []

    def on_phase_begin(self, vm, **info):
        self.seen.append(("begin", info["phase"], info["epochs"]))

    def on_layer_epoch_end(self, vm, **info):
        self.seen.append(("epoch", info["layer"], info["logs"]["loss"]))

    def on_phase_end(self, vm, **info):
        self.seen.append(("end", info["phase"]))


def test_layerwise_program_runs_layers_in_order_then_the_epochs(tmp_path, make_parts):
    model, data = make_parts()
    l1, l2, events = _Layer(), _Layer(), _Events()
    program = layerwise_program(
        [("l1", "d1", 2, 3), ("l2", "d2", 1, 2)], epoch_program(1, data.n_batches)
    )
    assert "l1.train_step" in str(program) and "model.train_step" in str(program)
    vm = run_training(
        program,
        model,
        data,
        hooks=[events],
        context={"l1": l1, "d1": l1, "l2": l2, "d2": l2},
        checkpoint_dir=tmp_path,
        fingerprint="x",
    )
    assert vm.finished and model.n_iter_ == 1
    assert events.seen == [
        ("begin", "l1", 2),
        ("epoch", "l1", 3.0),
        ("epoch", "l1", 6.0),
        ("end", "l1"),
        ("begin", "l2", 1),
        ("epoch", "l2", 2.0),
        ("end", "l2"),
    ]
    assert l1.calls == ["encode", "start", "end", "start", "end"]
    # PhaseCheckpoint wrote at the end of each layer, and at the end.
    assert len(list_checkpoints(tmp_path)) == 2  # keep_last=2
    assert any(isinstance(h, PhaseCheckpoint) for h in vm.hooks)


def test_layerwise_program_install_step_gets_the_layers_and_the_model():
    program = layerwise_program([("rbm1", "data1", 1, 1)], install="math:hypot")
    last = program.children[-1]
    assert str(last) == "CALL(math.hypot, Ref('rbm1'), Ref('model'))"


def test_data_fingerprint_of_a_sparse_matrix_reads_its_values():
    import scipy.sparse as sp

    a = sp.csr_matrix(np.eye(3))
    b = sp.csr_matrix(np.eye(3) * 2)
    assert data_fingerprint(a) != data_fingerprint(b)
    assert data_fingerprint(a) == data_fingerprint(sp.csr_matrix(np.eye(3)))
