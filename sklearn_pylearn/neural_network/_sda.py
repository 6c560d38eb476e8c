"""StackedDenoisingAutoencoderClassifier and ...Regressor: denoising autoencoders
pretrained greedily, layer on layer, then fine-tuned as a multi-layer perceptron,
in one training program."""

from numbers import Real

import numpy as np
from sklearn.utils.metaestimators import available_if

from ..graph.macros import SdA
from ..utils._sklearn_compat import Interval, StrOptions
from ._dbn import _no_partial_fit, deep_constraints, layer_graph
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._pretraining import PretrainedMLPMixin

__all__ = [
    "StackedDenoisingAutoencoderClassifier",
    "StackedDenoisingAutoencoderRegressor",
]

_SDA_CONSTRAINTS = deep_constraints(
    activation=[StrOptions({"logistic", "tanh", "relu"})],
    corruption=[StrOptions({"binomial", "gaussian"})],
    corruption_levels=[Interval(Real, 0, None, closed="left"), "array-like"],
)


class _SdAMixin(PretrainedMLPMixin):
    _layer_prefix = "daa"

    def _levels(self):
        levels = self.corruption_levels
        n = len(self._sizes())
        if isinstance(levels, Real):
            return [float(levels)] * n
        levels = [float(v) for v in np.ravel(levels)]
        if len(levels) != n or min(levels, default=0.0) < 0:
            raise ValueError(
                f"{type(self).__name__}: corruption_levels must be one level >= 0 "
                f"or one per hidden layer ({n}), got {self.corruption_levels!r}. "
                "Pass a scalar, or a list as long as hidden_layer_sizes."
            )
        return levels

    def _check_pretrain_params(self):
        self._levels()

    def _layer_corruption(self):
        return self.corruption

    def _layer_trainer(self, i, fan_in, fan_out, data, rs, dtype):
        level = self._levels()[i]
        return self._daa_trainer(fan_in, fan_out, data, rs, dtype, level)


class StackedDenoisingAutoencoderClassifier(_SdAMixin, MLPClassifier):
    """Stacked denoising autoencoder classifier: each hidden layer pretrained as a
    denoising autoencoder on the layer below, then the network fine-tuned.

    ``fit`` runs ONE training program (``est.training_program(n_samples)``
    prints it): each layer is trained as :class:`DenoisingAutoencoder` trains
    (corrupted input, tied weights, cross-entropy reconstruction of the clean
    input, plain SGD) on the code of the layers below, then the whole network is
    fine-tuned by the solver of :class:`MLPClassifier`. Checkpoints, resume after
    a kill anywhere, and compiled steps whose hyper-parameters (corruption levels
    included) are inputs, as for :class:`DBNClassifier`. The first layer
    reconstructs ``X`` with logistic outputs and the cross-entropy: scale ``X`` into
    [0, 1]. ``sample_weight`` weighs the fine-tuning loss only.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    activation : {"logistic", "tanh", "relu"}, default="logistic"
        The hidden units' activation (pretraining and fine-tuning); the graph of
        ``model_`` (the ``SdA`` macro) has logistic units.
    corruption : {"binomial", "gaussian"}, default="binomial"
        Masking noise or additive Gaussian noise.
    corruption_levels : float or array-like of shape (n_layers - 2,), default=0.1
        One level for every layer, or one per layer.
    pretrain_epochs : int, default=10
    pretrain_learning_rate : float, default=0.1
    pretrain_batch_size : int, default=10
        Rows per pretraining minibatch. Pretraining is unweighted: ``fit``'s
        ``sample_weight`` weighs the fine-tuning loss only.
    pretrain_only : bool, default=False
        Stop after pretraining; fine-tune later with ``warm_start=True``.
    solver, alpha, batch_size, learning_rate, learning_rate_init, power_t,
    max_iter, shuffle, random_state, tol, verbose, warm_start, momentum,
    nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2,
    epsilon, n_iter_no_change, dtype, checkpoint_dir, hooks
        As for :class:`DBNClassifier`.

    Attributes
    ----------
    coefs_, intercepts_, classes_, loss_, best_loss_, loss_curve_, n_iter_,
    n_layers_, n_outputs_, out_activation_, t_, validation_scores_,
    best_validation_score_, n_features_in_, feature_names_in_
        As in :class:`MLPClassifier`.
    intercepts_visible_ : list of ndarray
        Each autoencoder's reconstruction biases.
    pretrain_loss_curves_ : list of list of float
        Per layer, the mean reconstruction cross-entropy of each pretraining epoch.
    model_ : sklearn_pylearn.graph.Model
        The fitted network as the annotated graph ``SdA`` > ``daa1`` ... >
        ``logreg`` (logistic units only), built from the fitted arrays.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_pylearn.neural_network import (
    ...     StackedDenoisingAutoencoderClassifier)
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X[:200] / 16; y = y[:200]
    >>> clf = StackedDenoisingAutoencoderClassifier(
    ...     hidden_layer_sizes=(16, 8), corruption_levels=[0.2, 0.1],
    ...     pretrain_epochs=2, max_iter=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, [len(c) for c in clf.pretrain_loss_curves_]
    ((3,), [2, 2])
    >>> print(clf.model_.annotations(depth=1))
    'SdA'
        'daa1'
        'daa2'
        'logreg'
        'finetune'
    """

    _parameter_constraints = _SDA_CONSTRAINTS

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="logistic",
        *,
        corruption="binomial",
        corruption_levels=0.1,
        pretrain_epochs=10,
        pretrain_learning_rate=0.1,
        pretrain_batch_size=10,
        pretrain_only=False,
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
        dtype=None,
        checkpoint_dir=None,
        hooks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.corruption = corruption
        self.corruption_levels = corruption_levels
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_learning_rate = pretrain_learning_rate
        self.pretrain_batch_size = pretrain_batch_size
        self.pretrain_only = pretrain_only
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
        self.dtype = dtype
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    partial_fit = available_if(_no_partial_fit)(MLPClassifier.partial_fit)

    @property
    def model_(self):
        """The fitted SdA as an annotated layer graph (see the class docstring)."""
        if self.activation != "logistic":
            raise AttributeError(
                f"{type(self).__name__}.model_: the SdA graph macro has logistic "
                f"units, this network {self.activation!r} ones; use coefs_ and "
                "intercepts_, or activation='logistic'."
            )
        return layer_graph(
            self, SdA, "daa", "b_prime", corruption_levels=self._levels()
        )


class StackedDenoisingAutoencoderRegressor(_SdAMixin, MLPRegressor):
    """Stacked denoising autoencoder regressor: autoencoders pretrained greedily,
    then fine-tuned with a linear output on the squared error.

    See :class:`StackedDenoisingAutoencoderClassifier` for the program and the
    parameters; the fine-tuning is :class:`MLPRegressor`'s (squared error).

    Parameters
    ----------
    hidden_layer_sizes, activation, corruption, corruption_levels,
    pretrain_epochs, pretrain_learning_rate, pretrain_batch_size, pretrain_only,
    solver, alpha, batch_size, learning_rate, learning_rate_init, power_t,
    max_iter, shuffle, random_state, tol, verbose, warm_start, momentum,
    nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2,
    epsilon, n_iter_no_change, dtype, checkpoint_dir, hooks
        As for :class:`StackedDenoisingAutoencoderClassifier`.

    Attributes
    ----------
    coefs_, intercepts_, loss_, best_loss_, loss_curve_, n_iter_, n_layers_,
    n_outputs_, out_activation_, t_, n_features_in_, feature_names_in_,
    intercepts_visible_, pretrain_loss_curves_, model_
        As for :class:`StackedDenoisingAutoencoderClassifier` (``model_`` ends in
        ``linear``, trained on the squared error).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.neural_network import (
    ...     StackedDenoisingAutoencoderRegressor)
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(100, 6)); y = X.sum(axis=1)
    >>> reg = StackedDenoisingAutoencoderRegressor(
    ...     hidden_layer_sizes=(8,), pretrain_epochs=2, max_iter=20,
    ...     random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = _SDA_CONSTRAINTS
    loss = "squared_error"

    __init__ = StackedDenoisingAutoencoderClassifier.__init__
    partial_fit = available_if(_no_partial_fit)(MLPRegressor.partial_fit)
    model_ = StackedDenoisingAutoencoderClassifier.model_
