"""Streams feeding learners: the training source, column passes, mapped streams."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._stream import Arrays, ChunkedStream, _copy_rng

__all__ = [
    "MappedStream",
    "StreamSource",
    "data_identity",
    "input_frame",
    "iter_fields",
    "label_codes",
    "stream_input_probe",
    "stream_unique",
]


def input_frame(stream: Any, X: np.ndarray) -> Any:
    """A batch's input as a DataFrame when the stream knows its column names."""
    cols = stream.columns("input") if hasattr(stream, "columns") else None
    if isinstance(cols, tuple) and X.ndim == 2 and len(cols) == X.shape[1]:
        return pd.DataFrame(X, columns=list(cols))
    return X


def label_codes(classes: np.ndarray, y: Any) -> np.ndarray | None:
    """The positions of a minibatch's labels in the sorted ``classes``, or None.

    What ``LabelEncoder(classes).transform(y)`` gives, without its per-call
    validation (which cost half of a streamed fit): None when ``y`` is not 1-D or
    holds a label outside ``classes``, for the caller's encoder to handle (and
    word its error) as usual.

    Examples
    --------
    >>> import numpy as np
    >>> label_codes(np.array([1, 3, 7]), [7, 1, 7]).tolist()
    [2, 0, 2]
    >>> label_codes(np.array([1, 3, 7]), [2]) is None
    True
    """
    y = np.asarray(y)
    if y.ndim != 1:
        return None
    codes = np.searchsorted(classes, y)
    if (codes >= len(classes)).any() or (classes[codes] != y).any():
        return None
    return codes


def stream_unique(stream: ChunkedStream, field: str = "target") -> np.ndarray:
    """The sorted distinct values of one field of a stream, read batch by batch.

    A :class:`ParquetDataset` reads only that column; the stream's position is
    untouched.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from sklearn_pylearn.data import ParquetDataset
    >>> path = os.path.join(tempfile.mkdtemp(), "d.parquet")
    >>> pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [2, 0, 2]}).to_parquet(path)
    >>> stream_unique(ParquetDataset(path, target="y")).tolist()
    [0, 2]
    """
    values: list[np.ndarray] = []
    for piece in iter_fields(stream, fields=(field,)):
        values.append(np.unique(piece[field]))
    if not values:
        raise ValueError(f"{stream!r} has no rows.")
    return np.unique(np.concatenate(values))


def iter_fields(
    stream: ChunkedStream, fields: Sequence[str] | None = None
) -> Iterator[Arrays]:
    """Every row of a stream in storage order, batch by batch (state untouched)."""
    reader = getattr(stream, "_column_pieces", None)
    if fields is not None and callable(reader):
        yield from reader(fields)
        return
    for k in range(stream._n_chunks()):
        for piece in stream._stream_chunk(k, 0):
            yield piece if fields is None else {f: piece[f] for f in fields}


class StreamSource:
    """A streamed dataset as the ``"data"`` of a training program.

    It has :class:`~sklearn_pylearn.training.MinibatchSource`'s interface
    (``n_batches``, ``start_epoch``, ``next_batch``, ``get_state``,
    ``set_state``): each minibatch is the stream's next batch turned into the
    arrays the trainer takes by ``encode`` (transient, given by the fit; never
    part of the state). The state is the stream's (plain data: epoch, chunk
    order, window, row, the shuffle buffer's RNG), so a checkpointed fit resumes
    mid-epoch bit-identically.

    Parameters
    ----------
    stream : ChunkedStream
        A :class:`ParquetDataset` or a :class:`DaskDataset`; its ``batch_size``
        and ``shuffle_buffer`` set the minibatches.
    encode : callable
        ``encode(batch: Sample) -> tuple of arrays``.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from sklearn_pylearn.data import ParquetDataset, StreamSource
    >>> path = os.path.join(tempfile.mkdtemp(), "d.parquet")
    >>> pd.DataFrame({"a": [1.0, 2.0, 3.0]}).to_parquet(path)
    >>> src = StreamSource(ParquetDataset(path, batch_size=2), lambda b: (b.input,))
    >>> src.n_batches
    2
    >>> src.start_epoch(); src.next_batch()[0].ravel().tolist()
    [1.0, 2.0]
    """

    def __init__(self, stream: ChunkedStream, encode: Any) -> None:
        self.stream = stream
        self._encode = encode

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch."""
        return int(self.stream.n_batches)

    def start_epoch(self) -> None:
        """Start the stream's next epoch."""
        self.stream.start_epoch()

    def next_batch(self) -> tuple:
        """The next minibatch, encoded."""
        return self._encode(self.stream.next_batch())

    def get_state(self) -> dict[str, Any]:
        """The stream's position (plain data)."""
        return self.stream.get_state()

    def set_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`get_state`'s position."""
        self.stream.set_state(state)

    def get_recipe(self) -> dict[str, Any]:
        """How another process reopens the stream (when it can)."""
        recipe = getattr(self.stream, "get_recipe", None)
        if callable(recipe):
            return recipe()
        return {"factory": "sklearn_pylearn.data:StreamSource", "kwargs": None}

    def fingerprint(self) -> tuple:
        """What identifies the data of a fit (for its checkpoints)."""
        return data_identity(self.stream)


def data_identity(stream: ChunkedStream) -> tuple:
    """Plain values that change when a stream's data changes: its recipe, length
    and chunks, its files' sizes and modification times, a dask graph's name.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from sklearn_pylearn.data import ParquetDataset
    >>> path = os.path.join(tempfile.mkdtemp(), "d.parquet")
    >>> pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(path)
    >>> before = data_identity(ParquetDataset(path))
    >>> pd.DataFrame({"a": [1.0, 5.0, 6.0]}).to_parquet(path)
    >>> before == data_identity(ParquetDataset(path))
    False
    """
    source = getattr(stream, "source", None)
    if isinstance(source, ChunkedStream):  # a MappedStream: its source's data
        return ("mapped", data_identity(source))
    recipe = getattr(stream, "get_recipe", None)
    files = [
        (str(p), p.stat().st_size, p.stat().st_mtime_ns)
        for p in getattr(stream, "_paths", ())
    ]
    graph = getattr(getattr(stream, "ddf", None), "_name", None)
    return (
        recipe() if callable(recipe) else type(stream).__name__,
        len(stream),
        stream._n_chunks(),
        files,
        graph,
    )


def stream_input_probe(stream: ChunkedStream) -> Any:
    """The first batch's input (a DataFrame when the columns have names)."""
    for piece in iter_fields(stream, fields=("input",)):
        return input_frame(stream, piece["input"])
    raise ValueError(f"{stream!r} has no rows.")


class MappedStream(ChunkedStream):
    """A stream whose ``input`` field is ``fn(input)``, batch by batch.

    What a pipeline's next step trains on: the steps fitted so far transform
    each batch as it is read. The chunks, their order and the shuffle buffer's
    RNG start as the source's, so the mapped stream visits the rows as the
    source would; only the source's chunk readers are used (its own position is
    untouched). Reads of fields other than ``input`` go to the source.

    Parameters
    ----------
    source : ChunkedStream
    fn : callable
        ``fn(X) -> X'``, given the batch input (a DataFrame when the source
        names its input columns).

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from sklearn_pylearn.data import ParquetDataset
    >>> path = os.path.join(tempfile.mkdtemp(), "d.parquet")
    >>> pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [0, 1, 0]}).to_parquet(path)
    >>> doubled = MappedStream(ParquetDataset(path, target="y", batch_size=2),
    ...                        lambda X: 2 * X.to_numpy())
    >>> [b.input.ravel().tolist() for b in doubled]
    [[2.0, 4.0], [6.0]]
    """

    def __init__(self, source: ChunkedStream, fn: Any) -> None:
        self.source = source
        self.fn = fn
        self.fields = source.fields
        self._init_stream(source.batch_size, source.shuffle_buffer, None)
        self.rng = _copy_rng(source.rng)

    def __len__(self) -> int:
        return len(self.source)

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch."""
        return -(-len(self) // self.batch_size)

    def columns(self, field: str) -> Any:
        """The source's column names, but for the mapped input (unnamed)."""
        return None if field == "input" else self.source.columns(field)

    def _map(self, piece: Arrays) -> Arrays:
        out = dict(piece)
        out["input"] = np.asarray(self.fn(input_frame(self.source, piece["input"])))
        return out

    def _n_chunks(self) -> int:
        return self.source._n_chunks()

    def _load_chunks(self, ids: Sequence[int]) -> Arrays:
        return self._map(self.source._load_chunks(ids))

    def _stream_chunk(self, k: int, start: int) -> Iterator[Arrays]:
        for piece in self.source._stream_chunk(k, start):
            yield self._map(piece)

    def _column_pieces(self, fields: Sequence[str]) -> Iterator[Arrays]:
        if "input" not in fields:
            yield from iter_fields(self.source, fields)
            return
        for k in range(self._n_chunks()):
            for piece in self._stream_chunk(k, 0):
                yield {f: piece[f] for f in fields}

    def __repr__(self) -> str:
        return f"MappedStream({self.source!r})"
