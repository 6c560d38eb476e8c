"""Greedy layer-wise pretraining as phases of the MLP's training program.

:class:`PretrainedMLPMixin` turns a :class:`~._base.BaseMLP` into a deep belief
network or a stacked denoising autoencoder: before the fine-tuning epochs, its
program (:func:`sklearn_pylearn.training.layerwise_program`) trains one layer
after the other, each on the representation the layers below compute (one
compiled graph over all rows, :func:`encode`), and copies the trained layers into
the network (:func:`install_layers`). The layers are trained by the steps the
single-layer estimators use: the RBM's CD-k / PCD update
(:mod:`._rbm_training`, built on :mod:`sklearn_pylearn.symbolic.energy`) and the
denoising autoencoder's objective (:mod:`._autoencoder`, built on
:mod:`sklearn_pylearn.symbolic.autoencoder`) in the MLP's
:class:`~sklearn_pylearn.training.MinibatchTrainer`. Every object is plain data,
so a checkpoint taken anywhere (in any layer or in fine-tuning) resumes bit for
bit in another process.
"""

import numpy as np
import scipy.sparse as sp

from ..runtime import Hook, register_trusted
from ..symbolic.compile import compile_function
from ..symbolic.energy import pseudo_likelihood
from ..symbolic.init import glorot_uniform
from ..symbolic.inputs import GraphInputs
from ..symbolic.nn import dense
from ..symbolic.rowwise import dense_block, run_densified
from ..training import (
    MinibatchSource,
    MinibatchTrainer,
    compile_step,
    epoch_program,
    layerwise_program,
)
from . import _mlp_graph as mlp_graph
from ._autoencoder import _objective as daa_objective
from ._rbm_training import RBMTrainer, compile_rbm_step

__all__ = [
    "LayerData",
    "PhaseProgress",
    "PretrainMonitor",
    "PretrainedMLPMixin",
    "encode",
    "install_layers",
]

_INSTALL = "sklearn_pylearn.neural_network._pretraining:install_layers"


def hidden_params(trainer):
    """``(W, b)`` of the hidden units of a layer trainer (RBM or autoencoder)."""
    if isinstance(trainer, RBMTrainer):
        W, _, c = trainer.params
        return W, c
    return trainer.params[0], trainer.params[1]


def visible_bias(trainer):
    """The visible (reconstruction) bias of a layer trainer."""
    if isinstance(trainer, RBMTrainer):
        return trainer.params[1]
    return trainer.params[2]


def encode(X, layers, activation):
    """The representation of ``X`` after ``layers`` (a list of ``(W, b)``), computed
    by one compiled graph over all rows (cached by structure).

    Examples
    --------
    >>> import numpy as np
    >>> encode(np.zeros((2, 3)), [(np.ones((3, 2)), np.zeros(2))], "logistic")
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    if not layers:
        return X
    # The graph is built for dense rows; a sparse X is fed in dense row blocks.
    inputs = GraphInputs(X.dtype)
    h = inputs.data("X", dense_block(X, slice(0, 0)) if sp.issparse(X) else X)
    for i, (W, b) in enumerate(layers):
        z = dense(h, inputs.add(f"W{i}", W), inputs.add(f"b{i}", b))
        h = mlp_graph.apply_activation(activation, z)
    fn = compile_function(inputs.variables, h, name="pretraining.encode")
    if sp.issparse(X):  # densified by row blocks: the kernels a dense X gets
        return run_densified(fn, X, values=inputs.values[1:])
    return fn(*inputs.values)


def install_layers(*trainers):
    """The program's step between pretraining and fine-tuning: copy each layer's
    hidden weights and biases into the fine-tuning model (the last argument)."""
    *layers, model = trainers
    n = len(model.params) // 2
    for i, layer in enumerate(layers):
        W, b = hidden_params(layer)
        model.params[i] = np.array(W, dtype=model.params[i].dtype)
        model.params[n + i] = np.array(b, dtype=model.params[n + i].dtype)


register_trusted(install_layers)


class LayerData:
    """The minibatches of one pretraining layer: rows of the representation the
    layers below compute, in a seeded order, with corruption noise for a
    denoising autoencoder.

    The state is plain data (the row order's RandomState and cursor, the noise
    generator); the representation is transient: :meth:`encode` (a program step)
    computes it, and a resumed fit computes it again from the restored layers
    below before its first minibatch.

    Parameters
    ----------
    n_samples, batch_size : int
    shuffle : bool
    seed : int
    corruption : {"binomial", "gaussian"} or None
        None: minibatches ``(H,)`` for an RBM; else ``(H, noise, weights)`` for
        the autoencoder's step.
    dtype : str

    Examples
    --------
    >>> import numpy as np
    >>> data = LayerData(4, 2, shuffle=False, seed=0).bind(lambda: np.eye(4))
    >>> data.start_epoch(); data.next_batch()[0].shape
    (2, 4)
    """

    def __init__(
        self, n_samples, batch_size, *, shuffle, seed, corruption=None, dtype="float64"
    ):
        self.source = MinibatchSource(
            n_samples,
            batch_size,
            shuffle=shuffle,
            random_state=np.random.RandomState(seed),
        )
        self.corruption = corruption
        self.rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype).name
        self._encode = self._features = None

    def bind(self, encoder):
        """Give the transient ``encoder() -> H`` (the layers below applied to X)."""
        self._encode, self._features = encoder, None
        return self

    @property
    def n_batches(self):
        return self.source.n_batches

    def encode(self):
        """Compute this layer's input from the trained layers below."""
        features = self._encode()
        if sp.issparse(features):  # the input layer of a sparse X: stays sparse,
            # each minibatch is densified as it is read
            self._features = features.astype(self.dtype)
        else:
            self._features = np.ascontiguousarray(features, dtype=self.dtype)
        self.source.bind(self._features)

    def features(self):
        """This layer's input (computed on first use after a resume)."""
        if self._features is None:
            self.encode()
        return self._features

    def start_epoch(self):
        self.features()
        self.source.start_epoch()

    def next_batch(self):
        self.features()
        (H,) = self.source.next_batch()
        if self.corruption is None:
            return (H,)
        if self.corruption == "binomial":
            noise = self.rng.random(H.shape, dtype=self.dtype)
        else:
            noise = self.rng.standard_normal(H.shape, dtype=self.dtype)
        return H, noise, np.ones(len(H), dtype=self.dtype)

    def get_state(self):
        return {"source": self.source.get_state(), "rng": self.rng}

    def set_state(self, state):
        self.source.set_state(state["source"])
        self.rng.bit_generator.state = state["rng"].bit_generator.state

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __setstate__(self, state):
        vars(self).update(state)
        self._encode = self._features = None


register_trusted(LayerData)


class PretrainMonitor(Hook):
    """Record each layer's pretraining loss per epoch (``EVENT("layer_epoch_end")``):
    the autoencoder's reconstruction loss, or the RBM's negative mean
    pseudo-likelihood (the RBM's step also logs its reconstruction error, which
    its trainer keeps: ``pretrain_reconstruction_error_curves_``)."""

    def __init__(self):
        self.curves = {}

    def on_layer_epoch_end(self, vm, **info):
        logs = info.get("logs", {})
        if "loss" in logs:
            value = float(logs["loss"])
        else:
            value = -float(logs["pseudo_likelihood"])
        self.curves.setdefault(info["layer"], []).append(value)

    def get_state(self):
        return {"curves": {k: list(v) for k, v in self.curves.items()}}

    def set_state(self, state):
        self.curves = {k: list(v) for k, v in state["curves"].items()}


class PhaseProgress(Hook):
    """One progress bar per phase: each pretrained layer, then fine-tuning."""

    def __init__(self, desc, finetune_epochs):
        self.desc = desc
        self.finetune_epochs = int(finetune_epochs)
        self._bar = None

    def _open(self, label, total, initial=0):
        from tqdm.auto import tqdm

        self._close()
        self._bar = tqdm(
            total=total, initial=initial, desc=f"{self.desc} {label}", unit="epoch"
        )

    def _advance(self, logs):
        if self._bar is not None:
            self._bar.update(1)
            shown = {k: f"{float(v):.4g}" for k, v in (logs or {}).items()}
            if shown:
                self._bar.set_postfix(shown, refresh=False)

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def on_phase_begin(self, vm, **info):
        self._open(f"pretraining {info['phase']}", info["epochs"])

    def on_layer_epoch_end(self, vm, **info):
        if self._bar is None:  # resumed in the middle of a layer
            self._open(f"pretraining {info['layer']}", None)
        self._advance(info.get("logs"))

    def on_phase_end(self, vm, **info):
        self._close()

    def on_epoch_end(self, vm, **info):
        if self._bar is None:
            done = vm.counters.get("epoch_end", 1) - 1
            self._open("fine-tuning", self.finetune_epochs, done)
        self._advance(info.get("logs"))

    def on_program_end(self, vm, **info):
        self._close()

    on_interrupt = on_program_end

    def get_state(self):
        return {}

    def set_state(self, state):
        pass

    def __getstate__(self):
        return {"desc": self.desc, "finetune_epochs": self.finetune_epochs}

    def __setstate__(self, state):
        vars(self).update(state)
        self._bar = None


register_trusted(PretrainMonitor, PhaseProgress)


class PretrainedMLPMixin:
    """Greedy layer-wise pretraining before a :class:`~._base.BaseMLP`'s epochs.

    A subclass names its layers (``_layer_prefix``: ``"rbm"`` or ``"daa"``) and
    builds one layer's trainer (``_layer_trainer``). ``warm_start`` on a fitted
    estimator fine-tunes again without pretraining; ``pretrain_only`` stops after
    the layers.
    """

    _layer_prefix = "layer"
    # Greedy pretraining feeds each layer the previous layer's codes of every row,
    # so a streamed dataset is refused (the dataset adapter names the fix).
    _fit_stream = None

    def _fit(self, X, y, sample_weight=None, incremental=False):
        self._check_pretrain_params()
        self._pretrain = not (self.warm_start and hasattr(self, "coefs_"))
        if not self._pretrain and self.pretrain_only:
            raise ValueError(
                f"{type(self).__name__}: pretrain_only=True with warm_start=True on "
                "a fitted estimator leaves nothing to train (a warm start fine-tunes "
                "without pretraining). Set pretrain_only=False to fine-tune, or "
                "warm_start=False to pretrain again."
            )
        return super()._fit(X, y, sample_weight=sample_weight, incremental=incremental)

    def _check_pretrain_params(self):
        """Hook for per-layer parameters (the SdA's corruption levels)."""

    def _layer_names(self):
        return [f"{self._layer_prefix}{i + 1}" for i in range(len(self._sizes()))]

    def _sizes(self):
        sizes = self.hidden_layer_sizes
        return list(sizes) if hasattr(sizes, "__iter__") else [sizes]

    def training_program(self, n_samples):
        """The program :meth:`fit` runs on ``n_samples`` rows (it prints as code).

        Parameters
        ----------
        n_samples : int

        Returns
        -------
        program : sklearn_pylearn.runtime.Element
        """
        if self.early_stopping:
            n_samples -= int(np.ceil(self.validation_fraction * n_samples))
        n_batches = -(-n_samples // self._batch_size(n_samples))
        pretrain = -(-n_samples // self._pretrain_batch_size(n_samples))
        spec = [
            (name, f"data{i + 1}", self.pretrain_epochs, pretrain)
            for i, name in enumerate(self._layer_names())
        ]
        then = None if self.pretrain_only else epoch_program(self.max_iter, n_batches)
        return layerwise_program(spec, then, install=_INSTALL)

    def _pretrain_batch_size(self, n_samples):
        return int(min(self.pretrain_batch_size, n_samples))

    def _program_parts(self, program, X, incremental):
        if not getattr(self, "_pretrain", False):
            return super()._program_parts(program, X, incremental)
        rs = np.random.RandomState(self._random_state.randint(np.iinfo(np.int32).max))
        dtype = X.dtype
        sizes = [X.shape[1], *self._sizes()]
        batch = self._pretrain_batch_size(X.shape[0])
        layers, context = [], {}
        for i, name in enumerate(self._layer_names()):
            data = LayerData(
                X.shape[0],
                batch,
                shuffle=self.shuffle,
                seed=int(rs.randint(np.iinfo(np.int32).max)),
                corruption=self._layer_corruption(),
                dtype=dtype,
            )
            trainer = self._layer_trainer(i, sizes[i], sizes[i + 1], data, rs, dtype)
            below = [t for _, t, _ in layers]
            data.bind(self._encoder(X, below))
            layers.append((name, trainer, data))
            context[name] = trainer
            context[f"data{i + 1}"] = data
        spec = [
            (name, f"data{i + 1}", self.pretrain_epochs, data.n_batches)
            for i, (name, _, data) in enumerate(layers)
        ]
        then = None if self.pretrain_only else program
        program = layerwise_program(spec, then, install=_INSTALL)
        monitor = PretrainMonitor()
        self._pretrain_run = (layers, monitor)
        progress = None
        if self.verbose:
            progress = PhaseProgress(type(self).__name__, self.max_iter)
        return program, {"context": context, "hooks": [monitor], "progress": progress}

    def _encoder(self, X, below):
        activation = self.activation

        def encoder():
            return encode(X, [hidden_params(t) for t in below], activation)

        return encoder

    def _fit_stochastic(self, X, Y, sample_weight, incremental):
        self._pretrain_run = None
        try:
            super()._fit_stochastic(X, Y, sample_weight, incremental)
        finally:
            run = self.__dict__.pop("_pretrain_run", None)
            if run is not None:
                self._store_pretraining(*run)

    def _store_pretraining(self, layers, monitor):
        self.pretrain_loss_curves_ = [
            list(monitor.curves.get(name, [])) for name, _, _ in layers
        ]
        self.intercepts_visible_ = [visible_bias(t) for _, t, _ in layers]
        if all(isinstance(t, RBMTrainer) for _, t, _ in layers):
            # The RBM step's own monitor (BernoulliRBM's curve), part of each
            # layer trainer's state, so it survives a checkpoint and resume.
            self.pretrain_reconstruction_error_curves_ = [
                list(t.reconstruction_error_curve_) for _, t, _ in layers
            ]

    # -- the two kinds of layer ---------------------------------------------------
    def _rbm_trainer(self, fan_in, fan_out, data, rs, dtype):
        W, _ = glorot_uniform(rs, fan_in, fan_out, "logistic", dtype)
        params = [W, np.zeros(fan_in, dtype=dtype), np.zeros(fan_out, dtype=dtype)]
        step = compile_rbm_step(
            dtype,
            "bernoulli",
            self.method,
            self.k,
            name=f"{type(self).__name__}.pretrain_step",
        )
        chain = np.zeros((data.source.batch_size, fan_out), dtype=dtype)
        hyper = {
            "learning_rate": self.pretrain_learning_rate,
            "momentum": 0.0,
            "weight_decay": 0.0,
        }
        generator = np.random.default_rng(int(rs.randint(np.iinfo(np.int32).max)))
        return RBMTrainer(
            step,
            params,
            [np.zeros_like(p) for p in params],
            chain,
            generator,
            hyper,
            score=_pseudo_likelihood_score(data),
        )

    def _daa_trainer(self, fan_in, fan_out, data, rs, dtype, level):
        W, b_h = glorot_uniform(rs, fan_in, fan_out, self.activation, dtype)
        params = [W, b_h, np.zeros(fan_in, dtype=dtype)]
        step = compile_step(
            params,
            daa_objective(self.corruption, self.activation, "cross_entropy", True),
            solver="sgd",
            hyper_names=("alpha", "corruption_level"),
            name=f"{type(self).__name__}.pretrain_step",
            key=("dae", self.corruption, self.activation, "cross_entropy", True),
        )
        return MinibatchTrainer(
            step,
            params,
            learning_rate_init=self.pretrain_learning_rate,
            hyper={"alpha": 0.0, "corruption_level": float(level)},
            solver_params={"momentum": 0.0},
        )


def _pseudo_likelihood_score(data):
    """The RBM layer's epoch score: mean pseudo-likelihood of its input (one
    compiled graph; the flipped unit of each row is fixed, so epochs compare)."""

    def score(params):
        H = data.features()
        index = np.random.RandomState(0).randint(0, H.shape[1], H.shape[0])
        inputs = GraphInputs(H.dtype)
        v = inputs.data("X", dense_block(H, slice(0, 0)) if sp.issparse(H) else H)
        W, b, c = (inputs.add(n, p) for n, p in zip("Wbc", params))
        i = inputs.add("index", index)
        expr = pseudo_likelihood(v, W, b, c, i)
        fn = compile_function(inputs.variables, expr, name="pretraining.score")
        if sp.issparse(H):  # the input layer of a sparse X, in dense row blocks
            return run_densified(
                lambda X, index, *values: fn(X, *values[:3], index),
                H,
                row_args=[index],
                values=inputs.values[1:4],
            ).mean()
        return fn(*inputs.values).mean()

    return score
