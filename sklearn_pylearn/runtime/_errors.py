"""Exceptions and warnings of the runtime, defined in ``sklearn_pylearn.exceptions``."""

from ..exceptions import (
    CheckpointError,
    CheckpointNotFoundError,
    CheckpointVersionError,
    CorruptCheckpointError,
    CorruptCheckpointWarning,
    ProgramError,
    StateError,
    UntrustedReferenceError,
)

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
