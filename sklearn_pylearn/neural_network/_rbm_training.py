"""The RBM's compiled training step and its trainer (the program's ``"model"``).

One compiled function per structure (visible units, CD or PCD, ``k``, dtype) does a
whole update: the negative phase (a fresh chain from the data for CD-k, the
persistent chain for PCD), the CD gradients, weight decay and momentum. Its inputs
are the parameters, the velocities, the chain, the minibatch, the random generator
and the hyper-parameters (learning rate, momentum, weight decay), so clones in a grid
search share it. Its randomness comes in as pre-drawn uniform (and normal) vectors
(:class:`~sklearn_pylearn.symbolic.energy.PresampledNoise`): a NumPy generator
argument would send every call through Numba's slow typing path. The step also
returns the summed reconstruction error of the minibatch's first
``MONITOR_ROWS`` rows (the monitoring cost: CD descends no loss), so the per-epoch
curve costs a tenth of one of the update's products at batch 100, and no pass over
the data. :class:`RBMTrainer`
holds all of that as plain data (the generator included), so a checkpointed fit
resumes bit for bit, and runs in :func:`sklearn_pylearn.training.run_training` like
any other trainer.
"""

import time

import numpy as np
import pytensor.tensor as pt

from ..runtime import register_trusted
from ..symbolic.compile import compile_function, is_cached
from ..symbolic.energy import (
    PresampledNoise,
    cd_chain,
    cd_gradients,
    hidden_proba,
    pcd_chain,
    sample_hidden,
    visible_mean,
)
from ..symbolic.updates import sgd

__all__ = ["RBMStep", "RBMTrainer", "compile_rbm_step", "noise_sizes"]

_STEPS: dict = {}
# Rows of each minibatch the reconstruction-error monitor reads.
MONITOR_ROWS = 10
_HYPER = ("learning_rate", "momentum", "weight_decay")


def noise_sizes(method, k, visible, n_rows, n_chain, n_visible, n_hidden):
    """How many uniform and normal numbers one update draws.

    PCD: ``k`` visible and ``k`` hidden draws on the chain's rows; CD-k: ``k``
    visible and ``k + 1`` hidden draws on the minibatch's rows (the last one is the
    chain's next hidden state). Gaussian visible units draw normal numbers.

    Examples
    --------
    >>> noise_sizes("pcd", 1, "bernoulli", 100, 10, 6, 4)
    (100, 0)
    >>> noise_sizes("cd", 2, "gaussian", 5, 10, 6, 4)
    (60, 60)
    """
    rows = n_chain if method == "pcd" else n_rows
    hidden_draws = k if method == "pcd" else k + 1
    n_vis = rows * n_visible * k
    n_hid = rows * n_hidden * hidden_draws
    if visible == "gaussian":
        return n_hid, n_vis
    return n_hid + n_vis, 0


class RBMStep:
    """A compiled RBM update and the layout of its inputs.

    Call it with ``(params, velocities, chain, X, rng, hyper)``; it draws the
    update's noise from ``rng`` (a ``numpy.random.Generator``, advanced in place)
    and returns ``(new_params, new_velocities, new_chain, squared_error)``: the
    last is ``((Xm - v_mean(h_mean(Xm))) ** 2).sum()`` over the batch's first
    ``MONITOR_ROWS`` rows ``Xm``, under the parameters before the update (their
    share of :class:`BernoulliRBM`'s ``reconstruction_error`` named output).
    """

    def __init__(self, fn, dtype, visible, method, k):
        self.fn = fn
        self.dtype = np.dtype(dtype)
        self.visible, self.method, self.k = visible, method, k

    def draw_noise(self, rng, X, chain, W):
        n_u, n_z = noise_sizes(
            self.method, self.k, self.visible, len(X), len(chain), *W.shape
        )
        u = rng.random(n_u, dtype=self.dtype)
        z = rng.standard_normal(n_z, dtype=self.dtype)
        return u, z

    def __call__(self, params, velocities, chain, X, rng, hyper):
        u, z = self.draw_noise(rng, X, chain, params[0])
        scalars = [np.asarray(hyper[name], dtype=self.dtype) for name in _HYPER]
        args = [*params, *velocities, chain, X, u, z, *scalars]
        # Compiled with trust_input: arrays of the right dtype pass unchecked.
        out = self.fn(*args)
        return out[:3], out[3:6], out[6], out[7]


def _build_step(dtype, visible, method, k):
    def var(name, ndim):
        return pt.tensor(name=name, dtype=dtype, shape=(None,) * ndim)

    W, b, c = var("W", 2), var("b", 1), var("c", 1)
    vW, vb, vc = var("vW", 2), var("vb", 1), var("vc", 1)
    chain, X = var("chain", 2), var("X", 2)
    u, z = var("uniform", 1), var("normal", 1)
    rng = PresampledNoise(u, z)
    lr, momentum, decay = (var(name, 0) for name in _HYPER)
    if method == "pcd":
        _, v_neg, new_chain = pcd_chain(chain, W, b, c, rng, k, visible)
    else:
        rng_chain, v_neg = cd_chain(X, W, b, c, rng, k, visible)
        _, _, new_chain = sample_hidden(v_neg, W, c, rng_chain)
    dW, db, dc = cd_gradients(X, v_neg, W, b, c, visible)
    # The monitor: the mean-field reconstruction of the batch's first rows (all
    # rows would add a sixth product as large as the update's five). Their hidden
    # means are rows of the positive phase's, which the graph computes once.
    Xm = X[:MONITOR_ROWS]
    recon = visible_mean(hidden_proba(X, W, c)[:MONITOR_ROWS], W, b, visible)
    squared_error = ((Xm - recon) ** 2).sum()
    dW = dW + decay * W
    new_params, new_velocities = sgd(
        [W, b, c], [dW, db, dc], [vW, vb, vc], lr, momentum, nesterov=False
    )
    inputs = [W, b, c, vW, vb, vc, chain, X, u, z, lr, momentum, decay]
    outputs = [*new_params, *new_velocities, new_chain, squared_error]
    return inputs, outputs


def compile_rbm_step(dtype, visible="bernoulli", method="pcd", k=1, name=None):
    """Compile (through the structural cache) the RBM update of one structure.

    Parameters
    ----------
    dtype : str
        ``"float64"`` or ``"float32"``.
    visible : {"bernoulli", "gaussian"}
    method : {"pcd", "cd"}
    k : int
        Gibbs steps of the negative phase.
    name : str, optional

    Returns
    -------
    RBMStep
    """
    dtype = np.dtype(dtype).name
    key = (dtype, visible, method, int(k))
    step = _STEPS.get(key)
    if step is not None and is_cached(step.fn):
        return step
    inputs, outputs = _build_step(dtype, visible, method, k)
    fn = compile_function(
        inputs, outputs, name=name or "BernoulliRBM.train_step", trust_input=True
    )
    step = RBMStep(fn, dtype, visible, method, int(k))
    _STEPS[key] = step
    return step


class RBMTrainer:
    """Parameters, velocities, the persistent chain and the sampler's generator.

    The ``"model"`` of :func:`sklearn_pylearn.training.epoch_program`:
    ``train_step(batch)`` does one compiled update, ``end_epoch()`` closes an epoch
    (and scores it when given a ``score`` callable). Its state is plain data.

    Parameters
    ----------
    step : RBMStep or None
        Transient (never saved; the fit compiles it again).
    params : list of ndarray
        ``[W, b, c]`` with ``W`` of shape (n_visible, n_hidden).
    velocities : list of ndarray
        Momentum buffers shaped like ``params``.
    chain : ndarray
        The persistent chain's hidden state (also the CD chain's last hidden
        sample).
    rng : numpy.random.Generator
        Draws every step's noise (advanced in place; part of the state).
    hyper : dict
        ``learning_rate``, ``momentum`` and ``weight_decay``.
    score : callable or None
        ``score(params) -> float`` logged at the end of each epoch (transient).
    reconstruction_error_curve : list of float, optional
        The curve so far (a :meth:`BernoulliRBM.partial_fit` extends it).

    Attributes
    ----------
    reconstruction_error_curve_ : list of float
        Per epoch, the mean over the monitored rows (the first ``MONITOR_ROWS``
        of each minibatch) of each row's summed squared reconstruction error,
        each minibatch measured by its own step under the parameters before its
        update (the usual CD monitor, on a tenth of the rows at batch 100).
        Part of the state, so it survives a checkpoint and resume.

    Examples
    --------
    >>> import numpy as np
    >>> W, b, c = np.zeros((3, 2)), np.zeros(3), np.zeros(2)
    >>> t = RBMTrainer(compile_rbm_step("float64"), [W, b, c],
    ...                [np.zeros_like(p) for p in (W, b, c)],
    ...                np.zeros((4, 2)), np.random.default_rng(0),
    ...                {"learning_rate": 0.1, "momentum": 0.0, "weight_decay": 0.0})
    >>> t.train_step((np.ones((4, 3)),))  # reconstructs 0.5 everywhere at first
    >>> t.end_epoch(), t.n_iter_, t.reconstruction_error_curve_
    ({'reconstruction_error': 0.75}, 1, [0.75])
    """

    def __init__(
        self,
        step,
        params,
        velocities,
        chain,
        rng,
        hyper,
        score=None,
        reconstruction_error_curve=(),
    ):
        self.params = [np.asarray(p) for p in params]
        self.velocities = [np.asarray(v) for v in velocities]
        self.chain = np.asarray(chain)
        self.rng = rng
        self.hyper = {name: float(hyper[name]) for name in _HYPER}
        self.n_updates_ = 0
        self.n_iter_ = 0
        self.reconstruction_error_curve_ = [
            float(e) for e in reconstruction_error_curve
        ]
        # This epoch's summed squared error and rows (state: a checkpoint may
        # fall in the middle of an epoch).
        self.epoch_error_ = [0.0, 0]
        self._step = step
        self._score = score
        self._clock, self._seconds = time.perf_counter(), 0.0

    def train_step(self, batch):
        """One compiled update on ``batch = (X,)``."""
        (X,) = batch
        params, velocities, chain, error = self._step(
            self.params, self.velocities, self.chain, X, self.rng, self.hyper
        )
        self.params, self.velocities = list(params), list(velocities)
        self.chain = chain
        self.epoch_error_ = [
            self.epoch_error_[0] + float(error),
            self.epoch_error_[1] + min(len(X), MONITOR_ROWS),
        ]
        self.n_updates_ += 1
        return None

    def end_epoch(self):
        """Close the epoch: record its reconstruction error, and return it in the
        logs (with ``"pseudo_likelihood"`` when scoring)."""
        self.n_iter_ += 1
        self._seconds = time.perf_counter() - self._clock  # before scoring
        total, rows = self.epoch_error_
        self.epoch_error_ = [0.0, 0]
        logs = {}
        if rows:
            self.reconstruction_error_curve_.append(total / rows)
            logs["reconstruction_error"] = total / rows
        if self._score is not None:
            logs["pseudo_likelihood"] = float(self._score(self.params))
        self._clock = time.perf_counter()
        return logs

    def log_line(self, n_iter, logs):
        """scikit-learn's verbose line (printed by
        :class:`~sklearn_pylearn.training.IterationLog`), with the training
        time of the epoch (updates only, as scikit-learn times it).

        Examples
        --------
        >>> t = RBMTrainer(None, [np.zeros((2, 1))] * 3, [np.zeros(1)] * 3,
        ...                np.zeros((1, 1)), None, dict.fromkeys(_HYPER, 0.0))
        >>> t.log_line(2, {"pseudo_likelihood": -25.391})  # doctest: +ELLIPSIS
        '[BernoulliRBM] Iteration 2, pseudo-likelihood = -25.39, time = 0.0...s'
        """
        if "pseudo_likelihood" in logs:
            value = f"pseudo-likelihood = {logs['pseudo_likelihood']:.2f}"
        else:  # no pseudo-likelihood scorer (a streamed fit)
            value = f"reconstruction error = {logs.get('reconstruction_error', 0):.2f}"
        return (
            f"[BernoulliRBM] Iteration {n_iter}, {value}, time = {self._seconds:.2f}s"
        )

    _STATE = (
        "params",
        "velocities",
        "chain",
        "rng",
        "hyper",
        "n_updates_",
        "n_iter_",
        "reconstruction_error_curve_",
        "epoch_error_",
    )
    # Absent from checkpoints written before the curve existed.
    _STATE_DEFAULTS = {"reconstruction_error_curve_": [], "epoch_error_": [0.0, 0]}

    def get_state(self):
        state = {name: getattr(self, name) for name in self._STATE}
        state["reconstruction_error_curve_"] = list(self.reconstruction_error_curve_)
        state["epoch_error_"] = list(self.epoch_error_)
        return state

    def set_state(self, state):
        for name in self._STATE:
            if name in state:
                value = state[name]
            else:
                value = self._STATE_DEFAULTS[name]
            setattr(self, name, value)
        self.reconstruction_error_curve_ = [
            float(e) for e in self.reconstruction_error_curve_
        ]
        self.epoch_error_ = [float(self.epoch_error_[0]), int(self.epoch_error_[1])]
        self.params = [np.asarray(p) for p in self.params]
        self.velocities = [np.asarray(v) for v in self.velocities]
        self.chain = np.asarray(self.chain)

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __setstate__(self, state):
        vars(self).update(state)
        self._step = self._score = None
        self._clock, self._seconds = time.perf_counter(), 0.0


register_trusted(RBMTrainer)
