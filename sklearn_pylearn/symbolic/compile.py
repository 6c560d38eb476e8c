"""The structural compile cache: the only module that calls ``pytensor.function``.

A compiled function is looked up by the *structure* of its graph: the ops in
topological order, how they are wired, the types (dtype and broadcast pattern) of the
inputs, the values of constants, the updates and the compile mode. Python identity of
variables plays no part, so two estimators that build the same graph around different
fitted arrays (which enter as inputs) share one compiled function.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytensor
import scipy.sparse as sp
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import graph_inputs, io_toposort

from .._config import get_config
from ..exceptions import CompileError
from ..utils._malloc import tune_malloc
from . import diskcache

__all__ = [
    "CompiledFunction",
    "compile_function",
    "structural_key",
    "compile_stats",
    "clear_compile_cache",
    "current_mode_key",
    "is_cached",
    "quiet_slow_compile_notice",
]

# A first compile slower than this logs one line saying how to warm up.
SLOW_COMPILE_SECONDS = 3.0
_logger = logging.getLogger("sklearn_pylearn")
_notice = {"shown": False, "quiet": False}
_lock = threading.RLock()
_cache: dict[tuple, CompiledFunction] = {}
_stats = {"compiles": 0, "hits": 0, "disk_loads": 0, "compile_seconds": 0.0}
# Bumped by clear_compile_cache, the only way an entry leaves the cache: is_cached
# compares generations instead of hashing a (large) structural key per call.
_generation = [0]


@dataclass(eq=False)
class CompiledFunction:
    """A compiled PyTensor function shared by every graph of one structure.

    Call it with numeric arrays in the order of the ``inputs`` it was compiled from.
    It returns a single array when compiled from one output, a list otherwise.

    Attributes
    ----------
    key : tuple
        The structural key it is cached under.
    fn : pytensor.compile.function.types.Function or DirectFunction
        The underlying PyTensor function; loaded from the disk cache, a
        ``DirectFunction`` (``symbolic/_numba_linker.py``) that calls Numba's
        cached code and reads every other attribute from the PyTensor function.
    input_dtypes : tuple of str or None
        The dtype each positional input is converted to; None for a non-tensor input
        (a random generator), which is passed through as it is.
    trust_input : bool
        Compiled with ``trust_input=True`` (see :func:`compile_function`): arrays
        that already have their input's dtype are passed on unchecked.
    calls : int
        How many times it was called.
    generation : int
        The cache generation it was cached in (see ``is_cached``); -1 when
        not cached.
    """

    key: tuple
    fn: Any
    input_dtypes: tuple[str | None, ...]
    name: str | None = None
    calls: int = field(default=0)
    trust_input: bool = False
    generation: int = -1

    def __post_init__(self) -> None:
        self._dtypes = tuple(
            None if dt is None else np.dtype(dt) for dt in self.input_dtypes
        )

    def __call__(self, *args: Any) -> Any:
        if len(args) != len(self._dtypes):
            raise TypeError(
                f"compiled function {self.name!r} takes {len(self.input_dtypes)} "
                f"inputs, got {len(args)}."
            )
        if self.trust_input:
            # Per-call overhead matters (a training step): convert only what
            # does not already have the input's type.
            arrays = [
                a if type(a) is np.ndarray and a.dtype is dt else _as_input(a, dt)
                for a, dt in zip(args, self._dtypes)
            ]
        else:
            arrays = [_as_input(a, dt) for a, dt in zip(args, self._dtypes)]
        if self.calls:
            self.calls += 1
            return self.fn(*arrays)
        # Numba compiles lazily: the first call pays the JIT, so it counts as compiling.
        start = time.perf_counter()
        out = self.fn(*arrays)
        elapsed = time.perf_counter() - start
        with _lock:
            _stats["compile_seconds"] += elapsed
        self.calls += 1
        _notice_slow_compile(elapsed)
        return out

    def graph_str(self) -> str:
        """Return the optimised graph, as printed by ``pytensor.dprint``."""
        fn = getattr(self.fn, "pytensor_function", self.fn)  # a DirectFunction's
        return pytensor.dprint(fn, file="str", print_type=True)


def _as_input(value: Any, dtype: str | None) -> Any:
    if dtype is None:
        return value
    if sp.issparse(value):
        return value if value.dtype == dtype else value.astype(dtype)
    return np.asarray(value, dtype=dtype)


def _notice_slow_compile(seconds: float) -> None:
    """Say once per process, through logging, why a first use is slow."""
    if seconds < SLOW_COMPILE_SECONDS or _notice["shown"] or _notice["quiet"]:
        return
    _notice["shown"] = True
    _logger.warning(
        "sklearn_pylearn: compiling a new graph took %.1f s; Numba compiles each "
        "kernel once per machine and caches it under PyTensor's compile directory. "
        "Run `python -m sklearn_pylearn warmup` once to compile the common graphs "
        "ahead of time.",
        seconds,
    )


@contextmanager
def quiet_slow_compile_notice() -> Iterator[None]:
    """Suppress the one-line slow-compile notice (the warm-up compiles on purpose).

    Examples
    --------
    >>> with quiet_slow_compile_notice():
    ...     pass
    """
    before = _notice["quiet"]
    _notice["quiet"] = True
    try:
        yield
    finally:
        _notice["quiet"] = before


def _fast_math() -> bool:
    # SKLEARN_PYLEARN_NO_FAST_MATH=1 keeps Numba's libm calls (for comparisons).
    return not os.environ.get("SKLEARN_PYLEARN_NO_FAST_MATH")


def _linked_mode(mode: str | None) -> Any:
    # Numba modes get the vectorizable exp / log / tanh / sigmoid kernels; the
    # rewrite is deterministic, so the structural key (which holds the mode name)
    # stays a complete description of the compiled function.
    from .fastmath import fast_math_mode

    return fast_math_mode(mode)


def _mode_key(mode: str | None) -> str:
    if mode is None:
        return f"default:{pytensor.config.mode}:{pytensor.config.linker}"
    return str(mode)


def current_mode_key() -> str:
    """The compile mode that :func:`compile_function` keys its cache by now.

    A caller that memoises what it built around a compiled function includes
    this in its memo's key.

    Examples
    --------
    >>> from sklearn_pylearn import config_context
    >>> with config_context(compile_mode="FAST_COMPILE"):
    ...     current_mode_key()
    'FAST_COMPILE'
    """
    key = _mode_key(get_config()["compile_mode"])
    return key if _fast_math() else key + "+libm"


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
    trust_input: bool = False,
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
    trust_input : bool, default=False
        Skip PyTensor's input checks on each call (the caller passes arrays of the
        right ndim; dtypes are still converted). Part of the cache key: a trusting
        function is never shared with a checking one.

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
    key = (single, bool(trust_input), structural_key(inputs, out_list, updates, mode))
    if not _fast_math():
        key += ("libm",)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _stats["hits"] += 1
            return cached
        tune_malloc()  # once per process; see utils/_malloc.py
        start = time.perf_counter()
        on_disk = diskcache.enabled() and not _holds_shared(out_list, updates)
        fn = diskcache.load(key) if on_disk else None
        if fn is not None:
            _stats["disk_loads"] += 1
        else:
            linked = _linked_mode(mode) if _fast_math() else mode
            outs = outputs if single else out_list
            fn = _compile(inputs, outs, updates, linked, name)
            if on_disk:
                diskcache.store(key, fn)
        fn.trust_input = bool(trust_input)
        elapsed = time.perf_counter() - start
        _stats["compile_seconds"] += elapsed
        _stats["compiles"] += 1
        _notice_slow_compile(elapsed)
        compiled = CompiledFunction(
            key=key,
            fn=fn,
            input_dtypes=tuple(getattr(v.type, "dtype", None) for v in inputs),
            name=name,
            trust_input=bool(trust_input),
            generation=_generation[0],
        )
        _cache[key] = compiled
        return compiled


def _compile(inputs, outputs, updates, mode, name):
    try:
        return pytensor.function(
            list(inputs),
            outputs,
            updates=updates,
            mode=mode,
            on_unused_input="ignore",
            name=name,
        )
    except Exception as exc:
        raise CompileError(f"could not compile graph {name!r}: {exc}") from exc


def _holds_shared(outputs, updates) -> bool:
    # A shared variable is keyed by its identity, which means nothing on disk.
    targets = list(outputs) + list((updates or {}).values())
    return any(isinstance(v, SharedVariable) for v in graph_inputs(targets))


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
    return fn.generation == _generation[0] >= 0


def compile_stats() -> dict:
    """Return compile-cache statistics for this process.

    Returns
    -------
    stats : dict
        ``compiles`` (graphs compiled or loaded: structures new to this process),
        ``disk_loads`` (of those, rewritten functions loaded from the disk cache,
        see :mod:`.diskcache`), ``hits`` (look-ups answered from the cache),
        ``compile_seconds`` (time spent compiling, including each function's first
        call, where Numba compiles lazily) and ``cached_functions``.

    Examples
    --------
    >>> from sklearn_pylearn import compile_stats
    >>> sorted(compile_stats())
    ['cached_functions', 'compile_seconds', 'compiles', 'disk_loads', 'hits']
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
        _generation[0] += 1
        _stats.update(compiles=0, hits=0, disk_loads=0, compile_seconds=0.0)
