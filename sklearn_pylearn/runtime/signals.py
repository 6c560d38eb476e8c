"""Interrupts: the first SIGINT / SIGTERM stops cleanly, a second one at once.

On the first signal the VM finishes the step it is running, tells the hooks
(``on_interrupt``: a :class:`~sklearn_pylearn.runtime.Checkpoint` hook writes a
checkpoint), and stops; a message says how to resume. A second signal stops at
once: ``KeyboardInterrupt`` for SIGINT, ``SystemExit(143)`` for SIGTERM.

Handlers can only be installed in the main thread; elsewhere
:class:`handle_interrupts` does nothing and the process's own handlers apply.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

__all__ = ["handle_interrupts"]

_DEFAULT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class handle_interrupts:
    """Context manager that turns SIGINT / SIGTERM into a clean stop of a VM.

    :meth:`VirtualMachine.run` uses it; use it yourself when you drive the VM
    with ``next()`` in your own loop.

    Parameters
    ----------
    vm : VirtualMachine
        The machine to stop.
    signals : tuple of signal numbers
        The signals to handle (default SIGINT and SIGTERM).
    quiet : bool
        If True, print nothing to stderr.

    Examples
    --------
    >>> import math
    >>> from sklearn_pylearn.runtime import CALL, REPEAT, VirtualMachine
    >>> from sklearn_pylearn.runtime import handle_interrupts
    >>> vm = VirtualMachine(REPEAT(3, CALL(math.sqrt, 4.0)))
    >>> with handle_interrupts(vm):
    ...     for result in vm:
    ...         pass  # watch files, a job queue, ... between steps
    >>> vm.steps, vm.interrupted
    (3, None)
    """

    def __init__(
        self,
        vm: Any,
        *,
        signals: tuple[int, ...] = _DEFAULT_SIGNALS,
        quiet: bool = False,
    ) -> None:
        self.vm = vm
        self.signals = tuple(signals)
        self.quiet = quiet
        self._old: dict[int, Any] = {}
        self._count = 0

    def __enter__(self) -> handle_interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in self.signals:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._restore()
        message = self.vm.interrupt_message
        if message and not self.quiet and exc[0] is None:
            print(message, file=sys.stderr, flush=True)

    def _restore(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old = {}

    def _handle(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        self._count += 1
        if self._count == 1:
            self.vm.request_interrupt(name)
            if not self.quiet:
                print(
                    f"\n{name} received: finishing the current step, then writing a "
                    f"checkpoint and stopping. Send {name} again to stop at once.",
                    file=sys.stderr,
                    flush=True,
                )
            return
        self._restore()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)
