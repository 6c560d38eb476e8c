"""Learner nodes: a node whose ``next()`` updates parameters on the next minibatch.

A learner's compiled step is a function of (parameters, optimiser state,
minibatch, hyper-parameters) -> (new parameters, new state, cost): parameters and
state are inputs and outputs, never shared variables, so every model of one
structure shares one compiled step. Frozen parameters are left out of the step
(freezing one compiles the step again, nothing else).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pytensor
import pytensor.tensor as pt

from .._config import get_config
from ..symbolic.compile import is_cached, structural_key
from ..symbolic.energy import (
    cd_chain,
    cd_gradients,
    hidden_proba,
    pseudo_likelihood,
    visible_mean,
)
from ..symbolic.updates import adam, sgd
from ._leaves import HyperParam, Param, RandomStream
from ._node import GraphFunction, Node, annotate, compile_graph, leaves_of

__all__ = ["Adam", "CDk", "Learner", "Momentum", "PCD", "SGD"]

# Built training steps by structure, process-wide (as training.step memoises the
# estimators' steps): a new model of a structure trained before (a macro built
# again, each fit of a new model) reuses the compiled step without building its
# gradient graph again (0.1-0.2 s).
_SHARED_STEPS: dict = {}


def _clip_columns(value: np.ndarray, bound: float) -> np.ndarray:
    if value.ndim < 2:
        return value
    norms = np.sqrt((value**2).sum(axis=0, keepdims=True))
    return value * np.minimum(1.0, bound / np.maximum(norms, 1e-12))


class Learner(Node):
    """Base of learner nodes: ``next()`` runs one update and returns the cost.

    Subclasses define ``_n_state`` (state arrays per parameter) and ``_rule``.
    ``step(arrays)`` updates on given data instead of the next minibatch.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, squared_error, SGD
    >>> x, y = Input("x", ndim=2, dtype="float64", size=1), Input("y", np.ones((2, 1)))
    >>> learner = SGD(squared_error(dotW_b(x, n=1, init="zeros"), y))
    >>> isinstance(learner, Learner), learner.step({x: np.ones((2, 1))})
    (True, 0.5)
    """

    kind = "learner"
    _n_state = 0
    _transient = ("_memo", "_steps")
    _kept_by_deepcopy = ("_steps",)
    _value_attrs = ("_cursor", "state", "n_updates")

    def __init__(self, cost: Node, params: Sequence[Param], grads, hyper, parents):
        self.all_params = params is None
        params = _trainable(cost) if params is None else list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: give at least one parameter.")
        for p in params:
            if not isinstance(p, Param):
                raise TypeError(
                    f"{type(self).__name__}: params must be Param objects (from "
                    f"node.parameters()), got {p!r}."
                )
        if grads is not None and len(grads) != len(params):
            raise ValueError(
                f"{type(self).__name__}: got {len(grads)} gradients for "
                f"{len(params)} parameters; pass grad(cost, params)."
            )
        from ._recurrence import free_time_slices

        if free_time_slices([cost.expr]):
            raise ValueError(
                f"{type(self).__name__}: the cost reads time slices outside a loop "
                "(a per-step expression); build it on loop(...) or delayed(...) "
                "sequences instead."
            )
        super().__init__(
            cost.expr, parents, kind=type(self).__name__, size=1, owned=list(hyper)
        )
        self.cost = cost
        self.params = params
        self.grads = None if grads is None else list(grads)
        self.hyper = {h.name: h for h in hyper}
        self.state: dict[int, list] = {}
        self.n_updates = 0
        self._steps: dict = {}

    def _live(self) -> list[int]:
        return [i for i, p in enumerate(self.params) if not p.frozen]

    def _gradients(self, live: list[int]):
        if self.grads is not None:
            return [self.grads[i].expr for i in live]
        return pytensor.grad(self.expr, [self.params[i].var for i in live])

    def _init_state(self, i: int) -> list[np.ndarray]:
        return [np.zeros_like(self.params[i].value) for _ in range(self._n_state)]

    def _step(self, live: list[int]):
        step = self._steps.get(tuple(live))
        if step is None or not step.valid():
            step = self._steps[tuple(live)] = self._shared_step(live)
        return step

    def _settings(self) -> tuple:
        """What, besides the graph, decides the step's graph (memo key)."""
        return (type(self).__qualname__, self._n_state)

    def _structure(self, live: list[int]):
        """``(key, leaves)``: the step's structure and the leaves its inputs come
        from, in a structural order; None when it is not memoised."""
        if type(self) not in _MEMOISED:
            return None
        exprs = [self.expr, *(g.expr for g in self.grads or ())]
        if hasattr(self, "visible"):
            exprs.append(self.visible.expr)
        leaves = leaves_of(exprs)
        for leaf in [*self.params, *self.owned]:
            if all(leaf is not other for other in leaves):
                leaves.append(leaf)
        place = {id(leaf): i for i, leaf in enumerate(leaves)}
        try:
            graph = structural_key([leaf.var for leaf in leaves], exprs)
        except Exception:  # noqa: BLE001 - e.g. a free placeholder: not memoised
            return None
        key = (
            graph,
            self._settings(),
            tuple(live),
            tuple(place[id(p)] for p in self.params),
            tuple(sorted((k, place[id(h)]) for k, h in self.hyper.items())),
            tuple(
                (i, leaf.value)
                for i, leaf in enumerate(leaves)
                if getattr(leaf, "constant", False)
            ),
            get_config()["compile_mode"],
        )
        return key, leaves

    def _shared_step(self, live: list[int]):
        """The step from the process-wide memo (a model of this structure was
        trained before: no gradient graph is built), else built and memoised."""
        found = self._structure(live)
        if found is not None:
            key, leaves = found
            template = _SHARED_STEPS.get(key)
            if template is not None and is_cached(template["fn"]):
                return GraphFunction.bound(template, leaves)
        step = self._build_step(live)
        if found is not None:
            template = step.template(leaves)
            if template is not None:
                _SHARED_STEPS[key] = template
        return step

    def _build_step(self, live: list[int]):
        p_vars = [self.params[i].var for i in live]
        s_vars = [p.type() for p in p_vars for _ in range(self._n_state)]
        new_p, new_s, extra_in, extra_out = self._rule(p_vars, s_vars, live)
        outputs = [*new_p, *new_s, *extra_out, pt.cast(self.expr, "float64")]
        return compile_graph(outputs, [*s_vars, *extra_in], trusted=True)

    def _extra_state(self) -> list:
        return []

    def _set_extra_state(self, values: list) -> None:
        """Store the step's extra state outputs (Adam's counter, PCD's chains)."""

    def next(self) -> float:
        """One update on the next minibatch; returns the cost before the update."""
        return self.step(batch=self._batch_index())

    def step(self, arrays=None, *, batch: int | None = None) -> float:
        """One update on ``arrays`` (data keyed by Input or input name), or on
        minibatch number ``batch`` of the inputs' data; returns the cost before it.
        """
        live = self._live()
        if not live:
            raise ValueError(
                f"{type(self).__name__}.next(): every parameter is frozen; unfreeze "
                "one (param.freeze(False)) to train."
            )
        fn = self._step(live)
        for i in live:
            if i not in self.state:
                self.state[i] = self._init_state(i)
        state = [s for i in live for s in self.state[i]]
        self._before_step(arrays, batch)
        out = fn(arrays, batch=batch, state=[*state, *self._extra_state()])
        k, n = len(live), self._n_state
        for j, i in enumerate(live):
            value = out[j]
            bound = self.params[i].max_norm
            self.params[i].value = (
                value if bound is None else _clip_columns(value, bound)
            )
            self.state[i] = list(out[k + j * n : k + (j + 1) * n])
        self._set_extra_state(out[k + k * n : -1])
        self.n_updates += 1
        return float(out[-1])

    __next__ = next

    def _before_step(self, arrays, batch) -> None:
        """Hook run before a step (PCD starts its chains from the first batch)."""

    def fit(self, n_epochs: int = 1) -> list[float]:
        """Run ``n_epochs`` passes over the data; returns the mean cost of each.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_pylearn.graph import Input, dotW_b, squared_error, SGD
        >>> x = Input("x", np.ones((8, 1)), batch_size=4)
        >>> y = Input("y", np.ones((8, 1)), batch_size=4)
        >>> err = squared_error(dotW_b(x, n=1, init="zeros"), y)
        >>> curve = SGD(err, err.parameters(), learning_rate=0.2).fit(5)
        >>> curve[0] > curve[-1]
        True
        """
        n_batches = max(i.n_batches for i in self.inputs() if i.data is not None)
        curve = []
        for _ in range(int(n_epochs)):
            curve.append(float(np.mean([self.next() for _ in range(n_batches)])))
        return curve

    def _remap(self, node_map: dict, leaf_map: dict) -> None:
        changed = id(self.cost) in node_map
        self.cost = node_map.get(id(self.cost), self.cost)
        self.params = [leaf_map.get(id(p), p) for p in self.params]
        if self.grads is not None:
            self.grads = [node_map.get(id(g), g) for g in self.grads]
        if changed and not leaf_map:
            # Surgery changed the cost: gradients are taken again from the new
            # cost, over the parameters it now depends on.
            self.grads = None
            self.parents = (self.cost,)
            reached = {id(p) for p in self.cost.parameters()}
            if self.all_params:
                self.params = _trainable(self.cost)
            else:
                self.params = [p for p in self.params if id(p) in reached]
        self.state = {}
        self.n_updates = 0
        self._steps = {}


def _trainable(cost: Node) -> list[Param]:
    return [p for p in cost.parameters() if "trainable" in p.tags]


def _check_cost(cost, where: str) -> Node:
    if not isinstance(cost, Node) or cost.expr.type.ndim != 0:
        raise TypeError(
            f"{where}: the cost must be a scalar node (cross_entropy, nll ...), got "
            f"{cost!r}."
        )
    return cost


class SGD(Learner):
    """Stochastic gradient descent: ``next()`` updates the parameters in place.

    Parameters
    ----------
    cost : Node
        Scalar cost.
    params : sequence of Param, optional
        Default: every trainable parameter of ``cost`` (taken again after surgery).
    grads : sequence of Node, optional
        From :func:`grad`; computed from ``cost`` when omitted.
    learning_rate : float, default=0.1
        A hyper-parameter (changing ``learner.hyper["learning_rate"].value`` never
        recompiles).
    momentum : float, default=0.0
    nesterov : bool, default=False
    annotations : str or sequence of str, optional
        Annotation path (outermost first) of the learner and its
        hyper-parameters (e.g. ``"finetune"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, squared_error, grad
    >>> x, y = Input("x", np.ones((4, 1))), Input("y", np.full((4, 1), 2.0))
    >>> err = squared_error(dotW_b(x, n=1, init="zeros"), y)
    >>> learner = SGD(err, err.parameters(), grad(err, err.parameters()))
    >>> first = learner.next(); second = learner.next()
    >>> first, round(second, 3)
    (2.0, 1.28)
    """

    _n_state = 1

    def __init__(
        self,
        cost,
        params=None,
        grads=None,
        *,
        learning_rate=0.1,
        momentum=0.0,
        nesterov=False,
        annotations=None,
    ):
        cost = _check_cost(cost, "SGD")
        hyper = [
            HyperParam("learning_rate", learning_rate),
            HyperParam("momentum", momentum),
        ]
        parents = [cost, *(grads or [])]
        super().__init__(cost, params, grads, hyper, parents)
        self.nesterov = bool(nesterov)
        annotate(self, annotations, parents, "SGD")

    def _settings(self) -> tuple:
        return (*super()._settings(), self.nesterov)

    def _rule(self, p_vars, s_vars, live):
        new_p, new_v = sgd(
            p_vars,
            self._gradients(live),
            s_vars,
            self.hyper["learning_rate"].var,
            self.hyper["momentum"].var,
            self.nesterov,
        )
        return new_p, new_v, [], []


def Momentum(
    cost,
    params=None,
    grads=None,
    *,
    learning_rate=0.1,
    momentum=0.9,
    nesterov=False,
    annotations=None,
) -> SGD:
    """SGD with (Nesterov) momentum: :class:`SGD` with ``momentum=0.9`` by default.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, squared_error
    >>> err = squared_error(dotW_b(Input("x", np.ones((2, 1))), n=1, init="zeros"),
    ...                     Input("y", np.ones((2, 1))))
    >>> Momentum(err, err.parameters()).hyper["momentum"].value
    0.9
    """
    return SGD(
        cost,
        params,
        grads,
        learning_rate=learning_rate,
        momentum=momentum,
        nesterov=nesterov,
        annotations=annotations,
    )


class Adam(Learner):
    """Adam (Kingma and Ba), scikit-learn's AdamOptimizer rule.

    Parameters are :class:`SGD`'s (``annotations`` included), with
    ``learning_rate=0.001``, ``beta_1``, ``beta_2`` and ``epsilon`` as
    hyper-parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, squared_error
    >>> err = squared_error(dotW_b(Input("x", np.ones((2, 1))), n=1, init="zeros"),
    ...                     Input("y", np.ones((2, 1))))
    >>> learner = Adam(err, err.parameters(), learning_rate=0.1)
    >>> learner.next() > learner.next()
    True
    """

    _n_state = 2

    def __init__(
        self,
        cost,
        params=None,
        grads=None,
        *,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        annotations=None,
    ):
        cost = _check_cost(cost, "Adam")
        hyper = [
            HyperParam("learning_rate", learning_rate),
            HyperParam("beta_1", beta_1),
            HyperParam("beta_2", beta_2),
            HyperParam("epsilon", epsilon),
        ]
        super().__init__(cost, params, grads, hyper, [cost, *(grads or [])])
        annotate(self, annotations, [cost, *(grads or [])], "Adam")

    def _rule(self, p_vars, s_vars, live):
        h = {k: v.var for k, v in self.hyper.items()}
        t = pt.scalar("t", dtype="float64")
        new_p, new_m, new_v = adam(
            p_vars,
            self._gradients(live),
            s_vars[0::2],
            s_vars[1::2],
            t + 1,
            h["learning_rate"],
            h["beta_1"],
            h["beta_2"],
            h["epsilon"],
        )
        new_s = [s for pair in zip(new_m, new_v) for s in pair]
        return new_p, new_s, [t], [t + 1]

    def _extra_state(self) -> list:
        return [np.asarray(float(self.n_updates))]

    def _set_extra_state(self, values: list) -> None:
        pass


def _rbm_parts(h: Node, v: Node, where: str):
    """The affine layer (W, c) under ``h = sigmoid(dotW_b(v))``."""
    affine = h.parents[0] if h.kind == "sigmoid" and h.parents else None
    if affine is None or affine.kind != "dotW_b":
        raise ValueError(
            f"{where}: the hidden layer must be sigmoid(dotW_b(v, n)), got {h!r}."
        )
    if affine.parents[0] is not v:
        raise ValueError(
            f"{where}: the hidden layer {h!r} is not computed from the visible node "
            f"{v!r}; pass the node its dotW_b takes."
        )
    W, c = affine.owned
    return W, c


_SAMPLERS = {"binomial": "bernoulli", "gaussian": "gaussian"}
_COSTS = ("pseudolikelihood", "reconstruction")


class CDk(Learner):
    """Contrastive divergence (CD-k) training of the RBM ``h = sigmoid(dotW_b(v))``.

    ``next()`` runs ``k`` Gibbs steps from the minibatch, then one gradient step
    on the free-energy difference; it returns the monitoring cost (the negative
    pseudo-log-likelihood or the reconstruction cross-entropy, before the update),
    which is also what ``eval()`` gives. The RBM's weights are the dotW_b's ``W``
    and ``b`` (hidden bias); the visible bias ``b_vis`` is created here.

    Parameters
    ----------
    h : Node
        ``sigmoid(dotW_b(v, n))``.
    v : Node
        The visible layer (an Input, or the hidden layer below).
    k : int, default=1
    sampler : {"binomial", "gaussian"}
        Visible units: binary, or unit-variance gaussian.
    cost : {"pseudolikelihood", "reconstruction"}
    learning_rate : float, default=0.1
    seed : int, default=0
        Seeds the Gibbs sampler and the pseudo-likelihood's choice of units.
    annotations : str or sequence of str, optional
        Annotation path of the learner, its cost and what they own (``b_vis``,
        the learning rate), e.g. ``["rbm1", "CDk"]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, sigmoid
    >>> v = Input("v", (np.random.RandomState(0).rand(20, 6) > 0.5) * 1.0)
    >>> h = sigmoid(dotW_b(v, n=3, random_state=0))
    >>> rbm = CDk(h, v, k=1)
    >>> isinstance(rbm.next(), float), [p.name for p in rbm.params]
    (True, ['W', 'b_vis', 'b'])
    """

    persistent = False
    _value_attrs = ("_cursor", "state", "n_updates", "chains")

    def __init__(
        self,
        h,
        v,
        *,
        k=1,
        sampler="binomial",
        cost="pseudolikelihood",
        learning_rate=0.1,
        seed=0,
        annotations=None,
    ):
        where = type(self).__name__
        if sampler not in _SAMPLERS:
            raise ValueError(
                f"{where}: sampler must be one of {sorted(_SAMPLERS)}, got {sampler!r}."
            )
        if cost not in _COSTS:
            raise ValueError(f"{where}: cost must be one of {_COSTS}, got {cost!r}.")
        if int(k) < 1:
            raise ValueError(f"{where}: k must be a positive int, got {k!r}.")
        W, c = _rbm_parts(h, v, where)
        b = Param("b_vis", np.zeros(W.shape[0]), tags=("trainable",))
        self.k, self.sampler, self.cost_kind = int(k), sampler, cost
        self.gibbs = RandomStream("gibbs", seed)
        self.monitor_rng = RandomStream(
            "pseudolikelihood", None if seed is None else seed + 1
        )
        visible = _SAMPLERS[sampler]
        expr = self._monitor(v.expr, W.var, b.var, c.var, visible)
        cost_node = Node(expr, [h, v], kind=f"{cost}", size=1, owned=[b])
        hyper = [HyperParam("learning_rate", learning_rate)]
        super().__init__(cost_node, [W, b, c], None, hyper, [h, v])
        self.owned = (b, *self.owned, self.gibbs, self.monitor_rng)
        self.visible = v
        self.chains = None
        annotate(self, annotations, [h, v], where)

    def _settings(self) -> tuple:
        return (
            *super()._settings(),
            self.k,
            self.sampler,
            self.cost_kind,
            self.persistent,
        )

    def _monitor(self, v, W, b, c, visible):
        if self.cost_kind == "pseudolikelihood" and visible == "bernoulli":
            _, index = pt.random.integers(
                0,
                v.shape[1],
                size=(v.shape[0],),
                rng=self.monitor_rng.var,
                return_next_rng=True,
            )
            return -pseudo_likelihood(v, W, b, c, index).mean()
        recon = visible_mean(hidden_proba(v, W, c), W, b, visible)
        if visible == "gaussian":
            return (pt.sqr(v - recon).sum(axis=1) / 2).mean()
        p = pt.clip(recon, 1e-7, 1 - 1e-7)
        return -(v * pt.log(p) + (1 - v) * pt.log(1 - p)).sum(axis=1).mean()

    def _rule(self, p_vars, s_vars, live):
        if live != [0, 1, 2]:
            raise ValueError(
                f"{type(self).__name__}: freezing part of an RBM is not supported; "
                "freeze all of W, b_vis and b, or none."
            )
        W, b, c = p_vars
        v_pos = self.visible.expr
        chain_in = []
        start = v_pos
        if self.persistent:
            start = pt.matrix("chains", dtype=v_pos.type.dtype)
            chain_in = [start]
        with warnings.catch_warnings():
            # The generator is a function input whose next state is an output, so
            # a second graph built on it (a rebuilt or replaced model) is correct;
            # PyTensor's warning is about shared generators.
            warnings.filterwarnings("ignore", message="RandomGeneratorVariable .* used")
            _, v_neg = cd_chain(
                start, W, b, c, self.gibbs.var, self.k, _SAMPLERS[self.sampler]
            )
        grads = cd_gradients(v_pos, v_neg, W, b, c, _SAMPLERS[self.sampler])
        lr = self.hyper["learning_rate"].var
        new_p = [p - lr * g for p, g in zip(p_vars, grads)]
        return new_p, [], chain_in, ([v_neg] if self.persistent else [])

    def _remap(self, node_map: dict, leaf_map: dict) -> None:
        super()._remap(node_map, leaf_map)
        self.visible = node_map.get(id(self.visible), self.visible)
        self.chains = None


class PCD(CDk):
    """Persistent contrastive divergence: the Gibbs chains carry over between
    updates (optimiser-like state ``learner.chains``), started from the first
    minibatch.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, sigmoid
    >>> v = Input("v", (np.random.RandomState(0).rand(20, 6) > 0.5) * 1.0,
    ...           batch_size=10)
    >>> rbm = PCD(sigmoid(dotW_b(v, n=3, random_state=0)), v, k=1)
    >>> _ = rbm.next(); rbm.chains.shape
    (10, 6)
    """

    persistent = True

    def _before_step(self, arrays, batch) -> None:
        if self.chains is None:
            fn = compile_graph([self.visible.expr], memo=self._memo)
            self.chains = np.array(fn(arrays, batch=batch)[0], dtype=float)

    def _extra_state(self) -> list:
        return [self.chains]

    def _set_extra_state(self, values: list) -> None:
        self.chains = values[0]


# The learners whose step depends only on their graph and _settings().
_MEMOISED = (SGD, Adam, CDk, PCD)
