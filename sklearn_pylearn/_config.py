"""Global configuration: the PyTensor compile mode, set for a block with config_context.

The configuration is thread-local, like scikit-learn's, so a ``config_context`` in one
thread does not leak into another.
"""

import threading
from contextlib import contextmanager

_DEFAULTS = {"compile_mode": None}
# The names PyTensor's ``get_mode`` knows (case does not matter).
COMPILE_MODES = (
    "NUMBA",
    "FAST_RUN",
    "FAST_COMPILE",
    "CVM",
    "C",
    "JAX",
    "PYTORCH",
    "MLX",
    "DEBUG_MODE",
    "NANGUARDMODE",
)
_local = threading.local()


def _state() -> dict:
    if not hasattr(_local, "config"):
        _local.config = dict(_DEFAULTS)
    return _local.config


def get_config() -> dict:
    """Return a copy of the current configuration.

    Returns
    -------
    config : dict
        ``compile_mode``: the PyTensor mode name used to compile graphs, or None for
        PyTensor's own default (``pytensor.config.mode``).

    Examples
    --------
    >>> from sklearn_pylearn import get_config
    >>> get_config()["compile_mode"] is None
    True
    """
    return dict(_state())


def set_config(compile_mode=None) -> None:
    """Set the configuration for the current thread.

    Parameters
    ----------
    compile_mode : str or None
        A PyTensor mode name ("NUMBA", "FAST_RUN", "FAST_COMPILE", "CVM", ...) or None
        for PyTensor's default. An unknown name raises a ValueError listing the
        valid ones at once, rather than when a graph first compiles.

    Examples
    --------
    >>> from sklearn_pylearn import set_config
    >>> set_config(compile_mode="bogus")
    Traceback (most recent call last):
    ...
    ValueError: set_config: compile_mode='bogus' is not a PyTensor mode; ...
    """
    _check_mode(compile_mode)
    _state()["compile_mode"] = compile_mode


def _check_mode(compile_mode) -> None:
    if compile_mode is None:
        return
    if not isinstance(compile_mode, str):
        raise TypeError(
            "set_config: compile_mode must be a PyTensor mode name (str) or None, "
            f"got {compile_mode!r}."
        )
    from pytensor.compile.mode import get_mode

    try:
        get_mode(compile_mode)
    except ValueError:
        raise ValueError(
            f"set_config: compile_mode={compile_mode!r} is not a PyTensor mode; "
            f"use one of {list(COMPILE_MODES)} (any case), or None for PyTensor's "
            "default."
        ) from None


def config_context(*, compile_mode=None):
    """Temporarily change the configuration inside a ``with`` block.

    Parameters
    ----------
    compile_mode : str or None
        PyTensor mode for the graphs compiled inside the block. Functions compiled in
        different modes are cached separately. An unknown mode raises a ValueError
        listing the valid ones when ``config_context`` is called.

    Examples
    --------
    >>> from sklearn_pylearn import config_context, get_config
    >>> with config_context(compile_mode="FAST_COMPILE"):
    ...     get_config()["compile_mode"]
    'FAST_COMPILE'
    >>> get_config()["compile_mode"] is None
    True
    """
    _check_mode(compile_mode)  # at the call, not when the block is entered
    return _config_block(compile_mode)


@contextmanager
def _config_block(compile_mode):
    old = get_config()
    set_config(compile_mode=compile_mode)
    try:
        yield
    finally:
        set_config(**old)
