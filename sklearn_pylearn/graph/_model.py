"""``Model``: a graph with its inputs, named outputs and hierarchical annotations.

Annotations name sub-graphs (``DBN`` > ``rbm1`` > ``hidden``); ``find`` searches
breadth-first from the top (the first ``"W"`` below ``"rbm2"`` is the second
layer's); ``replace`` does surgery by name and returns a new model that shares the
parameters it does not replace.
"""

from __future__ import annotations

import copy as _copy
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from typing import Any

from ._learners import Learner
from ._node import Node, replace_map, topological

__all__ = ["Annotation", "Model"]


class Annotation:
    """A named sub-graph: its nodes and the annotations nested in it.

    Examples
    --------
    >>> a = Annotation("rbm1", [])
    >>> a.add(Annotation("hidden", [])).name, [c.name for c in a.children]
    ('hidden', ['hidden'])
    """

    def __init__(self, name: str, nodes: Sequence[Node], children=()):
        self.name = name
        self.nodes = list(nodes)
        self.children: list[Annotation] = list(children)

    @property
    def top(self) -> Node | None:
        """The node of the sub-graph that none of its other nodes is built from."""
        nodes = self.all_nodes()
        for node in reversed(nodes):
            if not any(node in other.parents for other in nodes):
                return node
        return None

    def add(self, child: Annotation) -> Annotation:
        self.children.append(child)
        return child

    def walk(self):
        """This annotation and every one below it, breadth-first."""
        queue = deque([self])
        while queue:
            ann = queue.popleft()
            yield ann
            queue.extend(ann.children)

    def all_nodes(self) -> list[Node]:
        """Its nodes and those of the annotations below it."""
        seen, out = set(), []
        for ann in self.walk():
            for node in ann.nodes:
                if id(node) not in seen:
                    seen.add(id(node))
                    out.append(node)
        return out

    def _mapped(self, node_map: dict, alive: set) -> Annotation:
        nodes = [node_map.get(id(n), n) for n in self.nodes]
        nodes = [n for n in nodes if id(n) in alive]
        kids = [c._mapped(node_map, alive) for c in self.children]
        return Annotation(self.name, nodes, kids)

    def __repr__(self) -> str:
        return f"Annotation({self.name!r}, {len(self.nodes)} nodes)"


def _tree_lines(ann: Annotation, depth, level: int = 0) -> list[str]:
    lines = ["    " * level + repr(ann.name)]
    if depth is None or level < depth:
        for child in ann.children:
            lines += _tree_lines(child, depth, level + 1)
    return lines


class Model:
    """A layer graph with named outputs and annotations (what a macro returns).

    Parameters
    ----------
    outputs : mapping of str to Node
        The terminal nodes (outputs, costs, learners) by name.
    name : str, default="model"
        The top annotation.
    inputs : sequence of Input, optional
        Default: every data input the outputs depend on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, sigmoid
    >>> x = Input("x", np.ones((2, 3)))
    >>> affine = dotW_b(x, n=2, random_state=0)
    >>> h = sigmoid(affine)
    >>> model = Model({"hidden": h}, name="AE")
    >>> _ = model.annotate("encoder", [affine, h])
    >>> print(model.annotations())
    'AE'
        'encoder'
    >>> model.find("W", look_at="encoder").shape
    (3, 2)
    """

    def __init__(
        self,
        outputs: Mapping[str, Node],
        *,
        name: str = "model",
        inputs: Sequence[Node] | None = None,
    ):
        if not isinstance(outputs, Mapping) or not outputs:
            raise TypeError(
                f"Model: outputs must be a non-empty mapping name -> node, got "
                f"{outputs!r}."
            )
        for key, node in outputs.items():
            if not isinstance(node, Node):
                raise TypeError(f"Model: output {key!r} is not a node: {node!r}.")
        self.outputs = dict(outputs)
        self.name = name
        self._inputs = None if inputs is None else list(inputs)
        self.root = Annotation(name, [])
        self._annotate_from_nodes()

    def _annotate_from_nodes(self) -> None:
        """Put the nodes that transforms annotated (``annotations=``) in the tree."""
        for node in self.nodes():
            where = self.root
            for name in node.annotations:
                child = next((c for c in where.children if c.name == name), None)
                where = child if child is not None else where.add(Annotation(name, []))
            if node.annotations and all(n is not node for n in where.nodes):
                where.nodes.append(node)

    # -- structure --------------------------------------------------------------------
    @property
    def inputs(self) -> list:
        """The model's data inputs."""
        if self._inputs is not None:
            return list(self._inputs)
        found, seen = [], set()
        for node in self.nodes():
            if node.kind == "input" and id(node) not in seen:
                seen.add(id(node))
                found.append(node)
        return found

    def nodes(self) -> list[Node]:
        """Every node of the graph, parents before children."""
        return topological(list(self.outputs.values()))

    def __getitem__(self, key: str) -> Node:
        return self.outputs[key]

    def annotate(self, name: str, nodes: Sequence[Node], parent: str | None = None):
        """Name a sub-graph (under the annotation ``parent``, default the top)."""
        where = self.root if parent is None else self._annotation(parent)
        return where.add(Annotation(name, list(nodes)))

    def annotations(self, depth: int | None = None) -> str:
        """The annotation tree as indented text (``depth`` levels below the top)."""
        return "\n".join(_tree_lines(self.root, depth))

    def _annotation(self, name: str) -> Annotation:
        for ann in self.root.walk():
            if ann.name == name:
                return ann
        known = sorted({a.name for a in self.root.walk()})
        raise KeyError(f"{self.name}: no annotation {name!r}; the model has {known}.")

    def _scope(self, look_at) -> Annotation:
        if look_at is None:
            return self.root
        if isinstance(look_at, Annotation):
            return look_at
        if isinstance(look_at, Node):
            return Annotation(repr(look_at), look_at.ancestors())
        return self._annotation(look_at)

    # -- find -------------------------------------------------------------------------
    def find(self, search_for: str, look_at=None) -> Any:
        """The first annotation, node or parameter called ``search_for``, searching
        breadth-first from the top of ``look_at`` (an annotation name, a node: the
        sub-graph up to it, or None: the whole model).

        Nodes match by name or by kind (``"CDk"``, ``"dotW_b"``); parameters and
        hyper-parameters by name.
        """
        scope = self._scope(look_at)
        queue = deque([scope])
        while queue:
            ann = queue.popleft()
            for child in ann.children:
                if child.name == search_for:
                    return child
            hit = _find_in_nodes(ann, search_for)
            if hit is not None:
                return hit
            queue.extend(ann.children)
        raise KeyError(
            f"{self.name}.find: nothing called {search_for!r} in "
            f"{scope.name!r}; see model.annotations() and model.parameters()."
        )

    def parameters(self, look_at=None, **tags: bool) -> list:
        """The parameters of the sub-graph ``look_at`` (default: all), by tags."""
        scope = self._scope(look_at)
        if scope is self.root and not scope.nodes:
            nodes = self.nodes()
        else:
            nodes = scope.all_nodes()
        found, seen = [], set()
        for node in nodes:
            for leaf in node.owned:
                if leaf.kind == "param" and id(leaf) not in seen and leaf.has(**tags):
                    seen.add(id(leaf))
                    found.append(leaf)
        return found

    def hyperparameters(self) -> dict:
        """Every hyper-parameter of the model, by its path.

        The path is the deepest annotation holding the node that owns it, then
        its name, joined by ``__`` (``rbm1__CDk__learning_rate``). Paths are
        unique and depend only on the model's structure: when several
        hyper-parameters would share one (two learners annotated together, each
        with a ``learning_rate``), each gets its node's name (or kind) before its
        own (``train__SGD__learning_rate``, ``train__Adam__learning_rate``), and
        nodes of the same name are numbered in building order
        (``train__SGD_1__learning_rate``, ``train__SGD_2__learning_rate``).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_pylearn.graph import Input, SGD, dotW_b, squared_error
        >>> x, y = Input("x", np.ones((2, 1))), Input("y", np.ones((2, 1)))
        >>> cost = squared_error(dotW_b(x, n=1), y)
        >>> first, second = SGD(cost), SGD(cost, momentum=0.9)
        >>> model = Model({"first": first, "second": second})
        >>> _ = model.annotate("train", [cost, first, second])
        >>> sorted(model.hyperparameters())[:2]
        ['train__SGD_1__learning_rate', 'train__SGD_1__momentum']
        """
        entries, seen = [], set()
        for node in self.nodes():
            for leaf in node.owned:
                if leaf.kind == "hyperparam" and id(leaf) not in seen:
                    seen.add(id(leaf))
                    entries.append((self._trail(node), node, leaf))
        plain = Counter("__".join([*t, h.name]) for t, _, h in entries)
        keys = [
            [*t, h.name]
            if plain["__".join([*t, h.name])] == 1
            else [*t, node.name or node.kind, h.name]
            for t, node, h in entries
        ]
        joined = Counter("__".join(k) for k in keys)
        numbers: dict[str, int] = {}
        found: dict[str, Any] = {}
        for key, (_, _, leaf) in zip(keys, entries):
            text = "__".join(key)
            if joined[text] > 1:
                numbers[text] = numbers.get(text, 0) + 1
                key = [*key[:-2], f"{key[-2]}_{numbers[text]}", key[-1]]
                text = "__".join(key)
            found[text] = leaf
        return found

    def _trail(self, node: Node) -> list[str]:
        """The names of the annotations down to the deepest one holding ``node``."""
        path: list[str] = []

        def visit(ann, trail):
            nonlocal path
            if any(n is node for n in ann.nodes) and len(trail) >= len(path):
                path = trail
            for child in ann.children:
                visit(child, trail + [child.name])

        visit(self.root, [])
        return path

    # -- surgery ----------------------------------------------------------------------
    def replace(
        self,
        look_at=None,
        search_for=None,
        replace_with=None,
        annotate_as=None,
        *,
        new_name=None,
    ) -> Model:
        """A new model with a part replaced; the original is left as it was.

        Forms:

        - ``model.replace({old_node: new_node, ...})``;
        - ``model.replace("rbm1", daa1, new_name="daa1")``: the sub-graph annotated
          ``rbm1`` becomes the model ``daa1`` (its input is wired to the sub-graph's
          input, its ``hidden`` output feeds what the sub-graph fed);
        - ``model.replace(look_at="rbm1", search_for="CDk", replace_with=pcd1,
          annotate_as="PCD1")``: the node found is replaced by ``replace_with``.
        """
        if isinstance(look_at, Mapping):
            return self._replace_nodes(dict(look_at), None, None)
        if isinstance(search_for, Model) or isinstance(replace_with, Model):
            other = search_for if isinstance(search_for, Model) else replace_with
            name = new_name or annotate_as or other.name
            return self._replace_subgraph(self._annotation(look_at), other, name)
        if search_for is None or replace_with is None:
            raise TypeError(
                f"{self.name}.replace: give a mapping, or (look_at, model), or "
                "(look_at, search_for, replace_with)."
            )
        found = self.find(search_for, look_at)
        if isinstance(found, Annotation) and found.top is not None:
            model = self._replace_nodes({found.top: replace_with}, None, None)
            twin = _same_place(self.root, model.root, found)
            twin.name = annotate_as or new_name or twin.name
            old = {id(n) for n in self.nodes()}
            twin.nodes += [
                n
                for n in replace_with.ancestors()
                if id(n) not in old and n.kind != "input" and n not in twin.nodes
            ]
            return model
        if not isinstance(found, Node):
            raise TypeError(
                f"{self.name}.replace: {search_for!r} in {look_at!r} is {found!r}, "
                "not a node; replace a node, or a whole annotation with a Model."
            )
        parent = self._scope(look_at) if look_at is not None else self.root
        return self._replace_nodes(
            {found: replace_with}, annotate_as or new_name, parent.name
        )

    def _rebuilt(self, outputs: dict, node_map: dict, root=None) -> Model:
        model = Model(outputs, name=self.name, inputs=self._inputs)
        alive = {id(n) for n in model.nodes()}
        model.root = (root or self.root)._mapped(node_map, alive)
        return model

    def _replace_nodes(self, mapping: dict, annotate_as, parent) -> Model:
        terms = list(self.outputs.values())
        node_map = replace_map(terms, mapping)
        outputs = {k: node_map.get(id(v), v) for k, v in self.outputs.items()}
        model = self._rebuilt(outputs, node_map)
        if annotate_as is not None:
            old = {id(n) for n in self.nodes()}
            fresh = [
                n
                for new in mapping.values()
                for n in new.ancestors()
                if id(n) not in old and n.kind != "input"
            ]
            model.annotate(annotate_as, fresh, parent=parent)
        return model

    def _replace_subgraph(self, ann: Annotation, other: Model, name: str) -> Model:
        inside = {id(n) for n in ann.all_nodes()}
        outside = [n for n in self.nodes() if id(n) not in inside]
        feeds = _unique(
            p for n in ann.all_nodes() for p in n.parents if id(p) not in inside
        )
        used = _unique(p for n in outside for p in n.parents if id(p) in inside)
        if len(feeds) != len(other.inputs) or len(used) != 1:
            raise ValueError(
                f"{self.name}.replace: {ann.name!r} takes {len(feeds)} input(s) and "
                f"feeds {len(used)} node(s) outside it; {other.name!r} has "
                f"{len(other.inputs)} input(s) and one main output is needed: the "
                "replacement must have the same numbers of inputs and outputs."
            )
        other_terms = list(other.outputs.values())
        wired = replace_map(other_terms, dict(zip(other.inputs, feeds)))
        new_other = {k: wired.get(id(v), v) for k, v in other.outputs.items()}
        main = new_other.get("hidden", new_other.get("output"))
        kept = {k: v for k, v in self.outputs.items() if id(v) not in inside}
        node_map = replace_map(list(kept.values()), {used[0]: main})
        outputs = {k: node_map.get(id(v), v) for k, v in kept.items()}
        learners = {k: v for k, v in new_other.items() if isinstance(v, Learner)}
        for key, node in learners.items():
            outputs[name if len(learners) == 1 else f"{name}.{key}"] = node
        root = _swap_annotation(self.root, ann, other.root, wired, name)
        all_map = {**node_map, **wired}
        return self._rebuilt(outputs, all_map, root)

    def copy(self, deep: bool = False) -> Model:
        """A copy: sharing the graph and parameters, or (``deep=True``) with new
        parameters, hyper-parameters and generators holding copies of the values
        (same structure, so it shares the compiled functions)."""
        if deep:
            return _copy.deepcopy(self)
        twin = _copy.copy(self)
        twin.outputs = dict(self.outputs)
        return twin

    def __getstate__(self) -> dict:
        # Plain data only (the structure: which ops, wired how; annotations;
        # parameter arrays), so pickle and skops store the same thing and skops
        # loads it without running untrusted code. Compiled functions are never
        # stored.
        from ._serialize import graph_state

        return {"graph": graph_state(dict(vars(self)))}

    def __setstate__(self, state: dict) -> None:
        from ._serialize import restore_graph

        if "raw" in state:  # pickled with what has no plain form (see below)
            vars(self).update(state["raw"])
        else:
            vars(self).update(restore_graph(state["graph"]))

    def _raw_state(self) -> dict:
        return dict(vars(self))

    def get_state(self) -> dict:
        """The plain-data state, for the runtime's checkpoints (as pickled).

        Examples
        --------
        >>> from sklearn_pylearn.graph.macros import LogReg
        >>> model = LogReg(3, 2)
        >>> twin = Model.__new__(Model)
        >>> twin.set_state(model.get_state())
        >>> twin.find("W").value.tolist() == model.find("W").value.tolist()
        True
        """
        return self.__getstate__()

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`: the whole model into an empty one (what the
        checkpoint loader builds), or the values (parameters, hyper-parameters,
        optimiser state, generators, counters) into this model when it has the
        stored structure, so the nodes its user holds stay wired."""
        from ._serialize import runtime_set_state

        runtime_set_state(self, state)

    def __reduce_ex__(self, protocol):
        from ._serialize import pickle_reduce

        return pickle_reduce(self)

    def __copy__(self) -> Model:
        twin = type(self).__new__(type(self))
        vars(twin).update(vars(self))
        return twin

    def __deepcopy__(self, memo) -> Model:
        twin = type(self).__new__(type(self))
        memo[id(self)] = twin
        vars(twin).update(_copy.deepcopy(dict(vars(self)), memo))
        return twin

    def __sklearn_clone__(self) -> Model:
        # scikit-learn's clone() of an estimator holding a model: a deep copy, so
        # that clones never share parameters or hyper-parameters.
        return self.copy(deep=True)

    def get_params(self, deep: bool = True) -> dict:
        """The hyper-parameters by path (so ``estimator.get_params()`` reaches them
        as ``model__<path>``)."""
        return self.get_hyperparams()

    def set_params(self, **values) -> Model:
        """Set hyper-parameters by path (``rbm1__CDk__learning_rate=0.01``)."""
        return self.set_hyperparams(**values)

    # -- values and display -----------------------------------------------------------
    def get_hyperparams(self) -> dict:
        """Hyper-parameter values by dotted path (e.g. ``rbm1__learning_rate``)."""
        return {k: h.value for k, h in self.hyperparameters().items()}

    def set_hyperparams(self, **values) -> Model:
        """Set hyper-parameter values by path; returns the model."""
        known = self.hyperparameters()
        for key, value in values.items():
            if key not in known:
                raise KeyError(
                    f"{self.name}: no hyper-parameter {key!r}; known: {sorted(known)}."
                )
            known[key].value = value
        return self

    def param_distributions(self, prefix: str = "") -> dict:
        """The hyper-parameters that carry a distribution, by ``prefix + path``
        (``prefix="model__"`` gives an estimator's ``param_distributions`` for
        ``RandomizedSearchCV``)."""
        return {
            prefix + k: h.distribution
            for k, h in self.hyperparameters().items()
            if h.distribution is not None
        }

    def __repr__(self) -> str:
        outs = ", ".join(f"{k}={v!r}" for k, v in self.outputs.items())
        tree = "\n".join("  " + line for line in _tree_lines(self.root, None))
        return f"Model({self.name!r}, outputs: {outs})\n{tree}"

    def to_dot(self) -> str:
        """Graphviz text: layers as boxes, data as ellipses, annotations as clusters."""
        from ._display import to_dot

        return to_dot(self)


def _same_place(old_root: Annotation, new_root: Annotation, target: Annotation):
    """The annotation of ``new_root`` at the place ``target`` has in ``old_root``."""
    for old, new in zip(old_root.walk(), new_root.walk()):
        if old is target:
            return new
    raise KeyError(target.name)


def _unique(nodes) -> list[Node]:
    seen, out = set(), []
    for n in nodes:
        if id(n) not in seen:
            seen.add(id(n))
            out.append(n)
    return out


def _find_in_nodes(ann: Annotation, name: str):
    if not ann.nodes:
        return None
    members = {id(n) for n in ann.nodes}
    tops = [n for n in ann.nodes if not any(n in m.parents for m in ann.nodes)]
    for node in _bfs(tops, members):
        if node.name == name or node.kind == name:
            return node
        for leaf in node.owned:
            if leaf.name == name:
                return leaf
    return None


def _bfs(tops: list[Node], members: set):
    seen, queue = {id(n) for n in tops}, deque(tops)
    while queue:
        node = queue.popleft()
        yield node
        for parent in node.parents:
            if id(parent) in members and id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)


def _swap_annotation(
    root: Annotation, old: Annotation, new_root: Annotation, node_map: dict, name: str
) -> Annotation:
    def copy(ann):
        if ann is old:
            grafted = Annotation(
                name,
                [node_map.get(id(n), n) for n in new_root.nodes],
                [c._mapped(node_map, _AllAlive()) for c in new_root.children],
            )
            if not grafted.nodes and not grafted.children:
                grafted.nodes = list(node_map.values())
            return grafted
        return Annotation(ann.name, ann.nodes, [copy(c) for c in ann.children])

    return copy(root)


class _AllAlive:
    def __contains__(self, item) -> bool:
        return True
