"""Test fixture: a checkpointed DBN / SdA fit in its own process, SIGKILLed at a
chosen step of a chosen phase.

The kill tests of ``test_pretraining.py`` run it from the repository root::

    python -m tests.neural_network.deep_fixtures dbn DIR OUT [PHASE STEP]

fits the estimator of ``make(kind)`` with ``checkpoint_dir=DIR`` and a checkpoint
every few program steps, and writes the fitted arrays to ``OUT``. With ``PHASE``
(``rbm1``, ``rbm2``, ``daa1``, ``daa2`` or ``finetune``) and ``STEP``, the process
sends itself SIGKILL at that step of that phase (no clean-up runs, as with
``kill -9``). Run again without them, it resumes from ``DIR``.
"""

import os
import signal
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits

from sklearn_pylearn.neural_network import (
    DBNClassifier,
    StackedDenoisingAutoencoderClassifier,
)
from sklearn_pylearn.runtime import Checkpoint, Hook

EVERY = 7  # program steps between the extra checkpoints


def data():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def make(kind, **params):
    common = dict(
        hidden_layer_sizes=(16, 12),
        pretrain_epochs=3,
        pretrain_batch_size=25,
        batch_size=50,
        max_iter=4,
        tol=0.0,
        solver="sgd",
        learning_rate_init=0.1,
        random_state=0,
    )
    common.update(params)
    if kind == "dbn":
        return DBNClassifier(**common)
    return StackedDenoisingAutoencoderClassifier(corruption_levels=[0.3, 0.2], **common)


def arrays(est):
    out = {}
    for name in ("coefs_", "intercepts_", "intercepts_visible_"):
        for i, a in enumerate(getattr(est, name)):
            out[f"{name}{i}"] = a
    for i, curve in enumerate(est.pretrain_loss_curves_):
        out[f"pretrain_loss_curves_{i}"] = np.asarray(curve)
    for i, curve in enumerate(
        getattr(est, "pretrain_reconstruction_error_curves_", [])
    ):
        out[f"pretrain_reconstruction_error_curves_{i}"] = np.asarray(curve)
    out["loss_curve_"] = np.asarray(est.loss_curve_)
    return out


class CheckpointEvery(Hook):
    """Ask the fit's checkpoint writer for a checkpoint every ``n`` steps."""

    def __init__(self, n):
        self.n = n

    def on_step(self, vm, **info):
        if info["step"] % self.n == 0:
            for hook in vm.hooks:
                if isinstance(hook, Checkpoint):
                    vm.request_checkpoint(hook)


class KillAt(Hook):
    """SIGKILL this process at step ``step`` of phase ``phase``."""

    def __init__(self, phase, step):
        self.phase, self.step = phase, step
        self.current, self.count = None, 0

    def on_phase_begin(self, vm, **info):
        self.current, self.count = info["phase"], 0

    def on_epoch_begin(self, vm, **info):
        if self.current != "finetune":
            self.current, self.count = "finetune", 0

    def on_step(self, vm, **info):
        self.count += 1
        if self.current == self.phase and self.count == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def main(argv):
    kind, directory, out, *kill = argv
    hooks = [CheckpointEvery(EVERY)]
    if kill:
        hooks.append(KillAt(kill[0], int(kill[1])))
    est = make(kind, checkpoint_dir=directory, hooks=hooks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(*data())
    tmp = f"{out}.tmp.npz"
    np.savez(tmp, **arrays(est))
    os.replace(tmp, out)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
