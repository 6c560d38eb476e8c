"""Recurrence: the seed's ``recurrent_layer``, time ``slice``, ``loop`` and ``delayed``.

Sequences are arrays of shape ``(n_samples, n_steps, n_features)``. Inside a loop,
``slice(x, t=0)`` stands for ``x`` at the current step (``t=-1``: the step before)
and ``recurrent_layer(init=...)`` for the loop's state at the previous step; the
expression built from them is one step, and ``loop(expr)`` turns it into a scan
whose result is the sequence of states::

    y_tm1 = recurrent_layer(init=np.zeros(50))
    x_t = slice(x, t=0)
    y = loop(dotW_b(y_tm1, 50) + x_t, steps=20)
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt

from ._node import Node, rebuild, topological

__all__ = ["delayed", "loop", "recurrent_layer", "slice"]


def _check(x, where: str) -> Node:
    if not isinstance(x, Node):
        raise TypeError(f"{where}: expected a graph node, got {x!r}.")
    return x


def recurrent_layer(init, *, name: str = "state") -> Node:
    """The state of a loop at the previous step, starting from ``init``.

    Parameters
    ----------
    init : array-like of shape (n_units,)
        The initial state (the same for every sample).
    name : str

    Examples
    --------
    >>> import numpy as np
    >>> recurrent_layer(init=np.zeros(5)).size
    5
    """
    init = np.asarray(init, dtype=np.float64)
    if init.ndim != 1:
        raise ValueError(
            f"recurrent_layer: init must be a vector (one value per unit), got shape "
            f"{init.shape}."
        )
    placeholder = pt.matrix(f"{name}_tm1", dtype="float64")
    return Node(
        placeholder,
        (),
        kind="recurrent",
        name=name,
        size=len(init),
        info={"init": init},
    )


def slice(x: Node, t: int = 0) -> Node:  # noqa: A001 - the seed's name
    """The sequence ``x`` at one step of a loop: ``t=0`` the current step, ``t=-1``
    the one before (zeros at the first step).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x_t = slice(Input("x", np.zeros((2, 4, 3))), t=0)
    >>> x_t.kind, x_t.size
    ('time_slice', 3)
    """
    x = _check(x, "slice")
    if x.expr.type.ndim != 3:
        raise ValueError(
            f"slice: {x!r} must be a sequence of shape (n_samples, n_steps, "
            f"n_features), got ndim {x.expr.type.ndim}."
        )
    if t not in (0, -1):
        raise ValueError(f"slice: t must be 0 or -1, got {t!r}.")
    placeholder = pt.matrix(f"{x.name or 'x'}_t", dtype=x.expr.type.dtype)
    return Node(placeholder, [x], kind="time_slice", size=x.size, info={"t": t})


def delayed(x: Node, k: int = 1) -> Node:
    """``x(t - k)``: the sequence shifted ``k`` steps later, zeros in front.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x = Input("x", np.arange(3.0).reshape(1, 3, 1))
    >>> delayed(x, 1).eval()[0, :, 0].tolist()
    [0.0, 0.0, 1.0]
    """
    x = _check(x, "delayed")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"delayed: k must be a positive int, got {k!r}.")
    e = x.expr
    pad = pt.zeros_like(e[:, :k])
    expr = pt.concatenate([pad, e[:, :-k]], axis=1)
    return Node(expr, [x], kind="delayed", size=x.size, info={"k": k})


def _parts(expr: Node):
    """The recurrent states and time slices the step expression is built from."""
    states, slices = [], []
    for node in topological([expr]):
        if node.kind == "recurrent":
            states.append(node)
        elif node.kind == "time_slice":
            slices.append(node)
    if len(states) != 1:
        raise ValueError(
            f"loop: the step expression must use exactly one recurrent_layer, found "
            f"{len(states)}."
        )
    return states[0], slices


def _sequence(node: Node):
    """The time-major sequence a slice reads (``t=-1``: delayed by one step)."""
    seq = node.parents[0].expr
    if node.info["t"] == -1:
        seq = pt.concatenate([pt.zeros_like(seq[:, :1]), seq[:, :-1]], axis=1)
    return seq.dimshuffle(1, 0, 2)


def loop(expr: Node, steps: int | None = None) -> Node:
    """Scan a one-step expression: the sequence of states ``(n_samples, n_steps,
    n_units)``.

    Parameters
    ----------
    expr : Node
        Built from one :func:`recurrent_layer` and any :func:`slice` nodes; its
        value is the next state.
    steps : int, optional
        Number of steps; default: the length of the sliced sequences (required
        without any).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, apply
    >>> x = Input("x", np.ones((2, 4, 1)))
    >>> s = recurrent_layer(init=np.zeros(1))
    >>> total = loop(apply(lambda s, x: s + x, [s, slice(x, t=0)]))
    >>> total.eval()[0, :, 0].tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    expr = _check(expr, "loop")
    state, slices = _parts(expr)
    if not slices and steps is None:
        raise ValueError("loop: give steps=n when the loop reads no sequence.")
    seqs = [_sequence(s) for s in slices]
    batch = seqs[0].shape[1] if seqs else 1
    init = pt.zeros((batch, state.size), dtype="float64") + pt.as_tensor(
        state.info["init"]
    )

    def step(*args):
        mapping = {s.expr: a for s, a in zip(slices, args[: len(slices)])}
        mapping[state.expr] = args[len(slices)]
        (out,) = rebuild([expr.expr], mapping)
        # The state keeps the initial state's static type (a width of 1 is
        # known to broadcast there, unknown in the step's result).
        return pt.specify_shape(pt.cast(out, "float64"), init.type.shape)

    states = pytensor.scan(
        step,
        sequences=seqs or None,
        outputs_info=[init],
        n_steps=steps,
        return_updates=False,
    )
    sources = [s.parents[0] for s in slices]
    return Node(
        states.dimshuffle(1, 0, 2),
        [expr, *sources],
        kind="loop",
        size=state.size,
        info={"steps": steps},
    )
