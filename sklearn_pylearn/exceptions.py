"""Library exceptions; each subclasses scikit-learn's where the meaning is the same."""

from sklearn.exceptions import NotFittedError

__all__ = [
    "NotFittedError",
    "SklearnPylearnError",
    "CompileError",
    "VersionMismatchWarning",
]


class SklearnPylearnError(Exception):
    """Base class of the errors raised by sklearn_pylearn itself."""


class CompileError(SklearnPylearnError, RuntimeError):
    """A symbolic graph could not be compiled (the message names the graph)."""


class VersionMismatchWarning(UserWarning):
    """An object saved by another major version of sklearn_pylearn was loaded."""
