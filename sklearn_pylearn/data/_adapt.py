"""What estimators call to accept datasets wherever they accept ``X, y``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._dataset import Dataset
from ._stream import ChunkedStream
from ._symbolic import SymbolicDataset

__all__ = ["as_arrays", "is_dataset"]


def is_dataset(X: Any) -> bool:
    """Whether ``X`` is one of this package's datasets (in memory or streamed).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.data import Dataset, is_dataset
    >>> is_dataset(Dataset(input=np.eye(2))), is_dataset(np.eye(2))
    (True, False)
    """
    return isinstance(X, (Dataset, SymbolicDataset, ChunkedStream))


def _input_of(ds: Dataset) -> Any:
    X, cols = ds["input"], ds.columns("input")
    if isinstance(cols, tuple) and X.ndim == 2 and len(cols) == X.shape[1]:
        return pd.DataFrame(X, columns=list(cols))
    return X


def _one(ds: Dataset, field: str, given: Any, arg: str) -> Any:
    if field not in ds.fields:
        return given
    if given is not None:
        raise ValueError(
            f"{arg} was passed, but the dataset has a {field!r} field too; pass it "
            f"once: either in the dataset or as {arg}=..."
        )
    return ds[field]


def as_arrays(X: Any, y: Any = None, sample_weight: Any = None) -> tuple[Any, Any, Any]:
    """Unpack a dataset into ``(X, y, sample_weight)``; pass anything else through.

    A :class:`Dataset` gives its ``input`` (a DataFrame when it knows the column
    names, so estimators record ``feature_names_in_``), ``target`` and
    ``weight`` fields; a :class:`SymbolicDataset` is computed first. A field the
    dataset lacks comes from the arguments. Streamed datasets
    (:class:`ParquetDataset`, :class:`DaskDataset`) are refused: they do not fit
    in memory by design; train on them minibatch by minibatch.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_pylearn.data import Dataset, as_arrays
    >>> df = pd.DataFrame({"a": [1.0, 2.0], "y": [0, 1], "w": [1.0, 2.0]})
    >>> X, y, w = as_arrays(Dataset.from_frame(df, target="y", weight="w"))
    >>> list(X.columns), y.tolist(), w.tolist()
    (['a'], [0, 1], [1.0, 2.0])
    >>> as_arrays([[1.0]], [0]) == ([[1.0]], [0], None)
    True
    """
    if isinstance(X, SymbolicDataset):
        X = X.evaluate()
    if isinstance(X, ChunkedStream):
        raise TypeError(
            f"{type(X).__name__} streams its data and is not loaded as arrays. "
            "Train on it minibatch by minibatch (for batch in dataset: "
            "est.partial_fit(batch.input, batch.target)), or load it when it fits "
            "in memory: dataset.to_dataset()."
        )
    if not isinstance(X, Dataset):
        return X, y, sample_weight
    if "input" not in X.fields:
        raise ValueError(
            f"the dataset has no 'input' field (its fields are {list(X.fields)!r}); "
            "name the features field 'input'."
        )
    y = _one(X, "target", y, "y")
    sample_weight = _one(X, "weight", sample_weight, "sample_weight")
    return _input_of(X), y, sample_weight
