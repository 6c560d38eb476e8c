"""A Numba linker that compiles a graph's function once, not twice.

PyTensor's ``NumbaLinker`` makes the graph's function cacheable by wrapping it:
the generated function (every node's kernel called in order) is called from a
one-line ``def f(*args): return inner(*args)`` that carries the cache key, and
that wrapper is what gets compiled with a CPython entry point. Numba finalizes
each of the two separately, and finalizing links every callee's LLVM module into
the caller's and runs the optimizer and the code generator over the whole: the
inner function and all its kernels went through LLVM twice. For a new structure
whose kernels are all cached, that second pass was about 45% of Numba's time
(a three-layer MLP training step: 5.5-5.8 s of Numba before, 3.3-4.2 s after).

:class:`DirectNumbaLinker` compiles the generated function itself as the entry
point, under the same cache key (suffixed ``_direct``) in PyTensor's Numba cache,
so a later process loads it from disk as it loaded the wrapper. Its code object is
renamed to ``<string>``: the generated source lives in a temporary file whose
random name would otherwise become part of the cache file's name, and no later
process would find it. It is also renamed ``sklearn_pylearn_graph``, so that its
code library can be told apart from the kernels'.

That library gets only Numba's cheap module passes, not the full optimisation
pipeline (:func:`_finalize_graph_library`). It holds the graph's glue (a call per
node, reference counting) and copies of every kernel it links, whose IR each kernel's
own library has already optimised in full; the full pipeline ran again over all of
it. Skipping it cut a new three-layer MLP's compile by about 0.6 s (3.2-3.3 s to
2.6-2.7 s) with the same training time (0.28 s for 20 epochs either way). Code
generation keeps Numba's optimisation level. This is the library's one patch of
Numba's internals: importing this module wraps
``numba.core.codegen.CPUCodeLibrary._optimize_final_module``; every other library
keeps the full pipeline, and a Numba without the internals it uses is left as it
is.

A later process need not rebuild PyTensor's ``Function`` to call the graph at all.
:meth:`DirectNumbaLinker.direct_entry` records what Numba's cache needs to find
the compiled graph (the generated code object, its module name and cache key, the
``njit`` options) and how PyTensor would call it (the inputs' static shapes, a
single output or a list); :mod:`.diskcache` stores it beside the pickled
``Function``. :class:`DirectFunction` calls the cached machine code through a
dispatcher built on that code object alone: no rewrites, no funcify of every node
(about 0.08 s for an MLP's training step). Its globals are empty, so Numba can only
load what it cached; any call it cannot serve (a signature not in Numba's cache,
such as a read-only or Fortran-ordered input, or an error raised inside the graph)
goes to the full ``Function``, unpickled then, which compiles the new signature or
raises PyTensor's report of the failing node. Attributes other than the call
(``maker``, ``vm``, ...) come from that full ``Function`` too.
"""

from __future__ import annotations

import marshal
import pickle
import threading
import types
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numba.core import codegen as numba_codegen
from pytensor.configdefaults import config
from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS
from pytensor.link.numba.dispatch.basic import (
    numba_funcify,
    numba_funcify_and_cache_key,
)
from pytensor.link.numba.linker import NumbaLinker
from pytensor.tensor.type import DenseTensorType

__all__ = [
    "DirectEntry",
    "DirectFunction",
    "DirectNumbaLinker",
    "GRAPH_FUNCTION_NAME",
    "light_finalizations",
]

GRAPH_FUNCTION_NAME = "sklearn_pylearn_graph"
# How many graph libraries this process finalized with the cheap passes only.
light_finalizations = [0]


def _finalize_graph_library(optimize_final_module):
    """Wrap Numba's ``CPUCodeLibrary._optimize_final_module`` (see the module doc)."""

    def optimize(library):
        if library.name != GRAPH_FUNCTION_NAME:
            return optimize_final_module(library)
        codegen = library._codegen
        mpm, mpb = codegen._module_pass_manager(
            loop_vectorize=codegen._loopvect,
            slp_vectorize=False,
            opt=codegen._opt_level,
            cost="cheap",
        )
        name = "Module passes (cheap optimization for refprune)"
        with library._recorded_timings.record(name, mpb):
            mpm.run(library._final_module, mpb)
        if not numba_codegen.config.LLVM_REFPRUNE_PASS:
            library._final_module = numba_codegen.remove_redundant_nrt_refct(
                library._final_module
            )
        light_finalizations[0] += 1
        return None

    optimize.wrapped = optimize_final_module
    return optimize


def _install() -> None:
    library = getattr(numba_codegen, "CPUCodeLibrary", None)
    current = getattr(library, "_optimize_final_module", None)
    needed = ("remove_redundant_nrt_refct", "config")
    if current is None or hasattr(current, "wrapped"):
        return
    if not all(hasattr(numba_codegen, name) for name in needed):
        return  # another Numba: keep its full pipeline
    library._optimize_final_module = _finalize_graph_library(current)


_install()


def _graph_function(code, globals_, cache_key, defaults=None, closure=None):
    """The graph's function, named and keyed as Numba's cache finds it: the
    linker compiles it under ``cache_key``, a :class:`DirectFunction` loads it."""
    fn = types.FunctionType(code, globals_, GRAPH_FUNCTION_NAME, defaults, closure)
    CACHED_SRC_FUNCTIONS[fn] = cache_key
    return fn


class _PyFunc:
    """What ``JITLinker.jit_compile`` reads of a converted graph: ``py_func``."""

    def __init__(self, py_func):
        self.py_func = py_func


class DirectNumbaLinker(NumbaLinker):
    """``NumbaLinker`` whose compiled entry point is the graph's own function.

    Examples
    --------
    :func:`~sklearn_pylearn.symbolic.compile.compile_function` links with it in
    Numba modes:

    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> from sklearn_pylearn.symbolic.compile import compile_function
    >>> x = pt.vector("x")
    >>> f = compile_function([x], 2 * x)
    >>> type(f.fn.maker.linker).__name__
    'DirectNumbaLinker'
    >>> f(np.array([1.0, 2.0]))
    array([2., 4.])
    """

    def __getstate__(self):
        # The generated function pickles by name, which it does not have; a
        # linker unpickled for a rebuilt Function converts the graph again.
        state = dict(self.__dict__)
        state.pop("_direct", None)
        return state

    def fgraph_convert(self, fgraph, **kwargs):
        if not config.numba__cache:  # as NumbaLinker: no key, nothing cached
            return numba_funcify(fgraph, **kwargs), None
        fn, key = numba_funcify_and_cache_key(fgraph, **kwargs)
        if key is None:
            return fn, None
        inner = fn.py_func
        code = inner.__code__.replace(
            co_filename="<string>",
            co_name=GRAPH_FUNCTION_NAME,
            co_qualname=GRAPH_FUNCTION_NAME,
        )
        fastmath = int(bool(config.numba__fastmath))
        renamed = _graph_function(
            code,
            inner.__globals__,
            f"{key}_fastmath{fastmath}_direct",
            inner.__defaults__,
            inner.__closure__,
        )
        self._direct = renamed
        return _PyFunc(renamed), key

    def direct_entry(self, function: Any) -> DirectEntry | None:
        """What a later process needs to call ``function`` (a PyTensor
        ``Function`` linked by this linker) without rebuilding it; None when
        it cannot be called that way (no cache key, updates, non-dense inputs).
        """
        function = getattr(function, "pytensor_function", function)
        py_func = getattr(self, "_direct", None)
        jit = getattr(getattr(function, "vm", None), "jit_fn", None)
        if py_func is None or getattr(jit, "py_func", None) is not py_func:
            return None
        inputs = self.fgraph.inputs
        plain = (
            function.maker.fgraph is self.fgraph
            and not function._has_updates
            and not function.return_none
            and len(inputs) == len(function.input_storage)
            and all(isinstance(v.type, DenseTensorType) for v in inputs)
            and py_func.__closure__ is None
        )
        if not plain:
            return None
        try:
            code = marshal.dumps(py_func.__code__)
        except ValueError:  # a constant marshal cannot write
            return None
        return DirectEntry(
            code=code,
            module=py_func.__globals__.get("__name__"),
            cache_key=CACHED_SRC_FUNCTIONS[py_func],
            options={k: v for k, v in jit.targetoptions.items() if k != "nopython"},
            shapes=tuple(tuple(v.type.shape) for v in inputs),
            unpack_single=bool(function.unpack_single),
        )


@dataclass(frozen=True)
class DirectEntry:
    """How to call a compiled graph from Numba's cache (see the module doc).

    Attributes
    ----------
    code : bytes
        The generated graph function's code object (``marshal``).
    module : str or None
        Its globals' ``__name__``: Numba's cache file names hold it.
    cache_key : str
        Its key in PyTensor's Numba cache.
    options : dict
        The ``numba.njit`` options it was compiled with.
    shapes : tuple of tuple
        Each input's static shape (None: any length), checked as PyTensor
        checks them when inputs are not trusted.
    unpack_single : bool
        The function returns its one output rather than a list.
    """

    code: bytes
    module: str | None
    cache_key: str
    options: dict
    shapes: tuple
    unpack_single: bool

    def function(self, full: bytes) -> Any:
        """A :class:`DirectFunction`, or the full ``Function`` (the pickle
        ``full``) when Numba's cache is off in this process."""
        if not config.numba__cache:
            return pickle.loads(full)
        return DirectFunction(self, full)


class DirectFunction:
    """A compiled graph called from Numba's cache, its PyTensor ``Function``
    unpickled only when needed (see the module doc).

    Examples
    --------
    What a later process gets from the disk cache for a Numba-linked function:

    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> from sklearn_pylearn.symbolic import diskcache
    >>> from sklearn_pylearn.symbolic.compile import compile_function
    >>> x = pt.vector("x")
    >>> compiled = compile_function([x], 3 * x)
    >>> compiled(np.array([1.0]))  # Numba compiles (or loads) and caches it
    array([3.])
    >>> direct = diskcache.load(compiled.key)
    >>> type(direct).__name__
    'DirectFunction'
    >>> direct(np.array([1.0, 2.0]))
    array([3., 6.])
    >>> type(direct.maker).__name__  # from the full Function, unpickled now
    'FunctionMaker'
    """

    def __init__(self, entry: DirectEntry, full: bytes):
        self.entry = entry
        self.trust_input = False
        self._full_bytes = full
        self._full = None
        self._lock = threading.Lock()
        # Empty globals: Numba can load the cached code but never compile it.
        py_func = _graph_function(
            marshal.loads(entry.code), {"__name__": entry.module}, entry.cache_key
        )
        self._jit = numba.njit(cache=True, **entry.options)(py_func)

    def __call__(self, *args: Any) -> Any:
        if self._full is None and (self.trust_input or self._accepts(args)):
            try:
                out = self._jit(*args)
            except Exception:
                # Not in Numba's cache, or an error in the graph: the full
                # Function compiles the signature or reports the failing node.
                pass
            else:
                return out[0] if self.entry.unpack_single else list(out)
        return self.pytensor_function(*args)

    def _accepts(self, args: tuple) -> bool:
        if len(args) != len(self.entry.shapes):
            return False
        for value, shape in zip(args, self.entry.shapes):
            if type(value) is not np.ndarray or value.ndim != len(shape):
                return False
            if any(s is not None and s != n for s, n in zip(shape, value.shape)):
                return False
        return True

    @property
    def pytensor_function(self) -> Any:
        """The full PyTensor ``Function``, unpickled on first use."""
        with self._lock:
            if self._full is None:
                full = pickle.loads(self._full_bytes)
                full.trust_input = self.trust_input
                self._full = full
            return self._full

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "entry":
            raise AttributeError(name)
        return getattr(self.pytensor_function, name)

    def __reduce__(self):
        return _rebuild_direct, (self.entry, self._full_bytes, self.trust_input)


def _rebuild_direct(entry: DirectEntry, full: bytes, trust_input: bool) -> Any:
    fn = entry.function(full)
    fn.trust_input = trust_input
    return fn
