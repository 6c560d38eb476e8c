"""Transforms: functions that take nodes and return new nodes (nothing compiles).

A transform registers the parameters and hyper-parameters it creates on the node
it returns (``owned``); initial values are drawn at build time from a seeded
RandomState, chosen by the ``init`` hyper-parameter.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt

from ..symbolic.init import glorot_uniform
from ..symbolic.nn import log_softmax
from ._leaves import HyperParam, Param, RandomStream
from ._node import Node, annotate

__all__ = [
    "apply",
    "class_error",
    "corrupt",
    "cross_entropy",
    "dotW_b",
    "grad",
    "l1",
    "l2",
    "max_norm",
    "nll",
    "relu",
    "sigmoid",
    "softmax",
    "squared_error",
    "tanh",
]

INITS = ("glorot_uniform", "glorot_logistic", "normal", "zeros")


def _node(x: Any, where: str) -> Node:
    if not isinstance(x, Node):
        raise TypeError(
            f"{where}: expected a graph node (an Input or a transform's result), got "
            f"{x!r}; wrap arrays in Input(name, data)."
        )
    return x


def _rng(random_state) -> np.random.RandomState:
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.RandomState(random_state)
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise TypeError(
        f"random_state must be None, an int or a numpy RandomState, got "
        f"{random_state!r}."
    )


def initial_weights(init: str, n_in: int, n_out: int, random_state) -> tuple:
    """Initial ``(W, b)`` for an affine layer, by initialiser name.

    ``glorot_uniform`` and ``glorot_logistic`` draw as scikit-learn's MLP draws for
    a relu/tanh or a logistic layer (W first, then b, from the same RandomState);
    ``normal`` draws W with standard deviation 0.01 and zero b; ``zeros`` is zeros.

    Examples
    --------
    >>> W, b = initial_weights("zeros", 2, 3, 0)
    >>> W.shape, b.tolist()
    ((2, 3), [0.0, 0.0, 0.0])
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}.")
    rng = _rng(random_state)
    if init.startswith("glorot"):
        act = "logistic" if init == "glorot_logistic" else "relu"
        return glorot_uniform(rng, n_in, n_out, act)
    if init == "normal":
        return rng.normal(0.0, 0.01, (n_in, n_out)), np.zeros(n_out)
    return np.zeros((n_in, n_out)), np.zeros(n_out)


def dotW_b(
    x: Node,
    n: int,
    *,
    init: str = "glorot_uniform",
    random_state=None,
    name: str | None = None,
    annotations=None,
) -> Node:
    """Affine layer ``x W + b`` with ``n`` units; creates parameters ``W`` and ``b``.

    Parameters
    ----------
    x : Node
        Its width must be known (an Input with data, or another layer).
    n : int
        Number of output units.
    init : {"glorot_uniform", "glorot_logistic", "normal", "zeros"}
    random_state : None, int or RandomState
        Seeds the initial values (a shared RandomState draws layer after layer).
    name : str, optional
    annotations : str or sequence of str, optional
        Annotation path (outermost first) added to the node(s) made and to every
        parameter and hyper-parameter they own; a :class:`Model` built on them
        shows it in ``annotations()`` and searches it with ``find(look_at=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> a = dotW_b(Input("x", np.ones((2, 3))), n=4, init="zeros")
    >>> a.eval().shape, [p.shape for p in a.parameters()]
    ((2, 4), [(3, 4), (4,)])
    >>> sorted(dotW_b(a, n=2, annotations="rbm1").owned[0].annotations)
    ['rbm1']
    """
    x = _node(x, "dotW_b")
    if not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"dotW_b: n must be a positive int, got {n!r}.")
    if x.size is None:
        raise ValueError(
            f"dotW_b: the width of {x!r} is unknown; give the Input its data (or "
            "build on a layer whose size is known)."
        )
    W0, b0 = initial_weights(init, x.size, int(n), random_state)
    W = Param("W", W0)
    b = Param("b", b0, tags=("trainable",))
    expr = pt.dot(x.expr, W.var) + b.var
    out = Node(
        expr,
        [x],
        kind="dotW_b",
        name=name,
        size=int(n),
        owned=[W, b],
        info={"init": init},
    )
    return annotate(out, annotations, [x], "dotW_b")


def _activation(kind: str, fn: Callable) -> Callable:
    def transform(x: Node, *, name: str | None = None, annotations=None) -> Node:
        x = _node(x, kind)
        out = Node(fn(x.expr), [x], kind=kind, name=name, size=x.size)
        return annotate(out, annotations, [x], kind)

    transform.__name__ = kind
    return transform


sigmoid = _activation("sigmoid", pt.sigmoid)
_ACT_DOC = """
Parameters
----------
x : Node
name : str, optional
annotations : str or sequence of str, optional
    Annotation path (outermost first) of the node, e.g. ``["rbm1", "hidden"]``.
"""
sigmoid.__doc__ = """Logistic sigmoid, element-wise.

Examples
--------
>>> import numpy as np
>>> from sklearn_pylearn.graph import Input
>>> sigmoid(Input("x", np.zeros((1, 2)))).eval()
array([[0.5, 0.5]])
>>> sigmoid(Input("x", np.zeros((1, 2))), annotations=["rbm1", "hidden"]).annotations
('rbm1', 'hidden')
"""
tanh = _activation("tanh", pt.tanh)
tanh.__doc__ = """Hyperbolic tangent, element-wise.

Examples
--------
>>> import numpy as np
>>> from sklearn_pylearn.graph import Input
>>> tanh(Input("x", np.zeros((1, 2)))).eval()
array([[0., 0.]])
"""
relu = _activation("relu", lambda z: pt.maximum(z, 0))
relu.__doc__ = """Rectified linear unit ``max(x, 0)``, element-wise.

Examples
--------
>>> import numpy as np
>>> from sklearn_pylearn.graph import Input
>>> relu(Input("x", np.array([[-1.0, 2.0]]))).eval()
array([[0., 2.]])
"""
softmax = _activation("softmax", lambda z: pt.special.softmax(z, axis=-1))
softmax.__doc__ = """Row-wise softmax (class probabilities).

Examples
--------
>>> import numpy as np
>>> from sklearn_pylearn.graph import Input
>>> softmax(Input("x", np.zeros((1, 2)))).eval()
array([[0.5, 0.5]])
"""

for _act in (sigmoid, tanh, relu, softmax):
    _act.__doc__ = _act.__doc__.replace("\nExamples\n", _ACT_DOC + "\nExamples\n", 1)

ACTIVATIONS = {"logistic": sigmoid, "sigmoid": sigmoid, "tanh": tanh, "relu": relu}


def corrupt(
    x: Node,
    level: float = 0.1,
    *,
    kind: str = "binomial",
    seed: int | None = 0,
    constant: bool = False,
    name: str = "corruption_level",
    annotations=None,
) -> Node:
    """Noise: masking (``binomial``: each entry zeroed with probability ``level``)
    or additive ``gaussian`` noise of standard deviation ``level``.

    ``level`` is a hyper-parameter (an input: changing it never recompiles); the
    noise comes from a :class:`RandomStream` seeded with ``seed``, so runs repeat.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> noisy = corrupt(Input("x", np.ones((2, 1000))), 0.25, seed=0)
    >>> round(float(noisy.eval().mean()), 1)
    0.7
    """
    x = _node(x, "corrupt")
    if kind not in ("binomial", "gaussian"):
        raise ValueError(
            f"corrupt: kind must be 'binomial' or 'gaussian', got {kind!r}."
        )
    level_hp = HyperParam(name, float(level), constant=constant)
    stream = RandomStream(f"{kind}_noise", seed)
    dtype = x.expr.type.dtype
    if kind == "binomial":
        _, keep = pt.random.binomial(
            1,
            1 - level_hp.var,
            size=x.expr.shape,
            rng=stream.var,
            return_next_rng=True,
        )
        expr = x.expr * pt.cast(keep, dtype)
    else:
        _, noise = pt.random.normal(
            0.0, 1.0, size=x.expr.shape, rng=stream.var, return_next_rng=True
        )
        expr = x.expr + level_hp.var * pt.cast(noise, dtype)
    out = Node(
        expr,
        [x],
        kind="corrupt",
        size=x.size,
        owned=[level_hp, stream],
        info={"noise": kind},
    )
    return annotate(out, annotations, [x], "corrupt")


def _logits(out: Node):
    if out.kind in ("softmax", "sigmoid") and out.parents:
        return out.parents[0].expr
    return None


def _labels(y: Node) -> bool:
    return y.expr.type.ndim == 1 and y.expr.type.dtype.startswith(("int", "uint"))


def _log_proba(out: Node):
    logits = _logits(out)
    if out.kind == "softmax" and logits is not None:
        return log_softmax(logits)
    return pt.log(pt.clip(out.expr, 1e-15, 1.0))


def _cost(expr, out: Node, y: Node, kind: str) -> Node:
    return Node(expr, [out, y], kind=kind, size=1)


def nll(out: Node, y: Node, *, annotations=None) -> Node:
    """Mean negative log-likelihood of integer labels under class probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> p = softmax(Input("z", np.zeros((2, 2))))
    >>> round(float(nll(p, Input("y", np.array([0, 1]))).eval()), 4)
    0.6931
    """
    out, y = _node(out, "nll"), _node(y, "nll")
    if not _labels(y):
        raise TypeError(
            f"nll: the target {y!r} must hold integer class labels (a 1-d int "
            "input); for one-hot or real targets use cross_entropy."
        )
    logp = _log_proba(out)
    # A one-hot mask rather than logp[rows, y]: its gradient is an element-wise
    # product, not an advanced increment (slower in the compiled step).
    onehot = pt.eq(y.expr[:, None], pt.arange(logp.shape[-1])[None, :])
    picked = pt.sum(pt.switch(onehot, logp, 0.0), axis=-1)
    return annotate(_cost(-pt.mean(picked), out, y, "nll"), annotations, [out, y])


def cross_entropy(out: Node, y: Node, *, annotations=None) -> Node:
    """Mean cross-entropy of targets ``y`` under the output ``out``.

    Integer labels against class probabilities give the negative log-likelihood;
    a matrix of targets in [0, 1] gives the categorical (softmax output) or the
    binary (any other output, e.g. sigmoid) cross-entropy, summed over columns.
    Computed from the logits when ``out`` is a softmax or sigmoid layer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> p = sigmoid(Input("z", np.zeros((1, 2))))
    >>> round(float(cross_entropy(p, Input("t", np.ones((1, 2)))).eval()), 4)
    1.3863
    """
    out, y = _node(out, "cross_entropy"), _node(y, "cross_entropy")
    if _labels(y):
        cost = Node(nll(out, y).expr, [out, y], kind="cross_entropy", size=1)
        return annotate(cost, annotations, [out, y], "cross_entropy")
    t = pt.cast(y.expr, out.expr.type.dtype)
    logits = _logits(out)
    if out.kind == "softmax":
        per_row = -pt.sum(t * _log_proba(out), axis=-1)
    elif out.kind == "sigmoid" and logits is not None:
        per_row = pt.sum(pt.softplus(logits) - t * logits, axis=-1)
    else:
        p = pt.clip(out.expr, 1e-7, 1 - 1e-7)
        per_row = -pt.sum(t * pt.log(p) + (1 - t) * pt.log(1 - p), axis=-1)
    cost = _cost(pt.mean(per_row), out, y, "cross_entropy")
    return annotate(cost, annotations, [out, y], "cross_entropy")


def squared_error(out: Node, y: Node, *, annotations=None) -> Node:
    """Mean over samples of half the squared error summed over outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> e = squared_error(Input("p", np.ones((2, 1))), Input("y", np.zeros((2, 1))))
    >>> float(e.eval())
    0.5
    """
    out, y = _node(out, "squared_error"), _node(y, "squared_error")
    diff = out.expr - pt.cast(y.expr, out.expr.type.dtype)
    half = pt.sqr(diff) / 2
    per_row = half.sum(axis=-1) if half.type.ndim >= 2 else half
    cost = _cost(pt.mean(per_row), out, y, "squared_error")
    return annotate(cost, annotations, [out, y], "squared_error")


def class_error(out: Node, y: Node, *, annotations=None) -> Node:
    """Fraction of rows whose arg-max output is not the label (or the one-hot arg-max).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> p = Input("p", np.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> float(class_error(p, Input("y", np.array([0, 0]))).eval())
    0.5
    """
    out, y = _node(out, "class_error"), _node(y, "class_error")
    labels = y.expr if _labels(y) else pt.argmax(y.expr, axis=-1)
    wrong = pt.neq(pt.argmax(out.expr, axis=-1), labels)
    cost = _cost(pt.mean(pt.cast(wrong, out.expr.type.dtype)), out, y, "class_error")
    return annotate(cost, annotations, [out, y], "class_error")


def grad(cost: Node, params: Sequence[Param], *, annotations=None) -> list[Node]:
    """Gradient nodes of a scalar cost with respect to parameters (one per param).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x = Input("x", np.ones((2, 3)))
    >>> cost = squared_error(dotW_b(x, n=1, init="zeros"), Input("y", np.ones((2, 1))))
    >>> [g.eval().shape for g in grad(cost, cost.parameters())]
    [(3, 1), (1,)]
    """
    cost = _node(cost, "grad")
    if cost.expr.type.ndim != 0:
        raise ValueError(
            f"grad: the cost must be a scalar, got {cost!r} with ndim "
            f"{cost.expr.type.ndim}; use a cost transform (cross_entropy, nll ...)."
        )
    params = list(params)
    exprs = pytensor.grad(cost.expr, [p.var for p in params])
    grads = [
        Node(g, [cost], kind="grad", name=p.name, info={"param": p.name})
        for g, p in zip(exprs, params)
    ]
    return annotate(grads, annotations, [cost], "grad")


def _penalty(kind: str, cost: Node, strength: float, params, fn, annotations) -> Node:
    cost = _node(cost, kind)
    chosen = cost.parameters(regularizable=True) if params is None else list(params)
    alpha = HyperParam(kind, float(strength))
    total = sum((fn(p.var) for p in chosen), start=pt.constant(0.0))
    out = Node(cost.expr + alpha.var * total, [cost], kind=kind, size=1, owned=[alpha])
    return annotate(out, annotations, [cost], kind)


def l2(cost: Node, strength: float = 1e-4, params=None, *, annotations=None) -> Node:
    """``cost + strength * sum ||W||^2`` over the regularizable parameters.

    ``strength`` is a hyper-parameter named ``"l2"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x = Input("x", np.ones((1, 2)))
    >>> a = dotW_b(x, n=1, init="zeros")
    >>> a.parameters()[0].value[:] = 1.0
    >>> float(l2(squared_error(a, Input("y", np.full((1, 1), 2.0))), 0.5).eval())
    1.0
    """
    return _penalty(
        "l2", cost, strength, params, lambda w: pt.sum(pt.sqr(w)), annotations
    )


def l1(cost: Node, strength: float = 1e-4, params=None, *, annotations=None) -> Node:
    """``cost + strength * sum |W|`` over the regularizable parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> a = dotW_b(Input("x", np.ones((1, 2))), n=1, init="zeros")
    >>> float(l1(squared_error(a, Input("y", np.zeros((1, 1))))).eval())
    0.0
    """
    return _penalty(
        "l1", cost, strength, params, lambda w: pt.sum(pt.abs(w)), annotations
    )


def max_norm(target, value: float) -> list[Param]:
    """Constrain the weights of ``target`` (a node or parameters): learners rescale
    each column of an updated weight matrix to an L2 norm of at most ``value``.

    Returns the constrained parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> a = dotW_b(Input("x", np.ones((1, 2))), n=1)
    >>> [p.name for p in max_norm(a, 3.0)]
    ['W']
    """
    if value is not None and value <= 0:
        raise ValueError(f"max_norm: value must be positive, got {value!r}.")
    params = (
        target.parameters(regularizable=True)
        if isinstance(target, Node)
        else list(target)
    )
    for p in params:
        p.max_norm = value
    return params


def _as_param(item, where: str) -> Param:
    if isinstance(item, Param):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        return Param(item[0], item[1])
    raise TypeError(
        f"apply: {where} entries must be Param or (name, array), got {item!r}."
    )


def _as_hyper(item, k: int) -> HyperParam:
    if isinstance(item, HyperParam):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        return HyperParam(item[0], item[1])
    if isinstance(item, numbers.Real):
        return HyperParam(f"h{k}", item)
    raise TypeError(
        f"apply: hyperparams entries must be HyperParam, (name, value) or a number, "
        f"got {item!r}."
    )


def apply(
    fn: Callable,
    inputs,
    *,
    params=(),
    hyperparams=(),
    size: int | None = None,
    name: str | None = None,
    annotations=None,
) -> Node:
    """A transform on the fly: ``fn(*inputs, *params, *hyperparams)`` as a node.

    ``fn`` takes and returns PyTensor expressions; it is called once, and what the
    node stores is the expression it built, never ``fn`` (so the node pickles).

    Parameters
    ----------
    fn : callable
    inputs : Node or sequence of Node
    params : sequence of Param or (name, array)
    hyperparams : sequence of HyperParam, (name, value) or numbers
    size : int, optional
        Width of the result (default: the first input's).
    name : str, optional
    annotations : str or sequence of str, optional
        Annotation path (outermost first) added to the node(s) made and to every
        parameter and hyper-parameter they own; a :class:`Model` built on them
        shows it in ``annotations()`` and searches it with ``find(look_at=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input
    >>> x = Input("x", np.ones((1, 2)))
    >>> y = apply(lambda x, w, s: s * x * w, x, params=[("w", np.full(2, 3.0))],
    ...           hyperparams=[("scale", 2.0)])
    >>> y.eval(), [p.name for p in y.parameters()]
    (array([[6., 6.]]), ['w'])
    >>> [h.name for h in y.hyperparameters()]
    ['scale']
    """
    nodes = [inputs] if isinstance(inputs, Node) else list(inputs)
    nodes = [_node(n, "apply") for n in nodes]
    ps = [_as_param(p, "params") for p in params]
    hs = [_as_hyper(h, k) for k, h in enumerate(hyperparams)]
    expr = fn(*[n.expr for n in nodes], *[p.var for p in ps], *[h.var for h in hs])
    if not hasattr(expr, "type"):
        expr = pt.as_tensor_variable(expr)
    width = size if size is not None else nodes[0].size if nodes else None
    out = Node(expr, nodes, kind="apply", name=name, size=width, owned=[*ps, *hs])
    return annotate(out, annotations, nodes, "apply")


def _binary(op_name: str, fn: Callable) -> Callable:
    def method(self: Node, other) -> Node:
        if isinstance(other, Node):
            return Node(
                fn(self.expr, other.expr),
                [self, other],
                kind=op_name,
                size=self.size or other.size,
            )
        return Node(fn(self.expr, other), [self], kind=op_name, size=self.size)

    return method


Node.__add__ = _binary("add", lambda a, b: a + b)
Node.__radd__ = _binary("add", lambda a, b: b + a)
Node.__sub__ = _binary("sub", lambda a, b: a - b)
Node.__mul__ = _binary("mul", lambda a, b: a * b)
Node.__rmul__ = _binary("mul", lambda a, b: b * a)
