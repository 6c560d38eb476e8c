"""LogisticRegression's minibatch solvers (``"sgd"``, ``"adam"``): on arrays and on
streamed datasets, as a runtime program with hooks, checkpoints and resume.

The checkpoint plan, the hook check and the interrupt report are the MLPs'
(:mod:`sklearn_pylearn.training.resume`): each fit checkpoints into its own
sub-directory of ``checkpoint_dir``, a fit started again resumes where the last
one stopped (mid-epoch on a stream), and Ctrl-C stops after the current
minibatch with one warning.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import compute_class_weight
from sklearn.utils.validation import check_random_state

from ..data import StreamSource
from ..data._feed import iter_fields, label_codes, stream_input_probe
from ..training import (
    ConvergenceMonitor,
    MinibatchSource,
    MinibatchTrainer,
    compile_step,
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
from ..utils._sklearn_compat import fit_context
from ..utils.validation import validate_float_input
from . import _logistic_graph as logistic_graph

__all__ = ["MinibatchLogisticMixin"]


class MinibatchLogisticMixin:
    """The minibatch fits of :class:`LogisticRegression` (see there)."""

    def _checkpoint_plan(self, data, n_features, n_outputs, dtype):
        """This fit's checkpoint directory, fingerprint and seed, or None.

        ``data`` identifies what the fit trains on (arrays, or a stream's
        fingerprint); the starting weights (a warm start's) are digested too.
        """
        if self.checkpoint_dir is None:
            return None
        w0 = self._initial_parameters(n_features, n_outputs, dtype)
        return checkpoint_plan(
            self.checkpoint_dir, run_params(self), self.random_state, [*data, w0]
        )

    def _fit_arrays_minibatch(self, X, codes, n_classes, weight):
        """``fit`` on arrays with ``solver="sgd"`` or ``"adam"``."""
        n_samples = X.shape[0]
        target = self._target(codes, n_classes, X.dtype)
        plan = self._checkpoint_plan(
            [X, target, weight], X.shape[1], self._n_outputs(n_classes), X.dtype
        )
        rng = (
            check_random_state(self.random_state)
            if plan is None
            else np.random.RandomState(plan["seed"])
        )
        source = MinibatchSource(
            n_samples,
            min(200, n_samples) if self.batch_size == "auto" else self.batch_size,
            random_state=rng,
        ).bind(X, target, weight)
        return self._fit_minibatch(
            X.shape[1], X.dtype, n_classes, weight.sum(), source, plan
        )

    def _fit_minibatch(self, n_features, dtype, n_classes, weight_sum, source, plan):
        n_outputs = self._n_outputs(n_classes)
        w0 = self._initial_parameters(n_features, n_outputs, dtype)
        coef, intercept = self._split(w0, n_features, n_outputs)
        params = [np.ascontiguousarray(coef.T, dtype=dtype)]
        if self.fit_intercept:
            params.append(intercept.astype(dtype))
        trainer = self._trainer(params, n_outputs, dtype, weight_sum)
        monitor = ConvergenceMonitor(
            tol=self.tol, n_iter_no_change=self.n_iter_no_change
        )
        plan = plan or {"dir": None, "fingerprint": "", "seed": None}
        vm = run_training(
            epoch_program(self.max_iter, source.n_batches),
            trainer,
            source,
            hooks=[monitor, *(self.hooks or ())],
            verbose=bool(self.verbose),
            checkpoint_dir=plan["dir"],
            fingerprint=plan["fingerprint"],
            seed=plan["seed"],
            desc=type(self).__name__,
        )
        if vm.interrupted:
            # No epoch finished: raises, and fit_atomically restores the estimator.
            report_interrupt(
                type(self).__name__, trainer.n_iter_, plan["dir"], stacklevel=5
            )
        elif vm.stop_reason is None and trainer.n_iter_ == self.max_iter:
            warnings.warn(
                f"{self.solver} reached max_iter={self.max_iter} epochs without the "
                f"training loss improving by tol={self.tol} for "
                f"{self.n_iter_no_change} epochs: increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=4,
            )
        self.loss_curve_ = list(monitor.loss_curve)
        coef = np.ascontiguousarray(trainer.params[0].T, dtype=np.float64)
        intercept = (
            np.asarray(trainer.params[1], dtype=np.float64)
            if self.fit_intercept
            else np.zeros(n_outputs)
        )
        return coef, intercept, trainer.n_iter_

    @fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def _fit_stream(self, stream):
        """``fit`` on a streamed dataset (``solver="sgd"`` or ``"adam"``).

        A first pass reads the target (and weight) columns only: the classes,
        the class weights and the weight total of the L2 term. Then
        ``max_iter`` epochs over the stream's minibatches (its ``batch_size``
        and ``shuffle_buffer``; this estimator's ``batch_size`` applies to
        arrays). ``checkpoint_dir`` checkpoints the stream's position with the
        weights, so a killed fit resumes mid-epoch.
        """
        self._check_penalty()
        check_hooks(self)
        if self.solver == "lbfgs":
            raise ValueError(
                f"LogisticRegression(solver='lbfgs') cannot train on a streamed "
                f"{type(stream).__name__}: L-BFGS needs every row at each step. Use "
                "solver='adam' (or 'sgd'), or load the data when it fits in "
                "memory: fit(dataset.to_dataset())."
            )
        if "target" not in stream.fields:
            raise ValueError(
                "LogisticRegression.fit: the streamed dataset has no 'target' "
                f"field (its fields are {list(stream.fields)!r}); name the target "
                "column: target='...'."
            )
        X0 = validate_float_input(self, stream_input_probe(stream), reset=True)
        encoder, weight_sum, per_class = self._stream_targets(stream, X0.dtype)
        n_classes, dtype = len(encoder.classes_), X0.dtype

        def encode(batch):
            values = batch.to_dict()
            X = np.ascontiguousarray(values["input"], dtype=dtype)
            codes = label_codes(encoder.classes_, values["target"])
            if codes is None:  # an unseen label: the encoder's own error
                codes = encoder.transform(values["target"])
            sw = values.get("weight")
            sw = np.ones(len(X), dtype) if sw is None else np.asarray(sw, dtype)
            return X, self._target(codes, n_classes, dtype), sw * per_class[codes]

        vars(self).pop("loss_curve_", None)
        source = StreamSource(stream, encode)
        plan = self._checkpoint_plan(
            [source.fingerprint()], X0.shape[1], self._n_outputs(n_classes), dtype
        )
        coef, intercept, n_iter = self._fit_minibatch(
            X0.shape[1], dtype, n_classes, weight_sum, source, plan
        )
        self.classes_ = encoder.classes_
        self.coef_ = np.asarray(coef, dtype=dtype)
        self.intercept_ = np.asarray(intercept, dtype=dtype)
        self.n_iter_ = np.array([min(n_iter, self.max_iter)], dtype=np.int32)
        return self

    def _stream_targets(self, stream, dtype):
        """Classes, total (class-)weight and per-class weights, by one pass over
        the target and weight columns."""
        fields = ("target", "weight") if "weight" in stream.fields else ("target",)
        labels, counts, weights = [], [], []
        for piece in iter_fields(stream, fields):
            y, first = np.unique(piece["target"], return_inverse=True)
            w = piece.get("weight")
            labels.append(y)
            counts.append(np.bincount(first, minlength=len(y)))
            weights.append(
                np.bincount(first, weights=w, minlength=len(y))
                if w is not None
                else counts[-1].astype(np.float64)
            )
        classes = np.unique(np.concatenate(labels))
        if len(classes) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0].item()!r}."
            )
        total_counts = np.zeros(len(classes))
        total_weights = np.zeros(len(classes))
        for y, c, w in zip(labels, counts, weights):
            idx = np.searchsorted(classes, y)
            total_counts[idx] += c
            total_weights[idx] += w
        encoder = LabelEncoder().fit(classes)
        per_class = np.ones(len(classes))
        if isinstance(self.class_weight, str):  # "balanced", from the counts
            per_class = total_counts.sum() / (len(classes) * total_counts)
        elif self.class_weight is not None:
            per_class = compute_class_weight(
                self.class_weight, classes=classes, y=classes
            )
        per_class = per_class.astype(dtype)
        return encoder, float((total_weights * per_class).sum()), per_class

    def _trainer(self, params, n_outputs, dtype, weight_sum):
        step = compile_step(
            params,
            logistic_graph.minibatch_objective(n_outputs == 1, self.fit_intercept),
            solver=self.solver,
            y_ndim=1 if n_outputs == 1 else 2,
            hyper_names=("l2",),
            name=f"{type(self).__name__}.train_step",
            key=("logistic", n_outputs == 1, self.fit_intercept, len(params)),
        )
        if self.solver == "sgd":
            solver_params = {"momentum": 0.0}
        else:
            solver_params = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}
        l2 = 0.0 if self.penalty is None else 1.0 / (self.C * weight_sum)
        return MinibatchTrainer(
            step,
            params,
            learning_rate_init=self.learning_rate_init,
            hyper={"l2": l2},
            solver_params=solver_params,
        )
