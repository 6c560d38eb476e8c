"""Training programs, hooks and checkpoints; knows nothing of estimators or graphs.

A learning algorithm is written as a *program* (seed ``plugin_JB``): immutable
elements that name the functions they call. :class:`VirtualMachine` runs it one
step per ``next()``; its state is plain data, so a run can be copied, pickled,
checkpointed atomically, interrupted, resumed and moved to another process with
the same result, bit for bit.

Examples
--------
>>> import math
>>> from sklearn_pylearn.runtime import CALL, FILT, REPEAT, SEQ, VirtualMachine
>>> prog = REPEAT(2, SEQ([CALL(math.sqrt, 81.0), FILT(math.sqrt)]))
>>> print(prog)
REPEAT(2, SEQ([CALL(math.sqrt, 81.0), FILT(math.sqrt)]))
>>> VirtualMachine(prog).run()
3.0
"""

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
from ._refs import Ref, register_trusted
from ._state import register_record
from .checkpoint import (
    latest_checkpoint,
    list_checkpoints,
    load_latest,
    read_checkpoint,
    write_atomic,
    write_checkpoint,
)
from .hooks import Checkpoint, EarlyStopping, History, Hook, ProgressBar, improves
from .optimize import batched, optimize
from .program import (
    BREAK,
    BUFFER_REPEAT,
    CALL,
    EVENT,
    FILT,
    LOOP,
    REPEAT,
    SEQ,
    SWITCH,
    WEAVE,
    Element,
    Matches,
    count_steps,
    element_from_data,
)
from .signals import handle_interrupts
from .vm import VirtualMachine

__all__ = [
    "BREAK",
    "BUFFER_REPEAT",
    "CALL",
    "EVENT",
    "FILT",
    "LOOP",
    "REPEAT",
    "SEQ",
    "SWITCH",
    "WEAVE",
    "Checkpoint",
    "CheckpointError",
    "CheckpointNotFoundError",
    "CheckpointVersionError",
    "CorruptCheckpointError",
    "CorruptCheckpointWarning",
    "EarlyStopping",
    "Element",
    "History",
    "Hook",
    "Matches",
    "ProgramError",
    "ProgressBar",
    "Ref",
    "StateError",
    "UntrustedReferenceError",
    "VirtualMachine",
    "count_steps",
    "element_from_data",
    "batched",
    "handle_interrupts",
    "improves",
    "latest_checkpoint",
    "list_checkpoints",
    "load_latest",
    "optimize",
    "read_checkpoint",
    "register_record",
    "register_trusted",
    "write_atomic",
    "write_checkpoint",
]
