"""sklearn_pylearn: scikit-learn estimators that build symbolic graphs and run them
compiled with PyTensor.

Public helpers at the top level: :func:`compile_stats`, :func:`clear_compile_cache`,
:func:`config_context`, :func:`get_config`, :func:`set_config`.

The layers, the direction of imports and the contracts between the parts (compile
cache, symbolic steps, fusion, named outputs, training programs, checkpoints, the layer
graph) are described in the repository's ``doc/architecture.md``.
"""

from ._config import config_context, get_config, set_config
from ._version import __version__
from .utils._lazy import lazy_attributes

__all__ = [
    "__version__",
    "clear_compile_cache",
    "compile_stats",
    "config_context",
    "get_config",
    "set_config",
]

# PyTensor loads with the first estimator family or with these names (PEP 562), not
# with the package: ``import sklearn_pylearn.runtime`` does not pay for it.
_LAZY = {
    "clear_compile_cache": ".symbolic.compile",
    "compile_stats": ".symbolic.compile",
}

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY)
