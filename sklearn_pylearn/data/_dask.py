"""A dask DataFrame as a stream of named-field minibatches, partition by partition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._dataset import Dataset
from ._stream import Arrays, ChunkedStream

__all__ = ["DaskDataset"]


class DaskDataset(ChunkedStream):
    """Minibatches of a dask DataFrame, computing one partition at a time.

    Made by :meth:`Dataset.from_dask`. Only the partitions in the shuffle
    buffer (or the one being read) are in memory; the state is plain data as
    for :class:`ParquetDataset` (a partition plays the part of a row group).

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    input : list of str or None
        Input columns; None takes every column no other field uses.
    target, weight : str, optional
    fields : dict, optional
        Other named fields.
    batch_size : int, default=256
    shuffle : bool, default=False
        Permute the partitions, then the rows of each partition.
    random_state : int, numpy.random.Generator or None

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd
    >>> from sklearn_pylearn.data import Dataset
    >>> df = pd.DataFrame({"a": range(6), "y": [0, 1] * 3})
    >>> stream = Dataset.from_dask(dd.from_pandas(df, npartitions=3), target="y",
    ...                            batch_size=4)
    >>> stream.n_partitions, [len(b.input) for b in stream]
    (3, [4, 2])
    >>> Dataset.from_dask(dd.from_pandas(df, npartitions=3), target="w")
    Traceback (most recent call last):
    ...
    KeyError: "DaskDataset: target= names column(s) ['w'] ... ['a', 'y']."
    """

    def __init__(
        self,
        ddf: Any,
        *,
        input: Any = None,
        target: str | None = None,
        weight: str | None = None,
        fields: Mapping[str, Any] | None = None,
        batch_size: int = 256,
        shuffle: bool = False,
        random_state: Any = None,
    ) -> None:
        self.ddf = ddf
        names = [str(c) for c in ddf.columns]
        specs = {"target": target, "weight": weight, **dict(fields or {})}
        specs = {k: v for k, v in specs.items() if v is not None}
        for field, spec in specs.items():
            cols = [spec] if isinstance(spec, str) else list(spec)
            missing = [c for c in cols if c not in names]
            if missing:
                raise KeyError(
                    f"DaskDataset: {field}= names column(s) {missing!r} that the "
                    f"dask DataFrame has not; its columns are {names!r}."
                )
        self._spec = {
            "input": input,
            "target": target,
            "weight": weight,
            **dict(fields or {}),
        }
        probe = Dataset.from_frame(ddf._meta, **self._spec)
        self.fields = probe.fields
        self._len: int | None = None
        self._init_stream(batch_size, 1 if shuffle else 0, random_state)

    @property
    def n_partitions(self) -> int:
        """Partitions of the dask DataFrame."""
        return int(self.ddf.npartitions)

    def __len__(self) -> int:
        if self._len is None:
            self._len = int(self.ddf.map_partitions(len).compute().sum())
        return self._len

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch (partition ends do not cut minibatches)."""
        return -(-len(self) // self.batch_size)

    def _n_chunks(self) -> int:
        return self.n_partitions

    def _load_chunks(self, ids: Sequence[int]) -> Arrays:
        frame = self.ddf.partitions[list(ids)].compute()
        ds = Dataset.from_frame(frame, **self._spec)
        return {f: np.asarray(ds[f]) for f in self.fields}

    def to_dataset(self) -> Dataset:
        """Compute every partition into an in-memory :class:`Dataset`."""
        return Dataset.from_frame(self.ddf.compute(), **self._spec)

    def __repr__(self) -> str:
        return (
            f"DaskDataset({self.n_partitions} partitions, fields={self.fields!r}, "
            f"batch_size={self.batch_size})"
        )
