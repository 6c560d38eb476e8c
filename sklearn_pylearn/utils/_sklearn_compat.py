"""The one home of scikit-learn's private names that sklearn_pylearn uses.

scikit-learn does not promise to keep its private names (a leading ``_`` in the
module path or the name). Every one the library needs is imported here, and
only here (``tests/utils/test_sklearn_compat.py`` fails on any other import):
each has a fallback that does the same job, or fails with an error that names
the scikit-learn versions this release supports (``setup.py``). Public names
that depend on the version (``sklearn.callback``) are shimmed here too.

Examples
--------
>>> from sklearn_pylearn.utils._sklearn_compat import StrOptions, check_sample_weight
>>> check_sample_weight(None, [[1.0], [2.0]]).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import functools
import time
import warnings
from contextlib import contextmanager

import numpy as np
import sklearn

__all__ = [
    "SUPPORTED_SKLEARN",
    "BaseMultilayerPerceptron",
    "CallbackSupportMixin",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "check_optimize_result",
    "check_partial_fit_first_call",
    "check_sample_weight",
    "clone_parametrized",
    "final_estimator_has",
    "fit_context",
    "name_estimators",
    "print_elapsed_time",
    "raise_for_params",
    "routing_enabled",
    "with_callbacks",
    "wrap_data_with_container",
]

# Keep in step with setup.py's install_requires.
SUPPORTED_SKLEARN = ">=1.6,<1.10"


def _unsupported(what: str) -> ImportError:
    return ImportError(
        f"sklearn_pylearn needs {what} from scikit-learn, which scikit-learn "
        f"{sklearn.__version__} does not have. Install a supported version: "
        f"pip install 'scikit-learn{SUPPORTED_SKLEARN}'."
    )


# -- parameter validation: no fallback (the constraints are declared with them) --
try:
    from sklearn.utils._param_validation import (
        Interval,
        InvalidParameterError,
        StrOptions,
    )
except ImportError as exc:  # pragma: no cover - scikit-learn < 1.2
    raise _unsupported("sklearn.utils._param_validation") from exc

try:
    from sklearn.neural_network._multilayer_perceptron import (
        BaseMultilayerPerceptron,
    )
except ImportError as exc:  # pragma: no cover - a moved module
    raise _unsupported("BaseMultilayerPerceptron's parameter constraints") from exc


# -- estimator plumbing: fallbacks that do the same job -------------------------
try:
    from sklearn.base import _fit_context as fit_context
except ImportError:  # pragma: no cover - scikit-learn < 1.3

    def fit_context(*, prefer_skip_nested_validation):  # noqa: ARG001
        """Validate the parameters, then fit (scikit-learn's ``_fit_context``)."""

        def decorator(fit):
            @functools.wraps(fit)
            def wrapper(estimator, *args, **kwargs):
                estimator._validate_params()
                return fit(estimator, *args, **kwargs)

            return wrapper

        return decorator


try:
    from sklearn.base import _clone_parametrized as clone_parametrized
except ImportError:  # pragma: no cover - scikit-learn without it
    from sklearn.base import clone as clone_parametrized

try:
    from sklearn.utils.validation import _check_sample_weight as check_sample_weight
except ImportError:  # pragma: no cover - a moved helper

    def check_sample_weight(sample_weight, X, dtype=None):
        """Sample weights as a 1-D float array with one entry per row of ``X``."""
        n = len(X)
        dtype = np.float64 if dtype is None else dtype
        if sample_weight is None:
            return np.ones(n, dtype=dtype)
        sw = np.asarray(sample_weight, dtype=dtype)
        if sw.ndim == 0:
            return np.full(n, sw, dtype=dtype)
        if sw.shape != (n,):
            raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
        return sw


try:
    from sklearn.utils.multiclass import (
        _check_partial_fit_first_call as check_partial_fit_first_call,
    )
except ImportError:  # pragma: no cover - a moved helper

    def check_partial_fit_first_call(clf, classes=None):
        """True on the first ``partial_fit`` call (and set ``classes_``)."""
        if getattr(clf, "classes_", None) is None and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None and getattr(clf, "classes_", None) is not None:
            if not np.array_equal(clf.classes_, np.unique(classes)):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on the last call "
                    f"to partial_fit, was: {clf.classes_!r}"
                )
            return False
        if classes is not None:
            clf.classes_ = np.unique(classes)
            return True
        return False


try:
    from sklearn.utils.optimize import _check_optimize_result as check_optimize_result
except ImportError:  # pragma: no cover - a moved helper

    def check_optimize_result(solver, result, max_iter=None, extra_warning_msg=None):
        """The iterations scipy ran; warn (ConvergenceWarning) when it failed."""
        from sklearn.exceptions import ConvergenceWarning

        if result.status != 0:
            msg = f"{solver} failed to converge: {result.message}"
            if extra_warning_msg:
                msg += "\n" + extra_warning_msg
            warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        n_iter = result.nit
        return n_iter if max_iter is None else min(n_iter, max_iter)


# -- pipelines ------------------------------------------------------------------
try:
    from sklearn.utils._user_interface import (
        _print_elapsed_time as print_elapsed_time,
    )
except ImportError:  # pragma: no cover - a moved helper

    @contextmanager
    def print_elapsed_time(source, message=None):
        """Print ``[source] ... message, total=...s`` around a block."""
        if message is None:
            yield
            return
        start = time.perf_counter()
        yield
        print(f"[{source}] {message}, total={time.perf_counter() - start:5.1f}s")


try:
    from sklearn.utils.metadata_routing import _raise_for_params as raise_for_params
    from sklearn.utils.metadata_routing import _routing_enabled as routing_enabled
except ImportError as exc:  # pragma: no cover - metadata routing moved
    raise _unsupported("metadata routing (sklearn.utils.metadata_routing)") from exc

try:
    from sklearn.pipeline import _final_estimator_has as final_estimator_has
    from sklearn.pipeline import _name_estimators as name_estimators
except ImportError as exc:  # pragma: no cover - Pipeline internals moved
    raise _unsupported("sklearn.pipeline's _final_estimator_has") from exc

try:
    from sklearn.utils._set_output import (
        _wrap_data_with_container as wrap_data_with_container,
    )
except ImportError as exc:  # pragma: no cover - set_output internals moved
    raise _unsupported("set_output's container wrapping") from exc


# -- callbacks (public, scikit-learn >= 1.9) -------------------------------------
try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9: no callbacks, nothing to support

    class CallbackSupportMixin:
        """Stands in for ``sklearn.callback.CallbackSupportMixin`` (< 1.9)."""

    def with_callbacks(method):
        """Stands in for ``sklearn.callback.with_callbacks`` (< 1.9)."""
        return method
