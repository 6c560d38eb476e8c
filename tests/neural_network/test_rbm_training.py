"""The RBM's compiled step and trainer: noise layout, state, cache."""

import numpy as np
import pytensor.tensor as pt
import pytest

from sklearn_pylearn.neural_network._rbm_training import (
    RBMTrainer,
    compile_rbm_step,
    noise_sizes,
)
from sklearn_pylearn.symbolic.compile import compile_function
from sklearn_pylearn.symbolic.energy import (
    PresampledNoise,
    cd_chain,
    pcd_chain,
    sample_hidden,
)

N_ROWS, N_CHAIN, N_VIS, N_HID = 7, 3, 5, 4


@pytest.mark.parametrize("method", ["pcd", "cd"])
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_noise_sizes_are_what_the_graph_consumes(method, k, visible):
    X, chain = pt.matrix("X"), pt.matrix("chain")
    W, b, c = pt.matrix("W"), pt.vector("b"), pt.vector("c")
    u, z = pt.vector("u"), pt.vector("z")
    noise = PresampledNoise(u, z)
    if method == "pcd":
        noise, _, _ = pcd_chain(chain, W, b, c, noise, k, visible)
    else:
        noise, v_neg = cd_chain(X, W, b, c, noise, k, visible)
        noise, _, _ = sample_hidden(v_neg, W, c, noise)
    fn = compile_function(
        [X, chain, W, b, c, u, z], [noise.uniform_used, noise.normal_used]
    )
    used = fn(
        np.zeros((N_ROWS, N_VIS)),
        np.zeros((N_CHAIN, N_HID)),
        np.zeros((N_VIS, N_HID)),
        np.zeros(N_VIS),
        np.zeros(N_HID),
        np.zeros(1000),
        np.zeros(1000),
    )
    expected = noise_sizes(method, k, visible, N_ROWS, N_CHAIN, N_VIS, N_HID)
    assert tuple(int(n) for n in used) == expected


def _trainer(step, seed=0):
    rng = np.random.RandomState(0)
    params = [rng.normal(0, 0.01, (N_VIS, N_HID)), np.zeros(N_VIS), np.zeros(N_HID)]
    hyper = {"learning_rate": 0.1, "momentum": 0.5, "weight_decay": 0.0}
    velocities = [np.zeros_like(p) for p in params]
    return RBMTrainer(
        step,
        params,
        velocities,
        np.zeros((N_CHAIN, N_HID)),
        np.random.default_rng(seed),
        hyper,
    )


def test_trainer_state_round_trip_continues_bit_identically():
    step = compile_rbm_step("float64")
    X = (np.random.RandomState(1).uniform(size=(N_ROWS, N_VIS)) < 0.5) * 1.0
    a, b = _trainer(step), _trainer(step)
    a.train_step((X,))
    a.end_epoch()
    a.train_step((X,))  # a checkpoint in the middle of the second epoch
    b.set_state(a.get_state())
    b.rng = np.random.default_rng()
    b.rng.bit_generator.state = a.rng.bit_generator.state
    a.train_step((X[:4],))
    b.train_step((X[:4],))
    for p, q in zip(a.params + [a.chain], b.params + [b.chain]):
        np.testing.assert_array_equal(p, q)
    logs = a.end_epoch()
    assert b.end_epoch() == logs and set(logs) == {"reconstruction_error"}
    assert a.n_updates_ == 3 and a.n_iter_ == 2
    assert a.reconstruction_error_curve_ == b.reconstruction_error_curve_
    assert len(a.reconstruction_error_curve_) == 2


def test_step_returns_the_minibatch_s_summed_reconstruction_error():
    step = compile_rbm_step("float64", "bernoulli", "cd", 1)
    X = (np.random.RandomState(1).uniform(size=(N_ROWS, N_VIS)) < 0.5) * 1.0
    t = _trainer(step)
    W, b, c = t.params
    h = 1 / (1 + np.exp(-(X @ W + c)))
    recon = 1 / (1 + np.exp(-(h @ W.T + b)))
    *_, error = step(t.params, t.velocities, t.chain, X, t.rng, t.hyper)
    np.testing.assert_allclose(error, ((X - recon) ** 2).sum(), rtol=1e-12)


def test_state_written_before_the_curve_existed_still_loads():
    a = _trainer(compile_rbm_step("float64"))
    state = a.get_state()
    del state["reconstruction_error_curve_"], state["epoch_error_"]
    a.set_state(state)
    assert a.reconstruction_error_curve_ == [] and a.epoch_error_ == [0.0, 0]


def test_steps_are_cached_by_structure():
    assert compile_rbm_step("float64", "bernoulli", "cd", 1) is compile_rbm_step(
        "float64", "bernoulli", "cd", 1
    )
    assert compile_rbm_step("float32") is not compile_rbm_step("float64")
