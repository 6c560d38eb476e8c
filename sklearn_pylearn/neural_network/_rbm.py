"""BernoulliRBM: scikit-learn's restricted Boltzmann machine, trained by one compiled
update per minibatch, with CD-k or PCD, momentum, weight decay and Gaussian visible
units."""

import os
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from pytensor.tensor.random.type import random_generator_type
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..base import NamedOutputsMixin, SymbolicMixin
from ..data import StreamSource
from ..data._feed import stream_input_probe
from ..symbolic.compile import compile_function
from ..symbolic.energy import (
    free_energy,
    gibbs_vhv,
    hidden_proba,
    pseudo_likelihood,
    sample_hidden,
    visible_mean,
)
from ..symbolic.inputs import GraphInputs
from ..symbolic.rowwise import run_densified
from ..training import MinibatchSource, data_fingerprint, epoch_program, run_training
from ..utils._sklearn_compat import Interval, StrOptions
from ..utils._sklearn_compat import fit_context as _fit_context
from ..utils.validation import validate_float_input
from ._rbm_training import RBMTrainer, compile_rbm_step

__all__ = ["BernoulliRBM"]

_RUN_ONLY = ("verbose", "hooks", "checkpoint_dir")
# Outputs drawn at random for the whole matrix at once.
_RANDOM_OUTPUTS = frozenset({"pseudo_likelihood", "hidden_sample"})
_OUTPUTS = (
    "hidden_proba",
    "hidden_sample",
    "reconstruction",
    "free_energy",
    "pseudo_likelihood",
    "reconstruction_error",
)


def _seed(random_state):
    """A seed for the graph's random generator, drawn from a RandomState."""
    return int(random_state.randint(np.iinfo(np.int32).max))


def add_generator(inputs, generator):
    """Add a random-generator input (a ``numpy.random.Generator``) to ``inputs``."""
    rng = random_generator_type("rng")
    inputs.variables.append(rng)
    inputs.values.append(generator)
    return rng


class BernoulliRBM(
    NamedOutputsMixin,
    SymbolicMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Restricted Boltzmann machine with binary hidden units, trained by CD-k or PCD.

    A drop-in for :class:`sklearn.neural_network.BernoulliRBM` (the same
    parameters, defaults, initial weights for the same ``random_state``, fitted
    attributes and pseudo-likelihood), whose training step (negative phase,
    gradients, momentum and weight decay) is ONE compiled function with the
    hyper-parameters as inputs, run by a runtime program: progress bar,
    checkpoints, resume and hooks come with it. ``transform`` is a compiled graph
    that fuses in :class:`sklearn_pylearn.pipeline.Pipeline`.

    Sparse input (CSR or CSC), which scikit-learn's takes in ``fit``,
    ``partial_fit``, ``transform``, ``score_samples`` and ``gibbs``, gives the
    results of the same data dense: each minibatch is densified as it is read and
    ``transform`` runs on densified row blocks; ``gibbs`` and ``score_samples``
    (random draws for the whole matrix at once) densify their input.

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units.
    learning_rate : float, default=0.1
    batch_size : int, default=10
        Rows per minibatch (also in :meth:`partial_fit`, which scikit-learn's
        treats as one batch), and the number of persistent chains.
    n_iter : int, default=10
        Epochs of :meth:`fit`.
    verbose : int, default=0
        Print scikit-learn's line per epoch (``[BernoulliRBM] Iteration N,
        pseudo-likelihood = ..., time = ...s``, the training data's mean
        pseudo-likelihood) and show a progress bar with it and the epoch's
        reconstruction error.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (as scikit-learn draws them), the Gibbs
        sampling and the units flipped by :meth:`score_samples`.
    method : {"pcd", "cd"}, default="pcd"
        Persistent contrastive divergence (scikit-learn's) or CD-k from the data.
    k : int, default=1
        Gibbs steps of the negative phase.
    momentum : float, default=0.0
        Classical momentum of the updates.
    weight_decay : float, default=0.0
        L2 penalty on the weights (added to their gradient times ``weight_decay``).
    visible_units : {"bernoulli", "gaussian"}, default="bernoulli"
        Binary visible units, or Gaussian with unit variance (standardise the data)
        for real-valued input.
    dtype : {"float64", "float32"}, default="float64"
        The parameters' and training's float type (float32 is faster).
    checkpoint_dir : str or path, default=None
        Write training checkpoints there; a fit started again with the same
        directory, data and parameters resumes where the last one stopped.
    hooks : list of sklearn_pylearn.runtime.Hook, default=None
        More hooks for the training program.

    Attributes
    ----------
    intercept_hidden_ : ndarray of shape (n_components,)
    intercept_visible_ : ndarray of shape (n_features,)
    components_ : ndarray of shape (n_components, n_features)
    h_samples_ : ndarray of shape (batch_size, n_components)
        The persistent chain's hidden state.
    reconstruction_error_curve_ : list of float
        The training monitor, one value per epoch (:meth:`fit` starts it again,
        each :meth:`partial_fit` adds one): the mean of
        ``((v - E[v | E[h | v]]) ** 2).sum()``, the ``reconstruction_error``
        named output, over the first 10 rows of each minibatch, each measured by
        its compiled update under the parameters before that update (no extra
        pass over the data; a tenth of one product at batch 100). Contrastive
        divergence descends no loss, so there is no ``loss_curve_`` (nor has
        scikit-learn's RBM one);
        :class:`sklearn_pylearn.plotting.TrainingCurveDisplay`'s
        ``from_estimator`` draws this curve.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : the NumPy implementation (PCD-1 only).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.neural_network import BernoulliRBM
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> model = BernoulliRBM(n_components=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (4, 2)
    >>> list(model.get_feature_names_out())
    ['bernoullirbm0', 'bernoullirbm1']
    >>> list(model.compute(X, outputs=["free_energy", "reconstruction_error"]))
    ['free_energy', 'reconstruction_error']
    >>> len(model.reconstruction_error_curve_)  # one value per epoch (n_iter=10)
    10
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "method": [StrOptions({"pcd", "cd"})],
        "k": [Interval(Integral, 1, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "visible_units": [StrOptions({"bernoulli", "gaussian"})],
        "dtype": [StrOptions({"float64", "float32"})],
        "checkpoint_dir": [str, os.PathLike, None],
        "hooks": [list, tuple, None],
    }

    def __init__(
        self,
        n_components=256,
        *,
        learning_rate=0.1,
        batch_size=10,
        n_iter=10,
        verbose=0,
        random_state=None,
        method="pcd",
        k=1,
        momentum=0.0,
        weight_decay=0.0,
        visible_units="bernoulli",
        dtype="float64",
        checkpoint_dir=None,
        hooks=None,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.k = k
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.visible_units = visible_units
        self.dtype = dtype
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    # -- fitting ----------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to ``X``: ``n_iter`` epochs of minibatch updates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Binary (or in [0, 1]) data; real-valued with ``visible_units="gaussian"``.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        X = validate_float_input(self, X, reset=True)
        random_state = check_random_state(self.random_state)
        self._initialize(X.shape[1], random_state)
        self._train(X, self.n_iter, random_state)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit_stream(self, stream):
        """``fit`` on a streamed dataset: ``n_iter`` epochs over its minibatches
        (the dataset's ``batch_size``), checkpointed with the stream's position
        when ``checkpoint_dir`` is set."""
        X0 = validate_float_input(self, stream_input_probe(stream), reset=True)
        random_state = check_random_state(self.random_state)
        self._initialize(X0.shape[1], random_state)
        dtype = np.dtype(self.dtype)

        def encode(batch):
            return (np.ascontiguousarray(batch.input, dtype=dtype),)

        self._train(None, self.n_iter, random_state, StreamSource(stream, encode))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One epoch over ``X`` in minibatches of ``batch_size`` rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        first_pass = not hasattr(self, "components_")
        X = validate_float_input(self, X, reset=first_pass)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        if first_pass:
            self._initialize(X.shape[1], self.random_state_)
        self._train(X, 1, self.random_state_)
        return self

    def _initialize(self, n_features, random_state):
        dtype = np.dtype(self.dtype)
        components = random_state.normal(0, 0.01, (self.n_components, n_features))
        # Kept as the transpose of a C-ordered (n_features, n_components) matrix:
        # the graphs take W = components_.T without copying it.
        self.components_ = np.ascontiguousarray(components.T, dtype=dtype).T
        self._n_features_out = self.n_components
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        self.h_samples_ = np.zeros((self.batch_size, self.n_components), dtype=dtype)
        self.reconstruction_error_curve_ = []
        self._velocities = None

    def _params(self, dtype):
        return [
            np.ascontiguousarray(self.components_.T, dtype=dtype),
            np.ascontiguousarray(self.intercept_visible_, dtype=dtype),
            np.ascontiguousarray(self.intercept_hidden_, dtype=dtype),
        ]

    def _train(self, X, n_epochs, random_state, source=None):
        dtype = np.dtype(self.dtype)
        if source is None:
            # A sparse X stays sparse (CSR); each minibatch is densified as read.
            X = X.astype(dtype) if sp.issparse(X) else np.ascontiguousarray(X, dtype)
            source = MinibatchSource(X.shape[0], self.batch_size, shuffle=False)
            source.bind(X)
        params = self._params(dtype)
        velocities = getattr(self, "_velocities", None)
        if velocities is None or velocities[0].dtype != dtype:
            velocities = [np.zeros_like(p) for p in params]
        seed = _seed(random_state)
        step = compile_rbm_step(
            dtype,
            self.visible_units,
            self.method,
            self.k,
            name=f"{type(self).__name__}.train_step",
        )
        trainer = RBMTrainer(
            step,
            params,
            velocities,
            np.ascontiguousarray(self.h_samples_, dtype=dtype),
            np.random.default_rng(seed),
            {
                "learning_rate": self.learning_rate,
                "momentum": self.momentum,
                "weight_decay": self.weight_decay,
            },
            score=self._epoch_scorer(X) if self.verbose and X is not None else None,
            reconstruction_error_curve=getattr(self, "reconstruction_error_curve_", ()),
        )
        fingerprint = ""
        if self.checkpoint_dir is not None:
            data = X if X is not None else source.fingerprint()
            fingerprint = data_fingerprint(
                data, *params, *velocities, trainer.chain, seed, self._run_params()
            )
        try:
            vm = run_training(
                epoch_program(n_epochs, source.n_batches),
                trainer,
                source,
                hooks=list(self.hooks or ()),
                verbose=bool(self.verbose),
                checkpoint_dir=self.checkpoint_dir,
                fingerprint=fingerprint,
                desc=type(self).__name__,
            )
        finally:
            self._store(trainer)
        self._check_finite()
        if vm.interrupted:
            warnings.warn(
                vm.interrupt_message or "Training interrupted by user.", stacklevel=3
            )

    def _run_params(self):
        params = self.get_params()
        return sorted((k, repr(v)) for k, v in params.items() if k not in _RUN_ONLY)

    def _store(self, trainer):
        W, b, c = trainer.params
        self.components_ = W.T
        self.intercept_visible_ = b
        self.intercept_hidden_ = c
        self.h_samples_ = trainer.chain
        self.reconstruction_error_curve_ = list(trainer.reconstruction_error_curve_)
        self._velocities = list(trainer.velocities)

    def _check_finite(self):
        params = (self.components_, self.intercept_visible_, self.intercept_hidden_)
        if not all(np.isfinite(p).all() for p in params):
            raise ValueError(
                f"{type(self).__name__}: training produced non-finite parameters "
                f"with learning_rate={self.learning_rate!r} and visible_units="
                f"{self.visible_units!r}. Use a smaller learning_rate (e.g. "
                f"{self.learning_rate / 10:g}), or standardise the input features."
            )

    def _epoch_scorer(self, X):
        n_samples = X.shape[0]
        index = check_random_state(self.random_state).randint(0, X.shape[1], n_samples)

        def score(params):
            # Per-row scores on row blocks (a sparse block densified), then the
            # mean: dense and sparse X give the same calls.
            inputs = GraphInputs(X.dtype)
            v = inputs.data("X", X[:1].toarray() if sp.issparse(X) else X[:1])
            i = inputs.data("index", index[:1])
            W, b, c = (inputs.add(n, p) for n, p in zip("Wbc", params))
            expr = pseudo_likelihood(v, W, b, c, i)
            fn = compile_function(inputs.variables, expr, name="BernoulliRBM.score")
            return run_densified(fn, X, (index,), inputs.values[2:]).mean()

        return score

    # -- graphs ---------------------------------------------------------------------
    def _param_inputs(self, inputs):
        W = inputs.add("W", self.components_.T)
        b = inputs.add("b", self.intercept_visible_)
        c = inputs.add("c", self.intercept_hidden_)
        return W, b, c

    def _symbolic_transform(self, X, inputs):
        W, _, c = self._param_inputs(inputs)
        return hidden_proba(X, W, c)

    def transform(self, X):
        """Hidden units' activation probabilities ``P(h = 1 | v = X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        h : ndarray of shape (n_samples, n_components)
        """
        return self._run_symbolic(X, "transform")

    def _available_outputs(self):
        return dict.fromkeys(_OUTPUTS, False)

    def _build_outputs(self, X, y, inputs, names):
        W, b, c = self._param_inputs(inputs)
        visible = self.visible_units
        h = hidden_proba(X, W, c)
        recon = visible_mean(h, W, b, visible)
        exprs = {
            "hidden_proba": h,
            "reconstruction": recon,
            "free_energy": free_energy(X, W, b, c, visible),
            "reconstruction_error": ((X - recon) ** 2).sum(axis=1),
        }
        if "hidden_sample" in names:
            rng = add_generator(inputs, self._generator())
            exprs["hidden_sample"] = sample_hidden(X, W, c, rng)[2]
        if "pseudo_likelihood" in names:
            n_samples, n_features = inputs.values[0].shape
            rs = check_random_state(self.random_state)
            index = inputs.add("index", rs.randint(0, n_features, n_samples))
            exprs["pseudo_likelihood"] = pseudo_likelihood(X, W, b, c, index)
        return exprs

    def _output_columns(self, name, value):
        return [f"{name}_{j}" for j in range(value.shape[1])]

    def _generator(self):
        """A generator for sampling, advancing ``random_state_`` (as scikit-learn's
        ``gibbs`` does), so successive calls draw differently."""
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        return np.random.default_rng(_seed(self.random_state_))

    def gibbs(self, v):
        """One Gibbs step ``v -> h -> v'``.

        Parameters
        ----------
        v : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        v_new : ndarray of shape (n_samples, n_features)
            Boolean for Bernoulli visible units (as scikit-learn's), real for
            Gaussian ones.
        """
        check_is_fitted(self)
        v = validate_float_input(self, v, reset=False, copy=False)
        if sp.issparse(v):
            # The samples are drawn for the whole matrix at once, as for dense v.
            v = v.toarray()
        inputs = GraphInputs(v.dtype)
        X = inputs.data("X", v)
        W, b, c = self._param_inputs(inputs)
        rng = add_generator(inputs, self._generator())
        step = gibbs_vhv(X, W, b, c, rng, self.visible_units)
        fn = compile_function(
            inputs.variables, step.v_sample, name=f"{type(self).__name__}.gibbs"
        )
        out = fn(*inputs.values)
        return out.astype(bool) if self.visible_units == "bernoulli" else out

    def score_samples(self, X):
        """Pseudo-likelihood of ``X``, as scikit-learn computes it.

        One visible unit per row, drawn from ``random_state``, is flipped; the score
        is ``n_features * log sigmoid(F(v_flipped) - F(v))``. With an int
        ``random_state`` the same units as scikit-learn's are flipped.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Binary values.

        Returns
        -------
        pseudo_likelihood : ndarray of shape (n_samples,)
        """
        frame = self.compute(X, outputs="pseudo_likelihood")
        return frame["pseudo_likelihood"].to_numpy()

    def compute(self, X, y=None, outputs=("prediction",)):
        """Compute named per-sample outputs with ONE compiled function.

        See :meth:`sklearn_pylearn.base.NamedOutputsMixin.compute`. A sparse
        ``X`` runs on densified row blocks, except for the random outputs
        (``pseudo_likelihood``, ``hidden_sample``), which are drawn for the whole
        matrix at once (densified), so that they equal those of the dense ``X``.
        """
        check_is_fitted(self)
        names = [outputs] if isinstance(outputs, str) else list(outputs)
        if sp.issparse(X) and _RANDOM_OUTPUTS.intersection(names):
            X = validate_float_input(self, X, reset=False).toarray()
        return super().compute(X, y, outputs)

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
