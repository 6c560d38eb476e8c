"""Names for functions and objects, so that programs stay plain data.

A program never holds a function object. It holds a *reference string*:

- ``"name"`` or ``"name.attr.attr"``: an object in the VM context, or a method or
  attribute of one (``"data.next_batch"``);
- ``"package.module:Qualified.name"``: an importable function or class.

A bound method (``dataset.next``) becomes ``"Dataset#1.next"``: the program
records its object under that generated name (:mod:`._objects`).

Trust model. Resolving a context reference runs no new code: the object is one the
user put in the context. Resolving an importable reference imports a module, which
is running code; programs built in the current process do it freely (the user wrote
them), but anything *loaded from disk* may import only names the user trusts: those
passed explicitly (``trusted=``) or registered with :func:`register_trusted`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..exceptions import ProgramError, UntrustedReferenceError
from ._objects import bound_owner, object_name, unrecordable

__all__ = [
    "Ref",
    "callable_ref",
    "function_ref",
    "import_ref",
    "is_import_ref",
    "register_trusted",
    "resolve",
    "trusted_names",
]

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_IDENT}(?:\.{_IDENT})*"
_IMPORT_RE = re.compile(rf"^{_DOTTED}:{_DOTTED}$")
_NAME_RE = re.compile(r"^[^.:\s]+$")
_CONTEXT_RE = re.compile(rf"^[^.:\s]+(?:\.{_IDENT})*$")
_TRUSTED: set[str] = set()


class Ref:
    """A reference to an object in the VM context, used as a program argument.

    Parameters
    ----------
    name : str
        Context name, optionally followed by attributes: ``"model"``,
        ``"model.W"``.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, Ref
    >>> print(CALL("model.evaluate", Ref("data")))  # not the string "data"
    CALL(model.evaluate, Ref('data'))
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        check_context_ref(name, "Ref")
        object.__setattr__(self, "name", name)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"Ref is immutable; cannot set {key!r}.")

    def __reduce__(self):
        return (Ref, (self.name,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("Ref", self.name))

    def __repr__(self) -> str:
        return f"Ref({self.name!r})"


def is_import_ref(ref: str) -> bool:
    """Whether ``ref`` names an importable object (``"module:qualname"``)."""
    return ":" in ref


def check_context_name(name: object, where: str) -> str:
    """Validate a context key: a non-empty string without '.', ':' or spaces."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ProgramError(
            f"{where}: context names must be non-empty strings without '.', ':' or "
            f"whitespace, got {name!r}. Rename the entry, e.g. 'model'."
        )
    return name


def check_context_ref(ref: object, where: str) -> str:
    if not isinstance(ref, str) or not _CONTEXT_RE.match(ref):
        raise ProgramError(
            f"{where}: expected a context reference such as 'data' or "
            f"'data.next_batch', got {ref!r}."
        )
    return ref


def _check_ref_string(ref: str, where: str) -> str:
    if _IMPORT_RE.match(ref) or _CONTEXT_RE.match(ref):
        return ref
    raise ProgramError(
        f"{where}: {ref!r} is not a function reference. Use 'name.method' for a "
        "method of an object in the VM context, or 'package.module:function' for "
        "an importable function."
    )


def function_ref(fn: Any, where: str) -> str:
    """Return the reference string for ``fn``, or raise a TypeError saying why not.

    Parameters
    ----------
    fn : str, Ref or callable
        A reference string, a :class:`Ref`, or an importable function or class.
    where : str
        The element, for messages.

    Examples
    --------
    >>> import math
    >>> function_ref(math.sqrt, "CALL")
    'math:sqrt'
    >>> function_ref(lambda: 0, "CALL")
    Traceback (most recent call last):
    ...
    TypeError: CALL got a lambda; ...
    """
    if isinstance(fn, str):
        return _check_ref_string(fn, where)
    if isinstance(fn, Ref):
        return fn.name
    _reject_unnamed(fn, where)
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if not module or not qualname:
        raise TypeError(
            f"{where} got {fn!r}, which has no module or qualified name. Pass its "
            "reference as a string, 'package.module:name'."
        )
    ref = f"{module}:{qualname}"
    try:
        found = import_ref(ref)
    except (ImportError, AttributeError):
        found = None
    if not (found is fn or (inspect.ismethod(fn) and found == fn)):
        raise TypeError(
            f"{where} got {fn!r}, but {ref!r} does not import as that object, so a "
            "program that names it could not be reloaded. Define the function at "
            "module level under its own name."
        )
    return ref


def callable_ref(fn: Any, where: str, objects: dict) -> str:
    """:func:`function_ref`, and bound methods of objects that can be recorded.

    A bound method's object goes into ``objects`` under its generated name, and
    the reference names the method of that name.

    Examples
    --------
    >>> objects = {}
    >>> callable_ref([].append, "CALL", objects)  # doctest: +ELLIPSIS
    'list#....append'
    """
    owner = bound_owner(fn)
    if owner is None:
        return function_ref(fn, where)
    method = getattr(fn, "__name__", "method")
    why = unrecordable(owner)
    if why is None and getattr(owner, method, None) != fn:
        why = f"{type(owner).__name__}.{method} is not that method"
    if why is not None:
        raise TypeError(
            f"{where} got the bound method {fn!r}, whose object the program cannot "
            f"record: {why}. Put the object in the context and name the method: "
            f"{where}('obj.{method}') with VirtualMachine(program, "
            "context={'obj': obj})."
        )
    name = object_name(owner)
    objects[name] = owner
    return f"{name}.{method}"


def _reject_unnamed(fn: Any, where: str) -> None:
    why = (
        "programs are plain data that can be printed, pickled and reloaded in "
        "another process, so they may call only importable functions or methods "
        "of objects held in the VM context."
    )
    if isinstance(fn, functools.partial):
        raise TypeError(
            f"{where} got functools.partial {fn!r}; {why} Pass the function and "
            f"its arguments to {where} instead: {where}(f, *args, **kwargs)."
        )
    if inspect.ismethod(fn) or (
        inspect.isbuiltin(fn) and not inspect.ismodule(getattr(fn, "__self__", None))
    ):
        owner = getattr(fn, "__self__", None)
        if not inspect.isclass(owner) and owner is not None:
            name = getattr(fn, "__name__", "method")
            raise TypeError(
                f"{where} got the bound method {fn!r}; {why} Put the object in the "
                f"context and name the method: {where}('obj.{name}') with "
                "VirtualMachine(program, context={'obj': obj})."
            )
    qualname = getattr(fn, "__qualname__", "") or ""
    if "<lambda>" in qualname:
        raise TypeError(
            f"{where} got a lambda; {why} Define it with 'def' at module level and "
            "pass that function, or name a method of a context object."
        )
    if "<locals>" in qualname:
        raise TypeError(
            f"{where} got {qualname!r}, a function defined inside another function "
            f"(a closure); {why} Move it to module level, and pass what it captured "
            f"as {where} arguments or as an object in the context."
        )
    if not callable(fn):
        raise TypeError(f"{where} expected a callable or a reference, got {fn!r}.")
    if not (inspect.isroutine(fn) or inspect.isclass(fn) or _is_ufunc(fn)):
        raise TypeError(
            f"{where} got the callable object {fn!r}; {why} Put it in the context "
            f"and call it by name: {where}('name') with context={{'name': obj}}."
        )


def _is_ufunc(fn: Any) -> bool:
    return type(fn).__name__ == "ufunc"


def import_ref(ref: str) -> Any:
    """Import the object named by ``"module:qualname"`` (this runs module code)."""
    module_name, _, qualname = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def resolve(ref: str, context: Mapping[str, Any], where: str) -> Any:
    """Return the object that ``ref`` names, looking context names up first."""
    if is_import_ref(ref):
        try:
            return import_ref(ref)
        except (ImportError, AttributeError) as exc:
            raise ProgramError(
                f"{where}: cannot import {ref!r} ({exc}). Check the module and name."
            ) from exc
    name, *attrs = ref.split(".")
    if name not in context:
        raise ProgramError(
            f"{where}: {name!r} is not in the VM context (it holds "
            f"{sorted(context)!r}). Pass it: VirtualMachine(program, "
            f"context={{{name!r}: obj}})."
        )
    obj = context[name]
    for attr in attrs:
        try:
            obj = getattr(obj, attr)
        except AttributeError as exc:
            raise ProgramError(
                f"{where}: context object {name!r} ({type(context[name]).__name__}) "
                f"has no attribute {attr!r} (while resolving {ref!r})."
            ) from exc
    return obj


def _as_trusted_name(item: Any) -> str:
    if isinstance(item, str):
        if _IMPORT_RE.match(item) or re.match(rf"^{_DOTTED}$", item):
            return item
        raise ValueError(
            f"register_trusted: expected 'module:qualname' or a module name, got "
            f"{item!r}."
        )
    return function_ref(item, "register_trusted")


def register_trusted(*items: Any) -> None:
    """Allow loaders to import these names (functions, classes, or whole modules).

    Parameters
    ----------
    *items : str or callable
        ``"package.module:name"``, a module name ``"package.module"`` (every name
        in it), or an importable function or class.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import register_trusted
    >>> register_trusted("math:sqrt")
    >>> "math:sqrt" in trusted_names()
    True
    """
    for item in items:
        _TRUSTED.add(_as_trusted_name(item))


def trusted_names(extra: Iterable[Any] = ()) -> frozenset[str]:
    """The registered trusted names, plus ``extra`` (same forms as register)."""
    return frozenset(_TRUSTED | {_as_trusted_name(x) for x in extra})


def check_trusted(ref: str, trusted: frozenset[str], where: str) -> None:
    """Raise UntrustedReferenceError unless ``ref`` or its module is trusted."""
    if not is_import_ref(ref) or ref in trusted:
        return
    if ref.partition(":")[0] in trusted:
        return
    raise UntrustedReferenceError(
        f"{where} names {ref!r}, which is not trusted, and loading it would run "
        "code. Pass the objects yourself (program=, context=, hooks=), or trust the "
        f"name: trusted=[{ref!r}] or register_trusted({ref!r})."
    )
