"""Plain-data state of a layer graph: its structure and arrays, never code.

A graph is stored as three tables:

- ``objects``: every node and leaf (class name and attributes, the attributes
  encoded as plain data, references to other objects by index);
- ``applies``: every PyTensor operation of the expressions, as the op's class
  (from PyTensor) with its properties (``__props__``) and the indices of its
  input variables (a ``Scan`` keeps its inner graph the same way, nested);
- ``vars``: every variable: a leaf's root (its type), a constant (its array), a
  free root (its type), or output ``k`` of an apply.

Only ``int``, ``float``, ``str``, ``bool``, ``None``, lists, dicts and numpy arrays
appear, so the state can be written by skops (which then loads a graph without
running any code it does not trust) as well as by pickle. Restoring builds the
objects again: nodes and leaves of this library's classes, ops of PyTensor's own
classes (their constructors called with the stored properties), scalar ops looked
up by name in PyTensor's scalar modules. Compiled functions are never stored; they
come back from the compile cache on first use.
"""

from __future__ import annotations

import copyreg
import importlib
import inspect
import json
import numbers
import weakref
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.compile.builders import SymbolicOp
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.op import Op
from pytensor.graph.traversal import graph_inputs, io_toposort
from pytensor.scalar.basic import ScalarConstant, ScalarOp, ScalarType
from pytensor.scan.op import Scan, ScanInfo
from pytensor.tensor.random.type import RandomGeneratorType, random_generator_type
from pytensor.tensor.type import TensorType
from pytensor.tensor.type_other import NoneConst, NoneTypeT

__all__ = [
    "GraphStateError",
    "graph_state",
    "pickle_reduce",
    "restore_graph",
    "runtime_set_state",
]

FORMAT = 1
_INLINE = 64  # arrays of at most this many entries are kept in the JSON text
_SCALAR_MODULES = ("pytensor.scalar.basic", "pytensor.scalar.math")
_RNG_BITS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class GraphStateError(TypeError):
    """A graph holds something that has no plain-data form (skops cannot store it).

    Raised by skops (``persistence.dump(obj, "x.skops")``) for a graph holding an
    operation from outside PyTensor, and when a stored graph names a class this
    library would not load; joblib still stores such a graph (as objects).

    Examples
    --------
    >>> from sklearn_pylearn.graph import GraphStateError
    >>> issubclass(GraphStateError, TypeError)
    True
    """


def _fail(what: str) -> GraphStateError:
    return GraphStateError(
        f"This layer graph holds {what}, which has no plain-data form, so it cannot "
        "be stored with skops; save it with joblib instead "
        "(sklearn_pylearn.persistence.dump(obj, path, format='joblib'); a pickle: "
        "load only files you trust)."
    )


def _qualname(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _import_class(name: str, prefix: tuple, base: type, where: str) -> type:
    module, _, qualname = name.partition(":")
    if not module.startswith(prefix):
        raise GraphStateError(
            f"restoring a graph: {where} {name!r} is not from {prefix}; refused."
        )
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if not (isinstance(obj, type) and issubclass(obj, base)):
        raise GraphStateError(f"restoring a graph: {name!r} is not a {where}.")
    return obj


_SCALAR_OPS: dict | None = None


def _scalar_ops() -> dict:
    """Scalar op -> its name in PyTensor's scalar modules (ops compare by props)."""
    global _SCALAR_OPS
    if _SCALAR_OPS is None:
        found = {}
        for module_name in _SCALAR_MODULES:
            module = importlib.import_module(module_name)
            for attr, value in sorted(vars(module).items()):
                if isinstance(value, ScalarOp):
                    try:
                        found.setdefault(value, f"{module_name}:{attr}")
                    except TypeError:  # unhashable
                        continue
        _SCALAR_OPS = found
    return _SCALAR_OPS


def _type_desc(t) -> dict:
    if isinstance(t, TensorType):
        return {"tensor": t.dtype, "shape": list(t.shape)}
    if isinstance(t, RandomGeneratorType):
        return {"rng": True}
    if isinstance(t, ScalarType):
        return {"scalar": t.dtype}
    raise _fail(f"a variable of type {t}")


def _type_of(desc: dict):
    if "tensor" in desc:
        return TensorType(desc["tensor"], shape=tuple(desc["shape"]))
    if "rng" in desc:
        return random_generator_type
    if "scalar" in desc:
        return ScalarType(desc["scalar"])
    raise GraphStateError(f"restoring a graph: unknown type {desc!r}.")


class _Encoder:
    """Encodes objects, values and variables into the three tables."""

    def __init__(self):
        self.objects: list = []
        self.obj_index: dict[int, int] = {}
        self.keep: list = []
        self.pending: list = []
        self.vars: list = []
        self.var_index: dict = {}
        self.applies: list = []
        self.arrays: list = []

    # -- objects --------------------------------------------------------------------
    def ref(self, obj) -> dict:
        i = self.obj_index.get(id(obj))
        if i is None:
            i = len(self.objects)
            self.obj_index[id(obj)] = i
            self.objects.append(None)
            self.keep.append(obj)
            self.pending.append(obj)
        return {"__obj__": i}

    def drain(self) -> None:
        while self.pending:
            obj = self.pending.pop()
            skip = set(getattr(obj, "_transient", ()))
            attrs = {
                k: self.value(v) for k, v in sorted(vars(obj).items()) if k not in skip
            }
            self.objects[self.obj_index[id(obj)]] = {
                "class": _qualname(type(obj)),
                "attrs": attrs,
                "transient": sorted(skip),
            }

    # -- values ---------------------------------------------------------------------
    def value(self, v) -> Any:  # noqa: C901 - one branch per plain form
        from ._model import Annotation
        from ._node import Node

        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)) and type(v) in (int, float):
            return v
        if isinstance(v, np.generic):
            return {"__np__": [v.dtype.str, v.item()]}
        if isinstance(v, numbers.Number):
            return v if isinstance(v, (int, float)) else float(v)
        if isinstance(v, np.ndarray):
            return self.array(v)
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x) for x in v]}
        if isinstance(v, (set, frozenset)):
            return {"__set__": [self.value(x) for x in sorted(v, key=repr)]}
        if isinstance(v, Node) or _is_leaf(v):
            return self.ref(v)
        if isinstance(v, Annotation):
            return {
                "__annotation__": [
                    v.name,
                    [self.ref(n) for n in v.nodes],
                    [self.value(c) for c in v.children],
                ]
            }
        if isinstance(v, Variable):
            return {"__var__": self.var(v)}
        if isinstance(v, dict) or type(v).__name__ == "frozendict":
            return {"__dict__": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if isinstance(v, np.random.Generator):
            name = type(v.bit_generator).__name__
            if name not in _RNG_BITS:
                raise _fail(f"a generator of bit generator {name}")
            return {"__generator__": self.value(v.bit_generator.state)}
        if isinstance(v, np.random.RandomState):
            return {"__randomstate__": self.value(v.get_state(legacy=False))}
        if isinstance(v, slice):
            return {"__slice__": [self.value(v.start), self.value(v.stop),
                                  self.value(v.step)]}  # fmt: skip
        if isinstance(v, ScalarOp):
            name = _scalar_ops().get(v)
            if name is None:
                raise _fail(f"the scalar operation {v}")
            return {"__scalar_op__": name}
        if isinstance(v, ScalarType):
            return {"__scalar_type__": v.dtype}
        if isinstance(v, TensorType):
            return {"__type__": _type_desc(v)}
        if _is_distribution(v):
            return {
                "__distribution__": [
                    v.dist.name,
                    self.value(tuple(v.args)),
                    self.value(dict(v.kwds)),
                ]
            }
        raise _fail(f"a {type(v).__module__}.{type(v).__qualname__} ({v!r:.60})")

    def array(self, v: np.ndarray) -> dict:
        if v.dtype.hasobject or v.dtype.kind not in "biuf":
            raise _fail(f"an array of dtype {v.dtype}")
        if v.size <= _INLINE:
            return {"__small__": [v.dtype.str, list(v.shape), v.ravel().tolist()]}
        self.arrays.append(np.ascontiguousarray(v))
        return {"__array__": len(self.arrays) - 1}

    # -- variables ------------------------------------------------------------------
    def var(self, v: Variable) -> int:
        if v in self.var_index:
            return self.var_index[v]
        roots = [r for r in graph_inputs([v]) if r not in self.var_index]
        for r in roots:
            self._root(r)
        for apply in io_toposort(list(self.var_index), [v]):
            if apply.outputs[0] in self.var_index:
                continue
            inputs = [self.var_index[i] for i in apply.inputs]
            a = len(self.applies)
            self.applies.append({"op": self.op(apply.op), "inputs": inputs})
            for k, out in enumerate(apply.outputs):
                self.var_index[out] = len(self.vars)
                self.vars.append({"out": [a, k]})
        return self.var_index[v]

    def _root(self, r: Variable) -> None:
        leaf = getattr(r.tag, "leaf", None)
        if leaf is not None:
            entry = {"leaf": self.ref(leaf)["__obj__"], "type": _type_desc(r.type)}
        elif isinstance(r, Constant):
            if isinstance(r.type, NoneTypeT):
                entry = {"none": True}
            elif isinstance(r.type, (TensorType, ScalarType)):
                data = self.array(np.asarray(r.data))
                entry = {"const": data, "type": _type_desc(r.type)}
            else:
                raise _fail(f"a constant of type {r.type}")
        else:
            entry = {"root": _type_desc(r.type)}
        entry["name"] = r.name
        self.var_index[r] = len(self.vars)
        self.vars.append(entry)

    # -- ops ------------------------------------------------------------------------
    def op(self, op: Op) -> dict:
        if isinstance(op, Scan):
            return {"scan": self._scan(op)}
        cls = type(op)
        props = getattr(cls, "__props__", None)
        if props is None or not cls.__module__.startswith("pytensor."):
            raise _fail(f"the operation {op} ({_qualname(cls)})")
        accepted = inspect.signature(cls.__init__).parameters
        kwargs = {p: self.value(getattr(op, p)) for p in props if p in accepted}
        desc = {"op": _qualname(cls), "kwargs": kwargs}
        _check_op(op, desc)
        return desc

    def _scan(self, op: Scan) -> dict:
        inner = _Encoder()
        inner.obj_index, inner.objects = self.obj_index, self.objects
        inner.keep, inner.pending = self.keep, self.pending
        inner.arrays = self.arrays
        ins = []
        for v in op.inner_inputs:
            inner.var_index[v] = len(inner.vars)
            inner.vars.append({"root": _type_desc(v.type), "name": v.name})
            ins.append(inner.var_index[v])
        outs = [inner.var(v) for v in op.inner_outputs]
        if op.mode is not None and not isinstance(op.mode, str):
            raise _fail(f"a scan with compile mode {op.mode!r}")
        fields = op.info.__dataclass_fields__
        info = {k: self.value(getattr(op.info, k)) for k in fields}
        return {
            "vars": inner.vars,
            "applies": inner.applies,
            "inputs": ins,
            "outputs": outs,
            "info": info,
            "mode": op.mode,
            "truncate_gradient": op.truncate_gradient,
            "name": op.name,
            "allow_gc": op.allow_gc,
            "strict": op.strict,
        }


_CHECKED: set = set()


def _check_op(op: Op, desc: dict) -> None:
    """The op that ``desc`` rebuilds has the same properties (checked once per op)."""
    try:
        if op in _CHECKED:
            return
    except TypeError:
        pass
    try:
        twin = _Decoder([], {}).op(desc)
        same = all(getattr(twin, p) == getattr(op, p) for p in type(op).__props__)
    except Exception as exc:  # noqa: BLE001 - any failure: no plain form
        raise _fail(f"the operation {op} (rebuilding it failed: {exc})") from exc
    if not same:
        raise _fail(f"the operation {op} (its properties do not rebuild it)")
    try:
        _CHECKED.add(op)
    except TypeError:
        pass


def _is_leaf(v) -> bool:
    from ._leaves import Leaf

    return isinstance(v, Leaf)


def _is_distribution(v) -> bool:
    try:
        from scipy.stats._distn_infrastructure import rv_frozen
    except ImportError:  # pragma: no cover - scipy moved it
        return False
    return isinstance(v, rv_frozen)


def graph_state(attrs: dict) -> dict:
    """The plain-data state of ``attrs`` (a dict of attributes: nodes, leaves,
    annotations, variables and plain values), with every object they reach.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, dotW_b, sigmoid
    >>> h = sigmoid(dotW_b(Input("x", np.ones((1, 2))), n=3, random_state=0))
    >>> state = graph_state({"h": h})
    >>> sorted(state)
    ['arrays', 'format', 'structure']
    >>> restore_graph(state)["h"].eval().shape
    (1, 3)
    """
    enc = _Encoder()
    encoded = {k: enc.value(v) for k, v in attrs.items()}
    enc.drain()
    structure = {
        "objects": enc.objects,
        "vars": enc.vars,
        "applies": enc.applies,
        "attrs": encoded,
    }
    return {
        "format": FORMAT,
        "structure": json.dumps(structure, separators=(",", ":")),
        "arrays": enc.arrays,
    }


class _Decoder:
    def __init__(self, objects: list, shells: dict, arrays=()):
        self.objects = objects
        self.shells = shells
        self.arrays = list(arrays)
        self.vars: list = []

    def shell(self, i: int):
        obj = self.shells.get(i)
        if obj is None:
            from ._leaves import Leaf
            from ._node import Node

            entry = self.objects[i]
            cls = _import_class(
                entry["class"], ("sklearn_pylearn.",), (Node, Leaf), "graph class"
            )
            obj = self.shells[i] = cls.__new__(cls)
        return obj

    def value(self, v) -> Any:  # noqa: C901 - one branch per plain form
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            return v
        ((tag, body),) = v.items()
        if tag == "__obj__":
            return self.shell(body)
        if tag == "__var__":
            return self.vars[body]
        if tag == "__array__":
            return np.array(self.arrays[body])
        if tag == "__small__":
            dtype, shape, flat = body
            return np.array(flat, dtype=np.dtype(dtype)).reshape(shape)
        if tag == "__np__":
            return np.dtype(body[0]).type(body[1])
        if tag == "__tuple__":
            return tuple(self.value(x) for x in body)
        if tag == "__set__":
            return {self.value(x) for x in body}
        if tag == "__dict__":
            return {self.value(k): self.value(x) for k, x in body}
        if tag == "__annotation__":
            from ._model import Annotation

            name, nodes, kids = body
            return Annotation(
                name, [self.value(n) for n in nodes], [self.value(c) for c in kids]
            )
        if tag == "__generator__":
            state = self.value(body)
            name = state["bit_generator"]
            if name not in _RNG_BITS:
                raise GraphStateError(f"restoring a graph: bit generator {name!r}?")
            bits = getattr(np.random, name)()
            bits.state = state
            return np.random.Generator(bits)
        if tag == "__randomstate__":
            rs = np.random.RandomState()
            rs.set_state(self.value(body))
            return rs
        if tag == "__slice__":
            return slice(*[self.value(x) for x in body])
        if tag == "__scalar_op__":
            module, _, attr = body.partition(":")
            if module not in _SCALAR_MODULES:
                raise GraphStateError(f"restoring a graph: scalar op {body!r}?")
            op = getattr(importlib.import_module(module), attr, None)
            if not isinstance(op, ScalarOp):
                raise GraphStateError(f"restoring a graph: {body!r}: not a scalar op.")
            return op
        if tag == "__scalar_type__":
            return ScalarType(body)
        if tag == "__type__":
            return _type_of(body)
        if tag == "__distribution__":
            import scipy.stats
            from scipy.stats._distn_infrastructure import rv_generic

            name, args, kwds = body
            dist = getattr(scipy.stats, name, None)
            if not isinstance(dist, rv_generic):
                raise GraphStateError(f"restoring a graph: distribution {name!r}?")
            return dist(*self.value(args), **self.value(kwds))
        raise GraphStateError(f"restoring a graph: unknown entry {tag!r}.")

    def op(self, desc: dict) -> Op:
        if "scan" in desc:
            return self._scan(desc["scan"])
        cls = _import_class(desc["op"], ("pytensor.",), Op, "PyTensor op")
        kwargs = {k: self.value(v) for k, v in desc["kwargs"].items()}
        return cls(**kwargs)

    def _scan(self, body: dict) -> Scan:
        inner = _Decoder(self.objects, self.shells, self.arrays)
        inner.table(body["vars"], body["applies"])
        info = ScanInfo(**{k: self.value(v) for k, v in body["info"].items()})
        return Scan(
            [inner.vars[i] for i in body["inputs"]],
            [inner.vars[i] for i in body["outputs"]],
            info,
            mode=body["mode"],
            truncate_gradient=body["truncate_gradient"],
            name=body["name"],
            allow_gc=body["allow_gc"],
            strict=body["strict"],
        )

    def table(self, var_entries: list, apply_entries: list) -> None:
        built: dict[int, list] = {}
        for entry in var_entries:
            if "out" in entry:
                a, k = entry["out"]
                if a not in built:
                    spec = apply_entries[a]
                    op = self.op(spec["op"])
                    inputs = [self.vars[i] for i in spec["inputs"]]
                    if isinstance(op, SymbolicOp):  # builds its inner graph
                        built[a] = list(op(*inputs, return_list=True))
                    else:
                        built[a] = op.make_node(*inputs).outputs
                self.vars.append(built[a][k])
                continue
            if entry.get("none"):
                var = NoneConst
            elif "const" in entry:
                kind = _type_of(entry["type"])
                data = self.value(entry["const"])
                if isinstance(kind, ScalarType):
                    var = ScalarConstant(kind, data[()])
                else:
                    var = pt.TensorConstant(kind, data)
            elif "leaf" in entry:
                var = _type_of(entry["type"])(name=entry["name"])
                var.tag.leaf = self.shell(entry["leaf"])
            else:
                var = _type_of(entry["root"])(name=entry["name"])
            self.vars.append(var)


def restore_graph(state: dict, first: Any = None) -> dict:
    """The attributes :func:`graph_state` stored, with every object rebuilt.

    ``first``: an empty instance to fill as object 0 (``__setstate__`` of the
    object whose state this is).
    """
    if state.get("format") != FORMAT:
        raise GraphStateError(
            f"restoring a graph: format {state.get('format')!r}, expected {FORMAT}."
        )
    shells = {} if first is None else {0: first}
    arrays = state["arrays"]
    state = json.loads(state["structure"])
    dec = _Decoder(state["objects"], shells, arrays)
    dec.table(state["vars"], state["applies"])
    for i, entry in enumerate(state["objects"]):
        obj = dec.shell(i)
        attrs = {k: dec.value(v) for k, v in entry["attrs"].items()}
        for name in entry.get("transient", ()):
            attrs[name] = {}
        vars(obj).update(attrs)
    for obj in dec.shells.values():
        restored = getattr(obj, "_restored", None)
        if restored is not None:
            restored()
    return {k: dec.value(v) for k, v in state["attrs"].items()}


# Graph objects found to have no plain-data form: pickled as objects, all of them
# (a model's nodes and leaves must be pickled in one form to stay wired).
_NO_PLAIN: weakref.WeakSet = weakref.WeakSet()


def pickle_reduce(obj) -> tuple:
    """``__reduce_ex__`` for graph objects: the plain-data state, or, for a graph
    holding something without a plain form (an op from outside PyTensor), the
    objects themselves: pickle (joblib) still stores it, skops (which asks
    ``__getstate__``) refuses it with a :class:`GraphStateError` naming joblib.
    """
    if obj not in _NO_PLAIN:
        try:
            return (copyreg.__newobj__, (type(obj),), obj.__getstate__())
        except GraphStateError:
            _NO_PLAIN.update(_reachable(obj))
    return (copyreg.__newobj__, (type(obj),), {"raw": obj._raw_state()})


def _graph_nodes(obj) -> list | None:
    """The nodes of a model, or a node's ancestors; None for a leaf."""
    from ._model import Model
    from ._node import Node

    if isinstance(obj, Model):
        return obj.nodes()
    if isinstance(obj, Node):
        return obj.ancestors()
    return None


def _reachable(obj) -> list:
    nodes = _graph_nodes(obj)
    if nodes is None:
        return [obj]
    found = [obj, *nodes]
    for node in nodes:
        found += node.leaves()
    return found


def set_state(obj, state: dict) -> dict | None:
    """``__setstate__`` for graph objects (either form :func:`pickle_reduce` gave);
    returns the restored attributes when ``obj`` is not object 0 of the graph."""
    if "raw" in state:
        vars(obj).update(state["raw"])
        return None
    return restore_graph(state["graph"], first=obj)


def _paired(obj) -> list:
    """The graph objects of ``obj`` in a structural order (for copying values)."""
    nodes = _graph_nodes(obj)
    if nodes is None:
        return [obj]
    found, seen = [], set()
    for node in nodes:
        for item in (node, *node.owned):
            if id(item) not in seen:
                seen.add(id(item))
                found.append(item)
    return found


def runtime_set_state(obj, state: dict) -> None:
    """``set_state`` of the runtime's object protocol (checkpoints).

    An empty object (one the checkpoint loader made) becomes the stored graph; a
    built one keeps its structure and the objects its user holds, and takes the
    stored values: parameters, hyper-parameters, generators, optimiser state,
    counters and iteration positions.
    """
    if not vars(obj):
        obj.__setstate__(state)
        return
    twin = type(obj).__new__(type(obj))
    twin.__setstate__(state)
    mine, theirs = _paired(obj), _paired(twin)
    if [type(o) for o in mine] != [type(o) for o in theirs]:
        raise GraphStateError(
            f"set_state: the state holds another graph structure than {obj!r}; "
            "restore it into the same model (or into an empty one)."
        )
    for dst, src in zip(mine, theirs):
        for name in getattr(type(dst), "_value_attrs", ()):
            if name in vars(src):
                setattr(dst, name, getattr(src, name))
