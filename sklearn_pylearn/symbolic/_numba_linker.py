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
"""

from __future__ import annotations

import types

from numba.core import codegen as numba_codegen
from pytensor.configdefaults import config
from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS
from pytensor.link.numba.dispatch.basic import (
    numba_funcify,
    numba_funcify_and_cache_key,
)
from pytensor.link.numba.linker import NumbaLinker

__all__ = ["DirectNumbaLinker", "GRAPH_FUNCTION_NAME", "light_finalizations"]

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
        renamed = types.FunctionType(
            code,
            inner.__globals__,
            GRAPH_FUNCTION_NAME,
            inner.__defaults__,
            inner.__closure__,
        )
        fastmath = int(bool(config.numba__fastmath))
        CACHED_SRC_FUNCTIONS[renamed] = f"{key}_fastmath{fastmath}_direct"
        return _PyFunc(renamed), key
