"""Keep glibc's allocator from page-faulting every training step when it was pinned.

glibc serves an allocation of 128 KiB or more with a fresh ``mmap`` and returns it
to the system on ``free``, so the next step's array of that size faults its pages in
again. It normally raises that threshold by itself (the "dynamic mmap threshold")
after the first such array is freed, so a training loop that allocates the same
sizes every step soon reuses heap memory. Setting any of ``MALLOC_TRIM_THRESHOLD_``,
``MALLOC_TOP_PAD_``, ``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_MMAP_MAX_`` turns that
adaptation off for the whole process, and dask's nanny sets
``MALLOC_TRIM_THRESHOLD_=65536`` in every worker it starts (its
``distributed.nanny.pre-spawn-environ``). In such a process every minibatch-sized
intermediate of a compiled step is a fresh mapping: an MLP fit spends a third of its
time in the kernel, and two workers on two cores run no faster than one.

:func:`tune_malloc` runs once per process, when the first graph is compiled or
loaded. Only on glibc, and only when one of those variables is set, it sets what
the adaptation would have reached: an mmap threshold of 32 MiB and a top pad of
64 MiB (a variable the user set explicitly is left alone). The process then keeps
at most 64 MiB of freed memory at the top of its heap, instead of none.
``SKLEARN_PYLEARN_MALLOC_TUNING=0`` turns it off.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import threading

__all__ = ["tune_malloc", "PINNING_VARIABLES"]

# glibc's mallopt parameters (malloc.h).
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
# glibc's own ceiling for the dynamic threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX).
MMAP_THRESHOLD = 32 * 1024 * 1024
TOP_PAD = 64 * 1024 * 1024
PINNING_VARIABLES = (
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_MMAP_MAX_",
)
_OPT_OUT = "SKLEARN_PYLEARN_MALLOC_TUNING"
_logger = logging.getLogger("sklearn_pylearn")
_lock = threading.Lock()
_result: dict = {}


def tune_malloc() -> dict:
    """Raise glibc's mmap threshold and top pad once, if the environment pinned them.

    Returns
    -------
    applied : dict
        The ``mallopt`` settings made in this process (``{"M_MMAP_THRESHOLD": ...,
        "M_TOP_PAD": ...}``), or an empty dict when nothing was changed: not glibc,
        no pinning variable set, or ``SKLEARN_PYLEARN_MALLOC_TUNING=0``. The same
        dict on every later call.

    Examples
    --------
    >>> from sklearn_pylearn.utils._malloc import tune_malloc
    >>> isinstance(tune_malloc(), dict)
    True
    """
    with _lock:
        if "applied" not in _result:
            _result["applied"] = _apply(os.environ)
        return dict(_result["applied"])


def _apply(environ) -> dict:
    if environ.get(_OPT_OUT, "1").strip() == "0":
        return {}
    if not any(name in environ for name in PINNING_VARIABLES):
        return {}  # glibc adapts its threshold by itself
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return {}
    wanted = {}
    if "MALLOC_MMAP_THRESHOLD_" not in environ:
        wanted["M_MMAP_THRESHOLD"] = (_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    if "MALLOC_TOP_PAD_" not in environ:
        wanted["M_TOP_PAD"] = (_M_TOP_PAD, TOP_PAD)
    applied = {}
    for name, (param, value) in wanted.items():
        if mallopt(param, value) == 1:  # mallopt returns 1 on success
            applied[name] = value
    if applied:
        _logger.debug(
            "glibc malloc was pinned by the environment; set %s so that training "
            "steps reuse heap memory (%s=0 turns this off)",
            applied,
            _OPT_OUT,
        )
    return applied


def _glibc_mallopt():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt
