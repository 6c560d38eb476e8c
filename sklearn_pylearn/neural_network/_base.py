"""BaseMLP: the fit orchestration and graphs shared by MLPClassifier and MLPRegressor.

scikit-learn's parameters, defaults, initial weights and fitted attributes; the
training step (forward pass, loss, gradients and the optimiser's update) is ONE
compiled function whose hyper-parameters are inputs, run by a runtime program
(:mod:`sklearn_pylearn.training`): progress bar, early stopping, checkpoints and
resume, divergence errors and scikit-learn's callbacks come from there.
"""

import os
import warnings

import numpy as np
import pytensor
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..base import NamedOutputsMixin, SymbolicMixin
from ..data import StreamSource, stream_unique
from ..data._feed import label_codes, stream_input_probe
from ..symbolic.affine import AffineMap
from ..symbolic.compile import compile_function
from ..symbolic.init import glorot_uniform
from ..symbolic.inputs import GraphInputs, placeholder
from ..symbolic.rowwise import run_densified
from ..training import (
    ConvergenceMonitor,
    MinibatchSource,
    MinibatchTrainer,
    SklearnCallbacks,
    compile_step,
    epoch_program,
    fit_atomically,
    minimize_lbfgs,
    row_block_objective,
    run_training,
)
from ..training.resume import (
    check_hooks,
    checkpoint_plan,
    report_interrupt,
    run_params,
)
from ..utils._sklearn_compat import (
    BaseMultilayerPerceptron,
    CallbackSupportMixin,
    StrOptions,
    check_optimize_result,
    check_sample_weight,
    fit_context,
    with_callbacks,
)
from ..utils.validation import validate_float_input
from . import _mlp_graph as mlp_graph

__all__ = ["BaseMLP"]

_STOCHASTIC = ("sgd", "adam")


def _stochastic_solver(est):
    if est.solver not in _STOCHASTIC:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. "
            f"{est.solver} is not stochastic."
        )
    return True


def _fast_binarizer(binarizer):
    """``binarizer.transform`` for a minibatch, from :func:`label_codes` (no
    per-call validation); the binarizer itself for anything else."""
    classes = binarizer.classes_

    def transform(y):
        codes = label_codes(classes, y) if len(classes) >= 2 else None
        if codes is None:
            return binarizer.transform(y)
        if len(classes) == 2:
            return (codes == 1).astype(int)[:, None]
        out = np.zeros((len(codes), len(classes)), dtype=int)
        out[np.arange(len(codes)), codes] = 1
        return out

    return transform


class BaseMLP(NamedOutputsMixin, SymbolicMixin, CallbackSupportMixin, BaseEstimator):
    """Shared fitting of the multi-layer perceptrons (see the subclasses)."""

    _parameter_constraints = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "dtype": [StrOptions({"float64", "float32"}), None],
        "checkpoint_dir": [str, os.PathLike, None],
        "hooks": [list, tuple, None],
    }
    _parameter_constraints.pop("loss", None)

    # -- fitting ------------------------------------------------------------------
    @with_callbacks
    @fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A sparse matrix is densified one minibatch (or one lbfgs row block)
            at a time.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels or a label-indicator matrix (multi-label) for the
            classifier, targets for the regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows' terms in the (fine-tuning) loss, normalised as a
            weighted mean.

        Returns
        -------
        self
        """
        self._begin_callbacks(X, y)
        self._fit(X, y, sample_weight=sample_weight, incremental=False)
        self._end_callbacks(X, y)
        return self

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
        self._check_hooks()
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        dtype = np.dtype(
            self.dtype
            if self.dtype is not None
            else (np.float32 if X.dtype == np.float32 else np.float64)
        )
        # A sparse X stays sparse (CSR): minibatches and lbfgs's row blocks are
        # densified one at a time.
        X = X.astype(dtype) if sp.issparse(X) else np.ascontiguousarray(X, dtype)
        Y = np.ascontiguousarray(Y.reshape(len(Y), -1), dtype=dtype)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=dtype)
        self.n_outputs_ = Y.shape[1]
        layer_units = [X.shape[1], *sizes, self.n_outputs_]
        self._checkpoint = None
        if self.checkpoint_dir is not None and self.solver in _STOCHASTIC:
            self._checkpoint = self._checkpoint_plan(
                X, Y, sample_weight, incremental, first_pass
            )
            self._random_state = np.random.RandomState(self._checkpoint["seed"])
        else:
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

    def _check_hooks(self):
        check_hooks(self)

    def _checkpoint_plan(self, X, Y, sample_weight, incremental, first_pass):
        """Where this fit checkpoints, its fingerprint and its seed
        (:func:`~sklearn_pylearn.training.resume.checkpoint_plan`; a warm start
        also digests the weights it starts from)."""
        weights = [] if first_pass else self.coefs_ + self.intercepts_
        sw = [] if sample_weight is None else [sample_weight]
        return checkpoint_plan(
            self.checkpoint_dir,
            self._run_params(),
            self.random_state,
            [X, Y, *sw, *weights],
            incremental=incremental,
        )

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

    def _fit_stochastic(self, X, Y, sample_weight, incremental, source=None):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        validation = None
        if source is None:
            weighted = sample_weight is not None
            sw = sample_weight if weighted else np.ones(X.shape[0], dtype=X.dtype)
            if self.early_stopping:
                X, Y, sw, val = self._split(X, Y, sw)
                validation = self._validation_scorer(val, weighted)
        step = self._train_step()
        trainer = self._make_trainer(step, incremental, validation)
        if source is None:
            source = MinibatchSource(
                X.shape[0],
                self._batch_size(X.shape[0]),
                shuffle=self.shuffle,
                random_state=self._random_state,
            ).bind(X, Y, sw)
        monitor = self._monitor()
        program = epoch_program(1 if incremental else self.max_iter, source.n_batches)
        program, extra = self._program_parts(program, X, incremental)
        callbacks = self._callback_hook(X, Y)
        plan = self._checkpoint or {"dir": None, "fingerprint": "", "seed": None}
        try:
            vm = run_training(
                program,
                trainer,
                source,
                hooks=[monitor, callbacks, *extra["hooks"], *(self.hooks or ())],
                verbose=bool(self.verbose),
                checkpoint_dir=plan["dir"],
                fingerprint=plan["fingerprint"],
                seed=plan["seed"],
                resume=not incremental,
                desc=type(self).__name__,
                context=extra["context"],
                progress=extra["progress"],
            )
        finally:
            self._store(trainer, monitor)
        if vm.interrupted:
            report_interrupt(
                type(self).__name__, self.n_iter_, plan["dir"], stacklevel=4
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

    def _program_parts(self, program, X, incremental):
        """The training program, with what it needs beyond the model and data.

        Returns ``(program, {"context": ..., "hooks": ..., "progress": ...})``;
        a subclass puts phases before the epochs (the DBN's pretraining).
        """
        return program, {"context": {}, "hooks": [], "progress": None}

    # -- streamed fit (ParquetDataset, DaskDataset) ----------------------------------
    @fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def _fit_stream(self, stream):
        """``fit`` on a streamed dataset: ``max_iter`` epochs over its minibatches.

        The dataset's ``batch_size`` and ``shuffle_buffer`` set the minibatches
        (this estimator's ``batch_size`` and ``shuffle`` apply to arrays); only
        a shuffle window is ever in memory. A classifier's classes are read
        first (the target column only). ``checkpoint_dir`` checkpoints the
        stream's position with the weights, so a killed fit resumes mid-epoch.
        """
        name = type(self).__name__
        if self.solver not in _STOCHASTIC:
            raise ValueError(
                f"{name}(solver={self.solver!r}) cannot train on a streamed "
                f"{type(stream).__name__}: L-BFGS needs every row at each step. "
                "Use solver='adam' (or 'sgd'), or load the data when it fits in "
                "memory: fit(dataset.to_dataset())."
            )
        if self.early_stopping:
            raise ValueError(
                f"{name}(early_stopping=True) holds out a validation split, which "
                "a streamed dataset cannot give; pass early_stopping=False (the "
                "training loss decides) or load the data: dataset.to_dataset()."
            )
        if "target" not in stream.fields:
            raise ValueError(
                f"{name}.fit: the streamed dataset has no 'target' field (its "
                f"fields are {list(stream.fields)!r}); name the target column: "
                "target='...'."
            )
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        self._check_hooks()
        first_pass = not (self.warm_start and hasattr(self, "coefs_"))
        X0 = validate_float_input(self, stream_input_probe(stream), reset=first_pass)
        dtype = np.dtype(
            self.dtype
            if self.dtype is not None
            else (np.float32 if X0.dtype == np.float32 else np.float64)
        )
        classes = getattr(self, "classes_", None)
        source = StreamSource(stream, self._stream_encoder(stream, dtype))
        if not first_pass and self._is_classifier():
            if set(self.classes_) != set(classes):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    f"in the previous call to fit. Previously got {classes}, the "
                    f"stream has {self.classes_}"
                )
        self._checkpoint = None
        if self.checkpoint_dir is not None:
            self._checkpoint = self._checkpoint_plan(
                source.fingerprint(), self.n_outputs_, None, False, first_pass
            )
            self._random_state = np.random.RandomState(self._checkpoint["seed"])
        else:
            self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize([X0.shape[1], *sizes, self.n_outputs_], dtype)
        elif self.coefs_[0].dtype != dtype:
            self.coefs_ = [c.astype(dtype) for c in self.coefs_]
            self.intercepts_ = [b.astype(dtype) for b in self.intercepts_]
        self._fit_stochastic(None, None, None, False, source=source)
        if not all(np.isfinite(p).all() for p in self.coefs_ + self.intercepts_):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        return self

    def _stream_encoder(self, stream, dtype):
        """Set the target's encoding (and ``n_outputs_``); return the batch encoder."""
        if self._is_classifier():
            binarizer = LabelBinarizer().fit(stream_unique(stream, "target"))
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self._check_classes(self.classes_)
            self.n_outputs_ = 1 if len(self.classes_) <= 2 else len(self.classes_)
            target = _fast_binarizer(binarizer)
        else:
            self.n_outputs_ = 1

            def target(y):
                return y

        def encode(batch):
            X = np.ascontiguousarray(batch.input, dtype=dtype)
            if not np.isfinite(X).all():
                raise ValueError(
                    f"{type(self).__name__}.fit: a minibatch of the stream holds "
                    "NaN or infinity; clean the data first."
                )
            Y = np.asarray(target(batch.target), dtype=dtype).reshape(len(X), -1)
            values = batch.to_dict()
            sw = values.get("weight")
            sw = np.ones(len(X), dtype) if sw is None else np.asarray(sw, dtype)
            return X, np.ascontiguousarray(Y), sw

        return encode

    def _run_params(self):
        return run_params(self)

    def _train_step(self):
        params = self.coefs_ + self.intercepts_
        return compile_step(
            params,
            mlp_graph.make_objective(self.activation, self.out_activation_),
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
        return trainer.rebind(step, params, validation=validation, samples_seen=self.t_)

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
        """``predict``'s raw graph output for ``X`` with the given parameters (a
        sparse ``X`` densified by row blocks)."""
        inputs = GraphInputs(X.dtype)
        X_sym = inputs.data("X", X[:1].toarray() if sp.issparse(X) else X)
        n = len(params) // 2
        W = [inputs.add(f"W{i}", p) for i, p in enumerate(params[:n])]
        b = [inputs.add(f"b{i}", p) for i, p in enumerate(params[n:])]
        _, logits = mlp_graph.forward(X_sym, W, b, self.activation)
        out = self._prediction_expr(logits)
        fn = compile_function(
            inputs.variables, out, name=f"{type(self).__name__}.predict"
        )
        if sp.issparse(X):
            return run_densified(fn, X, values=inputs.values[1:])
        return fn(*inputs.values)

    def _fit_lbfgs(self, X, Y, sample_weight):
        sw = (
            sample_weight
            if sample_weight is not None
            else np.ones(X.shape[0], dtype=X.dtype)
        )
        params = self.coefs_ + self.intercepts_
        total = float(sw.sum())
        # Large data (dense or sparse) is summed over row blocks, a sparse block
        # densified as it is read: sparse X never becomes dense as a whole.
        objective = row_block_objective(
            lambda blocked: self._loss_grad_function(params, blocked),
            X,
            (Y, sw),
            args=(self.alpha,),
            first_args=(self.alpha, total),
            other_args=(0.0, total),
        )
        new, opt_res = minimize_lbfgs(
            objective,
            params,
            (),
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
            },
            dtype=X.dtype,
            # scikit-learn's MLP asks scipy for every iterate (iprint=1).
            verbose=2 if self.verbose else 0,
        )
        self.n_iter_ = check_optimize_result("lbfgs", opt_res, self.max_iter)
        self.loss_ = float(opt_res.fun)
        n = len(self.coefs_)
        self.coefs_, self.intercepts_ = new[:n], new[n:]

    def _loss_grad_function(self, params, blocked=False):
        dtype = params[0].dtype
        syms = [placeholder(f"p{i}", p.ndim, dtype) for i, p in enumerate(params)]
        X, Y = placeholder("X", 2, dtype), placeholder("Y", 2, dtype)
        sw, alpha = placeholder("sw", 1, dtype), placeholder("alpha", 0, dtype)
        hyper = {"alpha": alpha}
        extra = [alpha]
        if blocked:  # one row block's share: divided by the total weight
            hyper["total_weight"] = placeholder("total_weight", 0, dtype)
            extra.append(hyper["total_weight"])
        objective = mlp_graph.make_objective(self.activation, self.out_activation_)
        obj, _ = objective(syms, X, Y, sw, hyper)
        grads = pytensor.grad(obj, syms)
        return compile_function(
            [*syms, X, Y, sw, *extra],
            [obj, *grads],
            name=f"{type(self).__name__}.loss_and_grad"
            + ("[block]" if blocked else ""),
        )

    # -- prediction graphs --------------------------------------------------------
    def _param_inputs(self, inputs):
        W = [inputs.add(f"W{i}", c) for i, c in enumerate(self.coefs_)]
        b = [inputs.add(f"b{i}", c) for i, c in enumerate(self.intercepts_)]
        return W, b

    def _forward(self, X, inputs):
        W, b = self._param_inputs(inputs)
        return mlp_graph.forward(X, W, b, self.activation)

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
            h = mlp_graph.apply_activation(self.activation, Z)
            W, b = self._param_inputs(inputs)
            _, logits = mlp_graph.forward(h, W, b, self.activation, start=1)
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

    # Sparse input: the graphs run on densified row blocks (base.run_graph), the
    # minibatches are densified one at a time, lbfgs sums over row blocks.
    _densify_sparse = True

    def _sparse_output(self, method):
        """Sparse input is accepted (densified by row blocks); outputs are dense."""
        return False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        return tags
