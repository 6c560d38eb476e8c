"""The structural compile cache: the only module that calls ``pytensor.function``.

A compiled function is looked up by the *structure* of its graph: the ops in
topological order, how they are wired, the types (dtype and broadcast pattern) of the
inputs, the values of constants, the updates and the compile mode. Python identity of
variables plays no part, so two estimators that build the same graph around different
fitted arrays (which enter as inputs) share one compiled function.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytensor
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import io_toposort

from .._config import get_config
from ..exceptions import CompileError

__all__ = [
    "CompiledFunction",
    "compile_function",
    "structural_key",
    "compile_stats",
    "clear_compile_cache",
    "is_cached",
]

_lock = threading.RLock()
_cache: dict[tuple, CompiledFunction] = {}
_stats = {"compiles": 0, "hits": 0, "compile_seconds": 0.0}


@dataclass(eq=False)
class CompiledFunction:
    """A compiled PyTensor function shared by every graph of one structure.

    Call it with numeric arrays in the order of the ``inputs`` it was compiled from.
    It returns a single array when compiled from one output, a list otherwise.

    Attributes
    ----------
    key : tuple
        The structural key it is cached under.
    fn : pytensor.compile.function.types.Function
        The underlying PyTensor function.
    input_dtypes : tuple of str or None
        The dtype each positional input is converted to; None for a non-tensor input
        (a random generator), which is passed through as it is.
    """

    key: tuple
    fn: Any
    input_dtypes: tuple[str | None, ...]
    name: str | None = None
    calls: int = field(default=0)

    def __call__(self, *args: Any) -> Any:
        if len(args) != len(self.input_dtypes):
            raise TypeError(
                f"compiled function {self.name!r} takes {len(self.input_dtypes)} "
                f"inputs, got {len(args)}."
            )
        arrays = [
            a if dt is None else np.asarray(a, dtype=dt)
            for a, dt in zip(args, self.input_dtypes)
        ]
        if self.calls:
            self.calls += 1
            return self.fn(*arrays)
        # Numba compiles lazily: the first call pays the JIT, so it counts as compiling.
        start = time.perf_counter()
        out = self.fn(*arrays)
        with _lock:
            _stats["compile_seconds"] += time.perf_counter() - start
        self.calls += 1
        return out

    def graph_str(self) -> str:
        """Return the optimised graph, as printed by ``pytensor.dprint``."""
        return pytensor.dprint(self.fn, file="str", print_type=True)


def _mode_key(mode: str | None) -> str:
    if mode is None:
        return f"default:{pytensor.config.mode}:{pytensor.config.linker}"
    return str(mode)


def _constant_key(const: Constant) -> tuple:
    data = np.asarray(const.data)
    digest = hashlib.blake2b(
        np.ascontiguousarray(data).tobytes(), digest_size=16
    ).hexdigest()
    return ("const", const.type, data.dtype.str, data.shape, digest)


def _variable_ref(var: Variable, refs: dict[Variable, tuple]) -> tuple:
    if var in refs:
        return refs[var]
    if isinstance(var, Constant):
        return _constant_key(var)
    if isinstance(var, SharedVariable):
        # A shared variable is state with an identity; graphs holding one share only
        # with graphs holding the same one.
        return ("shared", id(var), var.type)
    raise CompileError(
        f"the graph depends on {var!r}, which is neither an input nor a constant; "
        "pass it in `inputs`."
    )


def structural_key(
    inputs: Sequence[Variable],
    outputs: Sequence[Variable],
    updates: Mapping[Variable, Variable] | None = None,
    mode: str | None = None,
) -> tuple:
    """Return a hashable key describing a graph's structure, not its identity.

    Parameters
    ----------
    inputs : sequence of Variable
        The graph's inputs, in call order.
    outputs : sequence of Variable
        The graph's outputs, in return order.
    updates : mapping, optional
        Shared variable -> new value expression.
    mode : str or None
        Compile mode name.

    Returns
    -------
    key : tuple
        Equal for two graphs that compute the same thing from inputs of the same types.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> x, y = pt.matrix("x"), pt.matrix("y")
    >>> structural_key([x], [pt.tanh(x)]) == structural_key([y], [pt.tanh(y)])
    True
    >>> structural_key([x], [pt.tanh(x)]) == structural_key([x], [pt.exp(x)])
    False
    """
    updates = dict(updates or {})
    refs: dict[Variable, tuple] = {v: ("in", i) for i, v in enumerate(inputs)}
    targets = list(outputs) + list(updates.values())
    nodes = []
    for j, node in enumerate(io_toposort(list(inputs), targets)):
        ins = tuple(_variable_ref(v, refs) for v in node.inputs)
        nodes.append((node.op, ins))
        for k, out in enumerate(node.outputs):
            refs[out] = ("node", j, k)
    return (
        _mode_key(mode),
        tuple(v.type for v in inputs),
        tuple(nodes),
        tuple(_variable_ref(v, refs) for v in outputs),
        tuple(
            (_variable_ref(s, refs), _variable_ref(e, refs)) for s, e in updates.items()
        ),
    )


def compile_function(
    inputs: Sequence[Variable],
    outputs: Variable | Sequence[Variable],
    *,
    updates: Mapping[Variable, Variable] | None = None,
    name: str | None = None,
) -> CompiledFunction:
    """Compile a graph, or return the cached function of a graph of the same structure.

    Parameters
    ----------
    inputs : sequence of Variable
        Symbolic inputs; fitted arrays and hyper-parameters belong here, not in
        constants, so that graphs of one structure share one function.
    outputs : Variable or sequence of Variable
        A single output returns a single array when called; a sequence, a list.
    updates : mapping, optional
        Updates of shared variables, as PyTensor's ``function`` takes them.
    name : str, optional
        A name for messages and printing.

    Returns
    -------
    CompiledFunction

    Examples
    --------
    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> x, m = pt.matrix("x"), pt.vector("m")
    >>> f = compile_function([x, m], x - m)
    >>> f(np.ones((2, 2)), np.array([1.0, 0.0]))
    array([[0., 1.],
           [0., 1.]])
    """
    mode = get_config()["compile_mode"]
    single = isinstance(outputs, Variable)
    out_list = [outputs] if single else list(outputs)
    key = (single, structural_key(inputs, out_list, updates, mode))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _stats["hits"] += 1
            return cached
        start = time.perf_counter()
        try:
            fn = pytensor.function(
                list(inputs),
                outputs if single else out_list,
                updates=updates,
                mode=mode,
                on_unused_input="ignore",
                name=name,
            )
        except Exception as exc:
            raise CompileError(f"could not compile graph {name!r}: {exc}") from exc
        _stats["compile_seconds"] += time.perf_counter() - start
        _stats["compiles"] += 1
        compiled = CompiledFunction(
            key=key,
            fn=fn,
            input_dtypes=tuple(getattr(v.type, "dtype", None) for v in inputs),
            name=name,
        )
        _cache[key] = compiled
        return compiled


def is_cached(fn: CompiledFunction) -> bool:
    """True while ``fn`` is the function the cache holds under its key.

    A caller that memoises a compiled function (with the graph it was built from)
    checks this to see that :func:`clear_compile_cache` has not dropped it.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> x = pt.vector("x")
    >>> fn = compile_function([x], x + 1)
    >>> is_cached(fn)
    True
    """
    with _lock:
        return _cache.get(fn.key) is fn


def compile_stats() -> dict:
    """Return compile-cache statistics for this process.

    Returns
    -------
    stats : dict
        ``compiles`` (graphs compiled), ``hits`` (look-ups answered from the cache),
        ``compile_seconds`` (time spent compiling, including each function's first
        call, where Numba compiles lazily) and ``cached_functions``.

    Examples
    --------
    >>> from sklearn_pylearn import compile_stats
    >>> sorted(compile_stats())
    ['cached_functions', 'compile_seconds', 'compiles', 'hits']
    """
    with _lock:
        return {**_stats, "cached_functions": len(_cache)}


def clear_compile_cache() -> None:
    """Drop every cached compiled function and reset the statistics.

    Examples
    --------
    >>> from sklearn_pylearn import clear_compile_cache, compile_stats
    >>> clear_compile_cache()
    >>> compile_stats()["cached_functions"]
    0
    """
    with _lock:
        _cache.clear()
        _stats.update(compiles=0, hits=0, compile_seconds=0.0)
