"""Nodes of the layer graph: light wrappers of PyTensor expressions.

A node holds an expression, the nodes it was built from (``parents``, for drawing
and surgery) and the leaves it introduced (``owned``). Its data inputs, parameters
and hyper-parameters are the leaves its expression depends on. Building never
compiles: :func:`evaluate` compiles (through the structural cache) on first use.
"""

from __future__ import annotations

import copy as _copy
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.graph.traversal import graph_inputs, io_toposort
from pytensor.tensor.random.type import RandomGeneratorType

from .._config import get_config
from ..symbolic.compile import compile_function, is_cached

__all__ = [
    "GraphFunction",
    "Node",
    "annotate",
    "compile_graph",
    "evaluate",
    "leaf_of",
    "rebuild",
]


def leaf_of(var: Variable):
    """The leaf (Input, Param, HyperParam, RandomStream) a root variable belongs to."""
    return getattr(var.tag, "leaf", None)


def leaves_of(exprs: Sequence[Variable]) -> list:
    """The leaves the expressions depend on, in a structural (deterministic) order."""
    found, seen = [], set()
    for var in graph_inputs(list(exprs)):
        leaf = leaf_of(var)
        if leaf is not None and id(leaf) not in seen:
            seen.add(id(leaf))
            found.append(leaf)
    return found


def rebuild(outputs: Sequence[Variable], replace: Mapping) -> list[Variable]:
    """Rebuild ``outputs`` with the variables of ``replace`` substituted.

    Unlike ``clone_replace``, the parts of the graph that do not depend on a
    replaced variable are kept as they are (same variables), so nodes that share
    a sub-expression keep sharing it after surgery.
    """
    memo: dict[Variable, Variable] = dict(replace)
    roots = [v for v in graph_inputs(list(outputs)) if v not in memo]
    for apply in io_toposort(roots + list(memo), list(outputs)):
        new_inputs = [memo.get(v, v) for v in apply.inputs]
        if all(a is b for a, b in zip(new_inputs, apply.inputs)):
            continue
        fresh = apply.clone_with_new_inputs(new_inputs, strict=False)
        for old, new in zip(apply.outputs, fresh.outputs):
            memo[old] = new
    return [memo.get(v, v) for v in outputs]


def _final_rng_states(rng_vars: list[Variable], outputs: list[Variable]) -> list:
    """For each generator variable, the last state its chain of draws reaches."""
    current = {v: v for v in rng_vars}
    position = {v: k for k, v in enumerate(rng_vars)}
    for apply in io_toposort(list(rng_vars), list(outputs)):
        for var in apply.inputs:
            if var in position and isinstance(
                apply.outputs[0].type, RandomGeneratorType
            ):
                origin = position[var]
                current[rng_vars[origin]] = apply.outputs[0]
                position[apply.outputs[0]] = origin
    return [current[v] for v in rng_vars]


class GraphFunction:
    """A compiled function of a graph's outputs, fed from the graph's leaves.

    Built by :func:`compile_graph`. Calling it feeds every leaf (parameters,
    hyper-parameters, data: ``arrays`` by name or Input, else minibatch ``batch``
    or the whole data), advances the random generators and returns the outputs.
    """

    def __init__(self, outputs, state_vars=(), trusted=False):
        # trusted: the leaves feed arrays of the graph's ndims (Input.feed checks
        # what a caller passes, Param.value converts), so a learner's step may
        # skip PyTensor's per-call input checks, as the training steps do.
        from ._recurrence import per_step

        # Per-step expressions of time slices, outside any loop: a map over time.
        outputs = [per_step(o) for o in outputs]
        self.leaves = leaves_of(outputs + list(state_vars))
        self.constants = [
            leaf for leaf in self.leaves if getattr(leaf, "constant", False)
        ]
        fed = [leaf for leaf in self.leaves if leaf not in self.constants]
        self.fed = fed
        self.rngs = [leaf for leaf in fed if leaf.kind == "random"]
        next_rngs = _final_rng_states([r.var for r in self.rngs], outputs)
        all_out = outputs + next_rngs
        if self.constants:
            folded = {
                h.var: pt.constant(h.value, dtype=h.var.type.dtype)
                for h in self.constants
            }
            all_out = rebuild(all_out, folded)
        self.n_outputs = len(outputs)
        self.state_vars = list(state_vars)
        self.fn = compile_function(
            [leaf.var for leaf in fed] + self.state_vars,
            all_out,
            name="graph",
            trust_input=trusted,
        )
        self.const_values = tuple(h.value for h in self.constants)

    def __deepcopy__(self, memo):
        # A deep copy of a model (every fit, every clone) keeps its learners'
        # built steps: the copy feeds the copied leaves to the SAME compiled
        # function, so no gradient graph is built again.
        twin = type(self).__new__(type(self))
        memo[id(self)] = twin
        shared = {"fn", "n_outputs", "const_values"}
        for key, value in vars(self).items():
            setattr(twin, key, value if key in shared else _copy.deepcopy(value, memo))
        return twin

    def template(self, leaves: list):
        """This function with its leaves as positions in ``leaves`` (for a
        process-wide memo), or None when one of them is not there."""
        place = {id(leaf): i for i, leaf in enumerate(leaves)}
        if any(id(leaf) not in place for leaf in self.leaves):
            return None
        return {
            "fn": self.fn,
            "n_outputs": self.n_outputs,
            "leaves": [place[id(leaf)] for leaf in self.leaves],
            "fed": [place[id(leaf)] for leaf in self.fed],
            "constants": [place[id(leaf)] for leaf in self.constants],
            "rngs": [place[id(leaf)] for leaf in self.rngs],
        }

    @classmethod
    def bound(cls, template: dict, leaves: list) -> GraphFunction:
        """The function of :meth:`template`, fed from ``leaves`` (a graph of the
        same structure): nothing is built or compiled."""
        fn = cls.__new__(cls)
        for name in ("leaves", "fed", "constants", "rngs"):
            setattr(fn, name, [leaves[i] for i in template[name]])
        fn.fn, fn.n_outputs, fn.state_vars = template["fn"], template["n_outputs"], []
        fn.const_values = tuple(h.value for h in fn.constants)
        return fn

    def valid(self) -> bool:
        """Still in the compile cache and no folded constant changed value."""
        return is_cached(self.fn) and self.const_values == tuple(
            h.value for h in self.constants
        )

    def __call__(self, arrays=None, batch=None, state=()) -> list:
        arrays = arrays or {}
        values = [leaf.feed(arrays, batch) for leaf in self.fed]
        out = self.fn(*values, *state)
        out = [out] if not isinstance(out, list) else out
        n = self.n_outputs
        for leaf, generator in zip(self.rngs, out[n:]):
            leaf.generator = generator
        return out[:n]


def compile_graph(outputs: Sequence[Variable], state_vars=(), memo=None, trusted=False):
    """The :class:`GraphFunction` of ``outputs``, memoised in ``memo`` (a dict)."""
    key = (tuple(id(v) for v in outputs), tuple(id(v) for v in state_vars))
    key += (get_config()["compile_mode"],)
    if memo is not None:
        hit = memo.get(key)
        if hit is not None and hit[0] == list(outputs) and hit[1].valid():
            return hit[1]
    fn = GraphFunction(outputs, state_vars, trusted)
    if memo is not None:
        memo[key] = (list(outputs), fn)
    return fn


def _feed_map(arrays: Mapping | None, named: Mapping) -> dict:
    merged = dict(arrays or {})
    merged.update(named)
    return merged


def evaluate(nodes: Iterable[Node], arrays: Mapping | None = None, **named) -> list:
    """Evaluate several nodes together: ONE compiled function, shared sub-graphs once.

    Parameters
    ----------
    nodes : iterable of Node
    arrays : mapping, optional
        Data to use instead of the inputs' own, keyed by Input or by input name.
    **named
        The same, by input name (``x=array``).

    Returns
    -------
    values : list of ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, sigmoid, tanh
    >>> x = Input("x", np.zeros((2, 3)))
    >>> a, b = evaluate([sigmoid(x), tanh(x)])
    >>> a[0, 0], b[0, 0]
    (np.float64(0.5), np.float64(0.0))
    """
    nodes = list(nodes)
    if not nodes:
        raise ValueError("evaluate: give at least one node.")
    fn = compile_graph([n.expr for n in nodes], memo=nodes[0]._memo)
    return fn(_feed_map(arrays, named))


class PlainDataState:
    """Pickling, skops and deep copies of a graph object (a node or a leaf).

    ``__getstate__`` gives plain data (the structure and values of the graph the
    object belongs to), so pickle and skops store the same thing; ``__reduce_ex__``
    falls back to the objects themselves for a graph without a plain form (see
    :func:`~sklearn_pylearn.graph._serialize.pickle_reduce`). A deep copy goes
    through the attributes, leaving the caches out.
    """

    # Attributes that are caches (compiled functions): never stored or copied.
    _transient: tuple = ()
    # Caches a deep copy keeps (built learner steps, shared compiled functions).
    _kept_by_deepcopy: tuple = ()

    def _raw_state(self, deep_copy: bool = False) -> dict:
        state = dict(vars(self))
        for name in self._transient:
            if not (deep_copy and name in self._kept_by_deepcopy):
                state[name] = {}
        return state

    def __getstate__(self):
        from ._serialize import graph_state

        return {"graph": graph_state({"self": self})}

    def __setstate__(self, state):
        from ._serialize import set_state

        set_state(self, state)

    def __reduce_ex__(self, protocol):
        from ._serialize import pickle_reduce

        return pickle_reduce(self)

    def __deepcopy__(self, memo):
        return raw_deepcopy(self, memo)


class Node(PlainDataState):
    """A node of the layer graph: a PyTensor expression and where it comes from.

    Parameters
    ----------
    expr : Variable
        The expression this node stands for.
    parents : sequence of Node
        The nodes it was built from.
    kind : str
        What transform made it (``"dotW_b"``, ``"sigmoid"`` ...).
    name : str, optional
    size : int, optional
        Width of one sample of the output, when known.
    extra : dict, optional
        Other expressions the node carries (e.g. ``"logits"``); kept in step by
        ``replace``.
    owned : sequence of leaves
        The parameters and hyper-parameters this node introduced.
    info : dict, optional
        Plain data about the transform (e.g. what its inverse is).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, sigmoid
    >>> x = Input("x", np.ones((4, 3)))
    >>> h = sigmoid(dotW_b(x, n=2, random_state=0))
    >>> [p.name for p in h.parameters()], h.eval().shape
    (['W', 'b'], (4, 2))
    """

    kind = "node"
    # The annotation path a transform's ``annotations=`` gave (outermost first).
    annotations: tuple = ()

    def __init__(
        self,
        expr: Variable,
        parents: Sequence[Node] = (),
        *,
        kind: str | None = None,
        name: str | None = None,
        size: int | None = None,
        extra: Mapping[str, Variable] | None = None,
        owned: Sequence[Any] = (),
        info: Mapping[str, Any] | None = None,
    ):
        self.expr = expr
        self.parents = tuple(parents)
        if kind is not None:
            self.kind = kind
        self.name = name
        self.size = size
        self.extra = dict(extra or {})
        self.owned = tuple(owned)
        self.info = dict(info or {})
        self._memo: dict = {}
        self._cursor = 0

    # -- what the node depends on ------------------------------------------------------
    def exprs(self) -> list[Variable]:
        """The node's expression followed by its extra expressions."""
        return [self.expr, *self.extra.values()]

    def leaves(self) -> list:
        """Every leaf (data, parameter, hyper-parameter, generator) it depends on.

        In building order: the leaves each node introduced, from the bottom of the
        graph up, then any other leaf its expressions reach.
        """
        reached = leaves_of(self.exprs())
        found, seen = [], set()
        for node in topological([self]):
            own = (node,) if node.kind == "input" else node.owned
            for leaf in own:
                if id(leaf) not in seen:
                    seen.add(id(leaf))
                    found.append(leaf)
        return found + [leaf for leaf in reached if id(leaf) not in seen]

    def parameters(self, **tags: bool) -> list:
        """Its parameters, optionally filtered by tags (``trainable=True``).

        ``trainable=True`` leaves out frozen parameters.
        """
        return [
            leaf for leaf in self.leaves() if leaf.kind == "param" and leaf.has(**tags)
        ]

    def hyperparameters(self) -> list:
        """Its hyper-parameters."""
        return [leaf for leaf in self.leaves() if leaf.kind == "hyperparam"]

    def inputs(self) -> list:
        """Its data inputs."""
        return [leaf for leaf in self.leaves() if leaf.kind == "input"]

    def ancestors(self) -> list[Node]:
        """This node and every node it was built from, breadth-first from the top."""
        order, seen, queue = [], {id(self)}, deque([self])
        while queue:
            node = queue.popleft()
            order.append(node)
            for parent in node.parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    queue.append(parent)
        return order

    # -- running -----------------------------------------------------------------------
    def eval(self, arrays: Mapping | None = None, **named) -> np.ndarray:
        """Evaluate on the inputs' whole data, or on ``name=array`` data.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_pylearn.graph import Input, relu
        >>> relu(Input("x", ndim=1, dtype="float64")).eval(x=np.array([-1.0, 2.0]))
        array([0., 2.])
        """
        return evaluate([self], arrays, **named)[0]

    def _batch_index(self) -> int:
        sizes = {(i.n_rows, i.batch_size) for i in self.inputs() if i.data is not None}
        if len(sizes) > 1:
            raise ValueError(
                f"{self!r}.next(): its inputs have different numbers of rows or "
                f"batch sizes {sorted(sizes)}; give them the same to iterate together."
            )
        index = self._cursor
        self._cursor += 1
        return index

    def next(self) -> Any:
        """The value on the next minibatch of its inputs (a learner also updates)."""
        fn = compile_graph([self.expr], memo=self._memo)
        return fn(batch=self._batch_index())[0]

    __next__ = next

    def __iter__(self):
        return self

    # -- surgery -----------------------------------------------------------------------
    def replace(self, mapping: Mapping) -> Node:
        """A copy in which the nodes (or parameters) of ``mapping`` are replaced.

        Never works in place; the copy shares the parameters it does not replace.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_pylearn.graph import Input, tanh
        >>> x, x2 = Input("x", np.zeros((1, 1))), Input("x", np.ones((1, 1)))
        >>> y = tanh(x)
        >>> y.replace({x: x2}).eval().round(3), y.eval()
        (array([[0.762]]), array([[0.]]))
        """
        return replace_in([self], mapping)[0]

    def copy(self, deep: bool = False) -> Node:
        """A copy sharing the parameters, or with new ones (``deep=True``)."""
        if not deep:
            return replace_in([self], {})[0]
        fresh = {p: p.copy() for p in self.parameters()}
        return replace_in([self], fresh)[0]

    def _remap(self, node_map: dict, leaf_map: dict) -> None:
        """Point the copy's other references (learners' parameters) at the new graph."""

    # -- display and pickling ----------------------------------------------------------
    def __repr__(self) -> str:
        label = self.kind if self.name is None else f"{self.kind} {self.name!r}"
        args = ", ".join(p.name or p.kind for p in self.parents)
        return f"<{label}({args})>"

    # Attributes that are caches (compiled functions): never stored or copied.
    _transient: tuple = ("_memo",)
    # What set_state (checkpoints) restores into a built graph of one structure.
    _value_attrs: tuple = ("_cursor",)

    def get_state(self) -> dict:
        """The plain-data state (the runtime's object protocol: checkpoints)."""
        return self.__getstate__()

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`: the whole graph into an empty node, the
        values (parameters, optimiser state, generators ...) into a built one."""
        from ._serialize import runtime_set_state

        runtime_set_state(self, state)

    def __copy__(self):
        twin = type(self).__new__(type(self))
        vars(twin).update(vars(self))
        return twin

    def _restored(self) -> None:
        """Called once a graph was restored from plain data (re-tags placeholders)."""
        if self.kind in ("time_slice", "recurrent"):
            setattr(self.expr.tag, self.kind, self)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


def raw_deepcopy(obj, memo):
    """A deep copy of a node or leaf through its attributes (new parameters and
    variables; caches left out)."""
    twin = type(obj).__new__(type(obj))
    memo[id(obj)] = twin
    vars(twin).update(_copy.deepcopy(obj._raw_state(deep_copy=True), memo))
    return twin


def annotation_path(annotations, where: str) -> tuple[str, ...]:
    """``annotations`` (a str, or a sequence of str from the outermost) as a tuple."""
    if annotations is None:
        return ()
    path = (annotations,) if isinstance(annotations, str) else annotations
    try:
        path = tuple(path)
    except TypeError:
        path = None
    if not path or not all(isinstance(a, str) and a for a in path):
        raise TypeError(
            f"{where}: annotations must be a non-empty str or a sequence of them "
            f"(outermost first, e.g. ['rbm1', 'hidden']), got {annotations!r}."
        )
    return path


def annotate(node, annotations, below=(), where: str = "annotate"):
    """Annotate what a transform made: ``node`` and every node under it down to
    (not including) the nodes ``below`` (the transform's inputs), and every
    parameter and hyper-parameter those nodes own.

    ``annotations`` is a str or a sequence of str, outermost first:
    ``["rbm1", "hidden"]`` puts the nodes in the annotation ``hidden`` inside
    ``rbm1`` of any :class:`~sklearn_pylearn.graph.Model` built on them (the
    seed's "a transform could have an optional annotations argument and it will
    add that string to all parameters and hyper-parameters"). Returns ``node``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b
    >>> x = Input("x", np.ones((1, 2)))
    >>> a = annotate(dotW_b(x, n=3), ["rbm1", "hidden"], below=[x])
    >>> a.annotations, sorted(a.parameters()[0].annotations)
    (('rbm1', 'hidden'), ['hidden', 'rbm1'])
    """
    path = annotation_path(annotations, where)
    if not path:
        return node
    nodes = list(node) if isinstance(node, (list, tuple)) else [node]
    stop = {id(n) for b in below for n in b.ancestors()}
    for top in nodes:
        for n in top.ancestors():
            if id(n) in stop:
                continue
            stop.add(id(n))
            n.annotations = path
            for leaf in n.owned:
                leaf.annotations = set(leaf.annotations) | set(path)
    return node


def _affected(nodes: list[Node], mapping: dict, leaf_ids: set) -> dict:
    """Node id -> True when the node must be rebuilt (it depends on the mapping)."""
    memo: dict[int, bool] = {}

    def visit(node):
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = False
        hit = key in mapping or any(id(leaf) in leaf_ids for leaf in node.owned)
        hit = any([visit(p) for p in node.parents]) or hit
        memo[key] = hit
        return hit

    for node in nodes:
        visit(node)
    return memo


def topological(nodes: Sequence[Node]) -> list[Node]:
    """Every node reachable from ``nodes``, parents before children."""
    order, seen = [], set()
    stack = [(n, False) for n in reversed(list(nodes))]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order


def replace_in(terminals: Sequence[Node], mapping: Mapping) -> list[Node]:
    """Rebuild ``terminals`` with ``mapping`` (node -> node, param -> param) applied.

    Returns the new terminals (in order); nothing is modified in place.
    """
    result = replace_map(terminals, mapping)
    return [result.get(id(t), t) for t in terminals]


def replace_map(terminals: Sequence[Node], mapping: Mapping) -> dict[int, Node]:
    """Like :func:`replace_in`, but return ``id(old node) -> new node`` for every
    node that was replaced or rebuilt (the others are unchanged)."""
    node_map, leaf_map = {}, {}
    for old, new in mapping.items():
        if isinstance(old, Node):
            if not isinstance(new, Node):
                raise TypeError(
                    f"replace: {old!r} is a node; its replacement must be a node, got "
                    f"{new!r}."
                )
            node_map[id(old)] = new
        elif getattr(old, "kind", None) == "param":
            leaf_map[id(old)] = (old, new)
        else:
            raise TypeError(
                f"replace: keys must be nodes or parameters, got {old!r}; use the "
                "node (e.g. the Input) itself as the key."
            )
    leaf_ids = set(leaf_map)
    nodes = topological(terminals)
    hit = _affected(list(terminals), node_map, leaf_ids)
    var_map = {old.var: new.var for old, new in leaf_map.values()}
    for node in nodes:
        if id(node) in node_map:
            var_map[node.expr] = node_map[id(node)].expr
    rebuilt = [n for n in nodes if hit.get(id(n)) and id(n) not in node_map]
    flat = [e for n in rebuilt for e in n.exprs()]
    new_exprs = iter(rebuild(flat, var_map))
    result = dict(node_map)
    for node in rebuilt:
        twin = _copy.copy(node)
        twin.expr = next(new_exprs)
        twin.extra = {k: next(new_exprs) for k in node.extra}
        twin.parents = tuple(result.get(id(p), p) for p in node.parents)
        twin.owned = tuple(
            leaf_map.get(id(leaf), (None, leaf))[1] for leaf in node.owned
        )
        twin._memo, twin._cursor = {}, 0
        twin._remap(result, {k: v[1] for k, v in leaf_map.items()})
        result[id(node)] = twin
    return result
