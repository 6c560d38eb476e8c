"""The virtual machine: runs a program one step per ``next()``.

A *step* is one CALL or FILT. Between steps the machine's whole state is plain
data: a stack of frames (each a dict with the element's path in the program and
its counters), the last result, the step count, event counters, and the objects
of the context (parameters, RNGs, data cursors) and hooks. So a VM can be
deep-copied or pickled at any step and continued elsewhere with the same result,
and :meth:`VirtualMachine.get_state` gives the tree that checkpoints store.
"""

from __future__ import annotations

import contextlib
import os
import types
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..exceptions import ProgramError
from ._refs import Ref, check_context_name, resolve
from ._restore import read_resumable, restore_parts, with_program_objects
from ._state import (
    is_plain_value,
    object_recipe,
    object_state,
)
from .checkpoint import write_checkpoint
from .program import Element, check_program
from .signals import handle_interrupts

__all__ = ["VirtualMachine"]

_STEPPED = object()
_LOOPS = ("LOOP", "REPEAT", "BUFFER_REPEAT")
_PERSISTENT = (
    "_program",
    "_context",
    "_hooks",
    "_main",
    "_steps",
    "_counters",
    "_stop_reason",
    "_finished",
    "resume_hint",
)


class _StopRequested(Exception):
    """Raised inside the VM when a hook asked it to stop."""


def _thread(path: tuple[int, ...]) -> dict:
    return {"stack": [{"k": "run", "p": path, "i": 0}], "last": None, "done": False}


def _new_frame(el: Element, path: tuple[int, ...]) -> dict:
    op = el.op
    if op == "BUFFER_REPEAT":
        return {"k": op, "p": path, "i": 0, "buf": []}
    if op == "SWITCH":
        return {"k": op, "p": path, "c": None, "i": 0}
    if op == "WEAVE":
        threads = [_thread(path + (j,)) for j in range(len(el.children))]
        return {"k": op, "p": path, "turn": 0, "n_done": 0, "threads": threads}
    return {"k": op, "p": path, "i": 0}


class VirtualMachine:
    """Run a program step by step; an iterator whose state is plain data.

    Parameters
    ----------
    program : Element
        The program (see :mod:`sklearn_pylearn.runtime.program`).
    context : mapping of str to object, optional
        The objects the program names (``"data.next_batch"`` calls
        ``context["data"].next_batch``); the objects the program recorded
        (:meth:`~sklearn_pylearn.runtime.Element.objects`) are added. They must
        pickle, and for checkpoints follow the state protocol of
        :mod:`sklearn_pylearn.runtime._state`.
    hooks : sequence of hooks, optional
        Objects with ``on_<event>(vm, **info)`` methods (see
        :class:`~sklearn_pylearn.runtime.Hook`).
    resume_hint : str, optional
        How to resume, shown in the message after an interrupt.

    Attributes
    ----------
    steps : int
        Steps run so far (over all processes the VM has lived in).
    last : object
        The last result.

    Examples
    --------
    >>> import copy, math
    >>> from sklearn_pylearn.runtime import CALL, FILT, REPEAT, SEQ, VirtualMachine
    >>> prog = REPEAT(3, SEQ([CALL(math.sqrt, 16.0), FILT(math.pow, 2)]))
    >>> vm = VirtualMachine(prog)
    >>> next(vm), next(vm), vm.steps
    (4.0, 16.0, 2)
    >>> twin = copy.deepcopy(vm)  # copy at any step, continue both
    >>> vm.run(), twin.run(), vm.steps
    (16.0, 16.0, 6)
    """

    def __init__(
        self,
        program: Element,
        context: Mapping[str, Any] | None = None,
        hooks: Sequence[Any] = (),
        *,
        resume_hint: str | None = None,
    ) -> None:
        if not isinstance(program, Element):
            raise TypeError(
                f"VirtualMachine: program must be a program element (CALL, SEQ, ...), "
                f"got {program!r:.80}."
            )
        check_program(program)
        context = with_program_objects(program, context)
        for name in context:
            check_context_name(name, "VirtualMachine(context=...)")
        self._program = program
        self._context = context
        self._hooks = _check_hooks(hooks)
        self._main = _thread(())
        self._steps = 0
        self._counters: dict[str, int] = {}
        self._stop_reason: str | None = None
        self._finished = False
        self.resume_hint = resume_hint
        self._init_transient()

    def _init_transient(self) -> None:
        self._paths: dict[tuple[int, ...], Element] = {}
        self._calls: dict[tuple[int, ...], tuple] = {}
        self._pending: list[Any] = []
        self._session = False
        self._step_hooks: list[Any] = []
        self._interrupt: str | None = None
        self._interrupted: str | None = None
        self._stepped: tuple[Element, Any] | None = None
        self.last_checkpoint: Path | None = None

    # -- pickling: plain state only, caches are rebuilt ------------------------------
    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in _PERSISTENT}

    def __setstate__(self, state: dict) -> None:
        for name in _PERSISTENT:
            setattr(self, name, state[name])
        self._init_transient()

    # -- read-only views ----------------------------------------------------------
    @property
    def program(self) -> Element:
        """The program being run."""
        return self._program

    @property
    def context(self) -> Mapping[str, Any]:
        """A read-only view of the context objects."""
        return types.MappingProxyType(self._context)

    @property
    def hooks(self) -> tuple[Any, ...]:
        """The hooks, in dispatch order."""
        return self._hooks

    @property
    def steps(self) -> int:
        """The number of steps run so far."""
        return self._steps

    @property
    def last(self) -> Any:
        """The last result of the main program."""
        return self._main["last"]

    @property
    def counters(self) -> dict[str, int]:
        """How many times each EVENT has run, by name."""
        return dict(self._counters)

    @property
    def finished(self) -> bool:
        """Whether the program has ended (run to its end or stopped)."""
        return self._finished

    @property
    def stop_reason(self) -> str | None:
        """Why :meth:`stop` was called, or None."""
        return self._stop_reason

    @property
    def interrupted(self) -> str | None:
        """The name of the signal that interrupted this VM in this process, or None."""
        return self._interrupted

    # -- control -------------------------------------------------------------------
    def stop(self, reason: str = "stopped") -> None:
        """End the program before the next step (hooks call it, e.g. early stopping)."""
        self._stop_reason = str(reason)

    def request_interrupt(self, signal_name: str = "SIGINT") -> None:
        """Stop after the current step, telling hooks ``on_interrupt`` first."""
        if not self._finished:
            self._interrupt = signal_name

    def request_checkpoint(self, hook: Any) -> None:
        """Ask that ``hook.save(vm)`` run once the current event has reached all
        hooks (so that the checkpoint holds every hook's updated state)."""
        if not any(h is hook for h in self._pending):
            self._pending.append(hook)

    def dispatch(self, event: str, **info: Any) -> None:
        """Call ``hook.on_<event>(vm, **info)`` on every hook that has it."""
        name = "on_" + event
        for hook in self._hooks:
            method = getattr(hook, name, None)
            if method is not None:
                method(self, **info)
        if self._pending and event != "checkpoint":
            self._save_pending()

    def _save_pending(self) -> None:
        pending, self._pending = self._pending, []
        for hook in pending:
            path = hook.save(self)
            self.last_checkpoint = Path(path)
            self.dispatch("checkpoint", path=Path(path), step=self._steps)

    # -- iteration -------------------------------------------------------------------
    def __iter__(self) -> VirtualMachine:
        return self

    def __next__(self) -> Any:
        if self._finished or self._interrupted:
            raise StopIteration
        if not self._session:
            self._start_session()
        try:
            if self._stop_reason is not None:
                raise _StopRequested
            stepped = self._advance(self._main)
        except _StopRequested:
            stepped = False
        if not stepped:
            self._end_program()
            raise StopIteration
        self._steps += 1
        element, result = self._stepped  # type: ignore[misc]
        self._after_step(element, result)
        return result

    def run(self, *, handle_signals: bool = True, max_steps: int | None = None) -> Any:
        """Run to the end (or ``max_steps`` more steps); return the last result.

        Parameters
        ----------
        handle_signals : bool
            Install :class:`~sklearn_pylearn.runtime.handle_interrupts` while
            running (main thread only).
        max_steps : int or None
            Run at most this many steps, then return.
        """
        guard = handle_interrupts(self) if handle_signals else contextlib.nullcontext()
        with guard:
            if max_steps is None:
                for _ in self:
                    pass
            else:
                for _ in zip(range(max_steps), self):
                    pass
        return self.last

    def _start_session(self) -> None:
        self._session = True
        methods = [getattr(h, "on_step", None) for h in self._hooks]
        self._step_hooks = [
            m for m in methods if m is not None and not getattr(m, "_runtime_noop", 0)
        ]
        self.dispatch("program_start", resumed=self._steps > 0, step=self._steps)

    def _end_program(self) -> None:
        self._main["stack"].clear()
        self._finished = True
        self.dispatch(
            "program_end", step=self._steps, result=self.last, reason=self._stop_reason
        )

    def _after_step(self, element: Element, result: Any) -> None:
        for method in self._step_hooks:
            method(self, step=self._steps, element=element, result=result)
        if self._pending:
            self._save_pending()
        if self._interrupt is not None:
            signal_name, self._interrupt = self._interrupt, None
            self.dispatch("interrupt", signal=signal_name, step=self._steps)
            self._interrupted = signal_name

    @property
    def interrupt_message(self) -> str | None:
        """What to tell the user after an interrupt (None when not interrupted)."""
        if not self._interrupted:
            return None
        head = f"Interrupted by {self._interrupted} after step {self._steps}."
        if self.last_checkpoint is None:
            return (
                f"{head} No Checkpoint hook wrote a checkpoint, so nothing was "
                "saved; add Checkpoint(directory) to the hooks to make the run "
                "resumable (a VM can also be pickled and continued)."
            )
        directory = self.last_checkpoint.parent
        hint = self.resume_hint or (
            f"To resume, call VirtualMachine.resume({str(directory)!r}, "
            "program=..., context=..., hooks=...) with the same program and "
            "context, then run() it."
        )
        return f"{head} Checkpoint written: {self.last_checkpoint}. {hint}"

    # -- the stepping engine ------------------------------------------------------
    def _element(self, path: tuple[int, ...]) -> Element:
        el = self._paths.get(path)
        if el is None:
            el = self._paths[path] = self._program.at(path)
        return el

    def _advance(self, thread: dict) -> bool:
        """Run control flow until one CALL / FILT ran (True) or the thread ended."""
        stack = thread["stack"]
        while stack:
            if self._stop_reason is not None:
                raise _StopRequested
            frame = stack[-1]
            kind = frame["k"]
            el = self._element(frame["p"])
            target = _ENTER[kind](self, frame, el, thread)
            if target is None:
                stack.pop()
                if kind in _FINISH:
                    _FINISH[kind](frame, thread)
                if stack:
                    parent = stack[-1]
                    _DONE[parent["k"]](self, parent, self._element(parent["p"]), thread)
                continue
            if target is _STEPPED:
                return True
            child = self._element(target)
            op = child.op
            if op == "CALL" or op == "FILT":
                self._execute(child, target, thread)
                _DONE[kind](self, frame, el, thread)
                self._stepped = (child, thread["last"])
                return True
            if op == "EVENT":
                _DONE[kind](self, frame, el, thread)
                self._event(child, thread)
            elif op == "BREAK":
                _break(stack)
            else:
                stack.append(_new_frame(child, target))
        return False

    def _execute(self, el: Any, path: tuple[int, ...], thread: dict) -> None:
        call = self._calls.get(path)
        if call is None:
            call = self._calls[path] = self._prepare(el)
        fn, args, kwargs, dynamic = call
        if dynamic:
            args = self._resolve_args(el.args)
            kwargs = {k: self._resolve_args(v) for k, v in el.kwargs}
        if el.op == "FILT":
            thread["last"] = fn(thread["last"], *args, **kwargs)
        else:
            thread["last"] = fn(*args, **kwargs)

    def _prepare(self, el: Any) -> tuple:
        fn = resolve(el.fn, self._context, repr(el))
        if not callable(fn):
            raise ProgramError(
                f"{el!r}: {el.fn!r} resolves to {type(fn).__name__} {fn!r:.60}, which "
                "is not callable."
            )
        dynamic = _has_ref((el.args, el.kwargs))
        return fn, el.args, dict(el.kwargs), dynamic

    def _resolve_args(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return resolve(value.name, self._context, repr(value))
        if isinstance(value, tuple):
            return tuple(self._resolve_args(v) for v in value)
        return value

    def _call_ref(self, ref: str, where: str) -> Any:
        return resolve(ref, self._context, where)()

    def _event(self, el: Any, thread: dict) -> None:
        count = self._counters.get(el.name, 0) + 1
        self._counters[el.name] = count
        last = thread["last"]
        logs = dict(last) if isinstance(last, Mapping) else {}
        info = {k: self._resolve_args(v) for k, v in el.info}
        self.dispatch(el.name, count=count, logs=logs, step=self._steps, **info)

    # -- state --------------------------------------------------------------------
    def get_state(self) -> dict:
        """The VM's state as a plain-data tree (the content of a checkpoint).

        It refers to live arrays of the context objects; encode or copy it before
        the VM runs on.
        """
        return {
            "program": self._program.to_data(),
            "vm": {
                "main": self._main,
                "steps": self._steps,
                "counters": self._counters,
                "stop_reason": self._stop_reason,
                "finished": self._finished,
                "resume_hint": self.resume_hint,
            },
            "context": {
                name: _context_record(name, obj) for name, obj in self._context.items()
            },
            "hooks": [
                {
                    "recipe": object_recipe(h, f"hooks[{i}]"),
                    "state": object_state(h, f"hooks[{i}]"),
                }
                for i, h in enumerate(self._hooks)
            ],
        }

    def save_checkpoint(
        self, directory: str | os.PathLike, *, keep_last: int | None = None
    ) -> Path:
        """Write the state as an atomic checkpoint entry of ``directory``."""
        path = write_checkpoint(
            directory, self.get_state(), step=self._steps, keep_last=keep_last
        )
        self.last_checkpoint = path
        return path

    @classmethod
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        program: Element | None = None,
        context: Mapping[str, Any] | None = None,
        hooks: Sequence[Any] | None = None,
        trusted: Iterable[Any] = (),
    ) -> VirtualMachine:
        """Build a VM from :meth:`get_state` output (e.g. read from a checkpoint).

        Parameters
        ----------
        state : mapping
            The state tree.
        program : Element, optional
            The program; it must equal the saved one. None: use the saved program,
            whose importable function names must then be trusted.
        context : mapping, optional
            Objects to restore into (their ``set_state`` is called). Saved objects
            missing here are rebuilt from their recipes, which must be trusted.
        hooks : sequence, optional
            Hooks to restore into: the k-th hook of a class gets the state of the
            k-th saved hook of that class. None: rebuild the saved hooks (the
            built-in ones are trusted).
        trusted : iterable
            More names that may be imported: ``"module:name"``, module names, or
            the functions / classes themselves.
        """
        program, ctx, hks = restore_parts(state, program, context, hooks, trusted)
        saved = state["vm"]
        vm = cls(program, ctx, hks, resume_hint=saved.get("resume_hint"))
        vm._main = saved["main"]
        vm._steps = int(saved["steps"])
        vm._counters = dict(saved["counters"])
        vm._stop_reason = saved["stop_reason"]
        vm._finished = bool(saved["finished"])
        return vm

    @classmethod
    def resume(
        cls,
        directory: str | os.PathLike,
        *,
        program: Element | None = None,
        context: Mapping[str, Any] | None = None,
        hooks: Sequence[Any] | None = None,
        trusted: Iterable[Any] = (),
        start_if_missing: bool = False,
    ) -> VirtualMachine:
        """Load the newest good checkpoint of ``directory`` (or one entry) as a VM.

        A corrupt newest entry gives a warning and the previous one is used; an
        incompatible version raises :class:`CheckpointVersionError`. The files are
        read without running code; see :meth:`from_state` for what is imported.

        Parameters
        ----------
        directory : path
            A checkpoint directory, or one ``ckpt-*`` entry in it.
        program, context, hooks, trusted
            As for :meth:`from_state`.
        start_if_missing : bool
            When the directory holds no checkpoint entry at all, return a fresh VM
            built from ``program``, ``context`` and ``hooks`` instead of raising.

        Examples
        --------
        >>> import math, tempfile
        >>> from sklearn_pylearn.runtime import CALL, REPEAT, Checkpoint, VirtualMachine
        >>> d = tempfile.mkdtemp()
        >>> prog = REPEAT(5, CALL(math.sqrt, 9.0))
        >>> vm = VirtualMachine(prog, hooks=[Checkpoint(d, every_n_steps=2)])
        >>> vm.run(max_steps=3)
        3.0
        >>> again = VirtualMachine.resume(d, program=prog)
        >>> again.steps, again.run(), again.steps
        (2, 3.0, 5)
        """
        found = read_resumable(directory, start_if_missing, program)
        if found is None:
            return cls(program, context, hooks or ())
        path, state = found
        vm = cls.from_state(
            state, program=program, context=context, hooks=hooks, trusted=trusted
        )
        vm.last_checkpoint = path
        return vm


# -- frame handlers: enter (which child next), done (a child finished), finish ----


def _enter_run(vm, frame, el, thread):
    return frame["p"] if frame["i"] == 0 else None


def _enter_seq(vm, frame, el, thread):
    i = frame["i"]
    return frame["p"] + (i,) if i < len(el.elements) else None


def _enter_repeat(vm, frame, el, thread):
    if frame.get("brk") or frame["i"] >= el.n:
        return None
    return frame["p"] + (0,)


def _enter_loop(vm, frame, el, thread):
    return None if frame.get("brk") else frame["p"] + (0,)


def _enter_switch(vm, frame, el, thread):
    if frame["c"] is None:
        key = thread["last"] if el.on is None else vm._call_ref(el.on, repr(el))
        choice = el.choose(key)
        frame["c"] = -1 if choice is None else choice
    if frame["i"] == 0 and frame["c"] >= 0:
        return frame["p"] + (frame["c"],)
    return None


def _enter_weave(vm, frame, el, thread):
    threads = frame["threads"]
    n = len(threads)
    need = el.n_required or n
    while frame["n_done"] < need:
        j = frame["turn"]
        frame["turn"] = (j + 1) % n
        sub = threads[j]
        if sub["done"]:
            continue
        if vm._advance(sub):
            return _STEPPED
        sub["done"] = True
        frame["n_done"] += 1
    return None


def _done_count(vm, frame, el, thread):
    frame["i"] += 1


def _done_buffer(vm, frame, el, thread):
    frame["buf"].append(thread["last"])
    frame["i"] += 1


def _done_loop(vm, frame, el, thread):
    stop = el.until is not None and vm._call_ref(el.until, repr(el))
    frame["i"] += 1
    if stop:
        frame["brk"] = True


def _finish_buffer(frame, thread):
    thread["last"] = frame["buf"]


def _finish_weave(frame, thread):
    thread["last"] = [t["last"] for t in frame["threads"]]


def _break(stack: list) -> None:
    while stack:
        if stack[-1]["k"] in _LOOPS:
            stack[-1]["brk"] = True
            return
        stack.pop()
    raise ProgramError("BREAK() ran outside any LOOP, REPEAT or BUFFER_REPEAT.")


_ENTER = {
    "run": _enter_run,
    "SEQ": _enter_seq,
    "REPEAT": _enter_repeat,
    "BUFFER_REPEAT": _enter_repeat,
    "LOOP": _enter_loop,
    "SWITCH": _enter_switch,
    "WEAVE": _enter_weave,
}
_DONE = {
    "run": _done_count,
    "SEQ": _done_count,
    "REPEAT": _done_count,
    "BUFFER_REPEAT": _done_buffer,
    "LOOP": _done_loop,
    "SWITCH": _done_count,
}
_FINISH = {"BUFFER_REPEAT": _finish_buffer, "WEAVE": _finish_weave}


# -- helpers ------------------------------------------------------------------------


def _check_hooks(hooks: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(hooks, (str, bytes)) or not isinstance(hooks, Iterable):
        raise TypeError(f"VirtualMachine: hooks must be a sequence, got {hooks!r}.")
    hooks = tuple(hooks)
    for i, hook in enumerate(hooks):
        if isinstance(hook, type):
            raise TypeError(
                f"VirtualMachine: hooks[{i}] is the class {hook.__name__}; pass an "
                f"instance, {hook.__name__}(...)."
            )
    return hooks


def _has_ref(value: Any) -> bool:
    if isinstance(value, Ref):
        return True
    return isinstance(value, tuple) and any(_has_ref(v) for v in value)


def _context_record(name: str, obj: Any) -> dict:
    where = f"context[{name!r}]"
    if is_plain_value(obj):
        return {"kind": "value", "value": obj}
    return {
        "kind": "object",
        "recipe": object_recipe(obj, where),
        "state": object_state(obj, where),
    }
