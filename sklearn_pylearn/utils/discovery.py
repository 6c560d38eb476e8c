"""Find the public estimators of the package (like ``sklearn.utils.all_estimators``)."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

__all__ = ["all_estimators", "all_functions"]

# Packages and modules that hold no estimator family (layers 1 to 4 of
# doc/architecture.md).
_SKIP = {
    "tests",
    "utils",
    "symbolic",
    "runtime",
    "data",
    "graph",
    "base",
    "persistence",
    "exceptions",
}


def all_estimators():
    """Return ``(name, class)`` for every public estimator of sklearn_pylearn.

    Modules are imported by walking the package, so this helper sits outside the
    import layers: nothing in the package imports estimator families through it,
    except :func:`sklearn_pylearn.pipeline.fuse`, which looks up at call time the
    counterparts of a scikit-learn pipeline's steps.

    Examples
    --------
    >>> names = [name for name, _ in all_estimators()]
    >>> "StandardScaler" in names and "PCA" in names
    True
    """
    return sorted(
        (name, obj)
        for name, obj in _public_members(inspect.isclass)
        if issubclass(obj, BaseEstimator) and not inspect.isabstract(obj)
    )


def all_functions():
    """Return ``(name, function)`` for the public functions of the estimator
    families, such as the score functions ``f_classif`` that estimators take as
    parameters.

    Examples
    --------
    >>> "f_classif" in dict(all_functions())
    True
    """
    return sorted(_public_members(inspect.isfunction))


def _public_members(predicate):
    import sklearn_pylearn

    found = {}
    for info in pkgutil.walk_packages(
        sklearn_pylearn.__path__, prefix="sklearn_pylearn."
    ):
        parts = info.name.split(".")
        if set(parts[1:]) & _SKIP or any(p.startswith("_") for p in parts[1:]):
            continue
        module = importlib.import_module(info.name)
        for name, obj in inspect.getmembers(module, predicate):
            home = obj.__module__.split(".")
            if home[0] == "sklearn_pylearn" and home[1] not in _SKIP:
                if not name.startswith("_"):
                    found[name] = obj
    return found.items()
