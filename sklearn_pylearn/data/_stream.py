"""Streams of minibatches read chunk by chunk (parquet row groups, dask partitions),
shuffled through a bounded buffer of chunks, with a plain-data state.

An epoch visits the chunks in an order (permuted when shuffling). Without
shuffling, each chunk is streamed in pieces. With ``shuffle_buffer=k``, the
chunks are read ``k`` at a time (a *window*), and the window's rows are permuted
before they are cut into minibatches, so memory stays bounded by ``k`` chunks.
The position is (epoch, chunk order, window, row within the window) and the
RNG as it was when the window was loaded: enough to resume bit-identically.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..runtime import batched
from ._iterator import check_batch_size, make_rng
from ._sample import Sample

__all__ = ["ChunkedStream"]

Arrays = dict[str, np.ndarray]


def _rows(piece: Arrays) -> int:
    return len(next(iter(piece.values())))


def _copy_rng(rng: np.random.Generator) -> np.random.Generator:
    out = np.random.Generator(type(rng.bit_generator)())
    out.bit_generator.state = rng.bit_generator.state
    return out


def _concat(pieces: list[Arrays]) -> Arrays:
    if len(pieces) == 1:
        return pieces[0]
    return {f: np.concatenate([p[f] for p in pieces]) for f in pieces[0]}


class ChunkedStream:
    """Base of the streaming datasets: epochs, windows, minibatches, state.

    Subclasses set ``fields`` and define ``_n_chunks()``, ``_load_chunks(ids)``
    (every row of those chunks, in order) and may define
    ``_stream_chunk(k, start)`` (pieces of chunk ``k`` from row ``start``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.data import ChunkedStream
    >>> class Ranges(ChunkedStream):
    ...     fields = ("id",)
    ...     def __init__(self):
    ...         self._init_stream(batch_size=4, shuffle_buffer=2, random_state=0)
    ...     def _n_chunks(self):
    ...         return 3
    ...     def _load_chunks(self, ids):
    ...         rows = [np.arange(3 * k, 3 * k + 3) for k in ids]
    ...         return {"id": np.concatenate(rows)}
    >>> stream = Ranges()
    >>> sorted(np.concatenate([b.id for b in stream]).tolist())
    [0, 1, 2, 3, 4, 5, 6, 7, 8]
    >>> sorted(stream.get_state())
    ['ended', 'epoch', 'order', 'rng', 'row', 'window']
    """

    fields: tuple[str, ...]

    def _init_stream(
        self, batch_size: int, shuffle_buffer: int, random_state: Any
    ) -> None:
        owner = type(self).__name__
        self.batch_size = check_batch_size(batch_size, owner)
        if (
            isinstance(shuffle_buffer, bool)
            or not isinstance(shuffle_buffer, (int, np.integer))
            or shuffle_buffer < 0
        ):
            raise ValueError(
                f"{owner}: shuffle_buffer must be an int >= 0 (chunks held in the "
                f"shuffle buffer; 0 reads in order), got {shuffle_buffer!r}."
            )
        self.shuffle_buffer = int(shuffle_buffer)
        self.rng = make_rng(random_state, owner)
        self.epoch, self.ended = 0, True
        self.order = np.arange(0)
        self.window, self.row = 0, 0
        self._drop_reader()

    def _drop_reader(self) -> None:
        self._gen: Iterator[Arrays] | None = None
        self._leftover: Arrays | None = None
        self._window_rng: np.random.Generator | None = None

    # ------------------------------------------------------------ subclass API

    def _n_chunks(self) -> int:
        raise NotImplementedError

    def _load_chunks(self, ids: Sequence[int]) -> Arrays:
        raise NotImplementedError

    def _stream_chunk(self, k: int, start: int) -> Iterator[Arrays]:
        data = self._load_chunks([k])
        n = _rows(data)
        for s in range(start, n, self.batch_size):
            yield {f: a[s : s + self.batch_size] for f, a in data.items()}

    # ------------------------------------------------------------ reading

    def _windows(self) -> list[list[int]]:
        size = max(self.shuffle_buffer, 1)
        ids = [int(k) for k in self.order]
        return [ids[i : i + size] for i in range(0, len(ids), size)]

    def _window_pieces(self, w: int, start: int) -> Iterator[Arrays]:
        ids = self._windows()[w]
        if not self.shuffle_buffer:
            yield from self._stream_chunk(ids[0], start)
            return
        self._window_rng = _copy_rng(self.rng)
        data = self._load_chunks(ids)
        perm = self.rng.permutation(_rows(data))
        for s in range(start, len(perm), self.batch_size):
            rows = perm[s : s + self.batch_size]
            yield {f: a[rows] for f, a in data.items()}

    def _next_piece(self) -> Arrays | None:
        while True:
            if self._leftover is not None:
                piece, self._leftover = self._leftover, None
                return piece
            if self.window >= len(self._windows()):
                return None
            if self._gen is None:
                self._gen = self._window_pieces(self.window, self.row)
            piece = next(self._gen, None)
            if piece is not None and _rows(piece):
                return piece
            if piece is None:
                self.window, self.row = self.window + 1, 0
                self._drop_reader()

    def _read(self, n: int) -> Arrays | None:
        pieces, need = [], n
        while need > 0:
            piece = self._next_piece()
            if piece is None:
                break
            k = _rows(piece)
            if k > need:
                self._leftover = {f: a[need:] for f, a in piece.items()}
                piece = {f: a[:need] for f, a in piece.items()}
                k = need
            pieces.append(piece)
            self.row += k
            need -= k
        return _concat(pieces) if pieces else None

    # ------------------------------------------------------------ epochs

    def start_epoch(self) -> None:
        """Start a new epoch: order the chunks (permuted when shuffling)."""
        n = self._n_chunks()
        self.order = self.rng.permutation(n) if self.shuffle_buffer else np.arange(n)
        self.epoch += 1
        self.window, self.row, self.ended = 0, 0, False
        self._drop_reader()

    def next_batch(self) -> Sample:
        """The next minibatch of this epoch; IndexError when the epoch is over."""
        if self.epoch == 0:
            self.start_epoch()
        batch = self._read(self.batch_size)
        if batch is None:
            raise IndexError(f"epoch {self.epoch} is over; call start_epoch().")
        return Sample(batch)

    @batched("next_many")
    def next(self) -> Sample:
        """The next minibatch, starting a new epoch when one ends (never stops)."""
        try:
            return self.next_batch()
        except IndexError:
            self.start_epoch()
            return self.next_batch()

    def next_many(self, n: int) -> list[Sample]:
        """``n`` minibatches at once: what ``n`` calls of ``next()`` return."""
        return [self.next() for _ in range(int(n))]

    def __iter__(self) -> ChunkedStream:
        return self

    def __next__(self) -> Sample:
        if self.ended:
            self.start_epoch()
        batch = self._read(self.batch_size)
        if batch is None:
            self.ended = True
            raise StopIteration
        return Sample(batch)

    # ------------------------------------------------------------ state

    def get_state(self) -> dict[str, Any]:
        """Plain data: epoch, chunk order, window, row, and the buffer's RNG."""
        rng = self._window_rng if self._window_rng is not None else self.rng
        return {
            "epoch": self.epoch,
            "ended": self.ended,
            "order": np.asarray(self.order, dtype=np.int64).copy(),
            "window": self.window,
            "row": self.row,
            "rng": _copy_rng(rng),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Continue from a state returned by :meth:`get_state`."""
        order = np.asarray(state["order"], dtype=np.int64)
        if len(order) and (len(order) != self._n_chunks() or order.max() >= len(order)):
            raise ValueError(
                f"{type(self).__name__}.set_state: the state orders {len(order)} "
                f"chunks but this dataset has {self._n_chunks()}; it comes from "
                "other data. Resume with the dataset the state was taken from."
            )
        self.epoch, self.ended = int(state["epoch"]), bool(state["ended"])
        self.order = order
        self.window, self.row = int(state["window"]), int(state["row"])
        self.rng.bit_generator.state = state["rng"].bit_generator.state
        self._drop_reader()

    def __getstate__(self) -> dict[str, Any]:
        drop = {"_gen", "_leftover", "_window_rng", "_files"}
        state = {k: v for k, v in vars(self).items() if k not in drop}
        state["_stream_state"] = self.get_state()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        stream = state.pop("_stream_state")
        vars(self).update(state)
        self._files = {}
        self._drop_reader()
        self.set_state(stream)
