"""Minibatch iteration over a dataset, with a plain-data state (the seed's
``numeric_iterator``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..runtime import batched
from ._sample import Sample

__all__ = ["DatasetIterator", "check_batch_size", "make_rng"]


class _Rows(Protocol):
    fields: tuple[str, ...]

    def __len__(self) -> int: ...

    def _take(self, rows: Any, fields: Sequence[str]) -> dict[str, np.ndarray]: ...


def check_batch_size(batch_size: Any, owner: str) -> int:
    """Return ``batch_size`` as an int, or raise naming ``owner``."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(
            f"{owner}: batch_size must be a positive int, got {batch_size!r} "
            f"({type(batch_size).__name__}). Pass e.g. batch_size=32."
        )
    if batch_size < 1:
        raise ValueError(
            f"{owner}: batch_size must be >= 1, got {batch_size!r}. Pass e.g. "
            "batch_size=32."
        )
    return int(batch_size)


def make_rng(random_state: Any, owner: str) -> np.random.Generator:
    """A NumPy Generator from None, an int seed or a Generator (used as it is)."""
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise TypeError(
        f"{owner}: random_state must be None, an int or a numpy.random.Generator, "
        f"got {random_state!r}."
    )


def check_fields(fields: Any, available: Sequence[str], owner: str) -> tuple[str, ...]:
    """``fields`` as a tuple of names that exist; None means every field."""
    if fields is None:
        return tuple(available)
    if isinstance(fields, str):
        fields = (fields,)
    missing = [f for f in fields if f not in available]
    if missing:
        raise KeyError(
            f"{owner}: no field {missing!r}; the available fields are "
            f"{list(available)!r}."
        )
    return tuple(fields)


class DatasetIterator:
    """Minibatches of a dataset; its state is plain data, so iteration resumes.

    Made by :meth:`Dataset.iterate`. ``for batch in it`` runs one epoch (the
    next ``for`` starts a new, reshuffled one); ``next()`` never stops: it
    starts a new epoch when one ends (the seed's ``CALL(dataset.next)``). Each
    batch is a :class:`Sample` of the chosen fields.

    Parameters
    ----------
    dataset : Dataset
    batch_size : int
        Rows per minibatch; the last one of an epoch may be smaller.
    fields : sequence of str, optional
        The fields to read (default: all).
    shuffle : bool, default=False
        Permute the rows at the start of each epoch.
    random_state : int, numpy.random.Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.data import Dataset
    >>> ds = Dataset(input=np.arange(10.0).reshape(5, 2), target=np.arange(5))
    >>> it = ds.iterate(2, fields=["target"])
    >>> [b.target.tolist() for b in it]
    [[0, 1], [2, 3], [4]]
    >>> it.next().target, it.get_state()["cursor"]
    (array([0, 1]), 2)
    """

    def __init__(
        self,
        dataset: _Rows,
        batch_size: int,
        *,
        fields: Sequence[str] | None = None,
        shuffle: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dataset = dataset
        self.batch_size = check_batch_size(batch_size, "iterate")
        self.fields = check_fields(fields, dataset.fields, "iterate")
        self.shuffle = bool(shuffle)
        self.rng = make_rng(random_state, "iterate")
        self.epoch = 0
        self.cursor = 0
        self.order: np.ndarray | None = None
        self.ended = True

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch."""
        return -(-len(self.dataset) // self.batch_size)

    def start_epoch(self) -> None:
        """Start a new epoch: permute the rows (when shuffling) and rewind."""
        n = len(self.dataset)
        self.order = self.rng.permutation(n) if self.shuffle else None
        self.epoch += 1
        self.cursor = 0
        self.ended = False

    def next_batch(self) -> Sample:
        """The next minibatch of this epoch; IndexError when the epoch is over."""
        if self.epoch == 0:
            self.start_epoch()
        n = len(self.dataset)
        start, stop = self.cursor, min(self.cursor + self.batch_size, n)
        if start >= stop:
            raise IndexError(
                f"epoch {self.epoch} is over ({n} rows read); call start_epoch()."
            )
        rows = slice(start, stop) if self.order is None else self.order[start:stop]
        self.cursor = stop
        return Sample(self.dataset._take(rows, self.fields))

    @batched("next_many")
    def next(self) -> Sample:
        """The next minibatch, starting a new epoch when one ends (never stops)."""
        if self.epoch == 0 or self.cursor >= len(self.dataset):
            self.start_epoch()
        return self.next_batch()

    def next_many(self, n: int) -> list[Sample]:
        """``n`` minibatches at once: what ``n`` calls of ``next()`` return."""
        return [self.next() for _ in range(int(n))]

    def __iter__(self) -> DatasetIterator:
        return self

    def __next__(self) -> Sample:
        if self.ended:
            self.start_epoch()
        if self.cursor >= len(self.dataset):
            self.ended = True
            raise StopIteration
        return self.next_batch()

    def get_state(self) -> dict[str, Any]:
        """Plain data: epoch, cursor, row order and the RNG (a copy)."""
        rng = np.random.Generator(type(self.rng.bit_generator)())
        rng.bit_generator.state = self.rng.bit_generator.state
        order = None if self.order is None else self.order.copy()
        return {
            "epoch": self.epoch,
            "cursor": self.cursor,
            "ended": self.ended,
            "order": order,
            "rng": rng,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Continue from a state returned by :meth:`get_state`."""
        self.epoch = int(state["epoch"])
        self.cursor = int(state["cursor"])
        self.ended = bool(state["ended"])
        order = state["order"]
        self.order = None if order is None else np.asarray(order)
        self.rng.bit_generator.state = state["rng"].bit_generator.state

    def __repr__(self) -> str:
        return (
            f"DatasetIterator(batch_size={self.batch_size}, fields={self.fields!r}, "
            f"shuffle={self.shuffle}, epoch={self.epoch}, cursor={self.cursor})"
        )
