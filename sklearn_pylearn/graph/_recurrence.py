"""Recurrence: the seed's ``recurrent_layer``, time ``slice``, ``loop`` and ``delayed``.

Sequences are arrays of shape ``(n_samples, n_steps, n_features)``. A time slice
``slice(x, t=0)`` stands for ``x`` at one step (``t=-1``: the step before, zeros
before the start), a matrix ``(n_samples, n_features)``, and
``recurrent_layer(init=...)`` for a loop's state at the previous step; the
expression built from them is one step, and ``loop(expr)`` turns it into a scan
whose result is the sequence of states::

    y_tm1 = recurrent_layer(init=np.zeros(50))
    x_t = slice(x, t=0)
    y = loop(dotW_b(y_tm1, 50) + x_t, steps=20)

Outside a loop (the seed: "if you use it though you have some default behaviour
like for example it behaves exactly like a delayed node"), a per-step expression
of time slices is evaluated at every step: ``tanh(dotW_b(slice(x, t=0), 5))``
evaluates to the ``(n_samples, n_steps, 5)`` sequence, and ``slice(x, t=-1)`` to
``delayed(x, 1)``. Learners train loops (or ``delayed`` sequences), not bare
per-step expressions.
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.graph.traversal import graph_inputs

from ._node import Node, annotate, rebuild, topological

__all__ = [
    "delayed",
    "free_time_slices",
    "loop",
    "per_step",
    "recurrent_layer",
    "slice",
]


def _check(x, where: str) -> Node:
    if not isinstance(x, Node):
        raise TypeError(f"{where}: expected a graph node, got {x!r}.")
    return x


def recurrent_layer(init, *, name: str = "state", annotations=None) -> Node:
    """The state of a loop at the previous step, starting from ``init``.

    Parameters
    ----------
    init : array-like of shape (n_units,)
        The initial state (the same for every sample).
    name : str
    annotations : str or sequence of str, optional
        Annotation path of the node.

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
    node = Node(
        placeholder,
        (),
        kind="recurrent",
        name=name,
        size=len(init),
        info={"init": init},
    )
    placeholder.tag.recurrent = node
    return annotate(node, annotations, (), "recurrent_layer")


def slice(  # noqa: A001 - the seed's name
    x: Node, t: int = 0, *, name: str | None = None, annotations=None
) -> Node:
    """The sequence ``x`` at one time step: a ``(n_samples, n_features)`` node.

    Inside a :func:`loop`, ``t=0`` is the current step and ``t=-k`` the step
    ``k`` before (zeros before the start). Evaluated outside a loop, a per-step
    expression of slices is computed at every step (a map over time), so
    ``slice(x, t=0).eval()`` is ``x`` and ``slice(x, t=-k).eval()`` is
    ``delayed(x, k).eval()``: the seed's default behaviour of a time slice used
    outside a loop.

    Parameters
    ----------
    x : Node
        A sequence ``(n_samples, n_steps, n_features)``.
    t : int, default=0
        The step, relative to the current one (0 or negative).
    name : str, optional
    annotations : str or sequence of str, optional
        Annotation path of the node.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x = Input("x", np.arange(6.0).reshape(1, 3, 2))
    >>> x_t = slice(x, t=0)
    >>> x_t.kind, x_t.size, x_t.expr.type.ndim
    ('time_slice', 2, 2)
    >>> slice(x, t=-1).eval()[0].tolist()
    [[0.0, 0.0], [0.0, 1.0], [2.0, 3.0]]
    >>> (2 * x_t).eval()[0, :, 0].tolist()
    [0.0, 4.0, 8.0]
    """
    x = _check(x, "slice")
    if x.expr.type.ndim != 3:
        raise ValueError(
            f"slice: {x!r} must be a sequence of shape (n_samples, n_steps, "
            f"n_features), got ndim {x.expr.type.ndim}."
        )
    if isinstance(t, bool) or not isinstance(t, int) or t > 0:
        raise ValueError(
            f"slice: t must be an int <= 0 (0: the current step, -k: k steps "
            f"before), got {t!r}."
        )
    placeholder = pt.matrix(f"{x.name or 'x'}_t", dtype=x.expr.type.dtype)
    node = Node(
        placeholder, [x], kind="time_slice", name=name, size=x.size, info={"t": t}
    )
    placeholder.tag.time_slice = node
    return annotate(node, annotations, [x], "slice")


def delayed(x: Node, k: int = 1, *, annotations=None) -> Node:
    """``x(t - k)``: the sequence shifted ``k`` steps later, zeros in front.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x = Input("x", np.arange(3.0).reshape(1, 3, 1))
    >>> delayed(x, 1).eval()[0, :, 0].tolist()
    [0.0, 0.0, 1.0]

    ``annotations`` (a str or a sequence of str) annotates the node.
    """
    x = _check(x, "delayed")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"delayed: k must be a positive int, got {k!r}.")
    node = Node(_shifted(x.expr, k), [x], kind="delayed", size=x.size, info={"k": k})
    return annotate(node, annotations, [x], "delayed")


def _shifted(seq, k: int):
    """The sequence ``seq`` (samples, steps, ...) ``k`` steps later, zeros in front
    (``0 <= k <= n_steps``)."""
    if k == 0:
        return seq
    pad = pt.zeros_like(seq[:, :k])
    return pt.concatenate([pad, seq[:, :-k]], axis=1)


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
    """The time-major sequence a slice reads (``t=-k``: delayed by k steps)."""
    return _shifted(node.parents[0].expr, -node.info["t"]).dimshuffle(1, 0, 2)


def free_time_slices(exprs) -> list[Node]:
    """The time slices ``exprs`` read outside any loop (in a structural order)."""
    found = []
    for var in graph_inputs(list(exprs)):
        node = getattr(var.tag, "time_slice", None)
        if node is not None and all(n is not node for n in found):
            found.append(node)
    return found


def per_step(expr):
    """``expr``, a per-step expression of time slices, computed at every step.

    A map over time (a scan without state): the result has the time axis second,
    ``(n_samples, n_steps, ...)`` (a scalar per step gives ``(n_steps,)``).
    Expressions without free time slices are returned as they are.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x_t = slice(Input("x", np.ones((2, 3, 1))), t=0)
    >>> per_step(x_t.expr).type.ndim
    3
    """
    slices = free_time_slices([expr])
    if not slices:
        return expr
    for var in graph_inputs([expr]):
        if getattr(var.tag, "recurrent", None) is not None:
            raise ValueError(
                "a recurrent_layer is used outside loop(): wrap the step "
                "expression in loop(expr) to evaluate or train it."
            )

    def step(*args):
        (out,) = rebuild([expr], {s.expr: a for s, a in zip(slices, args)})
        return out

    seqs = [_sequence(s) for s in slices]
    mapped = pytensor.scan(step, sequences=seqs, return_updates=False)
    if mapped.type.ndim < 2:
        return mapped
    return mapped.dimshuffle(1, 0, *range(2, mapped.type.ndim))


def loop(expr: Node, steps: int | None = None, *, annotations=None) -> Node:
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
    annotations : str or sequence of str, optional
        Annotation path of the loop node (and the step's nodes).

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
    node = Node(
        states.dimshuffle(1, 0, 2),
        [expr, *sources],
        kind="loop",
        size=state.size,
        info={"steps": steps},
    )
    return annotate(node, annotations, sources, "loop")
