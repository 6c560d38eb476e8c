"""Library exceptions; each subclasses scikit-learn's where the meaning is the same."""

from sklearn.exceptions import NotFittedError

__all__ = [
    "CheckpointError",
    "CheckpointNotFoundError",
    "CheckpointVersionError",
    "CompileError",
    "CorruptCheckpointError",
    "CorruptCheckpointWarning",
    "ExperimentConfigError",
    "NotFittedError",
    "ProgramError",
    "SklearnPylearnError",
    "StateError",
    "TrainingDivergedError",
    "UntrustedReferenceError",
    "VersionMismatchWarning",
]


class SklearnPylearnError(Exception):
    """Base class of the errors raised by sklearn_pylearn itself."""


class CompileError(SklearnPylearnError, RuntimeError):
    """A symbolic graph could not be compiled (the message names the graph)."""


class TrainingDivergedError(SklearnPylearnError, ValueError, FloatingPointError):
    """The training loss became NaN or infinite; the parameters were restored."""


class VersionMismatchWarning(UserWarning):
    """An object saved by another major version of sklearn_pylearn was loaded."""


# Runtime: programs, the virtual machine, checkpoints.


class ProgramError(SklearnPylearnError, ValueError):
    """A program is malformed or cannot run (the message names the element)."""


class StateError(SklearnPylearnError, TypeError):
    """A value cannot be stored as plain data (the message names where it sits)."""


class UntrustedReferenceError(SklearnPylearnError, PermissionError):
    """Loading would import a name that the user has not trusted."""


class CheckpointError(SklearnPylearnError, RuntimeError):
    """A checkpoint cannot be written or read."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """A directory holds no usable checkpoint."""


class CorruptCheckpointError(CheckpointError):
    """A checkpoint entry is truncated or its contents do not match its manifest."""


class CheckpointVersionError(CheckpointError):
    """A checkpoint was written by an incompatible version of sklearn_pylearn."""


class CorruptCheckpointWarning(UserWarning):
    """The newest checkpoint was unusable and an older one is used instead."""


# Experiments: the YAML runner.


class ExperimentConfigError(SklearnPylearnError, ValueError):
    """An experiment's config has problems; ``problems`` lists each with its key path.

    Examples
    --------
    >>> err = ExperimentConfigError(["model.params.C: expected a number"])
    >>> print(err)
    the experiment has 1 problem(s):
      - model.params.C: expected a number
    """

    def __init__(self, problems):
        self._given = problems
        if isinstance(problems, str):
            self.problems = [problems]
            message = problems
        else:
            self.problems = list(problems)
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"the experiment has {len(self.problems)} problem(s):\n{lines}"
        super().__init__(message)

    def __reduce__(self):
        return type(self), (self._given,)
