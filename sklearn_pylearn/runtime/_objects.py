"""Objects a program records: owners of bound methods and object arguments.

The seed (``plugin_JB``) writes ``CALL(dataset.next)`` and
``CALL(cd1_update, layer=layer1)``. A program still holds no function object:
it records the *object* (``dataset``, ``layer1``) under a generated, printable
context name (``"Dataset#1"``) and names ``"Dataset#1.next"`` or passes
``Ref("Layer#1")``. The virtual machine adds the recorded objects to its
context. So the program prints (with the generated names), compares by value,
and pickles or deep-copies together with its objects, which must therefore
pickle: instances of classes defined inside functions, and objects whose
pickling fails, are refused with the reason.

An object keeps its name for as long as it lives in this process, so building
``CALL(dataset.next)`` twice gives equal elements (what ``find`` needs).
"""

from __future__ import annotations

import inspect
import re
import types
import weakref
from collections.abc import Callable
from typing import Any

__all__ = [
    "adopt",
    "bound_owner",
    "is_object_argument",
    "object_name",
    "unrecordable",
]

_BY_ID: dict[int, tuple[Callable[[], Any], str]] = {}
_COUNTS: dict[str, int] = {}
_GENERATED = re.compile(r"^(?P<base>[^.:\s#]+)#(?P<k>\d+)$")
# Values that are data, not objects with methods: they stay refused as arguments.
_DATA_MODULES = frozenset({"builtins", "numpy", "pandas", "collections"})


def bound_owner(fn: Any) -> Any:
    """The instance ``fn`` is a method of, or None (functions, class methods).

    Examples
    --------
    >>> import math
    >>> bound_owner([].append), bound_owner(math.sqrt), bound_owner(dict.fromkeys)
    ([], None, None)
    """
    if not (inspect.ismethod(fn) or inspect.isbuiltin(fn) or _is_method_wrapper(fn)):
        return None
    owner = getattr(fn, "__self__", None)
    if owner is None or inspect.isclass(owner) or inspect.ismodule(owner):
        return None
    return owner


def _is_method_wrapper(fn: Any) -> bool:
    return isinstance(fn, types.MethodWrapperType)


def unrecordable(obj: Any) -> str | None:
    """Why ``obj`` cannot be recorded in a program (None when it can)."""
    qualname = type(obj).__qualname__
    if "<locals>" in qualname:
        return (
            f"its class {qualname} is defined inside a function, so the program "
            "could not be pickled"
        )
    try:
        obj.__reduce_ex__(4)
    except Exception as exc:  # noqa: BLE001 - any reason pickling refuses
        return f"it cannot be pickled ({type(exc).__name__}: {exc})"
    return None


def is_object_argument(value: Any) -> bool:
    """Whether a program argument is an object to record (not a data value).

    Instances of classes from ``builtins``, NumPy and pandas (arrays, dicts,
    frames) are data: they must be plain program data or a :class:`Ref`.

    Examples
    --------
    >>> import numpy as np
    >>> class Layer:
    ...     pass
    >>> is_object_argument(Layer()), is_object_argument(np.zeros(2))
    (True, False)
    """
    if isinstance(value, (type, types.ModuleType)) or inspect.isroutine(value):
        return False
    return type(value).__module__.split(".")[0] not in _DATA_MODULES


def object_name(obj: Any) -> str:
    """The context name of ``obj``: ``"<Class>#<k>"``, the same while it lives.

    Examples
    --------
    >>> class Dataset:
    ...     pass
    >>> d = Dataset()
    >>> object_name(d) == object_name(d), object_name(d) != object_name(Dataset())
    (True, True)
    """
    entry = _BY_ID.get(id(obj))
    if entry is not None and entry[0]() is obj:
        return entry[1]
    base = type(obj).__name__
    _COUNTS[base] = _COUNTS.get(base, 0) + 1
    name = f"{base}#{_COUNTS[base]}"
    _remember(obj, name)
    return name


def adopt(name: str, obj: Any) -> None:
    """Record that ``obj`` goes by ``name`` (a program rebuilt by pickle or copy),
    so that new elements naming ``obj`` use the same name and new objects never
    get it."""
    match = _GENERATED.match(name)
    if match:
        base, k = match["base"], int(match["k"])
        _COUNTS[base] = max(_COUNTS.get(base, 0), k)
    entry = _BY_ID.get(id(obj))
    if entry is None or entry[0]() is not obj:
        _remember(obj, name)


def _remember(obj: Any, name: str) -> None:
    key = id(obj)

    def forget(_ref: Any = None) -> None:
        entry = _BY_ID.get(key)
        if entry is not None and entry[1] == name:
            del _BY_ID[key]

    try:
        getter: Callable[[], Any] = weakref.ref(obj, forget)
    except TypeError:  # not weak-referenceable: keep it (and its name) alive

        def getter() -> Any:
            return obj

    _BY_ID[key] = (getter, name)
