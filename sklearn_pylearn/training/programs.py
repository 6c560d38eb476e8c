"""Training programs and their runner.

A program builder returns plain data (runtime elements) that names the
trainer's and the data source's methods by context name; :func:`run_training`
runs one with the standard hooks. :func:`epoch_program` trains one model;
:func:`layerwise_program` trains a stack of layers greedily, one phase per layer
(the pretraining of deep belief networks and stacked autoencoders), before it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..runtime import (
    CALL,
    EVENT,
    FILT,
    REPEAT,
    SEQ,
    Checkpoint,
    ProgressBar,
    Ref,
    VirtualMachine,
    handle_interrupts,
    list_checkpoints,
    load_latest,
    register_trusted,
)
from .hooks import IterationLog

__all__ = [
    "PhaseCheckpoint",
    "checkpoint_seed",
    "data_fingerprint",
    "epoch_program",
    "layerwise_program",
    "run_training",
]

_logger = logging.getLogger("sklearn_pylearn")


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


def layerwise_program(layers, then=None, *, install=None):
    """Greedy layer-wise training: one phase per layer, then ``then``.

    Parameters
    ----------
    layers : sequence of (name, data, n_epochs, n_batches)
        Each layer's trainer and data source (context names), its epochs and its
        minibatches per epoch. A phase announces itself
        (``EVENT("phase_begin", phase=name, epochs=n_epochs)``), builds its input
        (``CALL(data.encode)``: the representation computed by the layers below),
        runs its epochs (``EVENT("layer_epoch_end", layer=name)`` after each) and
        ends with ``EVENT("phase_end", phase=name)``.
    then : Element, optional
        What follows the layers (usually the fine-tuning :func:`epoch_program`).
    install : str, optional
        A trusted import reference ``"module:function"`` called as
        ``function(Ref(layer) ..., Ref("model"))`` between the layers and
        ``then``: it copies the trained layers into the model.

    Examples
    --------
    >>> from sklearn_pylearn.training import layerwise_program
    >>> print(layerwise_program([("rbm1", "data1", 2, 3)]))
    SEQ([
        EVENT('phase_begin', epochs=2, phase='rbm1'),
        CALL(data1.encode),
        REPEAT(2,
            SEQ([
                CALL(data1.start_epoch),
                REPEAT(3, SEQ([CALL(data1.next_batch), FILT(rbm1.train_step)])),
                CALL(rbm1.end_epoch),
                EVENT('layer_epoch_end', layer='rbm1'),
            ]),
        ),
        EVENT('phase_end', phase='rbm1'),
    ])
    """
    body = []
    for name, data, n_epochs, n_batches in layers:
        batches = REPEAT(
            n_batches, SEQ([CALL(f"{data}.next_batch"), FILT(f"{name}.train_step")])
        )
        epoch = SEQ(
            [
                CALL(f"{data}.start_epoch"),
                batches,
                CALL(f"{name}.end_epoch"),
                EVENT("layer_epoch_end", layer=name),
            ]
        )
        body += [
            EVENT("phase_begin", phase=name, epochs=int(n_epochs)),
            CALL(f"{data}.encode"),
            REPEAT(int(n_epochs), epoch),
            EVENT("phase_end", phase=name),
        ]
    if install is not None:
        body.append(CALL(install, *(Ref(name) for name, *_ in layers), Ref("model")))
    if then is not None:
        body.append(then)
    return SEQ(body)


class PhaseCheckpoint(Checkpoint):
    """:class:`~sklearn_pylearn.runtime.Checkpoint` that also writes when a phase
    of the program ends (``EVENT("phase_end")``: a pretrained layer is never
    trained again after a crash).

    Examples
    --------
    >>> import math, tempfile
    >>> from sklearn_pylearn.runtime import CALL, EVENT, SEQ, VirtualMachine
    >>> from sklearn_pylearn.runtime import list_checkpoints
    >>> d = tempfile.mkdtemp()
    >>> hook = PhaseCheckpoint(d, at_end=False)
    >>> prog = SEQ([CALL(math.sqrt, 1.0), EVENT("phase_end"), CALL(math.sqrt, 4.0)])
    >>> _ = VirtualMachine(prog, hooks=[hook]).run()
    >>> [p.name for p in list_checkpoints(d)]
    ['ckpt-000001-step000000001']
    """

    def on_phase_end(self, vm, **info):
        vm.request_checkpoint(self)


register_trusted(PhaseCheckpoint, "sklearn_pylearn.training:PhaseCheckpoint")


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
        if sp.issparse(part):  # its values, not its repr (a summary)
            part = part.tocsr()
            h.update(f"sparse{part.shape}".encode())
            for arr in (part.data, part.indices, part.indptr):
                h.update(data_fingerprint(np.asarray(arr)).encode())
        elif isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(arr.view(np.uint8).reshape(-1) if arr.size else b"")
        else:
            h.update(repr(part).encode())
    return h.hexdigest()


def checkpoint_seed(directory, fingerprint):
    """The seed recorded by the fit ``fingerprint`` in ``directory``, or None.

    A fit without a fixed ``random_state`` draws a seed and records it in its
    checkpoints (``run_training(seed=...)``); a fit started again with the same
    data and parameters reads it back here, so it draws the same initial
    weights and split, and resumes.

    Examples
    --------
    >>> import tempfile
    >>> checkpoint_seed(tempfile.mkdtemp(), "a") is None
    True
    """
    if not list_checkpoints(directory):
        return None
    try:
        _, state = load_latest(directory)
    except Exception:  # noqa: BLE001 - an unreadable directory starts afresh
        return None
    context = state.get("context", {})
    if context.get("fingerprint", {}).get("value") != fingerprint:
        return None
    seed = context.get("seed", {}).get("value")
    return None if seed is None else int(seed)


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
    vm = VirtualMachine.from_state(state, program=program, context=context, hooks=hooks)
    epoch = getattr(context["model"], "n_iter_", vm.steps)
    if vm.finished:
        _logger.warning(
            "loaded the finished fit (epoch %s) from checkpoint_dir %r instead of "
            "training again; remove that directory, or pass another one, to train "
            "afresh.",
            epoch,
            str(directory),
        )
    elif vm.counters.get("phase_begin", 0) > vm.counters.get("phase_end", 0):
        _logger.warning(
            "resumed in layer %s of the layer-wise training, from %s",
            vm.counters["phase_begin"],
            str(directory),
        )
    else:
        _logger.warning("resumed from epoch %s of %s", epoch, str(directory))
    return vm


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
    seed: int | None = None,
    resume: bool = True,
    context=None,
    progress=None,
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
        Print scikit-learn's ``Iteration N, loss = ...`` lines (stdout) and show
        a progress bar over epochs (stderr).
    checkpoint_dir : path or None
        Write checkpoints there (every 10 s, on interrupt and at the end) and
        resume from the newest one when it was written by a fit with the same
        ``fingerprint``.
    fingerprint : str
        Identifies the fit (see :func:`data_fingerprint`).
    desc : str, optional
        The progress bar's label.
    seed : int, optional
        The seed the fit drew its random numbers from, recorded in the
        checkpoints (see :func:`checkpoint_seed`).
    resume : bool, default=True
        False only writes checkpoints (``partial_fit``: each call is a new step,
        never a resumed one).
    context : mapping of str to object, optional
        More named objects for the program (the layers of
        :func:`layerwise_program` and their data).
    progress : Hook, optional
        The progress display when verbose (default: a bar over epochs).

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
        hooks.append(IterationLog())  # scikit-learn's lines, for the logs
        hooks.append(progress or ProgressBar(event="epoch_end", desc=desc))
    context = {**(context or {}), "model": model, "data": data}
    context["fingerprint"] = fingerprint
    if seed is not None:
        context["seed"] = int(seed)
    vm = None
    if checkpoint_dir is not None:
        hooks.append(PhaseCheckpoint(checkpoint_dir, every_seconds=10.0, keep_last=2))
        if resume:
            vm = _resume(checkpoint_dir, fingerprint, program, context, hooks)
    if vm is None:
        vm = VirtualMachine(program, context, hooks)
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:
        # Ctrl-C stops after the current step (never inside compiled code), and
        # quietly: the estimator says once what happened (vm.interrupted).
        with handle_interrupts(vm, quiet=True):
            vm.run(handle_signals=False)
    else:
        vm.run(handle_signals=False)
    return vm
