"""MLPClassifier and MLPRegressor: what differs between the two (targets, outputs,
scores); the shared fitting is :class:`~._base.BaseMLP`'s."""

import numpy as np
import pytensor.tensor as pt
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..base import CLASSIFIER_OUTPUTS, check_known_labels, class_columns
from ..symbolic.losses import squared_error_per_sample
from ..symbolic.nn import (
    binary_log_proba,
    binary_proba,
    log_sigmoid,
    log_softmax,
    softmax,
)
from ..training import fit_atomically
from ..utils._sklearn_compat import (
    StrOptions,
    check_partial_fit_first_call,
    fit_context,
)
from ..utils.validation import validate_float_input
from . import _mlp_graph as mlp_graph
from ._base import BaseMLP, _stochastic_solver

__all__ = ["MLPClassifier", "MLPRegressor"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier with compiled training and prediction.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, defaults, initial weights (for the same ``random_state``) and
    fitted attributes. Training runs one compiled function per minibatch whose
    hyper-parameters are inputs, so clones in a grid search share one compiled
    step; prediction and ``compute`` are compiled graphs, and the
    prediction fuses as the last step of :class:`sklearn_pylearn.pipeline.Pipeline`.

    Sparse input (CSR or CSC, as ``OneHotEncoder`` gives) is accepted by every
    method and gives the results of the same data dense: minibatches are densified
    one at a time, ``lbfgs`` sums over row blocks densified as they are read, and
    predictions run on densified row blocks, so a large sparse ``X`` is never
    dense as a whole.

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
    dtype : {"float64", "float32"} or None, default=None
        The parameters' and computations' float type (float32 is faster); None
        follows X (float32 input gives float32 ``coefs_``, as in scikit-learn;
        other input is float64).
    checkpoint_dir : str or path, default=None
        Write training checkpoints (solvers ``"sgd"`` and ``"adam"``) into a
        sub-directory named by a digest of the parameters and the data, so the
        fits of a search (each candidate and fold) never share one. A fit started
        again with the same directory, data and parameters resumes where the last
        one stopped ("resumed from epoch N of DIR"), also without a fixed
        ``random_state``: the seed drawn is recorded in the checkpoint. If that
        fit had finished, its result is loaded instead of training again, and
        the log says so; remove the directory to train afresh. ``partial_fit``
        writes a checkpoint after each call and never resumes.
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
        dtype=None,
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

    @available_if(_stochastic_solver)
    @fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
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
        if check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self._check_classes(self._label_binarizer.classes_)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _check_classes(self, classes):
        """A single class fits (as in scikit-learn): one logistic unit whose
        ``predict`` is always that class."""

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
            return softmax(logits)
        if self._multilabel:
            return pt.sigmoid(logits)
        return binary_proba(logits[:, 0])

    def _predict_log_proba_expr(self, logits):
        if self.out_activation_ == "softmax":
            return log_softmax(logits)
        if self._multilabel:
            return log_sigmoid(logits)
        return binary_log_proba(logits[:, 0])

    def _symbolic_predict_proba(self, X, inputs):
        _, logits = self._forward(X, inputs)
        return self._predict_proba_expr(logits)

    def _symbolic_predict_log_proba(self, X, inputs):
        _, logits = self._forward(X, inputs)
        return self._predict_log_proba_expr(logits)

    def _validation_score(self, raw, Y_val, sw_val):
        pred = self._finish_method("predict", raw)
        y_true = self._label_binarizer.inverse_transform(Y_val)
        return accuracy_score(y_true, pred, sample_weight=sw_val)

    def _finish_method(self, method, value):
        if method == "predict" and not self._multilabel:
            # One class: the logistic unit's "positive" index maps to it too.
            return self.classes_[np.minimum(np.asarray(value), len(self.classes_) - 1)]
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
        """Mean accuracy; labels not seen in fit count as wrong (as in
        scikit-learn)."""
        check_is_fitted(self)
        return super().score(X, y, sample_weight=sample_weight)

    # named outputs
    def _available_outputs(self):
        return {**CLASSIFIER_OUTPUTS, **self._hidden_outputs()}

    def _encode_target(self, y, dtype):
        y = np.asarray(y)
        if not self._multilabel:
            check_known_labels(self, unique_labels(y))
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
            exprs["nll"] = mlp_graph.per_sample_loss(self.out_activation_, logits, y)
            if self.out_activation_ == "softmax":
                wrong = pt.neq(pt.argmax(logits, axis=1), pt.argmax(y, axis=1))
            else:
                wrong = pt.neq(pt.gt(logits, 0), pt.gt(y, 0.5)).mean(axis=1)
            exprs["class_error"] = pt.cast(wrong, X.dtype)
        return {name: exprs[name] for name in names}

    def _output_columns(self, name, value):
        if name in ("proba", "log_proba"):
            columns = class_columns(self, name, value)
            if columns is not None:
                return columns
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
    Sparse input (CSR or CSC) gives the results of the same data dense, as for
    :class:`MLPClassifier`.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        ``"poisson"``: an exponential output unit and scikit-learn's Poisson
        loss, for non-negative targets (counts, rates).
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
        "loss": [StrOptions({"squared_error", "poisson"})],
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
        dtype=None,
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
        return "exp" if self.loss == "poisson" else "identity"

    @available_if(_stochastic_solver)
    @fit_context(prefer_skip_nested_validation=True)
    @fit_atomically
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing the optimiser's state."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_float_input(
            self, X, reset=reset, y=y, multi_output=True, y_numeric=True
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "MLPRegressor(loss='poisson'): some value(s) of y are negative, "
                f"which is not allowed for Poisson regression (min(y) = {y.min()!r}); "
                "use loss='squared_error' or shift the targets."
            )
        return X, y

    def _prediction_expr(self, logits):
        if self.out_activation_ == "exp":
            logits = pt.exp(logits)
        return logits[:, 0] if self.n_outputs_ == 1 else logits

    def _validation_score(self, raw, Y_val, sw_val):
        y_true = Y_val[:, 0] if self.n_outputs_ == 1 else Y_val
        if not np.isfinite(raw).all():
            # A diverging validation score: recorded as NaN, never an
            # improvement, and training goes on (as in scikit-learn).
            return np.nan
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
            out = pt.exp(logits) if self.out_activation_ == "exp" else logits
            exprs["squared_error"] = squared_error_per_sample(out, y)
        return {name: exprs[name] for name in names}
