"""Test fixture: a tiny seeded training program (numpy SGD linear regression).

The runtime's tests and ``benchmarks/bench_runtime.py`` use it, and so do the
subprocesses of the kill and resume tests, which run it from the repository
root (``tests/conftest.py`` puts the root on the path)::

    python -m tests.runtime.fixtures --dir CKPT --out params.npz

runs the program with a :class:`~sklearn_pylearn.runtime.Checkpoint` hook,
resuming from ``CKPT`` when it holds a checkpoint, and writes the final
parameters to ``params.npz``. It prints ``READY <step>`` once it is about to run
and exits with 130 when a signal interrupted it.

Everything random is seeded and lives in the context objects' state, so a run
that is killed and resumed ends with exactly the parameters of one that was not.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from sklearn_pylearn.runtime import (
    CALL,
    EVENT,
    FILT,
    REPEAT,
    SEQ,
    Checkpoint,
    Element,
    History,
    Ref,
    VirtualMachine,
    register_trusted,
)
from sklearn_pylearn.runtime.optimize import batched

__all__ = [
    "DEBUG_CALLS",
    "Dataset",
    "Layer",
    "NumpyAffine",
    "PCAAnalysis",
    "cd1_update",
    "my_debugfn",
    "LinearModel",
    "Recorder",
    "RegressionData",
    "Scores",
    "SelfSignal",
    "final_params",
    "main",
    "make_context",
    "make_program",
    "run_reference",
]

_MODULE = "tests.runtime.fixtures"


class RegressionData:
    """Seeded regression data read in shuffled minibatches.

    Its recipe regenerates the data from the seed; its state is only the
    cursor, the order and the shuffling RNG: a checkpoint never holds the data.

    Examples
    --------
    >>> data = RegressionData(n_samples=6, n_features=2, batch_size=2)
    >>> data.shuffle()
    >>> X, y = data.next_batch()
    >>> X.shape, y.shape, data.get_state()["cursor"]
    ((2, 2), (2,), 2)
    """

    def __init__(
        self,
        n_samples: int = 200,
        n_features: int = 5,
        batch_size: int = 8,
        seed: int = 0,
    ) -> None:
        self.n_samples = n_samples
        self.n_features = n_features
        self.batch_size = batch_size
        self.seed = seed
        rng = np.random.default_rng(seed)
        self._X = rng.normal(size=(n_samples, n_features))
        w_true = rng.normal(size=n_features)
        self._y = self._X @ w_true + 0.1 * rng.normal(size=n_samples)
        self.rng = np.random.default_rng(seed + 1)
        self.order = np.arange(n_samples)
        self.cursor = 0

    def get_recipe(self) -> dict[str, Any]:
        kwargs = {
            "n_samples": self.n_samples,
            "n_features": self.n_features,
            "batch_size": self.batch_size,
            "seed": self.seed,
        }
        return {"factory": f"{_MODULE}:RegressionData", "kwargs": kwargs}

    def get_state(self) -> dict[str, Any]:
        return {"rng": self.rng, "order": self.order, "cursor": self.cursor}

    def set_state(self, state: dict[str, Any]) -> None:
        self.rng, self.order, self.cursor = (
            state["rng"],
            state["order"],
            state["cursor"],
        )

    def shuffle(self) -> None:
        self.order = self.rng.permutation(self.n_samples)
        self.cursor = 0

    def _take(self, n_rows: int) -> np.ndarray:
        if self.cursor + n_rows > self.n_samples:
            raise IndexError(
                f"RegressionData: {n_rows} rows asked at cursor {self.cursor} of "
                f"{self.n_samples}; call shuffle() to start a new epoch."
            )
        idx = self.order[self.cursor : self.cursor + n_rows]
        self.cursor += n_rows
        return idx

    @batched("next_batches")
    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        idx = self._take(self.batch_size)
        return self._X[idx], self._y[idx]

    def next_batches(self, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """``n`` minibatches in one read, equal to ``n`` calls of next_batch."""
        idx = self._take(self.batch_size * n)
        X, y = self._X[idx], self._y[idx]
        bs = self.batch_size
        return [(X[i * bs : (i + 1) * bs], y[i * bs : (i + 1) * bs]) for i in range(n)]

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        return self._X, self._y


class LinearModel:
    """Linear regression trained by SGD with seeded gradient noise.

    ``step_delay`` (seconds slept per step, to make runs long enough to kill) is
    not part of the state.

    Examples
    --------
    >>> model = LinearModel(n_features=2)
    >>> logs = model.sgd_step((np.ones((4, 2)), np.ones(4)))
    >>> sorted(logs), model.W.shape
    (['loss'], (2,))
    """

    def __init__(
        self,
        n_features: int = 5,
        lr: float = 0.05,
        noise: float = 0.01,
        seed: int = 1,
        step_delay: float = 0.0,
    ) -> None:
        self.W = np.zeros(n_features)
        self.b = np.zeros(())
        self.lr = lr
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        self.step_delay = step_delay

    def get_state(self) -> dict[str, Any]:
        return {
            "W": self.W,
            "b": self.b,
            "lr": self.lr,
            "noise": self.noise,
            "rng": self.rng,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        for key in ("W", "b", "lr", "noise", "rng"):
            setattr(self, key, state[key])
        if not hasattr(self, "step_delay"):
            self.step_delay = 0.0

    def sgd_step(self, batch: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
        X, y = batch
        err = X @ self.W + self.b - y
        grad = X.T @ err / len(y) + self.rng.normal(scale=self.noise, size=self.W.shape)
        self.W = self.W - self.lr * grad
        self.b = self.b - self.lr * err.mean()
        if self.step_delay:
            time.sleep(self.step_delay)
        return {"loss": float(np.mean(err**2))}

    def evaluate(self, data: RegressionData) -> dict[str, float]:
        X, y = data.full()
        return {"val_loss": float(np.mean((X @ self.W + self.b - y) ** 2))}


class Scores:
    """Replays a list of validation scores, one per ``next()``.

    Examples
    --------
    >>> Scores([0.5, 0.25]).next()
    {'val_loss': 0.5}
    """

    def __init__(self, values: Sequence[float], name: str = "val_loss") -> None:
        self.values = list(values)
        self.name = name
        self.i = 0

    def next(self) -> dict[str, float]:
        value = self.values[self.i]
        self.i += 1
        return {self.name: value}


class NumpyAffine:
    """``x -> x @ W + b``, which merges with a following NumpyAffine into one map.

    The stand-in for a compiled function in the SEQ-merging optimisation: two
    chained maps fold into one matrix product (equal up to rounding).

    Examples
    --------
    >>> f = NumpyAffine(np.eye(2) * 2, np.ones(2))
    >>> g = NumpyAffine(np.eye(2), np.zeros(2))
    >>> h = f.merge_with(g, pipe=True)
    >>> h(np.ones((1, 2))), g(f(np.ones((1, 2))))
    (array([[3., 3.]]), array([[3., 3.]]))
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W = np.asarray(W)
        self.b = np.asarray(b)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x @ self.W + self.b

    def merge_with(self, other: Any, *, pipe: bool) -> NumpyAffine | None:
        if not pipe or not isinstance(other, NumpyAffine):
            return None
        return NumpyAffine(self.W @ other.W, self.b @ other.W + other.b)


class Recorder:
    """Records what a program calls; a picklable context object for tests.

    Examples
    --------
    >>> rec = Recorder(limit=2)
    >>> rec.note("a"), rec.count(), rec.done(), rec.count(), rec.done()
    ('a', 1, False, 2, True)
    >>> rec.log
    ['a']
    """

    def __init__(self, limit: int = 3, key: Any = None) -> None:
        self.log: list[Any] = []
        self.n = 0
        self.limit = limit
        self.key = key
        self.failures = 0

    def note(self, tag: Any = "x", **extra: Any) -> Any:
        self.log.append(tag)
        return tag

    def count(self) -> int:
        self.n += 1
        return self.n

    def done(self) -> bool:
        return self.n >= self.limit

    def value(self) -> Any:
        return self.key

    def double(self, x: Any) -> Any:
        return 2 * x

    def fail_once(self) -> str:
        """Raise the first time, succeed afterwards."""
        if self.failures == 0:
            self.failures += 1
            raise RuntimeError("Recorder.fail_once: first call fails")
        return "ok"


class SelfSignal:
    """Sends a signal to its own process on the ``at``-th call of ``tick()``.

    With ``twice=True`` it sends it two times in a row (the second stops at once).

    Examples
    --------
    >>> SelfSignal(at=100).tick()
    1
    """

    def __init__(self, at: int, signum: int = 2, twice: bool = False) -> None:
        self.at = at
        self.signum = signum
        self.twice = twice
        self.calls = 0

    def tick(self) -> int:
        self.calls += 1
        if self.calls == self.at:
            os.kill(os.getpid(), self.signum)
            if self.twice:
                time.sleep(0.05)
                os.kill(os.getpid(), self.signum)
            time.sleep(0.05)
        return self.calls


# -- the seed's own examples (plugin_JB): objects whose bound methods programs call --


class Dataset:
    """The seed's ``Dataset(numpy.random.RandomState(123).randn(13, 1))``: rows,
    one per ``next()``, cycling."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = np.asarray(data)
        self.i = 0

    def next(self) -> np.ndarray:
        row = self.data[self.i % len(self.data)]
        self.i += 1
        return row


class PCAAnalysis:
    """The seed's ``PCA_Analysis``: ``analyze(rows)`` keeps the rows' mean and
    principal axes."""

    def __init__(self) -> None:
        self.mean = None
        self.components = None

    def analyze(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        X = np.asarray(rows, dtype=float)
        self.mean = X.mean(axis=0)
        _, _, vt = np.linalg.svd(X - self.mean, full_matrices=False)
        self.components = vt
        return self.components


class Layer:
    """An RBM layer stand-in: ``W`` and how many CD-1 updates it received."""

    def __init__(self, n_visible: int, n_hidden: int, seed: int = 0) -> None:
        self.W = np.random.RandomState(seed).normal(size=(n_visible, n_hidden))
        self.updates = 0


def cd1_update(layer: Layer) -> float:
    """The seed's ``cd1_update``: one (stand-in) contrastive-divergence update."""
    layer.W = layer.W * 0.9
    layer.updates += 1
    return float(np.abs(layer.W).sum())


DEBUG_CALLS: list[int] = []


def my_debugfn() -> int:
    """The seed's ``my_debugfn``: counts its calls (in this process)."""
    DEBUG_CALLS.append(1)
    return len(DEBUG_CALLS)


register_trusted(NumpyAffine, LinearModel, Recorder, RegressionData, Scores, SelfSignal)
register_trusted(Dataset, PCAAnalysis, Layer, cd1_update, my_debugfn)


def make_program(n_epochs: int = 4, n_batches: int = 25) -> Element:
    """The training program: shuffle, SGD over minibatches, evaluate, per epoch.

    Examples
    --------
    >>> print(make_program(2, 3))
    REPEAT(2,
        SEQ([
            CALL(data.shuffle),
            REPEAT(3, SEQ([CALL(data.next_batch), FILT(model.sgd_step)])),
            CALL(model.evaluate, Ref('data')),
            EVENT('epoch_end'),
        ]),
    )
    """
    epoch = SEQ(
        [
            CALL("data.shuffle"),
            REPEAT(n_batches, SEQ([CALL("data.next_batch"), FILT("model.sgd_step")])),
            CALL("model.evaluate", Ref("data")),
            EVENT("epoch_end"),
        ]
    )
    return REPEAT(n_epochs, epoch)


def make_context(
    n_batches: int = 25,
    batch_size: int = 8,
    n_features: int = 5,
    step_delay: float = 0.0,
) -> dict[str, Any]:
    """Fresh data and model for :func:`make_program` (one epoch reads all data)."""
    data = RegressionData(
        n_samples=n_batches * batch_size, n_features=n_features, batch_size=batch_size
    )
    return {"data": data, "model": LinearModel(n_features, step_delay=step_delay)}


def final_params(vm: VirtualMachine) -> dict[str, np.ndarray]:
    """The arrays the kill tests compare: weights, bias and the epoch losses."""
    model = vm.context["model"]
    history = [h for h in vm.hooks if isinstance(h, History)]
    losses = history[0]["val_loss"] if history else []
    return {"W": model.W, "b": model.b, "val_loss": np.asarray(losses, dtype=float)}


def run_reference(n_epochs: int = 4, n_batches: int = 25, **kwargs: Any) -> dict:
    """Final parameters of an uninterrupted in-process run."""
    vm = VirtualMachine(
        make_program(n_epochs, n_batches),
        make_context(n_batches, **kwargs),
        [History()],
    )
    vm.run(handle_signals=False)
    return final_params(vm)


def _save_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="checkpoint directory")
    parser.add_argument("--out", required=True, help="where to write final params")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batches", type=int, default=25)
    parser.add_argument("--every", type=int, default=5, help="checkpoint every n steps")
    parser.add_argument("--keep", type=int, default=2, help="checkpoints to keep")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per step")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run (or resume) the fixture program; see the module docstring."""
    args = _parser().parse_args(argv)
    program = make_program(args.epochs, args.batches)
    context = make_context(args.batches, step_delay=args.delay)
    hooks = [
        History(),
        Checkpoint(args.dir, every_n_steps=args.every, keep_last=args.keep),
    ]
    vm = VirtualMachine.resume(
        args.dir, program=program, context=context, hooks=hooks, start_if_missing=True
    )
    print("READY", vm.steps, flush=True)
    vm.run()
    if vm.interrupted:
        return 130
    _save_npz(args.out, final_params(vm))
    print("DONE", vm.steps, flush=True)
    return 0


if __name__ == "__main__":
    from tests.runtime.fixtures import main as _main

    sys.exit(_main())
