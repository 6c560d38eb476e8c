"""Exceptions and warnings of the runtime (programs, the VM, checkpoints)."""

from __future__ import annotations

from ..exceptions import SklearnPylearnError

__all__ = [
    "CheckpointError",
    "CheckpointNotFoundError",
    "CheckpointVersionError",
    "CorruptCheckpointError",
    "CorruptCheckpointWarning",
    "ProgramError",
    "StateError",
    "UntrustedReferenceError",
]


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
