"""Public names of a package loaded on first use (PEP 562).

A package that keeps an expensive import (PyTensor, pyarrow, Dask) out of its own
import lists those names with the module that defines them; :func:`lazy_attributes`
gives the package its module-level ``__getattr__`` and ``__dir__``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, namespace: dict, names: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose ``names`` load lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (relative module paths resolve against it).
    namespace : dict
        The package's ``globals()``: a loaded name is stored there, so the next
        access is an ordinary attribute.
    names : mapping of str to str
        Public name -> the (relative) module defining it.

    Examples
    --------
    >>> namespace = {}
    >>> getattr_, dir_ = lazy_attributes("os", namespace, {"join": ".path"})
    >>> getattr_("join") is __import__("os").path.join, "join" in namespace
    (True, True)
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'os' has no attribute 'nothing'
    """

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *names])

    return __getattr__, __dir__
