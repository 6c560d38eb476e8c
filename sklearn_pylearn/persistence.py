"""Saving and loading estimators with joblib (pickle) or skops (safe loading).

Estimators pickle their parameters and fitted arrays and a version stamp, never
compiled functions: those live in the process-wide compile cache and are rebuilt on
first use after loading. Loading an object saved by another major version of
sklearn_pylearn warns (:class:`~sklearn_pylearn.exceptions.VersionMismatchWarning`).
"""

import importlib
import os
from pathlib import Path

import joblib

__all__ = ["dump", "load", "trusted_types"]

_FORMATS = ("joblib", "skops")


def _format_of(path, format):
    if format is not None:
        if format not in _FORMATS:
            raise ValueError(
                f"format must be one of {_FORMATS}, got {format!r}; or leave it None "
                "to choose by the file suffix (.skops for skops, else joblib)."
            )
        return format
    return "skops" if Path(path).suffix == ".skops" else "joblib"


def dump(estimator, path, *, format=None, compress=0):
    """Save an estimator to ``path``.

    Parameters
    ----------
    estimator : object
        Fitted or unfitted estimator (or pipeline).
    path : str or path-like
    format : {"joblib", "skops"} or None, default=None
        None chooses skops for a ``.skops`` suffix and joblib otherwise.
    compress : int, default=0
        joblib compression level (ignored for skops).

    Returns
    -------
    path : str

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> scaler = StandardScaler().fit(np.arange(6.0).reshape(3, 2))
    >>> path = dump(scaler, os.path.join(tempfile.mkdtemp(), "scaler.skops"))
    >>> load(path).mean_
    array([2., 3.])
    """
    path = os.fspath(path)
    if _format_of(path, format) == "skops":
        import skops.io as sio

        sio.dump(estimator, path)
    else:
        joblib.dump(estimator, path, compress=compress)
    return path


def load(path, *, format=None, trusted=None):
    """Load an estimator saved by :func:`dump` (or by joblib / skops directly).

    Parameters
    ----------
    path : str or path-like
    format : {"joblib", "skops"} or None, default=None
        None chooses by suffix, as in :func:`dump`.
    trusted : list of str or None, default=None
        For skops: the types to trust. None trusts :func:`trusted_types` only, so a
        file naming any other type is refused (skops raises an
        ``UntrustedTypesFoundException``) and no code of an untrusted type runs.
        joblib files are pickles: load only files you trust.

    Returns
    -------
    estimator : object
    """
    path = os.fspath(path)
    if _format_of(path, format) == "skops":
        import skops.io as sio

        allowed = trusted_types() if trusted is None else list(trusted)
        return sio.load(path, trusted=allowed)
    return joblib.load(path)


def trusted_types():
    """Names of this library's types, for skops' trusted list.

    Returns
    -------
    names : list of str
        Fully qualified names of every public estimator, of the public functions
        estimators take as parameters (``f_classif``, ``f_regression``), and of
        this library's classes that a fitted estimator's state can hold (the
        classes registered with :func:`~sklearn_pylearn.runtime.register_trusted`,
        such as the ``MinibatchTrainer`` an MLP fitted by ``adam`` or ``sgd``
        keeps for ``partial_fit`` and ``warm_start``, and the layer graph's
        ``Model`` and node classes, whose state is plain data).

    Examples
    --------
    >>> "sklearn_pylearn.decomposition._pca.PCA" in trusted_types()
    True
    >>> "sklearn_pylearn.graph._model.Model" in trusted_types()
    True
    """
    from .runtime._refs import trusted_names
    from .utils.discovery import all_estimators, all_functions

    members = [obj for _, obj in all_estimators() + all_functions()]
    # all_estimators imported every estimator family, so their state classes
    # are registered by now.
    members += [cls for cls in map(_resolve, trusted_names()) if cls is not None]
    return sorted({f"{obj.__module__}.{obj.__qualname__}" for obj in members})


def _resolve(name):
    """The class ``"module:qualname"`` names, if it is one of this library's."""
    module, _, qualname = name.partition(":")
    if not qualname or not module.startswith("sklearn_pylearn"):
        return None
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if isinstance(obj, type) and obj.__module__.startswith("sklearn_pylearn."):
        return obj
    return None
