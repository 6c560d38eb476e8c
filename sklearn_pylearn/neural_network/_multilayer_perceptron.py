"""MLPClassifier and MLPRegressor trained by one compiled step per minibatch.

scikit-learn's parameters, defaults, initial weights and fitted attributes; the
training step (forward pass, loss, gradients and the optimiser's update) is ONE
compiled function whose hyper-parameters are inputs, run by a runtime program
(:mod:`sklearn_pylearn.training`): progress bar, early stopping, checkpoints and
resume, divergence errors and scikit-learn's callbacks come from there.
"""

import os
import warnings

import numpy as np
import pytensor.tensor as pt
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network._multilayer_perceptron import (
    BaseMultilayerPerceptron as _SkBase,
)
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from ..base import NamedOutputsMixin, SymbolicTransformerMixin
from ..symbolic.affine import AffineMap
from ..symbolic.compile import compile_function
from ..symbolic.init import glorot_uniform
from ..symbolic.inputs import GraphInputs
from ..training import (
    ConvergenceMonitor,
    MinibatchSource,
    MinibatchTrainer,
    SklearnCallbacks,
    compile_step,
    data_fingerprint,
    epoch_program,
    run_training,
)
from ..utils.validation import validate_float_input
from . import _graph as graph

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:  # noqa: D101
        pass

    def with_callbacks(method):  # noqa: D103
        return method


__all__ = ["MLPClassifier", "MLPRegressor"]

_STOCHASTIC = ("sgd", "adam")
_RUN_ONLY = ("verbose", "hooks", "checkpoint_dir")


def _stochastic_solver(est):
    if est.solver not in _STOCHASTIC:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. "
            f"{est.solver} is not stochastic."
        )
    return True


class BaseMLP(
    NamedOutputsMixin, SymbolicTransformerMixin, CallbackSupportMixin, BaseEstimator
):
    """Shared fitting of the multi-layer perceptrons (see the subclasses)."""

    _parameter_constraints = {
        **_SkBase._parameter_constraints,
        "dtype": [StrOptions({"float64", "float32"})],
        "checkpoint_dir": [str, os.PathLike, None],
        "hooks": [list, tuple, None],
    }
    _parameter_constraints.pop("loss", None)

    # -- fitting ------------------------------------------------------------------
    def _begin_callbacks(self, X, y):
        if hasattr(self, "_init_callback_context"):
            ctx = self._init_callback_context(max_subtasks=None)
            ctx.call_on_fit_task_begin(estimator=self, X=X, y=y)

    def _end_callbacks(self, X, y):
        ctx = getattr(self, "_callback_fit_ctx", None)
        if ctx is not None:
            ctx.call_on_fit_task_end(estimator=self, X=X, y=y)

    def _fit(self, X, y, sample_weight=None, incremental=False):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        dtype = np.dtype(self.dtype)
        X = np.ascontiguousarray(X, dtype=dtype)
        Y = np.ascontiguousarray(Y.reshape(len(Y), -1), dtype=dtype)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=dtype)
        self.n_outputs_ = Y.shape[1]
        layer_units = [X.shape[1], *sizes, self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(layer_units, dtype)
        elif self.coefs_[0].dtype != dtype:
            self.coefs_ = [c.astype(dtype) for c in self.coefs_]
            self.intercepts_ = [b.astype(dtype) for b in self.intercepts_]
        if self.solver in _STOCHASTIC:
            self._fit_stochastic(X, Y, sample_weight, incremental)
        else:
            self._fit_lbfgs(X, Y, sample_weight)
        params = self.coefs_ + self.intercepts_
        if not all(np.isfinite(p).all() for p in params):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        return self

    def _initialize(self, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._out_activation()
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
            W, b = glorot_uniform(
                self._random_state, fan_in, fan_out, self.activation, dtype
            )
            self.coefs_.append(W)
            self.intercepts_.append(b)
        self._best_params = [p.copy() for p in self.coefs_ + self.intercepts_]
        self.__dict__.pop("_trainer", None)
        if self.solver in _STOCHASTIC:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size < 1 or self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped",
                stacklevel=3,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _split(self, X, Y, sample_weight):
        stratify = Y if (self._is_classifier() and self.n_outputs_ == 1) else None
        arrays = [X, Y, sample_weight]
        parts = train_test_split(
            *arrays,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_tr, X_val, Y_tr, Y_val, sw_tr, sw_val = parts
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return X_tr, Y_tr, sw_tr, (X_val, Y_val, sw_val)

    def _fit_stochastic(self, X, Y, sample_weight, incremental):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        weighted = sample_weight is not None
        sw = sample_weight if weighted else np.ones(len(X), dtype=X.dtype)
        validation = None
        if self.early_stopping:
            X, Y, sw, val = self._split(X, Y, sw)
            validation = self._validation_scorer(val, weighted)
        step = self._train_step()
        trainer = self._make_trainer(step, incremental, validation)
        source = MinibatchSource(
            len(X),
            self._batch_size(len(X)),
            shuffle=self.shuffle,
            random_state=self._random_state,
        ).bind(X, Y, sw)
        monitor = self._monitor()
        program = epoch_program(1 if incremental else self.max_iter, source.n_batches)
        callbacks = self._callback_hook(X, Y)
        fingerprint = (
            ""
            if self.checkpoint_dir is None
            else data_fingerprint(
                X, Y, sw, *trainer.params, self._run_params(), incremental
            )
        )
        try:
            vm = run_training(
                program,
                trainer,
                source,
                hooks=[monitor, callbacks, *(self.hooks or ())],
                verbose=bool(self.verbose),
                checkpoint_dir=self.checkpoint_dir,
                fingerprint=fingerprint,
                desc=type(self).__name__,
            )
        finally:
            self._store(trainer, monitor)
        if vm.interrupted:
            warnings.warn(
                vm.interrupt_message or "Training interrupted by user.", stacklevel=3
            )
        elif (
            not incremental and vm.stop_reason is None and self.n_iter_ == self.max_iter
        ):
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _run_params(self):
        params = self.get_params()
        return sorted((k, repr(v)) for k, v in params.items() if k not in _RUN_ONLY)

    def _train_step(self):
        params = self.coefs_ + self.intercepts_
        return compile_step(
            params,
            graph.make_objective(self.activation, self.out_activation_),
            solver=self.solver,
            nesterov=bool(self.nesterovs_momentum) and self.momentum > 0,
            hyper_names=("alpha",),
            name=f"{type(self).__name__}.train_step",
            key=("mlp", self.activation, self.out_activation_, len(params)),
        )

    def _make_trainer(self, step, incremental, validation):
        params = self.coefs_ + self.intercepts_
        trainer = getattr(self, "_trainer", None)
        if not incremental or trainer is None:
            if self.solver == "sgd":
                solver_params = {"momentum": self.momentum}
                schedule = self.learning_rate
            else:
                solver_params = {
                    "beta_1": self.beta_1,
                    "beta_2": self.beta_2,
                    "epsilon": self.epsilon,
                }
                schedule = "constant"
            trainer = MinibatchTrainer(
                step,
                params,
                learning_rate_init=self.learning_rate_init,
                learning_rate=schedule,
                power_t=self.power_t,
                hyper={"alpha": self.alpha},
                solver_params=solver_params,
            )
        trainer.params = list(params)
        trainer._step = step
        trainer._validation = validation
        trainer._previous = None
        trainer.t_ = self.t_
        trainer.n_iter_ = 0
        return trainer

    def _monitor(self):
        monitor = ConvergenceMonitor(
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            early_stopping=self.early_stopping,
            best_loss=np.inf if self.best_loss_ is None else self.best_loss_,
            best_score=(
                -np.inf
                if self.best_validation_score_ is None
                else self.best_validation_score_
            ),
            no_improvement=self._no_improvement_count,
            loss_curve=self.loss_curve_,
            validation_scores=self.validation_scores_,
        )
        if self.early_stopping:
            monitor.best_params_ = [p.copy() for p in self._best_params]
        return monitor

    def _store(self, trainer, monitor):
        n = len(self.coefs_)
        self.coefs_ = list(trainer.params[:n])
        self.intercepts_ = list(trainer.params[n:])
        self.n_iter_ = trainer.n_iter_
        self.t_ = trainer.t_
        self.loss_ = trainer.loss_
        self.loss_curve_ = list(monitor.loss_curve)
        self._no_improvement_count = monitor.no_improvement
        if self.early_stopping:
            self.validation_scores_ = list(monitor.validation_scores)
            self.best_validation_score_ = monitor.best_score
            if monitor.best_params_ is not None:
                self._best_params = monitor.best_params_
        else:
            self.best_loss_ = monitor.best_loss
        self._trainer = trainer

    def _callback_hook(self, X, Y):
        hook = SklearnCallbacks()
        ctx = getattr(self, "_callback_fit_ctx", None)
        if ctx is not None:
            n = len(self.coefs_)

            def reconstruct(params):
                return {"coefs_": params[:n], "intercepts_": params[n:]}

            hook.attach(ctx, self, reconstruct)
        return hook

    def _validation_scorer(self, val, weighted):
        X_val, Y_val, sw_val = val
        sw_val = sw_val if weighted else None

        def score(params):
            raw = self._predict_with(X_val, params)
            return self._validation_score(raw, Y_val, sw_val)

        return score

    def _predict_with(self, X, params):
        """``predict``'s raw graph output for ``X`` with the given parameters."""
        inputs = GraphInputs(X.dtype)
        X_sym = inputs.data("X", X)
        n = len(params) // 2
        W = [inputs.add(f"W{i}", p) for i, p in enumerate(params[:n])]
        b = [inputs.add(f"b{i}", p) for i, p in enumerate(params[n:])]
        _, logits = graph.forward(X_sym, W, b, self.activation)
        out = self._prediction_expr(logits)
        fn = compile_function(
            inputs.variables, out, name=f"{type(self).__name__}.predict"
        )
        return fn(*inputs.values)

    def _fit_lbfgs(self, X, Y, sample_weight):
        sw = (
            sample_weight
            if sample_weight is not None
            else np.ones(len(X), dtype=X.dtype)
        )
        params = self.coefs_ + self.intercepts_
        fn = self._loss_grad_function(params)
        shapes = [p.shape for p in params]
        sizes = [p.size for p in params]
        splits = np.cumsum(sizes)[:-1]
        dtype = X.dtype

        def unpack(packed):
            return [
                np.ascontiguousarray(part.reshape(shape), dtype=dtype)
                for part, shape in zip(np.split(packed, splits), shapes)
            ]

        def loss_grad(packed):
            loss, *grads = fn(*unpack(packed), X, Y, sw, self.alpha)
            return float(loss), np.concatenate([g.ravel() for g in grads]).astype(
                np.float64
            )

        iprint = 1 if self.verbose else -1
        opt_res = scipy.optimize.minimize(
            loss_grad,
            np.concatenate([p.ravel() for p in params]).astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
                **({"iprint": iprint} if _lbfgs_has_iprint() else {}),
            },
        )
        self.n_iter_ = _check_optimize_result("lbfgs", opt_res, self.max_iter)
        self.loss_ = float(opt_res.fun)
        new = unpack(opt_res.x)
        n = len(self.coefs_)
        self.coefs_, self.intercepts_ = new[:n], new[n:]

    def _loss_grad_function(self, params):
        import pytensor

        dtype = params[0].dtype.name
        syms = [
            pt.tensor(name=f"p{i}", dtype=dtype, shape=(None,) * p.ndim)
            for i, p in enumerate(params)
        ]
        X = pt.tensor(name="X", dtype=dtype, shape=(None, None))
        Y = pt.tensor(name="Y", dtype=dtype, shape=(None, None))
        sw = pt.tensor(name="sw", dtype=dtype, shape=(None,))
        alpha = pt.tensor(name="alpha", dtype=dtype, shape=())
        objective = graph.make_objective(self.activation, self.out_activation_)
        obj, _ = objective(syms, X, Y, sw, {"alpha": alpha})
        grads = pytensor.grad(obj, syms)
        return compile_function(
            [*syms, X, Y, sw, alpha],
            [obj, *grads],
            name=f"{type(self).__name__}.loss_and_grad",
        )

    # -- prediction graphs --------------------------------------------------------
    def _param_inputs(self, inputs):
        W = [inputs.add(f"W{i}", c) for i, c in enumerate(self.coefs_)]
        b = [inputs.add(f"b{i}", c) for i, c in enumerate(self.intercepts_)]
        return W, b

    def _forward(self, X, inputs):
        W, b = self._param_inputs(inputs)
        return graph.forward(X, W, b, self.activation)

    def _symbolic_predict(self, X, inputs):
        _, logits = self._forward(X, inputs)
        return self._prediction_expr(logits)

    def _affine_head(self):
        """The first layer as an AffineMap, for folding preceding affine steps.

        See :meth:`_symbolic_from_head`; a fused pipeline composes a folded run of
        affine steps into this map and builds the rest of the network on the
        composed map's output.
        """
        check_is_fitted(self)
        return AffineMap(weight=self.coefs_[0], offset=self.intercepts_[0])

    def _symbolic_from_head(self, Z, inputs, method):
        """``method``'s graph given ``Z``, the first layer's pre-activation."""
        n = len(self.coefs_)
        if n == 1:
            logits = Z
        else:
            h = graph.apply_activation(self.activation, Z)
            W, b = self._param_inputs(inputs)
            _, logits = graph.forward(h, W, b, self.activation, start=1)
        return self._method_expr(method, logits)

    def _method_expr(self, method, logits):
        if method == "predict":
            return self._prediction_expr(logits)
        return getattr(self, f"_{method}_expr")(logits)

    def predict(self, X):
        """Predict using the multi-layer perceptron (one compiled graph).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        return self._run_symbolic(X, "predict")

    # -- named outputs ---------------------------------------------------------------
    def _hidden_outputs(self):
        return {f"hidden_{i}": False for i in range(len(self.coefs_) - 1)}

    def _output_columns(self, name, value):
        return [f"{name}_{j}" for j in range(value.shape[1])]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags


def _lbfgs_has_iprint():
    import scipy

    major, minor = (int(v) for v in scipy.__version__.split(".")[:2])
    return (major, minor) < (1, 15)


# ---------------------------------------------------------------------- classifier


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier with compiled training and prediction.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, defaults, initial weights (for the same ``random_state``) and
    fitted attributes. Training runs one compiled function per minibatch whose
    hyper-parameters are inputs, so clones in a grid search share one compiled
    step; prediction and :meth:`compute` are compiled graphs, and the
    prediction fuses as the last step of :class:`sklearn_pylearn.pipeline.Pipeline`.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
    alpha : float, default=0.0001
        L2 penalty strength.
    batch_size : int or "auto", default="auto"
        ``min(200, n_samples)`` when "auto".
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=200
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
    tol : float, default=1e-4
    verbose : bool, default=False
        Show a progress bar over epochs with the loss.
    warm_start : bool, default=False
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its accuracy
        stops improving; the best parameters are restored.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
    n_iter_no_change : int, default=10
    max_fun : int, default=15000
    dtype : {"float64", "float32"}, default="float64"
        The parameters' and computations' float type (float32 is faster).
    checkpoint_dir : str or path, default=None
        Write training checkpoints there; a fit started again with the same
        directory (and the same data and parameters) resumes where the last one
        stopped.
    hooks : list of sklearn_pylearn.runtime.Hook, default=None
        More hooks for the training program.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
    loss_ : float
    best_loss_ : float or None
    loss_curve_ : list of float
    validation_scores_ : list of float or None
    best_validation_score_ : float or None
    t_ : int
    coefs_ : list of ndarray
    intercepts_ : list of ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray
    n_iter_ : int
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_pylearn.neural_network import MLPClassifier
    >>> X, y = make_classification(n_samples=100, random_state=1)
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=300,
    ...                     random_state=1).fit(X, y)
    >>> clf.predict(X[:5]).shape, clf.predict_proba(X[:1]).shape
    ((5,), (1, 2))
    >>> list(clf.compute(X[:2], y[:2], outputs=["prediction", "nll"]).columns)
    ['prediction', 'nll']
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype="float64",
        checkpoint_dir=None,
        hooks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    def _is_classifier(self):
        return True

    def _out_activation(self):
        return (
            "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"
        )

    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label-indicator matrix (multi-label).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._begin_callbacks(X, y)
        self._fit(X, y, sample_weight=sample_weight, incremental=False)
        self._end_callbacks(X, y)
        return self

    @available_if(_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``; ``classes`` is required on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            Every class that will appear; needed on the first call.

        Returns
        -------
        self
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self._check_classes(self._label_binarizer.classes_)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _check_classes(self, classes):
        if len(classes) < 2 and self._label_binarizer.y_type_ != "multilabel-indicator":
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the "
                f"data, but the data contains only one class: {classes[0]!r}."
            )

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_float_input(self, X, reset=reset, y=y, multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
            self._check_classes(self.classes_)
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y).astype(bool)

    @property
    def _multilabel(self):
        return self._label_binarizer.y_type_.startswith("multilabel")

    def _prediction_expr(self, logits):
        if self.out_activation_ == "softmax":
            return pt.argmax(logits, axis=1)
        if self._multilabel:
            return pt.cast(pt.gt(logits, 0), "int64")
        return pt.cast(pt.gt(logits[:, 0], 0), "int64")

    def _predict_proba_expr(self, logits):
        if self.out_activation_ == "softmax":
            return graph.softmax(logits)
        p = pt.sigmoid(logits)
        if self._multilabel:
            return p
        return pt.concatenate([1 - p, p], axis=1)

    def _predict_log_proba_expr(self, logits):
        if self.out_activation_ == "softmax":
            return graph.log_softmax(logits)
        if self._multilabel:
            return -pt.softplus(-logits)
        return pt.concatenate([-pt.softplus(logits), -pt.softplus(-logits)], axis=1)

    def _symbolic_predict_proba(self, X, inputs):
        _, logits = self._forward(X, inputs)
        return self._predict_proba_expr(logits)

    def _symbolic_predict_log_proba(self, X, inputs):
        _, logits = self._forward(X, inputs)
        return self._predict_log_proba_expr(logits)

    def _validation_score(self, raw, Y_val, sw_val):
        pred = self._finish_output("predict", raw)
        y_true = self._label_binarizer.inverse_transform(Y_val)
        return accuracy_score(y_true, pred, sample_weight=sw_val)

    def _finish_output(self, name, value):
        if name in ("predict", "prediction") and not self._multilabel:
            return self.classes_[np.asarray(value)]
        return value

    def predict_proba(self, X):
        """Probability estimates, one column per class (one compiled graph).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._run_symbolic(X, "predict_proba")

    def predict_log_proba(self, X):
        """Log of the probability estimates, computed stably.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._run_symbolic(X, "predict_log_proba")

    def score(self, X, y, sample_weight=None):
        """Mean accuracy; labels not seen in fit raise a ValueError."""
        check_is_fitted(self)
        if not self._multilabel:
            unseen = np.setdiff1d(unique_labels(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y contains labels not seen in fit: {unseen.tolist()!r}; "
                    f"{type(self).__name__} was fitted on classes "
                    f"{self.classes_.tolist()!r}."
                )
        return super().score(X, y, sample_weight=sample_weight)

    # named outputs
    def _available_outputs(self):
        return {
            "prediction": False,
            "proba": False,
            "log_proba": False,
            "decision": False,
            "nll": True,
            "class_error": True,
            **self._hidden_outputs(),
        }

    def _encode_target(self, y, dtype):
        y = np.asarray(y)
        if not self._multilabel:
            unseen = np.setdiff1d(unique_labels(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y contains labels not seen in fit: {unseen.tolist()!r}."
                )
        return self._label_binarizer.transform(y).astype(dtype)

    def _build_outputs(self, X, y, inputs, names):
        hidden, logits = self._forward(X, inputs)
        exprs = {f"hidden_{i}": h for i, h in enumerate(hidden)}
        exprs.update(
            prediction=self._prediction_expr(logits),
            proba=self._predict_proba_expr(logits),
            log_proba=self._predict_log_proba_expr(logits),
            decision=logits,
        )
        if y is not None:
            exprs["nll"] = graph.per_sample_loss(self.out_activation_, logits, y)
            if self.out_activation_ == "softmax":
                wrong = pt.neq(pt.argmax(logits, axis=1), pt.argmax(y, axis=1))
            else:
                wrong = pt.neq(pt.gt(logits, 0), pt.gt(y, 0.5)).mean(axis=1)
            exprs["class_error"] = pt.cast(wrong, X.dtype)
        return {name: exprs[name] for name in names}

    def _output_columns(self, name, value):
        if name in ("proba", "log_proba") and value.shape[1] == len(self.classes_):
            return [f"{name}_{c}" for c in self.classes_]
        return super()._output_columns(name, value)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


# ----------------------------------------------------------------------- regressor


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor with compiled training and prediction.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor` (squared error);
    see :class:`MLPClassifier` for the shared parameters and what is compiled.

    Parameters
    ----------
    loss : {"squared_error"}, default="squared_error"
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose,
    warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
    beta_1, beta_2, epsilon, n_iter_no_change, max_fun, dtype, checkpoint_dir, hooks
        As for :class:`MLPClassifier`; early stopping watches the validation R^2.

    Attributes
    ----------
    loss_, best_loss_, loss_curve_, validation_scores_, best_validation_score_,
    t_, coefs_, intercepts_, n_features_in_, n_iter_, n_layers_, n_outputs_,
    out_activation_
        As for :class:`MLPClassifier`; ``out_activation_`` is "identity".

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn_pylearn.neural_network import MLPRegressor
    >>> X, y = make_regression(n_samples=100, n_features=4, random_state=1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs",
    ...                    random_state=1).fit(X, y)
    >>> reg.predict(X[:3]).shape, reg.out_activation_
    ((3,), 'identity')
    """

    _parameter_constraints = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype="float64",
        checkpoint_dir=None,
        hooks=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    def _is_classifier(self):
        return False

    def _out_activation(self):
        return "identity"

    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._begin_callbacks(X, y)
        self._fit(X, y, sample_weight=sample_weight, incremental=False)
        self._end_callbacks(X, y)
        return self

    @available_if(_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing the optimiser's state."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_float_input(
            self, X, reset=reset, y=y, multi_output=True, y_numeric=True
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._y_ndim = y.ndim
        return X, y

    def _prediction_expr(self, logits):
        return logits[:, 0] if self.n_outputs_ == 1 else logits

    def _validation_score(self, raw, Y_val, sw_val):
        y_true = Y_val[:, 0] if self.n_outputs_ == 1 else Y_val
        return r2_score(y_true, raw, sample_weight=sw_val)

    def _available_outputs(self):
        return {"prediction": False, "squared_error": True, **self._hidden_outputs()}

    def _encode_target(self, y, dtype):
        y = np.asarray(y, dtype=dtype)
        return y.reshape(len(y), -1)

    def _build_outputs(self, X, y, inputs, names):
        hidden, logits = self._forward(X, inputs)
        exprs = {f"hidden_{i}": h for i, h in enumerate(hidden)}
        exprs["prediction"] = self._prediction_expr(logits)
        if y is not None:
            exprs["squared_error"] = graph.squared_error_per_sample(logits, y)
        return {name: exprs[name] for name in names}
