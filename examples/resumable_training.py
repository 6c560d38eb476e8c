"""
Resumable training: checkpointed, stopped part-way, resumed
============================================================

Training that is checkpointed, stopped part-way and resumed, ending with
exactly the parameters of an uninterrupted run: first an MLPClassifier with
``checkpoint_dir``, then a training program written by hand. The figure shows the
interrupted-then-resumed loss curve on top of the uninterrupted one.

    python examples/resumable_training.py
"""

import tempfile
import warnings

import numpy as np
import pytensor.tensor as pt
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sklearn_pylearn.neural_network import MLPClassifier
from sklearn_pylearn.runtime import (
    CALL,
    EVENT,
    FILT,
    REPEAT,
    SEQ,
    Checkpoint,
    Hook,
    VirtualMachine,
)
from sklearn_pylearn.training import MinibatchSource, MinibatchTrainer, compile_step


class InterruptAfter(Hook):
    """Interrupt the training (as Ctrl-C would) at the end of an epoch."""

    def __init__(self, epochs=2):
        self.epochs = epochs

    def on_epoch_end(self, vm, **info):
        if info["count"] == self.epochs:
            vm.request_interrupt("stopped by the example")


def estimator():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 6 epochs only
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    settings = dict(hidden_layer_sizes=(16,), max_iter=6, tol=0.0, random_state=0)
    reference = MLPClassifier(**settings).fit(X, y)

    directory = tempfile.mkdtemp()
    est = MLPClassifier(**settings, checkpoint_dir=directory, hooks=[InterruptAfter()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Training interrupted"
        est.fit(X, y)
    print(f"MLPClassifier stopped after {est.n_iter_} epochs; checkpoints: {directory}")
    est.set_params(hooks=None).fit(X, y)  # the same directory: it resumes
    same = all(np.array_equal(a, b) for a, b in zip(est.coefs_, reference.coefs_))
    print(f"resumed to epoch {est.n_iter_}; weights identical: {same}")
    plot_curves(reference, est)
    return same


def plot_curves(reference, resumed):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    epochs = np.arange(1, len(reference.loss_curve_) + 1)
    ax.plot(epochs, reference.loss_curve_, lw=6, alpha=0.3, label="uninterrupted")
    ax.plot(epochs, resumed.loss_curve_, "o--", label="interrupted at 2, resumed")
    ax.axvline(2.5, color="grey", ls=":")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.legend()


# ---------------------------------------------------------- a hand-written program

RNG = np.random.RandomState(0)
X_REG = RNG.normal(size=(100, 3))
Y_REG = X_REG @ np.array([[1.0], [-2.0], [0.5]])
N_BATCHES = 10


def squared_error(params, X, Y, sample_weight, hyper):
    """The objective: ``(objective, reported loss)`` as expressions."""
    (w,) = params
    per_sample = pt.sqr(X @ w - Y).sum(axis=1)
    loss = pt.sum(sample_weight * per_sample) / pt.sum(sample_weight)
    return loss, loss


def make_context():
    w0 = np.zeros((3, 1))
    step = compile_step([w0], squared_error, solver="sgd")
    model = MinibatchTrainer(
        step, [w0], learning_rate_init=0.05, solver_params={"momentum": 0.9}
    )
    data = MinibatchSource(len(X_REG), 10, random_state=0)
    return {"model": model, "data": data.bind(X_REG, Y_REG, np.ones(len(X_REG)))}


def program(n_epochs=4):
    batch = SEQ([CALL("data.next_batch"), FILT("model.train_step")])
    epoch = SEQ(
        [
            CALL("data.start_epoch"),
            REPEAT(N_BATCHES, batch),
            CALL("model.end_epoch"),
            EVENT("epoch_end"),
        ]
    )
    return REPEAT(n_epochs, epoch)


def hand_written():
    prog = program()
    print(prog)
    reference = VirtualMachine(prog, make_context())
    reference.run(handle_signals=False)

    directory = tempfile.mkdtemp()
    hooks = [Checkpoint(directory, every_n_steps=5)]
    first = VirtualMachine(prog, make_context(), hooks)
    first.run(max_steps=37, handle_signals=False)  # stop part-way through epoch 2
    print(f"stopped after {first.steps} steps; checkpoints in {directory}")

    # The compiled step and the data are not in a checkpoint: give fresh objects,
    # which take the saved state (parameters, optimiser, shuffling RNG, cursor).
    resumed = VirtualMachine.resume(directory, program=prog, context=make_context())
    print(f"resumed at step {resumed.steps} from {resumed.last_checkpoint.name}")
    resumed.run(handle_signals=False)
    w = resumed.context["model"].params[0]
    same = np.array_equal(w, reference.context["model"].params[0])
    print(f"final weights identical to an uninterrupted run: {same}")
    return same


if __name__ == "__main__":
    ok = estimator() & hand_written()
    print(f"both identical to an uninterrupted run: {ok}")
