"""State as plain data: JSON-compatible trees plus named arrays, and object state.

``encode_tree`` turns a tree of Python values into JSON-compatible data and a dict
of numpy arrays named by their place in the tree (``"context/model/W"``);
``decode_tree`` reverses it without running any code: it builds only tuples,
dicts, arrays, numpy scalars and numpy random generators of a fixed list of
bit-generator types.

Objects (context entries, hooks) follow a small protocol, every method optional:

- ``get_state() -> dict`` and ``set_state(state)``: default ``vars(obj)`` and
  ``vars(obj).update(state)``;
- ``get_recipe() -> {"factory": "module:qualname", "kwargs": {...} or None}``:
  how to build the object again in a new process; ``kwargs=None`` means
  ``cls.__new__(cls)`` then ``set_state``. Data sources return a recipe that
  reopens the data, and a state holding only their cursor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..exceptions import StateError
from ._refs import check_trusted, function_ref, import_ref, trusted_names

__all__ = [
    "build_object",
    "decode_tree",
    "encode_tree",
    "is_plain_value",
    "object_recipe",
    "object_state",
    "register_record",
    "set_object_state",
]

_BIT_GENERATORS = {
    name: getattr(np.random, name)
    for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
}
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_SCALARS = (type(None), bool, int, float, str)


# Record types stored as plain data: name -> class, class -> name. A record is
# built by ``cls(fields)`` from the dict its ``to_dict()`` returned, so decoding
# runs only the registered class's constructor.
_RECORDS: dict[str, type] = {}
_RECORD_NAMES: dict[type, str] = {}


def register_record(cls: type, name: str) -> type:
    """Store instances of ``cls`` in states as plain data (a named dict of fields).

    ``cls`` has ``to_dict()`` (str keys, plain values) and ``cls(mapping)``
    builds an equal instance; decoding a state runs only that constructor. This
    is how a lower layer's state holds a higher layer's small value objects
    (the data layer's samples in a ``BUFFER_REPEAT`` buffer).

    Examples
    --------
    >>> class Point:
    ...     def __init__(self, values):
    ...         self.values = dict(values)
    ...     def to_dict(self):
    ...         return dict(self.values)
    >>> _ = register_record(Point, "doc:Point")
    >>> arrays = {}
    >>> decode_tree(encode_tree([Point({"x": 1})], arrays), arrays)[0].values
    {'x': 1}
    """
    _RECORDS[name] = cls
    _RECORD_NAMES[cls] = name
    return cls


def is_plain_value(value: Any) -> bool:
    """Whether ``value`` is stored as data itself (not as an object with a state)."""
    plain = _SCALARS + (np.ndarray, np.generic, np.random.Generator)
    return isinstance(value, plain + (np.random.RandomState, list, tuple, dict))


def _key(path: str, part: Any) -> str:
    part = str(part).replace("%", "%25").replace("/", "%2F")
    return f"{path}/{part}" if path else part


def encode_tree(value: Any, arrays: dict[str, np.ndarray], path: str = "") -> Any:
    """Encode ``value`` as JSON-compatible data; arrays go to ``arrays`` by path.

    Examples
    --------
    >>> import numpy as np
    >>> arrays = {}
    >>> encode_tree({"W": np.zeros(2), "lr": 0.1, "shape": (2, 3)}, arrays, "model")
    {'W': {'__array__': 'model/W'}, 'lr': 0.1, 'shape': {'__tuple__': [2, 3]}}
    >>> sorted(arrays)
    ['model/W']
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise StateError(
                f"cannot store {path or 'value'!r}: an object-dtype array needs "
                "pickle. Keep numeric arrays in state, or convert the objects."
            )
        arrays[path] = value
        return {"__array__": path}
    if isinstance(value, np.generic):
        arrays[path] = np.asarray(value)
        return {"__scalar__": path}
    if isinstance(value, (np.random.Generator, np.random.RandomState)):
        return _encode_rng(value, arrays, path)
    if isinstance(value, tuple):
        return {
            "__tuple__": [
                encode_tree(v, arrays, _key(path, i)) for i, v in enumerate(value)
            ]
        }
    if isinstance(value, list):
        return [encode_tree(v, arrays, _key(path, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return _encode_dict(value, arrays, path)
    record = _RECORD_NAMES.get(type(value))
    if record is not None:
        return {"__record__": [record, encode_tree(value.to_dict(), arrays, path)]}
    raise StateError(
        f"cannot store {path or 'value'!r}: a {type(value).__name__} is not plain "
        "data. State may hold None, bool, int, float, str, lists, tuples, dicts, "
        "numpy arrays, numpy scalars and numpy random generators; give the object "
        "get_state() / set_state() methods that return and accept such data."
    )


def _encode_dict(value: dict, arrays: dict, path: str) -> Any:
    if all(isinstance(k, str) and not k.startswith("__") for k in value):
        return {k: encode_tree(v, arrays, _key(path, k)) for k, v in value.items()}
    items = [
        [
            encode_tree(k, arrays, _key(path, f"key{i}")),
            encode_tree(v, arrays, _key(path, i)),
        ]
        for i, (k, v) in enumerate(value.items())
    ]
    return {"__items__": items}


def _encode_rng(rng: Any, arrays: dict, path: str) -> dict:
    if isinstance(rng, np.random.RandomState):
        return {
            "__randomstate__": encode_tree(rng.get_state(legacy=False), arrays, path)
        }
    name = type(rng.bit_generator).__name__
    if name not in _BIT_GENERATORS:
        raise StateError(
            f"cannot store {path!r}: bit generator {name} is not one of "
            f"{sorted(_BIT_GENERATORS)!r}."
        )
    state = encode_tree(rng.bit_generator.state, arrays, path)
    return {"__generator__": state}


def decode_tree(data: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Rebuild what :func:`encode_tree` encoded (runs no code from the data).

    Examples
    --------
    >>> import numpy as np
    >>> arrays = {}
    >>> tree = {"rng": np.random.default_rng(0), "n": (1, 2.5)}
    >>> back = decode_tree(encode_tree(tree, arrays), arrays)
    >>> back["n"], back["rng"].random() == np.random.default_rng(0).random()
    ((1, 2.5), True)
    """
    if isinstance(data, list):
        return [decode_tree(v, arrays) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        ((tag, inner),) = data.items()
        decoder = _DECODERS.get(tag)
        if decoder is not None:
            return decoder(inner, arrays)
    return {k: decode_tree(v, arrays) for k, v in data.items()}


def _array(name: str, arrays: dict) -> np.ndarray:
    try:
        return arrays[name]
    except KeyError:
        raise StateError(f"the state names array {name!r}, which is missing.") from None


def _decode_generator(inner: Any, arrays: dict) -> np.random.Generator:
    state = decode_tree(inner, arrays)
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _BIT_GENERATORS:
        raise StateError(f"unknown bit generator {name!r} in a stored state.")
    bitgen = _BIT_GENERATORS[name]()
    bitgen.state = state
    return np.random.Generator(bitgen)


def _decode_randomstate(inner: Any, arrays: dict) -> np.random.RandomState:
    rs = np.random.RandomState()
    rs.set_state(decode_tree(inner, arrays))
    return rs


def _decode_record(inner: Any, arrays: dict) -> Any:
    name, fields = inner
    cls = _RECORDS.get(name)
    if cls is None:
        raise StateError(
            f"the state holds a {name!r} record, a type this process has not "
            "registered; import the module that defines it before loading."
        )
    return cls(decode_tree(fields, arrays))


_DECODERS = {
    "__record__": _decode_record,
    "__array__": lambda v, a: _array(v, a),
    "__scalar__": lambda v, a: _array(v, a)[()],
    "__float__": lambda v, a: _NONFINITE[v],
    "__tuple__": lambda v, a: tuple(decode_tree(x, a) for x in v),
    "__items__": lambda v, a: {decode_tree(k, a): decode_tree(x, a) for k, x in v},
    "__generator__": _decode_generator,
    "__randomstate__": _decode_randomstate,
}


# -- object protocol -------------------------------------------------------------


def object_state(obj: Any, where: str) -> Any:
    """The object's state: ``obj.get_state()``, else a copy of ``vars(obj)``."""
    getter = getattr(obj, "get_state", None)
    if callable(getter):
        return getter()
    try:
        return dict(vars(obj))
    except TypeError:
        raise StateError(
            f"{where}: {type(obj).__name__} has no __dict__ and no get_state(); "
            "define get_state() and set_state(state) on it."
        ) from None


def set_object_state(obj: Any, state: Any, where: str) -> None:
    """Put ``state`` back: ``obj.set_state(state)``, else update ``vars(obj)``."""
    setter = getattr(obj, "set_state", None)
    if callable(setter):
        setter(state)
        return
    if not isinstance(state, dict) or not hasattr(obj, "__dict__"):
        raise StateError(
            f"{where}: cannot restore a {type(obj).__name__} from "
            f"{type(state).__name__} state; define set_state(state) on it."
        )
    vars(obj).update(state)


def object_recipe(obj: Any, where: str) -> dict:
    """How to build ``obj`` again: ``obj.get_recipe()``, else its class."""
    getter = getattr(obj, "get_recipe", None)
    if callable(getter):
        recipe = getter()
        if not isinstance(recipe, dict) or not isinstance(recipe.get("factory"), str):
            raise StateError(
                f"{where}: get_recipe() must return {{'factory': 'module:name', "
                f"'kwargs': {{...}}}}, got {recipe!r}."
            )
        return {"factory": recipe["factory"], "kwargs": recipe.get("kwargs")}
    return {"factory": function_ref(type(obj), where), "kwargs": None}


def build_object(recipe: dict, state: Any, trusted: Iterable[Any], where: str) -> Any:
    """Build an object from its recipe, then set its state.

    Only trusted factories are imported (see :func:`register_trusted`).
    """
    factory_ref = recipe["factory"]
    check_trusted(factory_ref, trusted_names(trusted), where)
    factory = import_ref(factory_ref)
    kwargs = recipe.get("kwargs")
    if kwargs is None:
        if not isinstance(factory, type):
            raise StateError(f"{where}: factory {factory_ref!r} is not a class.")
        obj = factory.__new__(factory)
    else:
        obj = factory(**kwargs)
    set_object_state(obj, state, where)
    return obj
