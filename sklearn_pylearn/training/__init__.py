"""Training-loop glue shared by every iterative learner (estimator <-> runtime).

A learner trained by minibatches is three plain-data objects run by a
:class:`~sklearn_pylearn.runtime.VirtualMachine`:

- a :class:`MinibatchSource` (``"data"``, :mod:`.source`): the seeded order in
  which rows are read (its state is the permutation RNG and a cursor, never the
  data);
- a :class:`MinibatchTrainer` (``"model"``, :mod:`.trainer`): parameters,
  optimiser state and the compiled training step of :func:`compile_step`
  (:mod:`.step`), a functional update
  ``(params, state, minibatch, hyper-parameters) -> (params, state, loss)``;
- a program (:mod:`.programs`), e.g. :func:`epoch_program`: per epoch,
  shuffle, one step per minibatch, ``model.end_epoch`` and
  ``EVENT("epoch_end")``.

:func:`run_training` adds the hooks: scikit-learn's convergence rule
(:class:`ConvergenceMonitor` in :mod:`.hooks`: ``tol`` / ``n_iter_no_change``
on the training loss or the validation score, the adaptive learning rate,
restoring the best parameters), a progress bar when verbose, checkpoints (and
resume) when given a directory, and scikit-learn's callbacks
(:class:`SklearnCallbacks`) when set. A non-finite loss stops training with
:class:`~sklearn_pylearn.exceptions.TrainingDivergedError` and leaves the last
finite parameters in place. Full-batch learners use :func:`minimize_lbfgs`
(:mod:`.lbfgs`) instead.

Hyper-parameters that do not change the graph's structure (learning rate, L2
strength, momentum, Adam's betas and epsilon, the batch size) are inputs of the
compiled step, so every clone of a learner shares one compiled function.

Examples
--------
>>> import numpy as np
>>> import pytensor.tensor as pt
>>> from sklearn_pylearn.training import (
...     MinibatchSource, MinibatchTrainer, compile_step, epoch_program, run_training)
>>> rng = np.random.RandomState(0)
>>> X = rng.normal(size=(40, 3)); Y = X @ np.ones((3, 1))
>>> def objective(params, X, Y, sw, hyper):
...     (w,) = params
...     err = pt.sqr(pt.dot(X, w) - Y).sum(axis=1) / 2
...     loss = pt.sum(sw * err) / pt.sum(sw)
...     return loss, loss
>>> step = compile_step([np.zeros((3, 1))], objective, solver="sgd")
>>> model = MinibatchTrainer(step, [np.zeros((3, 1))], learning_rate_init=0.1,
...                          solver_params={"momentum": 0.0})
>>> data = MinibatchSource(40, 10, random_state=0).bind(X, Y, np.ones(40))
>>> vm = run_training(epoch_program(20, data.n_batches), model, data)
>>> bool(model.params[0].round(2).ravel().tolist() == [1.0, 1.0, 1.0])
True
"""

from ..exceptions import TrainingDivergedError
from ._atomic import fit_atomically
from .hooks import ConvergenceMonitor, IterationLog, LbfgsCallbacks, SklearnCallbacks
from .lbfgs import minimize_lbfgs, row_block_objective
from .programs import (
    PhaseCheckpoint,
    checkpoint_seed,
    data_fingerprint,
    epoch_program,
    layerwise_program,
    run_training,
)
from .source import MinibatchSource
from .step import TrainStep, compile_step
from .trainer import MinibatchTrainer

__all__ = [
    "ConvergenceMonitor",
    "IterationLog",
    "LbfgsCallbacks",
    "MinibatchSource",
    "MinibatchTrainer",
    "PhaseCheckpoint",
    "SklearnCallbacks",
    "TrainStep",
    "TrainingDivergedError",
    "compile_step",
    "checkpoint_seed",
    "data_fingerprint",
    "fit_atomically",
    "epoch_program",
    "layerwise_program",
    "minimize_lbfgs",
    "row_block_objective",
    "run_training",
]
