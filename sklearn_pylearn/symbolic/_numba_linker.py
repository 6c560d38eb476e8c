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
process would find it.
"""

from __future__ import annotations

import types

from pytensor.configdefaults import config
from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS
from pytensor.link.numba.dispatch.basic import (
    numba_funcify,
    numba_funcify_and_cache_key,
)
from pytensor.link.numba.linker import NumbaLinker

__all__ = ["DirectNumbaLinker"]


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
        renamed = types.FunctionType(
            inner.__code__.replace(co_filename="<string>"),
            inner.__globals__,
            inner.__name__,
            inner.__defaults__,
            inner.__closure__,
        )
        fastmath = int(bool(config.numba__fastmath))
        CACHED_SRC_FUNCTIONS[renamed] = f"{key}_fastmath{fastmath}_direct"
        return _PyFunc(renamed), key
