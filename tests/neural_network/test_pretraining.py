"""Greedy layer-wise pretraining (``_pretraining.py``): the one program, its
pieces, and SIGKILL anywhere in it resuming bit for bit in a new process."""

import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from sklearn_pylearn.neural_network._pretraining import (
    LayerData,
    PretrainMonitor,
    encode,
    install_layers,
)
from sklearn_pylearn.runtime import Hook
from sklearn_pylearn.training import MinibatchTrainer
from tests.neural_network.deep_fixtures import arrays, data, make

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.neural_network.deep_fixtures"


class ProgramRecorder(Hook):
    def on_program_start(self, vm, **info):
        self.program = vm.program
        self.context = sorted(vm.context)


def test_fit_runs_pretraining_and_fine_tuning_as_one_program():
    recorder = ProgramRecorder()
    est = make("dbn", hooks=[recorder])
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    text = str(recorder.program)
    assert recorder.program == est.training_program(len(X))
    assert text.index("EVENT('phase_begin', epochs=3, phase='rbm1')") < text.index(
        "EVENT('phase_begin', epochs=3, phase='rbm2')"
    )
    assert "CALL(data2.encode)" in text and "FILT(rbm2.train_step)" in text
    assert "_pretraining.install_layers, Ref('rbm1'), Ref('rbm2'), Ref('model')" in (
        text
    )
    assert text.rstrip().endswith("),\n])") and "FILT(model.train_step)" in text
    assert {"rbm1", "rbm2", "data1", "data2", "model", "data"} <= set(recorder.context)
    assert [len(c) for c in est.pretrain_loss_curves_] == [3, 3]
    assert est.n_iter_ == 4


def test_pretrain_only_program_has_no_fine_tuning():
    est = make("sda", pretrain_only=True)
    assert "model.train_step" not in str(est.training_program(300))
    assert "daa2.train_step" in str(est.training_program(300))


def test_encode_is_one_compiled_graph_of_the_layers_below():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(5, 3))
    W1, b1, W2, b2 = (
        rng.normal(size=(3, 4)),
        rng.normal(size=4),
        rng.normal(size=(4, 2)),
        rng.normal(size=2),
    )
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    expected = sig(sig(X @ W1 + b1) @ W2 + b2)
    np.testing.assert_allclose(encode(X, [(W1, b1), (W2, b2)], "logistic"), expected)
    assert encode(X, [], "logistic") is X


def test_layer_data_state_is_plain_and_features_come_back_after_pickling():
    H = np.arange(12.0).reshape(6, 2)
    data = LayerData(6, 4, shuffle=True, seed=0, corruption="binomial").bind(lambda: H)
    data.start_epoch()
    first = data.next_batch()
    assert [a.shape for a in first] == [(4, 2), (4, 2), (4,)]
    twin = pickle.loads(pickle.dumps(data))
    assert twin._features is None  # transient: never pickled
    twin.bind(lambda: H)
    np.testing.assert_array_equal(twin.next_batch()[1], data.next_batch()[1])


def test_install_layers_copies_hidden_weights_into_the_model():
    W, b, v = np.ones((3, 2)), np.full(2, 2.0), np.zeros(3)
    layer = MinibatchTrainer(None, [W, b, v])
    model = MinibatchTrainer(
        None, [np.zeros((3, 2)), np.zeros((2, 1)), np.zeros(2), np.zeros(1)]
    )
    install_layers(layer, model)
    np.testing.assert_array_equal(model.params[0], W)
    np.testing.assert_array_equal(model.params[2], b)
    assert not model.params[1].any()


def test_pretrain_monitor_records_loss_or_negative_pseudo_likelihood():
    mon = PretrainMonitor()
    mon.on_layer_epoch_end(None, layer="rbm1", logs={"pseudo_likelihood": -3.0})
    mon.on_layer_epoch_end(None, layer="daa1", logs={"loss": 2.0})
    assert mon.curves == {"rbm1": [3.0], "daa1": [2.0]}
    twin = PretrainMonitor()
    twin.set_state(mon.get_state())
    assert twin.curves == mon.curves


def test_verbose_shows_one_progress_bar_per_phase(capsys):
    est = make("dbn", verbose=True, max_iter=1, pretrain_epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(*data())
    err = capsys.readouterr().err
    for phase in ("pretraining rbm1", "pretraining rbm2", "fine-tuning"):
        assert f"DBNClassifier {phase}" in err


# -- SIGKILL anywhere, resume in a new process --------------------------------------
@pytest.fixture(scope="module")
def uninterrupted():
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in ("dbn", "sda"):
            out[kind] = arrays(make(kind).fit(*data()))
    return out


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", MODULE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "kind, phase, step",
    [
        ("dbn", "rbm1", 40),
        ("dbn", "rbm2", 50),
        ("dbn", "finetune", 30),
        ("sda", "daa1", 40),
        ("sda", "daa2", 50),
        ("sda", "finetune", 30),
    ],
)
def test_sigkill_in_any_phase_resumes_bit_identical(
    tmp_path, uninterrupted, kind, phase, step
):
    directory, out = tmp_path / "ckpt", tmp_path / "out.npz"
    killed = _run(kind, directory, out, phase, step)
    assert killed.returncode == -9, killed.stderr
    assert not out.exists()
    assert any(directory.rglob("ckpt-*")), "no checkpoint before the kill"
    resumed = _run(kind, directory, out)
    assert resumed.returncode == 0, resumed.stderr
    layer = {"rbm1": 1, "daa1": 1, "rbm2": 2, "daa2": 2}.get(phase)
    if layer is None:
        assert "resumed from epoch" in resumed.stderr
    else:
        assert f"resumed in layer {layer} of the layer-wise training" in (
            resumed.stderr
        )
    expected = uninterrupted[kind]
    with np.load(out) as got:
        assert sorted(got.files) == sorted(expected)
        for key, value in expected.items():
            assert got[key].dtype == value.dtype, key
            assert got[key].tobytes() == value.tobytes(), (key, phase)


# -- why sample_weight weighs fine-tuning only ---------------------------------------
@pytest.mark.parametrize("kind", ["dbn", "sda"])
def test_pretraining_draws_noise_per_row_so_row_order_changes_it(kind):
    """The evidence behind test_common's xfail of the sample-weight equivalence
    check: even in ONE minibatch of every row, in a fixed order, each row gets its
    own Gibbs-sampling (RBM) or corruption (autoencoder) noise, so reordering the
    rows changes the pretrained weights, and a row repeated three times gets three
    draws where a row of weight 3 would get one: weighting could match repetition
    in expectation only. The MLP's full-batch fit, with no sampling, is the same
    for either order up to rounding."""
    from sklearn_pylearn.neural_network import MLPClassifier

    X, y = data()
    full = dict(pretrain_batch_size=len(X), shuffle=False, pretrain_only=True)
    forward = make(kind, **full).fit(X, y)
    backward = make(kind, **full).fit(X[::-1], y[::-1])
    assert np.abs(forward.coefs_[0] - backward.coefs_[0]).max() > 1e-4
    mlp = dict(hidden_layer_sizes=(16, 12), solver="sgd", batch_size=len(X))
    mlp.update(max_iter=3, shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = MLPClassifier(**mlp).fit(X, y)
        b = MLPClassifier(**mlp).fit(X[::-1], y[::-1])
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize(
    "name", ["DBNClassifier", "StackedDenoisingAutoencoderClassifier"]
)
def test_sparse_input_gives_the_dense_result(name, fmt):
    import scipy.sparse as sp
    from sklearn.datasets import load_digits

    import sklearn_pylearn.neural_network as nn

    X, y = load_digits(return_X_y=True)
    X, y = X[:120] / 16, y[:120]
    X[X < 0.5] = 0.0  # sparse-ish, as one-hot or binarised data is
    params = dict(
        hidden_layer_sizes=(8, 6), pretrain_epochs=2, max_iter=3, random_state=0
    )
    dense = getattr(nn, name)(**params).fit(X, y)
    sparse = getattr(nn, name)(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    for a, b in zip(
        dense.coefs_ + dense.intercepts_, sparse.coefs_ + sparse.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        dense.predict_proba(X), sparse.predict_proba(sp.csr_matrix(X))
    )
