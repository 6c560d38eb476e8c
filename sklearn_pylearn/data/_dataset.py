"""In-memory datasets with named fields (``input``, ``target``, ``weight``, ...)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytensor.tensor as pt
from pytensor.graph.basic import Variable

from ..runtime import batched
from ._iterator import DatasetIterator, check_fields
from ._sample import Sample

__all__ = ["Dataset", "field_variable"]

Columns = tuple[str, ...] | str | None


def field_variable(name: str, array: np.ndarray) -> Variable:
    """A symbolic placeholder of the dtype and rank of a field's minibatches.

    Examples
    --------
    >>> import numpy as np
    >>> field_variable("input", np.zeros((3, 2), dtype="float32")).type
    TensorType(float32, shape=(None, None))
    """
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"field {name!r} has dtype {array.dtype}, which has no symbolic type; "
            "only numeric fields have variables. Encode it as numbers first."
        )
    return pt.tensor(name=name, dtype=str(array.dtype), shape=(None,) * array.ndim)


def _field_array(name: str, value: Any) -> tuple[np.ndarray, Columns]:
    if isinstance(value, pd.DataFrame):
        return value.to_numpy(), tuple(str(c) for c in value.columns)
    if isinstance(value, pd.Series):
        return value.to_numpy(), None if value.name is None else str(value.name)
    array = np.asarray(value)
    if array.ndim == 0:
        raise ValueError(
            f"Dataset: field {name!r} must have one entry per sample, got the "
            f"scalar {value!r}. Pass an array or a column."
        )
    return array, None


def _frame_columns(frame: pd.DataFrame, spec: Any, field: str) -> list[str]:
    cols = [spec] if isinstance(spec, str) else list(spec)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise KeyError(
            f"Dataset.from_frame: {field}= names column(s) {missing!r} that the "
            f"frame does not have; its columns are {list(frame.columns)!r}."
        )
    return cols


class Dataset:
    """A dataset with named fields: ``input``, ``target``, ``weight`` and others.

    Each field holds one entry per sample (a row of a matrix, or a value).
    ``len``, slicing (a new Dataset), ``dataset[i]`` (a :class:`Sample` with
    ``.input``, ``.target`` ...), ``dataset["target"]`` (the field's array),
    :meth:`to_frame` and :meth:`iterate` (minibatches with a resumable state)
    work on every dataset; :attr:`variable` is the symbolic view of the input
    field (see :class:`SymbolicDataset`).

    Parameters
    ----------
    **fields : array-like, pandas DataFrame or Series
        Field name -> values. A DataFrame or Series keeps its column names
        for :meth:`to_frame`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.data import Dataset
    >>> ds = Dataset(input=np.arange(6.0).reshape(3, 2), target=[0, 1, 0])
    >>> len(ds), ds.fields, ds.n_columns
    (3, ('input', 'target'), 2)
    >>> ds[1].input, ds[1].target
    (array([2., 3.]), np.int64(1))
    >>> ds[1:].to_frame()
       input_0  input_1  target
    0      2.0      3.0       1
    1      4.0      5.0       0
    """

    def __init__(self, **fields: Any) -> None:
        if not fields:
            raise ValueError(
                "Dataset needs at least one field, e.g. Dataset(input=X, target=y)."
            )
        data, columns = {}, {}
        for name, value in fields.items():
            data[name], columns[name] = _field_array(name, value)
        self._set(data, columns)

    def _set(self, data: dict[str, np.ndarray], columns: dict[str, Columns]) -> None:
        lengths = {name: len(a) for name, a in data.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                "Dataset: every field needs one entry per sample, got lengths "
                f"{lengths!r}. Check that the fields come from the same rows."
            )
        self._data, self._columns = data, columns
        self._cursor = 0
        self._variables: dict[str, Variable] | None = None

    @classmethod
    def _from_parts(
        cls, data: dict[str, np.ndarray], columns: dict[str, Columns]
    ) -> Dataset:
        ds = cls.__new__(cls)
        ds._set(data, columns)
        return ds

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        input: Sequence[str] | str | None = None,
        target: str | Sequence[str] | None = None,
        weight: str | None = None,
        **fields: str | Sequence[str],
    ) -> Dataset:
        """Build a dataset from chosen columns of a DataFrame.

        Parameters
        ----------
        frame : pandas.DataFrame
        input : list of str or None
            Input columns; None takes every column no other field uses.
        target, weight : str, optional
            The target and sample-weight columns.
        **fields : str or list of str
            Other named fields (a name gives a 1-d field, a list a 2-d one).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "y": [0, 1]})
        >>> ds = Dataset.from_frame(df, target="y")
        >>> ds.fields, ds.columns("input")
        (('input', 'target'), ('a', 'b'))
        """
        specs: dict[str, Any] = {"target": target, "weight": weight, **fields}
        specs = {k: v for k, v in specs.items() if v is not None}
        used = {c for f, s in specs.items() for c in _frame_columns(frame, s, f)}
        if input is None:
            input = [c for c in frame.columns if c not in used]
        out: dict[str, Any] = {"input": frame[_frame_columns(frame, input, "input")]}
        for name, spec in specs.items():
            cols = _frame_columns(frame, spec, name)
            out[name] = frame[spec] if isinstance(spec, str) else frame[cols]
        return cls(**out)

    @classmethod
    def from_csv(
        cls,
        path: str | os.PathLike,
        *,
        input: Any = None,
        target: Any = None,
        weight: Any = None,
        read_csv: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Dataset:
        """Read a CSV file with pandas and choose columns per field.

        Examples
        --------
        >>> import io
        >>> ds = Dataset.from_csv(io.StringIO("a,b,y\\n1,2,0\\n3,4,1\\n"), target="y")
        >>> ds["target"]
        array([0, 1])
        """
        frame = pd.read_csv(path, **dict(read_csv or {}))
        return cls.from_frame(
            frame, input=input, target=target, weight=weight, **fields
        )

    @classmethod
    def from_parquet(
        cls,
        path: str | os.PathLike,
        *,
        input: Any = None,
        target: Any = None,
        weight: Any = None,
        **fields: Any,
    ) -> Dataset:
        """Read a parquet file (or a directory of them) into memory.

        Only the columns the fields name are read. For data larger than memory,
        stream it with :class:`ParquetDataset` instead.

        Examples
        --------
        >>> import pandas as pd, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "d.parquet")
        >>> pd.DataFrame({"a": [1.0, 2.0], "y": [0, 1]}).to_parquet(path)
        >>> Dataset.from_parquet(path, input=["a"], target="y")[1].target
        np.int64(1)
        """
        from ._parquet import ParquetDataset

        stream = ParquetDataset(
            path, input=input, target=target, weight=weight, fields=fields
        )
        return stream.to_dataset()

    @classmethod
    def from_dask(
        cls,
        ddf: Any,
        *,
        input: Any = None,
        target: Any = None,
        weight: Any = None,
        batch_size: int = 256,
        shuffle: bool = False,
        random_state: Any = None,
        **fields: Any,
    ) -> Any:
        """A :class:`DaskDataset` reading a dask DataFrame partition by partition.

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
        >>> stream = Dataset.from_dask(dd.from_pandas(df, npartitions=2),
        ...                            target="y", batch_size=2)
        >>> [b.target.tolist() for b in stream]
        [[0, 1], [0]]
        """
        from ._dask import DaskDataset

        return DaskDataset(
            ddf,
            input=input,
            target=target,
            weight=weight,
            fields=fields,
            batch_size=batch_size,
            shuffle=shuffle,
            random_state=random_state,
        )

    # ------------------------------------------------------------ access

    @property
    def fields(self) -> tuple[str, ...]:
        """The field names, in order."""
        return tuple(self._data)

    @property
    def n_columns(self) -> int:
        """Columns of the input field (1 for a 1-d input)."""
        a = self._data[self._main_field()]
        return 1 if a.ndim == 1 else int(a.shape[1])

    def _main_field(self) -> str:
        return "input" if "input" in self._data else self.fields[0]

    def columns(self, field: str) -> Columns:
        """The column name(s) a field came from, or None when it had none."""
        check_fields(field, self.fields, "Dataset.columns")
        return self._columns[field]

    def __len__(self) -> int:
        return len(next(iter(self._data.values())))

    def _take(self, rows: Any, fields: Sequence[str]) -> dict[str, np.ndarray]:
        return {f: self._data[f][rows] for f in fields}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            check_fields(key, self.fields, "Dataset")
            return self._data[key]
        if isinstance(key, (int, np.integer)):
            n = len(self)
            if not -n <= key < n:
                raise IndexError(
                    f"Dataset: sample {key} is out of range for {n} samples."
                )
            return Sample(self._take(int(key), self.fields))
        if isinstance(key, slice) or isinstance(key, (list, np.ndarray)):
            return self._from_parts(self._take(key, self.fields), dict(self._columns))
        raise TypeError(
            f"Dataset indices are a field name, an int, a slice or an array of "
            f"ints / booleans; got {key!r} ({type(key).__name__})."
        )

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def to_frame(self) -> pd.DataFrame:
        """A DataFrame with one column per 1-d field, several per 2-d field.

        Columns keep the names the fields came from; unnamed ones are called
        ``field`` or ``field_0, field_1, ...``.
        """
        parts = {}
        for name, a in self._data.items():
            cols = self._columns[name]
            if a.ndim == 1:
                parts[cols if isinstance(cols, str) else name] = a
                continue
            flat = a.reshape(len(a), -1)
            if not isinstance(cols, tuple) or len(cols) != flat.shape[1]:
                cols = tuple(f"{name}_{k}" for k in range(flat.shape[1]))
            parts.update({c: flat[:, k] for k, c in enumerate(cols)})
        return pd.DataFrame(parts)

    def iterate(
        self,
        batch_size: int,
        *,
        fields: Sequence[str] | None = None,
        shuffle: bool = False,
        random_state: Any = None,
    ) -> DatasetIterator:
        """Minibatches of ``batch_size`` rows (the seed's ``numeric_iterator``).

        Returns a :class:`DatasetIterator`, whose state (``get_state`` /
        ``set_state``) is plain data, so iteration can stop and resume exactly.
        """
        return DatasetIterator(
            self,
            batch_size,
            fields=fields,
            shuffle=shuffle,
            random_state=random_state,
        )

    # ------------------------------------------------------------ runtime

    @batched("next_many")
    def next(self) -> Sample:
        """The next sample, in order, wrapping around (``CALL(dataset.next)``).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_pylearn.runtime import BUFFER_REPEAT, CALL, VirtualMachine
        >>> ds = Dataset(input=np.arange(3.0))
        >>> prog = BUFFER_REPEAT(4, CALL("data.next"))
        >>> [s.input for s in VirtualMachine(prog, context={"data": ds}).run()]
        [np.float64(0.0), np.float64(1.0), np.float64(2.0), np.float64(0.0)]
        """
        sample = self[self._cursor]
        self._cursor = (self._cursor + 1) % len(self)
        return sample

    def next_many(self, n: int) -> list[Sample]:
        """``n`` samples at once: what ``n`` calls of ``next()`` return."""
        return [self.next() for _ in range(int(n))]

    def get_state(self) -> dict[str, Any]:
        """The cursor of ``next()`` (the data is not state)."""
        return {"cursor": self._cursor}

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`get_state` returned."""
        self._cursor = int(state["cursor"])

    # ------------------------------------------------------------ symbolic

    @property
    def variables(self) -> dict[str, Variable]:
        """A symbolic placeholder per numeric field (a minibatch of it)."""
        if self._variables is None:
            self._variables = {
                name: field_variable(name, a)
                for name, a in self._data.items()
                if a.dtype.kind in "biuf"
            }
        return dict(self._variables)

    @property
    def variable(self) -> Variable:
        """The symbolic input field (the seed's ``dataset.variable``)."""
        main = self._main_field()
        variables = self.variables
        if main not in variables:
            field_variable(main, self._data[main])  # raises the TypeError
        return variables[main]

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "_variables"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._variables = None

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={a.shape}" for k, a in self._data.items())
        return f"Dataset({len(self)} samples: {shapes})"
