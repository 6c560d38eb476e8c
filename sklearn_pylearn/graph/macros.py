"""Macros: the known models as annotated graphs, in scikit-learn's words.

Each macro returns a :class:`~sklearn_pylearn.graph.Model` whose inputs are ``x``
(float matrix) and, for supervised models, ``y`` (integer labels); give your own
``Input`` objects (with data) as ``x=`` / ``y=`` to iterate over data with
``model["learner"].next()``. Initial weights are drawn from one RandomState,
layer after layer, as scikit-learn's MLP draws them.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pytensor.tensor as pt

from ._learners import PCD, SGD, Adam, CDk
from ._leaves import HyperParam, Input
from ._model import Model
from ._node import Node
from ._reconstruct import inverse
from ._transforms import (
    ACTIVATIONS,
    corrupt,
    cross_entropy,
    dotW_b,
    sigmoid,
    softmax,
    squared_error,
)

__all__ = ["DAA", "DBN", "LinReg", "LogReg", "MLP", "RBM", "SdA"]


def _inputs(n_in: int, x, y, supervised: bool):
    if not isinstance(n_in, numbers.Integral) or n_in < 1:
        raise ValueError(f"n_in must be a positive int, got {n_in!r}.")
    if x is None:
        x = Input("x", ndim=2, dtype="float64", size=int(n_in))
    elif x.size != n_in:
        raise ValueError(f"the input x has width {x.size}, but n_in={n_in}.")
    if supervised and y is None:
        y = Input("y", ndim=1, dtype="int64")
    return x, y


def _sizes(hidden_layer_sizes, where: str) -> list[int]:
    sizes = (
        [hidden_layer_sizes]
        if isinstance(hidden_layer_sizes, numbers.Integral)
        else list(hidden_layer_sizes)
    )
    if not sizes or any(not isinstance(n, numbers.Integral) or n < 1 for n in sizes):
        raise ValueError(
            f"{where}: hidden_layer_sizes must be positive ints, got "
            f"{hidden_layer_sizes!r}."
        )
    return [int(n) for n in sizes]


def _rng(random_state):
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


def _between(top: Sequence[Node], bottom: Node) -> list[Node]:
    """Nodes above ``bottom`` (exclusive) that ``top`` is built from."""
    below = {id(n) for n in bottom.ancestors()}
    out, seen = [], set()
    for t in top:
        for n in t.ancestors():
            if id(n) not in below and id(n) not in seen:
                seen.add(id(n))
                out.append(n)
    return out


def _rbm_layer(v, n_hidden, *, k, persistent, learning_rate, rng, seed):
    affine = dotW_b(v, n_hidden, init="glorot_logistic", random_state=rng)
    h = sigmoid(affine, name="hidden")
    cls = PCD if persistent else CDk
    learner = cls(h, v, k=k, learning_rate=learning_rate, seed=seed)
    return h, learner, [affine, h]


_LOSSES = {"cross_entropy": cross_entropy, "squared_error": squared_error}


def _daa_layer(
    x,
    n_hidden,
    *,
    corruption_level,
    tied,
    learning_rate,
    rng,
    seed,
    loss="cross_entropy",
):
    if loss not in _LOSSES:
        raise ValueError(f"DAA: loss must be one of {sorted(_LOSSES)}, got {loss!r}.")
    affine = dotW_b(x, n_hidden, init="glorot_logistic", random_state=rng)
    h = sigmoid(affine, name="hidden")
    noisy = corrupt(x, corruption_level, seed=seed)
    recon = inverse(h, code=h.replace({x: noisy}), tied=tied)
    cost = _LOSSES[loss](recon, x)
    learner = SGD(cost, learning_rate=learning_rate)
    return h, recon, cost, learner


def _logreg(h, y, n_out, *, learning_rate, rng, init="glorot_uniform"):
    affine = dotW_b(h, n_out, init=init, random_state=rng)
    out = softmax(affine, name="output")
    cost = cross_entropy(out, y)
    return affine, out, cost, SGD(cost, learning_rate=learning_rate)


def LogReg(n_in, n_out, *, learning_rate=0.1, random_state=0, x=None, y=None) -> Model:
    """Multinomial logistic regression: ``softmax(dotW_b(x, n_out))``.

    Outputs ``output`` (probabilities), ``cost`` (cross-entropy) and ``learner``.

    Examples
    --------
    >>> print(LogReg(4, 3).annotations())
    'LogReg'
        'logreg'
        'cost'
    """
    x, y = _inputs(n_in, x, y, True)
    affine, out, cost, learner = _logreg(
        x, y, n_out, learning_rate=learning_rate, rng=_rng(random_state)
    )
    model = Model({"output": out, "cost": cost, "learner": learner}, name="LogReg")
    model.annotate("logreg", [affine, out])
    model.annotate("cost", [cost, learner])
    return model


def LinReg(
    n_in, n_out=1, *, learning_rate=0.01, random_state=0, x=None, y=None
) -> Model:
    """Linear regression ``dotW_b(x, n_out)`` trained on half the squared error.

    The target input ``y`` is a float matrix (one column per output).

    Examples
    --------
    >>> print(LinReg(3).annotations())
    'LinReg'
        'linear'
        'cost'
    """
    x, _ = _inputs(n_in, x, None, False)
    if y is None:
        y = Input("y", ndim=2, dtype="float64", size=int(n_out))
    out = dotW_b(x, n_out, random_state=_rng(random_state), name="output")
    cost = squared_error(out, y)
    learner = SGD(cost, learning_rate=learning_rate)
    model = Model({"output": out, "cost": cost, "learner": learner}, name="LinReg")
    model.annotate("linear", [out])
    model.annotate("cost", [cost, learner])
    return model


def MLP(
    n_in,
    hidden_layer_sizes,
    n_out,
    *,
    activation="relu",
    solver="sgd",
    learning_rate=0.001,
    momentum=0.9,
    nesterovs_momentum=True,
    alpha=0.0001,
    random_state=0,
    x=None,
    y=None,
) -> Model:
    """A multi-layer perceptron classifier as scikit-learn's ``MLPClassifier``
    builds it (same initialisation from ``random_state``, same L2 term
    ``alpha / 2 * sum ||W||^2 / batch_size``, same update rules).

    Examples
    --------
    >>> model = MLP(4, (5, 3), 2)
    >>> print(model.annotations())
    'MLP'
        'hidden1'
        'hidden2'
        'output'
        'cost'
    >>> [p.shape for p in model.parameters("hidden2")]
    [(5, 3), (3,)]
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"MLP: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}."
        )
    if solver not in ("sgd", "adam"):
        raise ValueError(f"MLP: solver must be 'sgd' or 'adam', got {solver!r}.")
    x, y = _inputs(n_in, x, y, True)
    rng = _rng(random_state)
    init = (
        "glorot_logistic" if activation in ("logistic", "sigmoid") else "glorot_uniform"
    )
    layers, h = [], x
    for n in _sizes(hidden_layer_sizes, "MLP"):
        affine = dotW_b(h, n, init=init, random_state=rng)
        h = ACTIVATIONS[activation](affine, name="hidden")
        layers.append([affine, h])
    affine = dotW_b(h, n_out, init=init, random_state=rng)
    out = softmax(affine, name="output")
    data_cost = cross_entropy(out, y)
    alpha_hp = HyperParam("alpha", alpha)
    weights = [a.owned[0].var for a, _ in layers] + [affine.owned[0].var]
    penalty = sum((pt.sum(pt.sqr(w)) for w in weights), start=pt.constant(0.0))
    rows = pt.cast(x.expr.shape[0], "float64")
    cost = Node(
        data_cost.expr + 0.5 * alpha_hp.var * penalty / rows,
        [data_cost],
        kind="l2",
        size=1,
        owned=[alpha_hp],
    )
    if solver == "sgd":
        learner = SGD(
            cost,
            learning_rate=learning_rate,
            momentum=momentum,
            nesterov=nesterovs_momentum,
        )
    else:
        learner = Adam(cost, learning_rate=learning_rate)
    model = Model({"output": out, "cost": cost, "learner": learner}, name="MLP")
    for i, nodes in enumerate(layers, 1):
        model.annotate(f"hidden{i}", nodes)
    model.annotate("output", [affine, out])
    model.annotate("cost", [data_cost, cost, learner])
    return model


def RBM(
    n_in, n_hidden, *, k=1, persistent=False, learning_rate=0.1, random_state=0, x=None
) -> Model:
    """A Bernoulli RBM trained by CD-k (or PCD): outputs ``hidden`` and ``learner``.

    Examples
    --------
    >>> print(RBM(6, 3, k=2).annotations())
    'RBM'
        'hidden'
        'CDk'
    """
    x, _ = _inputs(n_in, x, None, False)
    seed = _rng(random_state).randint(2**31)
    h, learner, nodes = _rbm_layer(
        x,
        n_hidden,
        k=k,
        persistent=persistent,
        learning_rate=learning_rate,
        rng=_rng(random_state),
        seed=seed,
    )
    model = Model({"hidden": h, "learner": learner}, name="RBM")
    model.annotate("hidden", nodes)
    model.annotate(learner.kind, [learner])
    return model


def DAA(
    n_in,
    n_hidden,
    *,
    corruption_level=0.1,
    tied=True,
    learning_rate=0.1,
    loss="cross_entropy",
    random_state=0,
    x=None,
) -> Model:
    """A denoising auto-associator (autoencoder): masking noise, tied weights.

    Outputs ``hidden``, ``reconstruction`` (of the corrupted input), ``cost``
    (``loss``: cross-entropy for data in [0, 1], or squared error, to the clean
    input) and ``learner``.

    Examples
    --------
    >>> print(DAA(6, 3).annotations())
    'DAA'
        'hidden'
        'reconstruction'
        'cost'
    """
    x, _ = _inputs(n_in, x, None, False)
    rng = _rng(random_state)
    h, recon, cost, learner = _daa_layer(
        x,
        n_hidden,
        corruption_level=corruption_level,
        tied=tied,
        learning_rate=learning_rate,
        rng=rng,
        seed=rng.randint(2**31),
        loss=loss,
    )
    model = Model(
        {"hidden": h, "reconstruction": recon, "cost": cost, "learner": learner},
        name="DAA",
    )
    model.annotate("hidden", [h.parents[0], h])
    model.annotate("reconstruction", _between([recon], h))
    model.annotate("cost", [cost, learner])
    return model


def DBN(
    n_in,
    hidden_layer_sizes,
    n_out,
    *,
    k=1,
    learning_rate=0.1,
    finetune_learning_rate=0.1,
    random_state=0,
    x=None,
    y=None,
) -> Model:
    """A deep belief network: stacked RBMs (``rbm1``, ``rbm2`` ...) under a
    logistic regression (``logreg``); ``finetune`` trains everything by SGD.

    Outputs ``output``, ``cost``, ``learner`` (fine-tuning) and ``rbm1``,
    ``rbm2`` ... (the CD-k learners, for greedy layer-wise pre-training).

    Examples
    --------
    >>> print(DBN(8, [4, 3], 2).annotations(depth=2))
    'DBN'
        'rbm1'
            'hidden'
            'CDk'
        'rbm2'
            'hidden'
            'CDk'
        'logreg'
        'finetune'
    """
    x, y = _inputs(n_in, x, y, True)
    rng = _rng(random_state)
    v, outputs, layers = x, {}, []
    for i, n in enumerate(_sizes(hidden_layer_sizes, "DBN"), 1):
        h, learner, nodes = _rbm_layer(
            v,
            n,
            k=k,
            persistent=False,
            learning_rate=learning_rate,
            rng=rng,
            seed=rng.randint(2**31),
        )
        outputs[f"rbm{i}"] = learner
        layers.append((nodes, learner))
        v = h
    affine, out, cost, finetune = _logreg(
        v, y, n_out, learning_rate=finetune_learning_rate, rng=rng
    )
    model = Model(
        {"output": out, "cost": cost, "learner": finetune, **outputs}, name="DBN"
    )
    for i, (nodes, learner) in enumerate(layers, 1):
        model.annotate(f"rbm{i}", [])
        model.annotate("hidden", nodes, parent=f"rbm{i}")
        model.annotate(learner.kind, [learner], parent=f"rbm{i}")
    model.annotate("logreg", [affine, out])
    model.annotate("finetune", [cost, finetune])
    return model


def SdA(
    n_in,
    hidden_layer_sizes,
    n_out,
    *,
    corruption_levels=0.1,
    tied=True,
    learning_rate=0.1,
    finetune_learning_rate=0.1,
    random_state=0,
    x=None,
    y=None,
) -> Model:
    """A stacked denoising autoencoder: ``daa1``, ``daa2`` ... under ``logreg``.

    ``corruption_levels`` is one level for every layer, or one per layer.

    Examples
    --------
    >>> print(SdA(8, [4, 3], 2, corruption_levels=[0.1, 0.2]).annotations(depth=1))
    'SdA'
        'daa1'
        'daa2'
        'logreg'
        'finetune'
    """
    x, y = _inputs(n_in, x, y, True)
    sizes = _sizes(hidden_layer_sizes, "SdA")
    levels = (
        [corruption_levels] * len(sizes)
        if isinstance(corruption_levels, numbers.Real)
        else list(corruption_levels)
    )
    if len(levels) != len(sizes):
        raise ValueError(
            f"SdA: got {len(levels)} corruption_levels for {len(sizes)} layers."
        )
    rng = _rng(random_state)
    v, outputs, layers = x, {}, []
    for i, (n, level) in enumerate(zip(sizes, levels), 1):
        h, recon, cost, learner = _daa_layer(
            v,
            n,
            corruption_level=level,
            tied=tied,
            learning_rate=learning_rate,
            rng=rng,
            seed=rng.randint(2**31),
        )
        outputs[f"daa{i}"] = learner
        layers.append((h, recon, cost, learner))
        v = h
    affine, out, cost, finetune = _logreg(
        v, y, n_out, learning_rate=finetune_learning_rate, rng=rng
    )
    model = Model(
        {"output": out, "cost": cost, "learner": finetune, **outputs}, name="SdA"
    )
    for i, (h, recon, dcost, learner) in enumerate(layers, 1):
        model.annotate(f"daa{i}", [])
        model.annotate("hidden", [h.parents[0], h], parent=f"daa{i}")
        model.annotate("reconstruction", _between([recon], h), parent=f"daa{i}")
        model.annotate("cost", [dcost, learner], parent=f"daa{i}")
    model.annotate("logreg", [affine, out])
    model.annotate("finetune", [cost, finetune])
    return model
