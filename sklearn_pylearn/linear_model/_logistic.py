"""LogisticRegression: compiled loss and gradient for L-BFGS, compiled prediction."""

import os
import warnings
from numbers import Integral, Real

import numpy as np
import pytensor.tensor as pt
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..base import (
    CLASSIFIER_OUTPUTS,
    NamedOutputsMixin,
    SymbolicMixin,
    check_known_labels,
    class_columns,
)
from ..symbolic.affine import AffineMap
from ..symbolic.compile import compile_function
from ..symbolic.inputs import GraphInputs
from ..training import (
    LbfgsCallbacks,
    fit_atomically,
    minimize_lbfgs,
    row_block_objective,
)
from ..training.resume import check_hooks
from ..utils._sklearn_compat import (
    CallbackSupportMixin,
    Interval,
    StrOptions,
    check_sample_weight,
    fit_context,
)
from ..utils.validation import validate_float_input
from . import _logistic_graph as logistic_graph
from ._logistic_minibatch import MinibatchLogisticMixin

__all__ = ["LogisticRegression"]


class LogisticRegression(
    MinibatchLogisticMixin,
    NamedOutputsMixin,
    SymbolicMixin,
    CallbackSupportMixin,
    ClassifierMixin,
    BaseEstimator,
):
    """Logistic regression (binary and multinomial) trained by compiled graphs.

    ``solver="lbfgs"`` hands one compiled loss-and-gradient function to
    ``scipy.optimize.minimize(method="L-BFGS-B")`` and minimises scikit-learn's
    objective, so coefficients match :class:`sklearn.linear_model.LogisticRegression`
    with ``solver="lbfgs"`` on the same data and settings. ``solver="sgd"`` and
    ``"adam"`` train by minibatches as a runtime program. Prediction,
    probabilities and named outputs (``compute``) are compiled graphs that fuse
    as the final step of :class:`sklearn_pylearn.pipeline.Pipeline`.

    Sparse input (CSR or CSC ``scipy.sparse`` matrices or arrays, as
    ``OneHotEncoder`` gives) is accepted by every method and gives the results of
    the same data dense: minibatches are densified one at a time, ``lbfgs`` sums
    its objective over blocks of rows densified as they are read, and
    predictions run on densified row blocks, so a large sparse ``X`` is never
    dense as a whole.

    Parameters
    ----------
    penalty : {"l2", None}, default="l2"
        L2 penalty on the coefficients (not the intercept), or none.
    C : float, default=1.0
        Inverse regularisation strength; ``np.inf`` means no penalty (as
        scikit-learn's way to ask for it). With ``penalty=None``, ``C`` is
        ignored and a value other than 1.0 warns, as in scikit-learn.
    fit_intercept : bool, default=True
    class_weight : dict or "balanced", default=None
        Weights multiplying each sample's weight by its class's.
    solver : {"lbfgs", "sgd", "adam"}, default="lbfgs"
    max_iter : int, default=100
        L-BFGS iterations, or epochs for the minibatch solvers.
    tol : float, default=1e-4
        L-BFGS: tolerance on the projected gradient; minibatch solvers: minimum
        improvement of the training loss over ``n_iter_no_change`` epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds the minibatch order (minibatch solvers).
    learning_rate_init : float, default=0.01
        Step size of the minibatch solvers.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    n_iter_no_change : int, default=5
        Epochs without improvement before a minibatch solver stops.
    verbose : int, default=0
        ``lbfgs``: the L-BFGS-B report on stdout (``At iterate N f= ...
        |proj g|= ...``), every 50th iterate with 1 and every iterate with 2 or
        more, as scikit-learn asked scipy for it; minibatch solvers: scikit-learn's
        ``Iteration N, loss = ...`` lines and a progress bar.
    warm_start : bool, default=False
        Start from the previous solution.
    l1_ratio : float or None, default=None
        Only ``None`` or ``0.0`` (the L2 penalty): elastic-net and L1 are not
        supported, and any other value is a ``ValueError``.
    n_jobs : int or None, default=None
        Accepted for scikit-learn compatibility (deprecated there) and ignored:
        the compiled graphs use the cores themselves.
    checkpoint_dir : str or path, default=None
        Write training checkpoints (solvers ``"sgd"`` and ``"adam"``; ignored by
        ``"lbfgs"``, which runs inside scipy) into a sub-directory named by a
        digest of the parameters and the data, so the fits of a search (each
        candidate and fold) never share one. A fit started again with the same
        directory, data and parameters resumes where the last one stopped
        ("resumed from epoch N of DIR"; mid-epoch on a streamed dataset), also
        without a fixed ``random_state``: the seed drawn is recorded in the
        checkpoint. If that fit had finished, its result is loaded instead of
        training again, and the log says so; remove the directory to train
        afresh. Not a scikit-learn parameter.
    hooks : list of sklearn_pylearn.runtime.Hook, default=None
        More hooks for the training program of ``"sgd"`` and ``"adam"``
        (ignored by ``"lbfgs"``). Ctrl-C stops those solvers after the current
        minibatch: the model keeps the weights of that moment and a warning
        says how to resume (an interrupt before the first epoch ends raises
        ``KeyboardInterrupt`` and leaves the estimator as it was). Not a
        scikit-learn parameter.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,)
    loss_curve_ : list of float
        The training loss after each epoch (``solver="sgd"`` or ``"adam"`` only;
        L-BFGS records none).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_pylearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=200).fit(X, y)
    >>> clf.predict(X[:2])
    array([0, 0])
    >>> clf.compute(X[:2], y[:2], outputs=["prediction", "nll"]).columns.tolist()
    ['prediction', 'nll']
    """

    _parameter_constraints = {
        "penalty": [StrOptions({"l2"}), None],
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "n_jobs": [Integral, None],
        "checkpoint_dir": [str, os.PathLike, None],
        "hooks": [list, tuple, None],
    }

    def __init__(
        self,
        penalty="l2",
        *,
        C=1.0,
        fit_intercept=True,
        class_weight=None,
        solver="lbfgs",
        max_iter=100,
        tol=1e-4,
        random_state=None,
        learning_rate_init=0.01,
        batch_size="auto",
        n_iter_no_change=5,
        verbose=0,
        warm_start=False,
        l1_ratio=None,
        n_jobs=None,
        checkpoint_dir=None,
        hooks=None,
    ):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose
        self.warm_start = warm_start
        self.l1_ratio = l1_ratio
        self.n_jobs = n_jobs
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    # ------------------------------------------------------------------ fit

    @fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the (weighted) log-loss.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : LogisticRegression
        """
        self._check_penalty()
        check_hooks(self)
        X, y = validate_float_input(self, X, reset=True, y=y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {encoder.classes_[0].item()!r}."
            )
        codes = encoder.transform(y)
        weight = self._sample_weight(X, encoder, codes, sample_weight)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        context = self._begin_callbacks(X, y, metadata)
        vars(self).pop("loss_curve_", None)  # a previous minibatch fit's
        if self.solver == "lbfgs":
            fit = self._fit_lbfgs(
                X, codes, encoder.classes_, weight, callback_data=(y, metadata)
            )
        else:  # scikit-learn calls callbacks for the lbfgs iterations only
            fit = self._fit_arrays_minibatch(X, codes, len(encoder.classes_), weight)
        coef, intercept, n_iter = fit
        self.classes_ = encoder.classes_
        # float32 input gives float32 coefficients, as in scikit-learn.
        self.coef_ = np.asarray(coef, dtype=X.dtype)
        self.intercept_ = np.asarray(intercept, dtype=X.dtype)
        self.n_iter_ = np.array([min(n_iter, self.max_iter)], dtype=np.int32)
        if context is not None:
            context.call_on_fit_task_end(
                estimator=self,
                X=X,
                y=y,
                metadata=metadata,
                reconstruction_attributes={},
            )
        return self

    def set_callbacks(self, *callbacks):
        """Set scikit-learn callbacks (``sklearn.callback``, scikit-learn 1.9+).

        As in scikit-learn, they are called for ``solver="lbfgs"`` only: the fit
        is a task whose subtasks are the L-BFGS iterations (``"lbfgs-iter"``);
        another solver warns that they are ignored (the fit task itself still
        begins and ends).

        Parameters
        ----------
        *callbacks : callback instances
            The callbacks to set.

        Returns
        -------
        self : LogisticRegression
        """
        if not hasattr(self, "_init_callback_context"):
            raise AttributeError(
                "set_callbacks needs scikit-learn 1.9 or later (sklearn.callback); "
                "upgrade scikit-learn to use callbacks."
            )
        if self.solver != "lbfgs":
            warnings.warn(
                f"Callbacks are only supported in {type(self).__name__} for"
                f" solver='lbfgs'. This estimator has solver='{self.solver}', "
                "callbacks will be ignored during the solving of the regression.",
                stacklevel=2,
            )
        return super().set_callbacks(*callbacks)

    def _begin_callbacks(self, X, y, metadata):
        """The fit's callback context (scikit-learn 1.9+), its task begun."""
        if not hasattr(self, "_init_callback_context"):
            return None
        # As scikit-learn: one subtask per L-BFGS iteration (one even when
        # max_iter is 0) and the empty one begun after the last.
        context = self._init_callback_context(max_subtasks=max(self.max_iter, 1) + 1)
        context.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        return context

    def _lbfgs_callbacks(self, X, classes, w0, n_outputs, callback_data):
        """The bridge from scipy's iterations to the callbacks, or None."""
        context = getattr(self, "_callback_fit_ctx", None)
        if context is None or not hasattr(self, "_skl_callbacks"):
            return None
        n_features = X.shape[1]

        def reconstruct(w):
            coef, intercept = self._split(w, n_features, n_outputs)
            return {
                "classes_": classes,
                "coef_": coef.astype(X.dtype),
                "intercept_": intercept.astype(X.dtype),
            }

        y, metadata = callback_data
        return LbfgsCallbacks(context, self, X, y, metadata, w0, reconstruct)

    def _dense_coef(self):
        """``coef_`` as an array (``sparsify`` may have made it a CSR matrix)."""
        coef = self.coef_
        return coef.toarray() if sp.issparse(coef) else coef

    def sparsify(self):
        """Store ``coef_`` as a ``scipy.sparse`` CSR matrix (as scikit-learn).

        Predictions are unchanged: the compiled graphs read it densified.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        self.coef_ = sp.csr_matrix(self.coef_)
        return self

    def densify(self):
        """Store ``coef_`` as a NumPy array again (undoes :meth:`sparsify`).

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def _check_penalty(self):
        if self.l1_ratio not in (None, 0.0):
            raise ValueError(
                f"LogisticRegression supports only the L2 penalty, got "
                f"l1_ratio={self.l1_ratio!r} (elastic-net); use l1_ratio=None or "
                "0.0, or scikit-learn's LogisticRegression(solver='saga')."
            )
        if self.penalty is None and self.C != 1.0:
            warnings.warn(
                "Setting penalty=None will ignore the C and l1_ratio parameters",
                UserWarning,
                stacklevel=3,
            )

    def _sample_weight(self, X, encoder, codes, sample_weight):
        weight = check_sample_weight(sample_weight, X, dtype=X.dtype)
        if self.class_weight is not None:
            per_class = compute_class_weight(
                self.class_weight, classes=encoder.classes_, y=encoder.classes_[codes]
            )
            weight = weight * per_class[codes].astype(X.dtype)
        return weight

    def _n_outputs(self, n_classes):
        return 1 if n_classes == 2 else n_classes

    def _initial_parameters(self, n_features, n_outputs, dtype):
        width = n_features + int(self.fit_intercept)
        w0 = np.zeros((n_outputs, width), dtype=np.float64)
        warm = self.warm_start and getattr(self, "coef_", None) is not None
        if warm and self.coef_.shape == (n_outputs, n_features):
            w0[:, :n_features] = self._dense_coef()
            if self.fit_intercept:
                w0[:, n_features] = self.intercept_
        return w0.ravel()

    def _target(self, codes, n_classes, dtype):
        if n_classes == 2:
            return codes.astype(dtype)
        return np.eye(n_classes, dtype=dtype)[codes]

    def _objective(self, dtype, n_outputs, blocked=False):
        inputs = GraphInputs(dtype)
        w = inputs.placeholder("w", 1)
        X = inputs.placeholder("X", 2)
        target = inputs.placeholder("target", 1 if n_outputs == 1 else 2)
        sw = inputs.placeholder("sample_weight", 1)
        total = inputs.placeholder("total_weight", 0) if blocked else None
        l2 = inputs.placeholder("l2", 0)
        loss, grad = logistic_graph.objective_and_gradient(
            w, X, target, sw, l2, n_outputs, self.fit_intercept, total
        )
        return compile_function(
            inputs.variables,
            [loss, grad],
            name="LogisticRegression.objective" + ("[block]" if blocked else ""),
        )

    def _fit_lbfgs(self, X, codes, classes, weight, callback_data):
        n_classes = len(classes)
        n_outputs = self._n_outputs(n_classes)
        target = self._target(codes, n_classes, X.dtype)
        l2 = 0.0 if self.penalty is None else 1.0 / (self.C * weight.sum())
        total = float(weight.sum())
        # Large data (dense or sparse) is summed over row blocks, a sparse block
        # densified as it is read: sparse X never becomes dense as a whole.
        objective = row_block_objective(
            lambda blocked: self._objective(X.dtype, n_outputs, blocked),
            X,
            (target, weight),
            args=(l2,),
            first_args=(total, l2),
            other_args=(total, 0.0),
        )

        w0 = self._initial_parameters(X.shape[1], n_outputs, X.dtype)
        callbacks = self._lbfgs_callbacks(X, classes, w0, n_outputs, callback_data)
        _, result = minimize_lbfgs(
            objective,
            [w0],
            (),
            dtype=X.dtype,
            verbose=self.verbose,
            callback=callbacks,
            options={
                "maxiter": self.max_iter,
                "maxls": 50,
                "gtol": self.tol,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        if callbacks is not None:
            callbacks.close()
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iteration(s) "
                f"(status={result.status}): {result.message}. Increase the number of "
                "iterations (max_iter) or scale the data, for instance with "
                "sklearn_pylearn.preprocessing.StandardScaler.",
                ConvergenceWarning,
                stacklevel=3,
            )
        coef, intercept = self._split(result.x, X.shape[1], n_outputs)
        return coef, intercept, result.nit

    def _split(self, w, n_features, n_outputs):
        W = np.asarray(w, dtype=np.float64).reshape(n_outputs, -1)
        coef = np.ascontiguousarray(W[:, :n_features])
        intercept = (
            W[:, n_features].copy() if self.fit_intercept else np.zeros(n_outputs)
        )
        return coef, intercept

    # ------------------------------------------------------------ prediction

    def _binary(self):
        return len(self.classes_) == 2

    def _decision_graph(self, X, inputs):
        coef_t = inputs.add("coef_t", self._dense_coef().T)
        intercept = (
            inputs.add("intercept", self.intercept_) if self.fit_intercept else None
        )
        return logistic_graph.decision(X, coef_t, intercept, self._binary())

    def _from_decision(self, z, method):
        if method == "decision_function":
            return z
        if method == "predict_proba":
            return logistic_graph.proba(z)
        if method == "predict_log_proba":
            return logistic_graph.log_proba(z)
        return pt.cast(z > 0, "int64") if self._binary() else pt.argmax(z, axis=1)

    def _symbolic_decision_function(self, X, inputs):
        return self._decision_graph(X, inputs)

    def _symbolic_predict_proba(self, X, inputs):
        return self._from_decision(self._decision_graph(X, inputs), "predict_proba")

    def _symbolic_predict_log_proba(self, X, inputs):
        return self._from_decision(self._decision_graph(X, inputs), "predict_log_proba")

    def _symbolic_predict(self, X, inputs):
        return self._from_decision(self._decision_graph(X, inputs), "predict")

    def _symbolic_from_head(self, Z, inputs, method):
        """``method``'s graph given ``Z = X @ coef_.T + intercept_`` (folded)."""
        z = Z[:, 0] if self._binary() else Z
        return self._from_decision(z, method)

    def _finish_method(self, method, value):
        if method == "predict":
            return self.classes_.take(value)
        return value

    def _affine_head(self):
        """The decision function as an affine map (for folding into pipelines)."""
        check_is_fitted(self)
        offset = self.intercept_ if self.fit_intercept else None
        return AffineMap(weight=self._dense_coef().T, offset=offset)

    def decision_function(self, X):
        """Decision values ``X @ coef_.T + intercept_`` (a vector when binary)."""
        return self._run_symbolic(X, "decision_function")

    def predict(self, X):
        """Predicted class labels."""
        return self._run_symbolic(X, "predict")

    def predict_proba(self, X):
        """Class probabilities, one column per class of ``classes_``."""
        return self._run_symbolic(X, "predict_proba")

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed stably."""
        return self._run_symbolic(X, "predict_log_proba")

    def score(self, X, y, sample_weight=None):
        """Mean accuracy; labels not seen in fit count as wrong (as in
        scikit-learn), so a fold missing a class scores 0, not an error."""
        check_is_fitted(self)
        return super().score(X, y, sample_weight=sample_weight)

    # --------------------------------------------------------- named outputs

    def _available_outputs(self):
        return dict(CLASSIFIER_OUTPUTS)

    def _encode_target(self, y, dtype):
        check_known_labels(self, y)
        return np.searchsorted(self.classes_, np.asarray(y)).astype(np.int64)

    def _build_outputs(self, X, y, inputs, names):
        z = self._decision_graph(X, inputs)
        log_p = logistic_graph.log_proba(z)
        predicted = pt.argmax(log_p, axis=1)
        exprs = {
            "prediction": predicted,
            "proba": pt.exp(log_p),
            "log_proba": log_p,
            "decision": z,
        }
        if y is not None:
            exprs["nll"] = -log_p[pt.arange(y.shape[0]), y]
            exprs["class_error"] = pt.neq(predicted, y).astype(X.dtype)
        return {name: exprs[name] for name in names}

    def _output_columns(self, name, value):
        return class_columns(self, name, value) or super()._output_columns(name, value)

    # Sparse input: the graphs run on densified row blocks (base.run_graph), the
    # minibatches are densified one at a time, lbfgs sums over row blocks.
    _densify_sparse = True

    def _sparse_output(self, method):
        """Sparse input is accepted (densified by row blocks); outputs are dense."""
        return False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.input_tags.sparse = True
        return tags
