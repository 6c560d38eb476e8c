"""DenoisingAutoencoder: a transformer trained to reconstruct clean inputs from
corrupted ones, by one compiled step per minibatch (the MLPs' solvers)."""

import os
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ..base import NamedOutputsMixin, SymbolicMixin
from ..data import StreamSource
from ..data._feed import stream_input_probe
from ..runtime import register_trusted
from ..symbolic.autoencoder import (
    corrupt,
    decode,
    encode,
    reconstruction_loss,
)
from ..symbolic.init import glorot_uniform
from ..symbolic.losses import l2_penalty
from ..training import (
    ConvergenceMonitor,
    MinibatchSource,
    MinibatchTrainer,
    compile_step,
    data_fingerprint,
    epoch_program,
    run_training,
)
from ..utils._sklearn_compat import Interval, StrOptions
from ..utils._sklearn_compat import fit_context as _fit_context
from ..utils.validation import validate_float_input

__all__ = ["DenoisingAutoencoder"]

_RUN_ONLY = ("verbose", "hooks", "checkpoint_dir")
_ACTIVATIONS = {"identity", "logistic", "tanh", "relu"}


class CorruptingSource:
    """Minibatches ``(X, noise, weights)`` with fresh noise for every batch.

    Wraps a :class:`~sklearn_pylearn.training.MinibatchSource` (the row order) and
    draws the corruption noise (uniform or standard normal, shaped like the batch)
    from its own generator, so each epoch corrupts differently. Plain-data state.
    """

    def __init__(self, source, kind, seed, dtype):
        self.source = source
        self.kind = kind
        self.rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype).name

    @property
    def n_batches(self):
        return self.source.n_batches

    def start_epoch(self):
        self.source.start_epoch()

    def next_batch(self):
        X, sw = self.source.next_batch()
        if self.kind == "binomial":
            noise = self.rng.random(X.shape, dtype=self.dtype)
        else:
            noise = self.rng.standard_normal(X.shape, dtype=self.dtype)
        return X, noise, sw

    def get_state(self):
        return {"source": self.source.get_state(), "rng": self.rng}

    def set_state(self, state):
        self.source.set_state(state["source"])
        self.rng.bit_generator.state = state["rng"].bit_generator.state


register_trusted(CorruptingSource)


def _objective(corruption, activation, loss, tied):
    def objective(params, X, noise, sw, hyper):
        W, b_h, b_v = params[:3]
        W_dec = W.T if tied else params[3]
        X_tilde = corrupt(X, noise, corruption, hyper["corruption_level"])
        H = encode(X_tilde, W, b_h, activation)
        per_sample = reconstruction_loss(X, H, W_dec, b_v, loss)
        total = sw.sum()
        data = (sw * per_sample).sum() / total
        weights = [W] if tied else [W, W_dec]
        penalty = 0.5 * hyper["alpha"] * l2_penalty(weights) / total
        return data + penalty, data + penalty

    return objective


class DenoisingAutoencoder(
    NamedOutputsMixin,
    SymbolicMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Denoising autoencoder (Vincent et al. 2008) as a scikit-learn transformer.

    Each minibatch is corrupted (masking or Gaussian noise), encoded and decoded,
    and the reconstruction of the *clean* input is scored; the training step
    (corruption, forward pass, loss, gradients and the optimiser's update) is ONE
    compiled function whose hyper-parameters, the corruption level included, are
    inputs, run by a runtime program (progress bar, convergence rule, checkpoints,
    resume, hooks). ``transform`` (the code) and ``inverse_transform`` (the
    reconstruction) are compiled graphs that fuse in
    :class:`sklearn_pylearn.pipeline.Pipeline`.

    Sparse input (CSR or CSC) gives the results of the same data dense: each
    minibatch is densified as it is read, and ``transform``, ``inverse_transform``
    and ``compute`` run on densified row blocks.

    Parameters
    ----------
    n_components : int, default=100
        Code size (hidden units).
    corruption : {"binomial", "gaussian"}, default="binomial"
        Masking noise (each input zeroed with probability ``corruption_level``) or
        additive Gaussian noise (standard deviation ``corruption_level``).
    corruption_level : float, default=0.3
    activation : {"logistic", "tanh", "relu", "identity"}, default="logistic"
        The encoder's activation.
    tied_weights : bool, default=True
        Decode with the encoder's transposed weights.
    loss : {"cross_entropy", "squared_error"}, default="cross_entropy"
        Cross-entropy with logistic outputs (data in [0, 1]) or squared error with
        linear outputs.
    solver : {"sgd", "adam"}, default="sgd"
    alpha : float, default=0.0
        L2 penalty on the weights.
    batch_size : int or "auto", default=20
        ``min(200, n_samples)`` when "auto".
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
    learning_rate_init : float, default=0.1
    power_t : float, default=0.5
    max_iter : int, default=15
        Epochs.
    shuffle : bool, default=True
    momentum : float, default=0.0
    nesterovs_momentum : bool, default=False
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's.
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    verbose : bool, default=False
        Show a progress bar over epochs with the loss.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the row order and the corruption.
    dtype : {"float64", "float32"}, default="float64"
    checkpoint_dir : str or path, default=None
        Write training checkpoints there; a fit started again with the same
        directory, data and parameters resumes where the last one stopped.
    hooks : list of sklearn_pylearn.runtime.Hook, default=None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Encoder weights.
    decoder_components_ : ndarray of shape (n_components, n_features)
        Decoder weights (``components_`` itself when the weights are tied).
    intercept_hidden_ : ndarray of shape (n_components,)
    intercept_visible_ : ndarray of shape (n_features,)
    loss_ : float
    loss_curve_ : list of float
    best_loss_ : float
    n_iter_ : int
    t_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_pylearn.neural_network import DenoisingAutoencoder
    >>> X = load_digits().data[:200] / 16
    >>> dae = DenoisingAutoencoder(n_components=16, max_iter=5, random_state=0)
    >>> dae.fit(X).transform(X).shape
    (200, 16)
    >>> dae.inverse_transform(dae.transform(X[:2])).shape
    (2, 64)
    >>> list(dae.compute(X[:2], outputs=["reconstruction_error"]))
    ['reconstruction_error']
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "corruption": [StrOptions({"binomial", "gaussian"})],
        "corruption_level": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(_ACTIVATIONS)],
        "tied_weights": ["boolean"],
        "loss": [StrOptions({"cross_entropy", "squared_error"})],
        "solver": [StrOptions({"sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "dtype": [StrOptions({"float64", "float32"})],
        "checkpoint_dir": [str, os.PathLike, None],
        "hooks": [list, tuple, None],
    }

    def __init__(
        self,
        n_components=100,
        *,
        corruption="binomial",
        corruption_level=0.3,
        activation="logistic",
        tied_weights=True,
        loss="cross_entropy",
        solver="sgd",
        alpha=0.0,
        batch_size=20,
        learning_rate="constant",
        learning_rate_init=0.1,
        power_t=0.5,
        max_iter=15,
        shuffle=True,
        momentum=0.0,
        nesterovs_momentum=False,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        tol=1e-4,
        n_iter_no_change=10,
        verbose=False,
        random_state=None,
        dtype="float64",
        checkpoint_dir=None,
        hooks=None,
    ):
        self.n_components = n_components
        self.corruption = corruption
        self.corruption_level = corruption_level
        self.activation = activation
        self.tied_weights = tied_weights
        self.loss = loss
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose
        self.random_state = random_state
        self.dtype = dtype
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    # -- fitting ----------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on ``X`` for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        X = validate_float_input(self, X, reset=True)
        dtype = np.dtype(self.dtype)
        # A sparse X stays sparse (CSR); each minibatch is densified as it is read.
        X = X.astype(dtype) if sp.issparse(X) else np.ascontiguousarray(X, dtype)
        random_state = check_random_state(self.random_state)
        params = self._initialize(X.shape[1], random_state, dtype)
        trainer, monitor = self._train(X, params, random_state)
        self._store(trainer, monitor)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit_stream(self, stream):
        """``fit`` on a streamed dataset: ``max_iter`` epochs over its minibatches
        (the dataset's ``batch_size`` and ``shuffle_buffer``), checkpointed with
        the stream's position when ``checkpoint_dir`` is set."""
        X0 = validate_float_input(self, stream_input_probe(stream), reset=True)
        dtype = np.dtype(self.dtype)
        random_state = check_random_state(self.random_state)
        params = self._initialize(X0.shape[1], random_state, dtype)

        def encode(batch):
            X = np.ascontiguousarray(batch.input, dtype=dtype)
            return X, np.ones(len(X), dtype=dtype)

        rows = StreamSource(stream, encode)
        trainer, monitor = self._train(None, params, random_state, rows, dtype)
        self._store(trainer, monitor)
        return self

    def _initialize(self, n_features, random_state, dtype):
        W, b_h = glorot_uniform(
            random_state, n_features, self.n_components, self.activation, dtype
        )
        params = [W, b_h, np.zeros(n_features, dtype=dtype)]
        if not self.tied_weights:
            W_dec, _ = glorot_uniform(
                random_state, self.n_components, n_features, self.activation, dtype
            )
            params.append(W_dec)
        self._n_features_out = self.n_components
        return params

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return int(min(self.batch_size, n_samples))

    def _train(self, X, params, random_state, rows=None, dtype=None):
        step = compile_step(
            params,
            _objective(self.corruption, self.activation, self.loss, self.tied_weights),
            solver=self.solver,
            nesterov=bool(self.nesterovs_momentum) and self.momentum > 0,
            hyper_names=("alpha", "corruption_level"),
            name=f"{type(self).__name__}.train_step",
            key=("dae", self.corruption, self.activation, self.loss, self.tied_weights),
        )
        if self.solver == "sgd":
            solver_params = {"momentum": self.momentum}
        else:
            solver_params = {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
            }
        trainer = MinibatchTrainer(
            step,
            params,
            learning_rate_init=self.learning_rate_init,
            learning_rate=self.learning_rate if self.solver == "sgd" else "constant",
            power_t=self.power_t,
            hyper={"alpha": self.alpha, "corruption_level": self.corruption_level},
            solver_params=solver_params,
        )
        if rows is None:
            dtype = X.dtype
            n_samples = X.shape[0]
            rows = MinibatchSource(
                n_samples,
                self._batch_size(n_samples),
                shuffle=self.shuffle,
                random_state=random_state,
            ).bind(X, np.ones(n_samples, dtype=X.dtype))
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        source = CorruptingSource(rows, self.corruption, seed, dtype)
        monitor = ConvergenceMonitor(
            tol=self.tol, n_iter_no_change=self.n_iter_no_change
        )
        fingerprint = ""
        if self.checkpoint_dir is not None:
            data = X if X is not None else rows.fingerprint()
            fingerprint = data_fingerprint(data, *params, seed, self._run_params())
        vm = run_training(
            epoch_program(self.max_iter, source.n_batches),
            trainer,
            source,
            hooks=[monitor, *(self.hooks or ())],
            verbose=bool(self.verbose),
            checkpoint_dir=self.checkpoint_dir,
            fingerprint=fingerprint,
            desc=type(self).__name__,
        )
        if vm.interrupted:
            warnings.warn(
                vm.interrupt_message or "Training interrupted by user.", stacklevel=3
            )
        elif vm.stop_reason is None and trainer.n_iter_ == self.max_iter > 0:
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return trainer, monitor

    def _run_params(self):
        params = self.get_params()
        return sorted((k, repr(v)) for k, v in params.items() if k not in _RUN_ONLY)

    def _store(self, trainer, monitor):
        W, b_h, b_v = trainer.params[:3]
        self.components_ = W.T
        self.decoder_components_ = (
            self.components_ if self.tied_weights else trainer.params[3]
        )
        self.intercept_hidden_ = b_h
        self.intercept_visible_ = b_v
        self.n_iter_ = trainer.n_iter_
        self.t_ = trainer.t_
        self.loss_ = trainer.loss_
        self.loss_curve_ = list(monitor.loss_curve)
        self.best_loss_ = monitor.best_loss

    # -- graphs ---------------------------------------------------------------------
    def _param_inputs(self, inputs):
        W = inputs.add("W", self.components_.T)
        b_h = inputs.add("b_h", self.intercept_hidden_)
        b_v = inputs.add("b_v", self.intercept_visible_)
        W_dec = (
            W.T if self.tied_weights else inputs.add("W_dec", self.decoder_components_)
        )
        return W, b_h, b_v, W_dec

    def _symbolic_transform(self, X, inputs):
        W, b_h, _, _ = self._param_inputs(inputs)
        return encode(X, W, b_h, self.activation)

    def _symbolic_inverse_transform(self, H, inputs):
        _, _, b_v, W_dec = self._param_inputs(inputs)
        return decode(H, W_dec, b_v, self.loss)

    def transform(self, X):
        """The code of ``X`` (no corruption).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
        """
        return self._run_symbolic(X, "transform")

    def inverse_transform(self, X):
        """The reconstruction decoded from codes ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
        """
        return self._run_symbolic(X, "inverse_transform")

    def _available_outputs(self):
        return {"hidden": False, "reconstruction": False, "reconstruction_error": False}

    def _build_outputs(self, X, y, inputs, names):
        W, b_h, b_v, W_dec = self._param_inputs(inputs)
        H = encode(X, W, b_h, self.activation)
        return {
            "hidden": H,
            "reconstruction": decode(H, W_dec, b_v, self.loss),
            "reconstruction_error": reconstruction_loss(X, H, W_dec, b_v, self.loss),
        }

    # Sparse input: the graphs run on densified row blocks (base.run_graph) and
    # the minibatches are densified one at a time.
    _densify_sparse = True

    def _sparse_output(self, method):
        """Sparse input is accepted (densified by row blocks); outputs are dense."""
        return False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = True
        return tags
