"""Training programs and their runner.

A program builder returns plain data (runtime elements) that names the
trainer's and the data source's methods by context name; :func:`run_training`
runs one with the standard hooks. The epoch program is today's only builder;
a layer-wise pretraining program (one epoch program per layer) belongs here
next to it.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..runtime import (
    CALL,
    EVENT,
    FILT,
    REPEAT,
    SEQ,
    Checkpoint,
    ProgressBar,
    VirtualMachine,
    list_checkpoints,
    load_latest,
)

__all__ = ["data_fingerprint", "epoch_program", "run_training"]


def epoch_program(n_epochs: int, n_batches: int, *, model="model", data="data"):
    """The training program: ``n_epochs`` passes of ``n_batches`` steps.

    Examples
    --------
    >>> from sklearn_pylearn.training import epoch_program
    >>> print(epoch_program(2, 3))
    REPEAT(2,
        SEQ([
            EVENT('epoch_begin'),
            CALL(data.start_epoch),
            REPEAT(3, SEQ([CALL(data.next_batch), FILT(model.train_step)])),
            CALL(model.end_epoch),
            EVENT('epoch_end'),
        ]),
    )
    """
    batches = REPEAT(
        n_batches, SEQ([CALL(f"{data}.next_batch"), FILT(f"{model}.train_step")])
    )
    epoch = SEQ(
        [
            EVENT("epoch_begin"),
            CALL(f"{data}.start_epoch"),
            batches,
            CALL(f"{model}.end_epoch"),
            EVENT("epoch_end"),
        ]
    )
    return REPEAT(n_epochs, epoch)


def data_fingerprint(*parts) -> str:
    """A short digest of arrays and plain values (to match a checkpoint to a fit).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.training import data_fingerprint
    >>> a = data_fingerprint(np.zeros(3), {"a": 1})
    >>> a == data_fingerprint(np.zeros(3), {"a": 1}), a == data_fingerprint(np.ones(3))
    (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(arr.view(np.uint8).reshape(-1) if arr.size else b"")
        else:
            h.update(repr(part).encode())
    return h.hexdigest()


def _resume(directory, fingerprint, program, context, hooks):
    """A VM resumed from ``directory`` when it holds this fit's checkpoint."""
    if not list_checkpoints(directory):
        return None
    try:
        _, state = load_latest(directory)
    except Exception as exc:  # noqa: BLE001 - an unreadable directory starts afresh
        warnings.warn(f"not resuming from {directory}: {exc}", stacklevel=3)
        return None
    saved = state.get("context", {}).get("fingerprint", {}).get("value")
    if saved != fingerprint:
        warnings.warn(
            f"checkpoint_dir {str(directory)!r} holds a checkpoint of another fit "
            "(other data or parameters); training starts afresh and overwrites it.",
            stacklevel=3,
        )
        return None
    return VirtualMachine.from_state(
        state, program=program, context=context, hooks=hooks
    )


def run_training(
    program,
    model,
    data,
    *,
    hooks: Sequence[Any] = (),
    verbose: bool = False,
    checkpoint_dir=None,
    fingerprint: str = "",
    desc: str | None = None,
) -> VirtualMachine:
    """Run a training program with the standard hooks; return the finished VM.

    Parameters
    ----------
    program : Element
        Usually :func:`epoch_program`.
    model : MinibatchTrainer
    data : MinibatchSource
    hooks : sequence of Hook
        More hooks (user hooks, :class:`ConvergenceMonitor`,
        :class:`SklearnCallbacks` ...), dispatched before the progress bar and
        the checkpoint writer.
    verbose : bool
        Show a progress bar over epochs, with the loss.
    checkpoint_dir : path or None
        Write checkpoints there (every 10 s, on interrupt and at the end) and
        resume from the newest one when it was written by a fit with the same
        ``fingerprint``.
    fingerprint : str
        Identifies the fit (see :func:`data_fingerprint`).
    desc : str, optional
        The progress bar's label.

    Returns
    -------
    VirtualMachine
        Run to its end, or stopped early, or interrupted (``vm.interrupted``).

    Examples
    --------
    See :mod:`sklearn_pylearn.training`.
    """
    hooks = list(hooks)
    if verbose:
        hooks.append(ProgressBar(event="epoch_end", desc=desc))
    context = {"model": model, "data": data, "fingerprint": fingerprint}
    vm = None
    if checkpoint_dir is not None:
        hooks.append(Checkpoint(checkpoint_dir, every_seconds=10.0, keep_last=2))
        vm = _resume(checkpoint_dir, fingerprint, program, context, hooks)
    if vm is None:
        vm = VirtualMachine(program, context, hooks)
    main_thread = threading.current_thread() is threading.main_thread()
    vm.run(handle_signals=checkpoint_dir is not None and main_thread)
    return vm
