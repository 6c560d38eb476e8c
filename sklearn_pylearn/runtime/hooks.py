"""Hooks: objects whose ``on_<event>(vm, **info)`` methods the VM calls by name.

Events and their info:

- ``program_start``: ``resumed`` (bool), ``step``;
- ``step`` (after each CALL / FILT): ``step``, ``element``, ``result``;
- ``<name>`` for each ``EVENT(name)``, e.g. ``epoch_end``: ``count``, ``logs``,
  ``step`` and the event's own info;
- ``checkpoint``: ``path``, ``step``;
- ``interrupt``: ``signal``, ``step``;
- ``program_end``: ``step``, ``result``, ``reason`` (why it stopped early, or None).

A hook holds only picklable, plain-data state. Constructor parameters are stored
as given; what the hook learns while running lives in attributes ending in ``_``
(or, for :class:`History`, in ``steps`` and ``epochs``); attributes starting
with ``_`` are transient (a progress bar, a clock) and are neither pickled nor
checkpointed.
"""

from __future__ import annotations

import copy
import inspect
import math
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._refs import function_ref, register_trusted
from ._state import object_state, set_object_state
from .checkpoint import write_checkpoint
from .program import count_steps

__all__ = [
    "Checkpoint",
    "EarlyStopping",
    "History",
    "Hook",
    "ProgressBar",
    "improves",
]


def improves(value, best, *, mode="min", min_delta=0.0, inclusive=False) -> bool:
    """The early-stopping rule: does ``value`` improve on ``best``?

    It must be lower (``mode="min"``) or higher (``"max"``) than ``best`` by more
    than ``min_delta``, or by at least ``min_delta`` when ``inclusive`` (as
    scikit-learn's ``tol`` counts). NaN never improves. Shared by
    :class:`EarlyStopping` and the training's ``ConvergenceMonitor``.

    Examples
    --------
    >>> improves(1.0, 2.0), improves(1.9, 2.0, min_delta=0.1)
    (True, False)
    >>> improves(1.9, 2.0, min_delta=0.1, inclusive=True), improves(3, 2, mode="max")
    (True, True)
    """
    if mode == "min":
        value, best = -value, -best
    if inclusive:
        return value >= best + min_delta
    return value > best + min_delta


def _noop(method):
    method._runtime_noop = True
    return method


class Hook:
    """Base class of hooks: every ``on_<event>`` method does nothing.

    Subclass it and override the events you need. Parameters of ``__init__`` are
    stored under their own names (they make the hook's recipe); other public
    attributes are its state; ``_private`` attributes are transient.

    Examples
    --------
    >>> import math
    >>> from sklearn_pylearn.runtime import CALL, REPEAT, Hook, VirtualMachine
    >>> class CountSteps(Hook):
    ...     def __init__(self, *, start=0):
    ...         self.start = start
    ...         self.seen_ = start
    ...     def on_step(self, vm, **info):
    ...         self.seen_ += 1
    >>> hook = CountSteps()
    >>> _ = VirtualMachine(REPEAT(4, CALL(math.sqrt, 1.0)), hooks=[hook]).run()
    >>> hook.seen_, hook.get_state()
    (4, {'seen_': 4})
    """

    @_noop
    def on_program_start(self, vm: Any, **info: Any) -> None:
        """The program starts, or resumes in a new process (``resumed=True``)."""

    @_noop
    def on_step(self, vm: Any, **info: Any) -> None:
        """A CALL or FILT has run."""

    @_noop
    def on_epoch_end(self, vm: Any, **info: Any) -> None:
        """``EVENT("epoch_end")`` has run; ``info["logs"]`` holds the monitors."""

    @_noop
    def on_checkpoint(self, vm: Any, **info: Any) -> None:
        """A checkpoint was written to ``info["path"]``."""

    @_noop
    def on_interrupt(self, vm: Any, **info: Any) -> None:
        """A signal asked the VM to stop after this step."""

    @_noop
    def on_program_end(self, vm: Any, **info: Any) -> None:
        """The program has ended (``info["reason"]`` says why if it stopped early)."""

    # -- state protocol ------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            name
            for name, p in sig.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as stored."""
        return {n: getattr(self, n) for n in self._param_names() if hasattr(self, n)}

    def get_state(self) -> dict[str, Any]:
        """What the hook has learned: public attributes that are not parameters."""
        params = set(self._param_names())
        return {
            k: v
            for k, v in vars(self).items()
            if k not in params and not k.startswith("_")
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`get_state` returned."""
        vars(self).update(state)

    def get_recipe(self) -> dict[str, Any]:
        """How to build the hook again: its class and parameters."""
        return {
            "factory": function_ref(type(self), "Hook"),
            "kwargs": self.get_params(),
        }

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def _scalars(values: Mapping[str, Any], keys: Sequence[str] | None) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        if keys is not None and k not in keys:
            continue
        if isinstance(v, (bool, np.bool_)):
            out[k] = bool(v)
        elif isinstance(v, (int, np.integer)):
            out[k] = int(v)
        elif isinstance(v, (float, np.floating)) or (
            isinstance(v, np.ndarray) and v.ndim == 0
        ):
            out[k] = float(v)
    return out


_PROGRESS_EVENTS = ("step", "epoch_end")


class ProgressBar(Hook):
    """Show progress with tqdm, counting steps or epochs.

    Parameters
    ----------
    event : {"step", "epoch_end"}
        What advances the bar.
    total : int or None
        The bar's length; None counts it from the program when it can.
    desc : str or None
        The bar's label.
    monitors : bool
        Show scalar values of mapping results (e.g. ``loss``) after the bar.
    leave : bool
        Keep the bar on screen when done.

    Examples
    --------
    >>> import math
    >>> from sklearn_pylearn.runtime import CALL, REPEAT, ProgressBar, VirtualMachine
    >>> bar = ProgressBar(desc="demo", leave=False)
    >>> VirtualMachine(REPEAT(3, CALL(math.sqrt, 4.0)), hooks=[bar]).run()
    2.0
    """

    def __init__(
        self,
        *,
        event: str = "step",
        total: int | None = None,
        desc: str | None = None,
        monitors: bool = True,
        leave: bool = True,
    ) -> None:
        if event not in _PROGRESS_EVENTS:
            raise ValueError(
                f"ProgressBar: event must be one of {_PROGRESS_EVENTS!r}, "
                f"got {event!r}."
            )
        self.event = event
        self.total = total
        self.desc = desc
        self.monitors = monitors
        self.leave = leave

    def on_program_start(self, vm: Any, **info: Any) -> None:
        from tqdm.auto import tqdm

        name = None if self.event == "step" else "epoch_end"
        total = self.total if self.total is not None else count_steps(vm.program, name)
        done = vm.steps if self.event == "step" else vm.counters.get("epoch_end", 0)
        unit = "step" if self.event == "step" else "epoch"
        self._bar = tqdm(
            total=total, initial=done, desc=self.desc, unit=unit, leave=self.leave
        )

    def _advance(self, values: Any) -> None:
        bar = getattr(self, "_bar", None)
        if bar is None:
            return
        bar.update(1)
        if self.monitors and isinstance(values, Mapping):
            shown = _scalars(values, None)
            if shown:
                bar.set_postfix(shown, refresh=False)

    def on_step(self, vm: Any, **info: Any) -> None:
        if self.event == "step":
            self._advance(info.get("result"))

    def on_epoch_end(self, vm: Any, **info: Any) -> None:
        if self.event == "epoch_end":
            self._advance(info.get("logs"))

    def _close(self) -> None:
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
            self._bar = None

    def on_interrupt(self, vm: Any, **info: Any) -> None:
        self._close()

    def on_program_end(self, vm: Any, **info: Any) -> None:
        self._close()


class History(Hook):
    """Record monitored values: per step (mapping results) and per epoch.

    Parameters
    ----------
    keys : sequence of str or None
        Record only these names (None: every scalar value).
    per_step : bool
        Record the scalar values of each step whose result is a mapping.

    Attributes
    ----------
    steps : list of dict
        ``{"step": n, name: value, ...}`` per recorded step.
    epochs : list of dict
        ``{"epoch": k, "step": n, name: value, ...}`` per ``EVENT("epoch_end")``.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, EVENT, REPEAT, History
    >>> from sklearn_pylearn.runtime import VirtualMachine
    >>> history = History()
    >>> prog = REPEAT(2, CALL(dict, loss=0.5), EVENT("epoch_end"))
    >>> _ = VirtualMachine(prog, hooks=[history]).run()
    >>> history.epochs
    [{'epoch': 1, 'step': 1, 'loss': 0.5}, {'epoch': 2, 'step': 2, 'loss': 0.5}]
    >>> history["loss"]
    [0.5, 0.5]
    """

    def __init__(self, *, keys: Sequence[str] | None = None, per_step: bool = True):
        if isinstance(keys, str):
            raise TypeError(f"History: keys must be a list of names, got {keys!r}.")
        self.keys = None if keys is None else list(keys)
        self.per_step = per_step
        self.steps: list[dict[str, Any]] = []
        self.epochs: list[dict[str, Any]] = []

    def on_step(self, vm: Any, **info: Any) -> None:
        result = info.get("result")
        if self.per_step and isinstance(result, Mapping):
            values = _scalars(result, self.keys)
            if values:
                self.steps.append({"step": info["step"], **values})

    def on_epoch_end(self, vm: Any, **info: Any) -> None:
        record = {"epoch": info["count"], "step": info["step"]}
        record.update(_scalars(info.get("logs", {}), self.keys))
        self.epochs.append(record)

    def __getitem__(self, name: str) -> list[Any]:
        """The per-epoch values of ``name`` (per-step values if no epoch has it)."""
        found = [r[name] for r in self.epochs if name in r]
        return found or [r[name] for r in self.steps if name in r]


class EarlyStopping(Hook):
    """Stop when a monitored value has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        The name, in the logs of ``EVENT("epoch_end")``, of the value to watch.
    patience : int
        Epochs without improvement before stopping.
    min_delta : float
        An improvement must exceed this.
    mode : {"min", "max"}
        Whether lower or higher is better.
    restore_best : bool
        At the end, put back the state the ``objects`` had at the best epoch.
    objects : sequence of str or None
        Context names of the objects to snapshot and restore (e.g.
        ``("model",)``); required with ``restore_best=True``.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, EVENT, REPEAT, EarlyStopping
    >>> from sklearn_pylearn.runtime import VirtualMachine
    >>> class Scores:  # what the program calls: one epoch's logs per call
    ...     def __init__(self, values):
    ...         self.values = list(values)
    ...     def next(self):
    ...         return {"val_loss": self.values.pop(0)}
    >>> scores = Scores([3.0, 2.0, 2.5, 2.4, 2.6, 1.0])
    >>> stopper = EarlyStopping("val_loss", patience=2)
    >>> prog = REPEAT(6, CALL("scores.next"), EVENT("epoch_end"))
    >>> vm = VirtualMachine(prog, {"scores": scores}, hooks=[stopper])
    >>> _ = vm.run()
    >>> stopper.best_, stopper.best_epoch_, stopper.stopped_epoch_, vm.steps
    (2.0, 2, 4, 4)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        *,
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best: bool = False,
        objects: Sequence[str] | None = None,
    ) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(
                f"EarlyStopping: patience must be an int >= 1, got {patience!r}."
            )
        if not isinstance(min_delta, (int, float)) or min_delta < 0:
            raise ValueError(
                f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}."
            )
        if mode not in ("min", "max"):
            raise ValueError(
                f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}."
            )
        if restore_best and not objects:
            raise ValueError(
                "EarlyStopping(restore_best=True) needs objects=, the context names "
                "of what to restore, e.g. objects=('model',); got objects="
                f"{objects!r}."
            )
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best = restore_best
        self.objects = None if objects is None else list(objects)
        self.best_: float | None = None
        self.best_epoch_: int | None = None
        self.wait_ = 0
        self.stopped_epoch_: int | None = None
        self.best_state_: dict[str, Any] | None = None

    def _improved(self, value: float) -> bool:
        if self.best_ is None:
            return not math.isnan(value)
        return improves(value, self.best_, mode=self.mode, min_delta=self.min_delta)

    def on_epoch_end(self, vm: Any, **info: Any) -> None:
        logs = info.get("logs", {})
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping: monitor {self.monitor!r} is not in the epoch logs "
                f"(they hold {sorted(logs)!r}). Make the step before "
                "EVENT('epoch_end') return a dict with that key, or change monitor."
            )
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best_, self.best_epoch_, self.wait_ = value, info["count"], 0
            if self.restore_best:
                self.best_state_ = {
                    name: copy.deepcopy(object_state(vm.context[name], name))
                    for name in self.objects or ()
                }
            return
        self.wait_ += 1
        if self.wait_ >= self.patience:
            self.stopped_epoch_ = info["count"]
            vm.stop(
                f"EarlyStopping: {self.monitor} did not improve by more than "
                f"{self.min_delta} for {self.patience} epochs (best {self.best_} at "
                f"epoch {self.best_epoch_})"
            )

    def on_program_end(self, vm: Any, **info: Any) -> None:
        if self.restore_best and self.best_state_:
            for name, state in self.best_state_.items():
                set_object_state(vm.context[name], copy.deepcopy(state), name)


class Checkpoint(Hook):
    """Write checkpoints every n steps and/or every t seconds, keeping the last k.

    A checkpoint is also written when a signal interrupts the run and, with
    ``at_end``, when the program ends. The checkpoint holds every hook's state
    after the event that triggered it has reached all hooks.

    Parameters
    ----------
    directory : path
        Where the entries go (created if missing).
    every_n_steps : int or None
        Write after every n-th step.
    every_seconds : float or None
        Write after a step when this much time has passed since the last write.
    keep_last : int or None
        Keep this many entries (None: all).
    at_end : bool
        Write when the program ends.

    Examples
    --------
    >>> import math, tempfile
    >>> from sklearn_pylearn.runtime import CALL, REPEAT, Checkpoint, VirtualMachine
    >>> from sklearn_pylearn.runtime import list_checkpoints
    >>> d = tempfile.mkdtemp()
    >>> hook = Checkpoint(d, every_n_steps=2, keep_last=2)
    >>> _ = VirtualMachine(REPEAT(5, CALL(math.sqrt, 1.0)), hooks=[hook]).run()
    >>> [p.name for p in list_checkpoints(d)]
    ['ckpt-000002-step000000004', 'ckpt-000003-step000000005']
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        every_n_steps: int | None = None,
        every_seconds: float | None = None,
        keep_last: int | None = 3,
        at_end: bool = True,
    ) -> None:
        for name, value in (("every_n_steps", every_n_steps), ("keep_last", keep_last)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValueError(
                    f"Checkpoint: {name} must be an int >= 1 or None, got {value!r}."
                )
        if every_seconds is not None and not every_seconds > 0:
            raise ValueError(
                f"Checkpoint: every_seconds must be > 0 or None, got {every_seconds!r}."
            )
        self.directory = os.fspath(directory)
        self.every_n_steps = every_n_steps
        self.every_seconds = every_seconds
        self.keep_last = keep_last
        self.at_end = at_end
        self.saved_step_: int | None = None
        self.n_saved_ = 0

    def on_program_start(self, vm: Any, **info: Any) -> None:
        self._clock = time.monotonic()

    def on_step(self, vm: Any, **info: Any) -> None:
        step = info["step"]
        if self.every_n_steps is not None and step % self.every_n_steps == 0:
            vm.request_checkpoint(self)
        elif self.every_seconds is not None:
            clock = getattr(self, "_clock", None)
            if clock is None or time.monotonic() - clock >= self.every_seconds:
                vm.request_checkpoint(self)

    def on_interrupt(self, vm: Any, **info: Any) -> None:
        if self.saved_step_ != vm.steps:
            vm.request_checkpoint(self)

    def on_program_end(self, vm: Any, **info: Any) -> None:
        if self.at_end:
            vm.request_checkpoint(self)

    def save(self, vm: Any) -> os.PathLike:
        """Write the VM's state now; return the new entry's path."""
        self.saved_step_ = vm.steps
        self.n_saved_ += 1
        path = write_checkpoint(
            self.directory, vm.get_state(), step=vm.steps, keep_last=self.keep_last
        )
        self._clock = time.monotonic()
        return path


register_trusted(Checkpoint, EarlyStopping, History, ProgressBar)
