"""Parquet: stream record batches in, stream outputs out.

Reading goes through :meth:`pyarrow.parquet.ParquetFile.iter_batches` one row
group at a time (not ``pyarrow.dataset.Dataset.to_batches``, whose memory grows
while it reads ahead: apache/arrow#39808).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ._dataset import Dataset
from ._sample import Sample
from ._stream import Arrays, ChunkedStream

__all__ = ["ParquetDataset", "write_parquet"]


# Rows per record batch when a shuffle window loads whole row groups.
_READ_ROWS = 8192


def _parquet_files(path: str | os.PathLike) -> list[Path]:
    root = Path(path)
    if root.is_file():
        return [root]
    if root.is_dir():
        files = sorted(p for p in root.rglob("*.parquet") if p.is_file())
        if files:
            return files
        raise FileNotFoundError(
            f"ParquetDataset: the directory {str(root)!r} holds no *.parquet file."
        )
    raise FileNotFoundError(
        f"ParquetDataset: {str(root)!r} is neither a parquet file nor a directory "
        "of them. Check the path."
    )


_NAMED = ("input", "target", "weight")


def _as_list(spec: Any) -> list[str]:
    return [spec] if isinstance(spec, str) else list(spec)


class ParquetDataset(ChunkedStream):
    """A parquet file (or a directory of them) streamed as named-field minibatches.

    Batches are :class:`Sample` objects (``batch.input`` is a 2-d array,
    ``batch.target`` and ``batch.weight`` 1-d). ``for batch in ds`` runs one
    epoch; ``next()`` never stops (``CALL(dataset.next)``). The state
    (``get_state`` / ``set_state``, also kept through pickling) is plain data:
    epoch, row-group order, window, row and the shuffle buffer's RNG, so an
    interrupted pass resumes bit-identically. :meth:`get_recipe` reopens the
    files in another process.

    Parameters
    ----------
    path : str or path-like
        A parquet file, or a directory searched recursively for ``*.parquet``
        (in sorted order).
    input : list of str or None
        Input columns; None takes every column no other field uses.
    target, weight : str, optional
        Target and sample-weight columns.
    fields : dict of str to str or list of str, optional
        Other named fields.
    batch_size : int, default=1024
    shuffle_buffer : int, default=0
        Row groups held in the shuffle buffer. 0 reads in file order; ``k``
        permutes the row groups, then the rows of each ``k`` consecutive row
        groups. Memory is bounded by ``k`` row groups.
    random_state : int, numpy.random.Generator or None
    dtype : str or None, default=None
        The input matrix's dtype (None: the columns' common type).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, pandas as pd
    >>> from sklearn_pylearn.data import ParquetDataset
    >>> path = os.path.join(tempfile.mkdtemp(), "d.parquet")
    >>> df = pd.DataFrame({"a": np.arange(5.0), "b": np.ones(5), "y": [0, 1] * 2 + [0]})
    >>> df.to_parquet(path, row_group_size=2)
    >>> ds = ParquetDataset(path, target="y", batch_size=3)
    >>> len(ds), ds.n_row_groups, ds.columns("input")
    (5, 3, ('a', 'b'))
    >>> [b.target.tolist() for b in ds]
    [[0, 1, 0], [1, 0]]
    >>> ParquetDataset(path, input=["a", "z"])
    Traceback (most recent call last):
    ...
    KeyError: "ParquetDataset: input= names column(s) ['z'] that ... has not; ..."
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        input: Sequence[str] | str | None = None,
        target: str | None = None,
        weight: str | None = None,
        fields: Mapping[str, Any] | None = None,
        batch_size: int = 1024,
        shuffle_buffer: int = 0,
        random_state: Any = None,
        dtype: str | None = None,
    ) -> None:
        self.path = str(path)
        self._paths = _parquet_files(path)
        self._files: dict[int, pq.ParquetFile] = {}
        self.dtype = dtype
        self._init_fields(input, target, weight, dict(fields or {}))
        self._chunks = [
            (i, rg)
            for i in range(len(self._paths))
            for rg in range(self._file(i).metadata.num_row_groups)
        ]
        self._chunk_rows = [
            self._file(i).metadata.row_group(rg).num_rows for i, rg in self._chunks
        ]
        self._init_stream(batch_size, shuffle_buffer, random_state)

    def _file(self, i: int) -> pq.ParquetFile:
        if i not in self._files:
            self._files[i] = pq.ParquetFile(self._paths[i])
        return self._files[i]

    def _init_fields(
        self, input: Any, target: Any, weight: Any, fields: dict[str, Any]
    ) -> None:
        specs = {"target": target, "weight": weight, **fields}
        specs = {k: v for k, v in specs.items() if v is not None}
        names = self._file(0).schema_arrow.names
        used = {c for spec in specs.values() for c in _as_list(spec)}
        if input is None:
            input = [c for c in names if c not in used]
        self._specs = {"input": _as_list(input), **specs}
        for i in range(len(self._paths)):
            available = self._file(i).schema_arrow.names
            for field, spec in self._specs.items():
                missing = [c for c in _as_list(spec) if c not in available]
                if missing:
                    raise KeyError(
                        f"ParquetDataset: {field}= names column(s) {missing!r} that "
                        f"{str(self._paths[i])!r} has not; its columns are "
                        f"{available!r}."
                    )
        self.fields = tuple(self._specs)

    @property
    def n_row_groups(self) -> int:
        """Row groups in all the files."""
        return len(self._chunks)

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch."""
        return -(-len(self) // self.batch_size)

    def __len__(self) -> int:
        return int(sum(self._chunk_rows))

    def columns(self, field: str) -> str | tuple[str, ...]:
        """The column name(s) a field reads."""
        spec = self._specs[field]
        return spec if isinstance(spec, str) else tuple(spec)

    def _read_columns(self) -> list[str]:
        return list(dict.fromkeys(c for s in self._specs.values() for c in _as_list(s)))

    def _arrays(
        self, batch: pa.RecordBatch, specs: Mapping[str, Any] | None = None
    ) -> Arrays:
        out = {}
        for field, spec in (self._specs if specs is None else specs).items():
            cols = [
                batch.column(c).to_numpy(zero_copy_only=False) for c in _as_list(spec)
            ]
            if isinstance(spec, str):
                out[field] = cols[0]
            else:
                out[field] = np.column_stack(cols)
                if self.dtype is not None:
                    out[field] = out[field].astype(self.dtype, copy=False)
        return out

    def _batches(self, k: int, batch_size: int) -> Iterator[pa.RecordBatch]:
        i, rg = self._chunks[k]
        return self._file(i).iter_batches(
            batch_size=batch_size,
            row_groups=[rg],
            columns=self._read_columns(),
            use_threads=False,
        )

    def _n_chunks(self) -> int:
        return len(self._chunks)

    def _column_pieces(self, fields: Sequence[str]) -> Iterator[Arrays]:
        """Every row of some fields, in file order, reading only their columns."""
        specs = {f: self._specs[f] for f in fields}
        columns = list(dict.fromkeys(c for s in specs.values() for c in _as_list(s)))
        for i, rg in self._chunks:
            for batch in self._file(i).iter_batches(
                batch_size=self.batch_size,
                row_groups=[rg],
                columns=columns,
                use_threads=False,
            ):
                yield self._arrays(batch, specs)

    def _load_chunks(self, ids: Sequence[int]) -> Arrays:
        # Whole row groups are read in large record batches: converting 100
        # columns to NumPy per minibatch of 256 rows cost two thirds of a fit.
        size = max(self.batch_size, _READ_ROWS)
        pieces = [self._arrays(b) for k in ids for b in self._batches(k, size)]
        return {f: np.concatenate([p[f] for p in pieces]) for f in self.fields}

    def _stream_chunk(self, k: int, start: int) -> Iterator[Arrays]:
        seen = 0
        for batch in self._batches(k, self.batch_size):
            n = len(batch)
            if seen + n > start:
                yield self._arrays(batch.slice(max(start - seen, 0)))
            seen += n

    def to_dataset(self) -> Dataset:
        """Read every row, in file order, into an in-memory :class:`Dataset`."""
        data = self._load_chunks(range(len(self._chunks)))
        columns = {f: self.columns(f) for f in self.fields}
        return Dataset._from_parts(data, columns)

    def map(
        self,
        fn: Callable[..., Any],
        path: str | os.PathLike,
        *,
        fields: Sequence[str] = ("input",),
        columns: Sequence[str] | None = None,
    ) -> int:
        """Stream ``fn(*field_batches)`` over the file, in order, into a parquet file.

        This is how ``predict`` / ``transform`` / ``compute`` write their outputs
        for a dataset too large for memory; the iteration state is untouched.
        ``fn`` returns an array, a DataFrame or a dict of columns per batch (see
        :func:`write_parquet`). Returns the number of rows written.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np, pandas as pd
        >>> d = tempfile.mkdtemp()
        >>> pd.DataFrame({"a": np.arange(4.0)}).to_parquet(os.path.join(d, "x.parquet"))
        >>> ds = ParquetDataset(os.path.join(d, "x.parquet"), batch_size=3)
        >>> ds.map(np.sum, os.path.join(d, "out.parquet"), columns=["total"])
        Traceback (most recent call last):
        ...
        ValueError: write_parquet: batch 0 is a scalar ...
        >>> ds.map(lambda X: X.sum(axis=1), os.path.join(d, "o.parquet"),
        ...        columns=["total"])
        4
        >>> pd.read_parquet(os.path.join(d, "o.parquet"))["total"].tolist()
        [0.0, 1.0, 2.0, 3.0]
        """
        order = [f for f in fields if f not in self.fields]
        if order:
            raise KeyError(
                f"ParquetDataset.map: no field {order!r}; the fields are "
                f"{list(self.fields)!r}."
            )
        results = (
            fn(*(piece[f] for f in fields))
            for k in range(len(self._chunks))
            for piece in self._stream_chunk(k, 0)
        )
        return write_parquet(results, path, columns=columns)

    def get_recipe(self) -> dict[str, Any]:
        """How another process reopens the files (the state holds the position)."""
        kwargs = {
            "path": self.path,
            "batch_size": self.batch_size,
            "shuffle_buffer": self.shuffle_buffer,
            "dtype": self.dtype,
            **{f: s for f, s in self._specs.items() if f in _NAMED},
            "fields": {f: s for f, s in self._specs.items() if f not in _NAMED},
        }
        return {"factory": "sklearn_pylearn.data:ParquetDataset", "kwargs": kwargs}

    def close(self) -> None:
        """Close the open files (they reopen on the next read)."""
        for f in self._files.values():
            f.close()
        self._files = {}
        self._drop_reader()

    def __repr__(self) -> str:
        return (
            f"ParquetDataset({self.path!r}, {len(self)} rows in {self.n_row_groups} "
            f"row groups, fields={self.fields!r}, batch_size={self.batch_size}, "
            f"shuffle_buffer={self.shuffle_buffer})"
        )


def _as_table(result: Any, columns: Sequence[str] | None, k: int) -> pa.Table:
    if isinstance(result, Sample):
        result = result.to_dict()
    if isinstance(result, (pa.Table, pa.RecordBatch)):
        return (
            pa.Table.from_batches([result])
            if isinstance(result, pa.RecordBatch)
            else result
        )
    if isinstance(result, pd.Series):
        result = result.to_frame()
    if isinstance(result, pd.DataFrame):
        return pa.Table.from_pandas(result, preserve_index=False)
    if isinstance(result, Mapping):
        return pa.table({str(c): np.asarray(v) for c, v in result.items()})
    array = np.asarray(result)
    if array.ndim == 0:
        raise ValueError(
            f"write_parquet: batch {k} is a scalar ({result!r}); each batch needs "
            "one row per sample (an array, a DataFrame or a dict of columns)."
        )
    flat = array.reshape(len(array), -1)
    names = (
        list(columns)
        if columns is not None
        else [f"output_{j}" for j in range(flat.shape[1])]
    )
    if len(names) != flat.shape[1]:
        raise ValueError(
            f"write_parquet: columns={names!r} names {len(names)} columns but batch "
            f"{k} has {flat.shape[1]}."
        )
    return pa.table({c: flat[:, j] for j, c in enumerate(names)})


def write_parquet(
    batches: Iterable[Any],
    path: str | os.PathLike,
    *,
    columns: Sequence[str] | None = None,
) -> int:
    """Write batches to one parquet file as they come (one row group per batch).

    The file appears only when every batch is written (a temporary file is
    renamed), so a crash never leaves half a file under ``path``.

    Parameters
    ----------
    batches : iterable
        Each a DataFrame, a dict of columns, a :class:`Sample`, a pyarrow Table
        or RecordBatch, or an array (columns named by ``columns``, else
        ``output_0, output_1, ...``). Every batch has the first one's schema.
    path : str or path-like
    columns : list of str, optional
        Column names for array batches.

    Returns
    -------
    n_rows : int

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, pandas as pd
    >>> from sklearn_pylearn.data import write_parquet
    >>> path = os.path.join(tempfile.mkdtemp(), "out.parquet")
    >>> write_parquet((np.ones((2, 2)) * k for k in range(3)), path)
    6
    >>> pd.read_parquet(path).columns.tolist()
    ['output_0', 'output_1']
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    writer, n_rows = None, 0
    try:
        for k, result in enumerate(batches):
            table = _as_table(result, columns, k)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            elif not table.schema.equals(writer.schema):
                raise ValueError(
                    f"write_parquet: batch {k} has schema {table.schema}, but the "
                    f"first batch had {writer.schema}. Return the same columns "
                    "and dtypes for every batch."
                )
            writer.write_table(table)
            n_rows += table.num_rows
        if writer is None:
            raise ValueError(
                "write_parquet: no batch to write (the iterable is empty)."
            )
        writer.close()
        writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        if tmp.exists():
            tmp.unlink()
    return n_rows
