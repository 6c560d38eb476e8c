"""Inverse transforms: the decoder of an encoder, with tied (or untied) weights."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

from ._leaves import Param
from ._node import Node, annotate
from ._transforms import ACTIVATIONS

__all__ = ["inverse"]

_INVERTIBLE_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def _layers(encoder: Node) -> list[tuple[Node, str | None]]:
    """(affine, activation kind) pairs from the top of ``encoder`` down."""
    layers, node = [], encoder
    while True:
        act = None
        if node.kind in _INVERTIBLE_ACTIVATIONS:
            act, node = node.kind, node.parents[0]
        if node.kind != "dotW_b":
            break
        layers.append((node, act))
        node = node.parents[0]
        if node.kind not in ("dotW_b", *_INVERTIBLE_ACTIVATIONS):
            break
    if not layers:
        raise NotImplementedError(
            f"inverse: {encoder!r} has no inverse; inverse() knows stacks of dotW_b "
            "layers, each optionally followed by sigmoid, tanh or relu."
        )
    return layers


def inverse(
    encoder: Node, code: Node | None = None, *, tied: bool = True, annotations=None
) -> Node:
    """The decoder of ``encoder``: each ``act(dotW_b(h))`` layer, from the top down,
    becomes ``act(h W' + b')`` (``W'`` the transpose of the layer's ``W`` when
    ``tied``, a new parameter initialised to it otherwise; ``b'`` new).

    Parameters
    ----------
    encoder : Node
        E.g. ``sigmoid(dotW_b(x, n))``.
    code : Node, optional
        What to decode (default: ``encoder`` itself); e.g. the encoder applied to
        corrupted input.
    tied : bool, default=True
    annotations : str or sequence of str, optional
        Annotation path of the decoder's nodes and parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, sigmoid
    >>> x = Input("x", np.ones((2, 5)))
    >>> h = sigmoid(dotW_b(x, n=3, random_state=0))
    >>> r = inverse(h)
    >>> r.eval().shape, [p.name for p in r.parameters()]
    ((2, 5), ['W', 'b', 'b_prime'])
    """
    out = start = encoder if code is None else code
    for affine, act in _layers(encoder):
        W = affine.owned[0]
        n_in = W.shape[0]
        b = Param("b_prime", np.zeros(n_in), tags=("trainable",))
        if tied:
            expr, owned = pt.dot(out.expr, W.var.T) + b.var, [b]
        else:
            W2 = Param("W_prime", W.value.T.copy())
            expr, owned = pt.dot(out.expr, W2.var) + b.var, [W2, b]
        out = Node(
            expr,
            [out],
            kind="dotW_b_inverse",
            size=n_in,
            owned=owned,
            info={"tied": bool(tied)},
        )
        if act is not None:
            out = ACTIVATIONS[act](out)
    return annotate(out, annotations, [start], "inverse")


def _node_inverse(
    self: Node, code: Node | None = None, *, tied: bool = True, annotations=None
) -> Node:
    """The decoder of this encoder (see :func:`inverse`)."""
    return inverse(self, code, tied=tied, annotations=annotations)


Node.inverse = _node_inverse
