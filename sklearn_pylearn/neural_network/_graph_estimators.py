"""The scikit-learn bridge of the layer graph: any annotated model as an estimator.

``GraphClassifier``, ``GraphRegressor`` and ``GraphTransformer`` take a
:class:`~sklearn_pylearn.graph.Model` (a macro's, or one drawn by hand) whose data
inputs are named ``x`` (and ``y``), train a deep copy of it (the model given is
never changed) by a runtime program of :mod:`sklearn_pylearn.training`, and
predict or transform with its outputs. The model's hyper-parameters are reachable
as ``model__<annotation path>`` through ``get_params`` / ``set_params``, so
``GridSearchCV`` searches them; they are compiled-function inputs, so every clone
and fold shares one compiled training step.
"""

import math
import numbers
import os

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import DatasetMethodsMixin
from ..graph import Model
from ..graph.macros import DAA, LinReg, LogReg
from ..runtime import register_trusted
from ..training import (
    ConvergenceMonitor,
    MinibatchSource,
    TrainingDivergedError,
    epoch_program,
    fit_atomically,
    run_training,
)
from ..training.resume import (
    check_hooks,
    checkpoint_plan,
    report_interrupt,
    run_params,
)
from ..utils._sklearn_compat import Interval
from ..utils._sklearn_compat import fit_context as _fit_context

__all__ = ["GraphClassifier", "GraphRegressor", "GraphTransformer"]


class GraphTrainer:
    """The ``"model"`` of a training program: one graph learner, stepped on the
    minibatches the program reads (plain-data state: parameter values, optimiser
    state, counters)."""

    def __init__(self, learner, inputs):
        self._learner = learner
        self._inputs = list(inputs)
        # The generators the learner's step draws from (CD-k's Gibbs chains,
        # corruption noise): their states are part of a checkpoint.
        self._streams = [leaf for leaf in learner.leaves() if leaf.kind == "random"]
        self.n_iter_ = 0
        self.loss_ = None
        self.epoch_loss_ = 0.0
        self.epoch_rows_ = 0

    @property
    def params(self):
        return [p.value for p in self._learner.params]

    @params.setter
    def params(self, values):
        for p, v in zip(self._learner.params, values):
            p.value = np.asarray(v)

    def train_step(self, batch) -> dict:
        arrays = dict(zip(self._inputs, batch))
        loss = self._learner.step(arrays)
        if not math.isfinite(loss):
            raise TrainingDivergedError(
                f"Training diverged: the cost became {loss} at update "
                f"{self._learner.n_updates}. Use a smaller learning rate (e.g. "
                "set_params(model__<path>__learning_rate=...)) or scale the inputs."
            )
        rows = len(batch[0])
        self.epoch_loss_ += loss * rows
        self.epoch_rows_ += rows
        return {"loss": loss}

    def end_epoch(self) -> dict:
        self.n_iter_ += 1
        self.loss_ = self.epoch_loss_ / max(self.epoch_rows_, 1)
        self.epoch_loss_, self.epoch_rows_ = 0.0, 0
        return {"loss": self.loss_}

    def trigger_stopping(self) -> bool:
        return True

    def get_state(self) -> dict:
        opt = self._learner.state
        return {
            "params": self.params,
            "opt_state": [list(opt.get(i, [])) for i in range(len(self.params))],
            "n_updates": self._learner.n_updates,
            "n_iter_": self.n_iter_,
            "loss_": self.loss_,
            "generators": [s.generator for s in self._streams],
            "chains": getattr(self._learner, "chains", None),
        }

    def set_state(self, state: dict) -> None:
        self.params = state["params"]
        self._learner.state = {
            i: [np.asarray(a) for a in arrays]
            for i, arrays in enumerate(state["opt_state"])
            if len(arrays)
        }
        self._learner.n_updates = state["n_updates"]
        self.n_iter_, self.loss_ = state["n_iter_"], state["loss_"]
        for stream, generator in zip(self._streams, state["generators"]):
            stream.generator = generator
        if hasattr(self._learner, "chains"):
            chains = state["chains"]
            self._learner.chains = None if chains is None else np.asarray(chains)


register_trusted(GraphTrainer)


class _GraphEstimator(DatasetMethodsMixin, BaseEstimator):
    """Fit orchestration shared by the three graph estimators."""

    _parameter_constraints: dict = {
        "model": [Model, None],
        "learners": [tuple, list, None],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "checkpoint_dir": [str, os.PathLike, None],
        "hooks": [list, tuple, None],
    }
    _supervised = True
    _RUN_ONLY = ("model", "verbose", "hooks", "checkpoint_dir")

    def __init__(
        self,
        model=None,
        *,
        learners=None,
        max_iter=200,
        batch_size=200,
        shuffle=True,
        tol=1e-4,
        n_iter_no_change=10,
        random_state=None,
        verbose=False,
        checkpoint_dir=None,
        hooks=None,
    ):
        self.model = model
        self.learners = learners
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    def _input(self, model, name):
        for node in model.inputs:
            if node.name == name:
                return node
        raise ValueError(
            f"{type(self).__name__}: the model has no data input named {name!r} "
            f"(its inputs are {[n.name for n in model.inputs]}); build it on "
            f"Input({name!r}, ...)."
        )

    def _fit_graph(self, X, Y, default):
        check_hooks(self)
        arrays = [X] + ([Y] if Y is not None else [])
        names = list(self.learners) if self.learners is not None else ["learner"]
        plan = self._checkpoint_plan(arrays)
        rng = check_random_state(self.random_state if plan is None else plan["seed"])
        if self.model is None:
            model = default(rng.randint(2**31))
        else:
            model = self.model.copy(deep=True)
        x = self._input(model, "x")
        if x.size is not None and x.size != X.shape[1]:
            raise ValueError(
                f"{type(self).__name__}: the model's input x has width {x.size}, but "
                f"X has {X.shape[1]} features."
            )
        inputs = [x] + ([self._input(model, "y")] if Y is not None else [])
        source = MinibatchSource(
            len(X),
            min(self.batch_size, len(X)),
            shuffle=self.shuffle,
            random_state=rng,
        )
        source.bind(*arrays)
        self.loss_curve_ = []
        for i, name in enumerate(names):
            trainer = GraphTrainer(model[name], inputs)
            vm = self._train_learner(trainer, source, plan, name)
            self.n_iter_ = trainer.n_iter_
            self.loss_ = trainer.loss_
            self.model_ = model
            if vm.interrupted:
                self._report_interrupt(names, i, trainer.n_iter_, plan)
                break
        return self

    def _checkpoint_plan(self, arrays):
        """The fit's checkpoint directory (a digest of its parameters and data,
        so a search's fits never share one; one sub-directory per learner), its
        fingerprint and seed, or None without ``checkpoint_dir``.

        What a resumed fit draws at random is in its checkpoints (the learners'
        parameters and generators, the minibatch order), or comes from the
        model given, so a fit without a fixed ``random_state`` resumes too.
        """
        if self.checkpoint_dir is None:  # (hashing the data costs a pass)
            return None
        params = run_params(self, skip=self._RUN_ONLY)
        return checkpoint_plan(self.checkpoint_dir, params, self.random_state, arrays)

    def _train_learner(self, trainer, source, plan, name):
        monitor = ConvergenceMonitor(
            tol=self.tol, n_iter_no_change=self.n_iter_no_change
        )
        plan = plan or {"dir": None, "fingerprint": "", "seed": None}
        try:
            return run_training(
                epoch_program(self.max_iter, source.n_batches),
                trainer,
                source,
                hooks=[monitor, *(self.hooks or ())],
                verbose=bool(self.verbose),
                checkpoint_dir=(
                    None if plan["dir"] is None else os.path.join(plan["dir"], name)
                ),
                fingerprint=plan["fingerprint"] + name,
                seed=plan["seed"],
                desc=f"{type(self).__name__}[{name}]",
            )
        finally:
            self.loss_curve_ = list(monitor.loss_curve)

    def _report_interrupt(self, names, i, n_iter, plan):
        """Warn once that the fit stopped in learner ``names[i]`` (raise when no
        epoch of the first learner finished: nothing consistent to keep)."""
        where = f" of learner {names[i]!r} ({i + 1} of {len(names)}"
        rest = names[i + 1 :]
        where += f"; not trained: {', '.join(map(repr, rest))})" if rest else ")"
        report_interrupt(
            type(self).__name__,
            n_iter,
            None if plan is None else plan["dir"],
            where=where,
            kept=i > 0 or n_iter > 0,
            stacklevel=5,
        )

    def _output(self, X, name):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        x = self._input(self.model_, "x")
        return self.model_[name].eval({x: X})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags


class GraphClassifier(ClassifierMixin, _GraphEstimator):
    """A layer-graph model as a classifier.

    Parameters
    ----------
    model : Model or None
        With inputs ``x`` (float matrix) and ``y`` (integer labels), an
        ``output`` of class probabilities (one column per class) and a
        ``learner``; default: ``LogReg(n_features, n_classes)``.
    learners : sequence of str or None
        The learners trained, in order, each for up to ``max_iter`` epochs (e.g.
        ``["rbm1", "rbm2", "learner"]``: greedy pre-training, then fine-tuning);
        default ``["learner"]``.
    max_iter : int, default=200
        Epochs per learner.
    batch_size : int, default=200
    shuffle : bool, default=True
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
        scikit-learn's stopping rule on the training loss.
    random_state : int, RandomState or None
        Seeds the minibatch order (and the default model's weights).
    verbose : bool, default=False
        A progress bar over epochs.
    checkpoint_dir : path or None
        Write checkpoints of each learner's training into a sub-directory named
        by a digest of the parameters and the data (so the fits of a search never
        share one), one sub-directory per learner, and resume from the newest
        when the same fit runs again: finished learners are loaded, the
        interrupted one continues where it stopped (also without a fixed
        ``random_state``: the checkpoints hold what was drawn).
    hooks : list of sklearn_pylearn.runtime.Hook, default=None
        More hooks for each learner's training program. Ctrl-C (or SIGTERM)
        stops the fit after the current minibatch: no further learner is
        trained, the model keeps the weights of that moment and one warning
        says where it stopped and how to resume; an interrupt before the first
        learner's first epoch ends raises ``KeyboardInterrupt`` and leaves the
        estimator as it was.

    Attributes
    ----------
    model_ : Model
        The trained copy of ``model``.
    classes_ : ndarray
    n_iter_ : int
    loss_curve_ : list of float

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_pylearn.graph.macros import MLP
    >>> from sklearn_pylearn.neural_network import GraphClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = GraphClassifier(MLP(4, (8,), 3, learning_rate=0.01), max_iter=100,
    ...                       batch_size=32, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> sorted(clf.get_params())[:3]
    ['batch_size', 'checkpoint_dir', 'hooks']
    >>> clf.get_params()["model__cost__learning_rate"]
    0.01
    """

    @_fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def fit(self, X, y):
        """Train a copy of the model on ``(X, y)``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        self._fit_graph(
            X,
            codes.astype(np.int64),
            lambda seed: LogReg(X.shape[1], n_classes, random_state=seed),
        )
        width = self.model_["output"].size
        if width is not None and width != n_classes:
            raise ValueError(
                f"GraphClassifier: the model's output has {width} columns, but y has "
                f"{n_classes} classes; build the model with n_out={n_classes}."
            )
        return self

    def predict_proba(self, X):
        """Class probabilities (the model's ``output``)."""
        return self._output(X, "output")

    def predict(self, X):
        """The most probable class."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class GraphRegressor(RegressorMixin, _GraphEstimator):
    """A layer-graph model as a regressor.

    The model has inputs ``x`` and ``y`` (a float matrix: one column per target),
    an ``output`` and a ``learner``; default ``LinReg(n_features, n_targets)``.
    The other parameters are :class:`GraphClassifier`'s.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.neural_network import GraphRegressor
    >>> X = np.random.RandomState(0).normal(size=(100, 3))
    >>> reg = GraphRegressor(max_iter=300, batch_size=20).fit(X, X @ [1.0, 2.0, 3.0])
    >>> reg.score(X, X @ [1.0, 2.0, 3.0]) > 0.99
    True
    """

    @_fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def fit(self, X, y):
        """Train a copy of the model on ``(X, y)``."""
        X, y = validate_data(
            self, X, y, dtype=np.float64, multi_output=True, y_numeric=True
        )
        self._y_1d = y.ndim == 1
        Y = y.reshape(len(y), -1).astype(np.float64)
        self._fit_graph(
            X, Y, lambda seed: LinReg(X.shape[1], Y.shape[1], random_state=seed)
        )
        return self

    def predict(self, X):
        """The model's ``output``."""
        out = self._output(X, "output")
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class GraphTransformer(TransformerMixin, _GraphEstimator):
    """A layer-graph model as an (unsupervised) transformer.

    The model has an input ``x``, a ``learner`` and the output named by
    ``output`` (default ``"hidden"``): an RBM, a DAA, a DBN's layer ... Default
    model: ``DAA(n_features, n_features, loss="squared_error")``. The other
    parameters are :class:`GraphClassifier`'s.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph.macros import RBM
    >>> from sklearn_pylearn.neural_network import GraphTransformer
    >>> X = (np.random.RandomState(0).rand(50, 6) > 0.5) * 1.0
    >>> GraphTransformer(RBM(6, 3), max_iter=5).fit_transform(X).shape
    (50, 3)
    """

    _parameter_constraints = {**_GraphEstimator._parameter_constraints, "output": [str]}

    def __init__(
        self,
        model=None,
        *,
        output="hidden",
        learners=None,
        max_iter=200,
        batch_size=200,
        shuffle=True,
        tol=1e-4,
        n_iter_no_change=10,
        random_state=None,
        verbose=False,
        checkpoint_dir=None,
        hooks=None,
    ):
        super().__init__(
            model,
            learners=learners,
            max_iter=max_iter,
            batch_size=batch_size,
            shuffle=shuffle,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            random_state=random_state,
            verbose=verbose,
            checkpoint_dir=checkpoint_dir,
            hooks=hooks,
        )
        self.output = output

    @_fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def fit(self, X, y=None):
        """Train a copy of the model on ``X``."""
        X = validate_data(self, X, dtype=np.float64)
        n = X.shape[1]
        self._fit_graph(
            X,
            None,
            lambda seed: DAA(
                n, n, corruption_level=0.0, loss="squared_error", random_state=seed
            ),
        )
        if self.output not in self.model_.outputs:
            raise ValueError(
                f"GraphTransformer: output={self.output!r} is not an output of the "
                f"model; it has {sorted(self.model_.outputs)}."
            )
        return self

    def transform(self, X):
        """The model's ``output`` on ``X``."""
        return self._output(X, self.output)
