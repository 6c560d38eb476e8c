"""Outputs of learners on datasets: Datasets of named outputs, parquet files."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._dataset import Dataset
from ._feed import input_frame, iter_fields
from ._stream import Arrays, ChunkedStream

__all__ = ["default_outputs", "needs_y", "outputs_dataset", "predict_to_parquet"]


def _available_outputs(est: Any) -> dict:
    final = getattr(est, "_final_estimator", est)
    getter = getattr(final, "_available_outputs", None)
    return getter() if callable(getter) else {}


def needs_y(est: Any, names: Sequence[str]) -> bool:
    available = _available_outputs(est)
    return any(available.get(name, False) for name in names)


def default_outputs(est: Any, has_target: bool) -> list[str]:
    """Every output ``est`` can compute (those needing a target only if given).

    What ``est(dataset)`` computes, as the seed's ``results = nnet(dataset)``.
    """
    available = _available_outputs(est)
    return [name for name, needs in available.items() if has_target or not needs]


def outputs_dataset(frame: pd.DataFrame, names: Sequence[str]) -> Dataset:
    """Group ``compute``'s DataFrame into a Dataset with one field per output.

    A 1-D output is a column named after it; a 2-D one is the columns named
    ``<output>_<suffix>`` (``proba_<class>``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"prediction": [0, 1], "proba_a": [0.9, 0.2],
    ...                    "proba_b": [0.1, 0.8]})
    >>> ds = outputs_dataset(df, ["prediction", "proba"])
    >>> ds.fields, ds[1].proba.tolist()
    (('prediction', 'proba'), [0.2, 0.8])
    """
    fields, taken = {}, set()
    for name in dict.fromkeys(names):
        if name in frame.columns:
            fields[name] = frame[name].reset_index(drop=True)
            taken.add(name)
            continue
        cols = [
            c for c in frame.columns if c not in taken and str(c).startswith(f"{name}_")
        ]
        taken.update(cols)
        fields[name] = frame[cols].reset_index(drop=True)
    return Dataset(**fields)


def _result_columns(est: Any, method: str, value: np.ndarray) -> dict:
    value = np.asarray(value)
    if value.ndim == 1:
        return {method if method != "predict" else "prediction": value}
    names = None
    if method == "transform" and hasattr(est, "get_feature_names_out"):
        try:
            names = [str(c) for c in est.get_feature_names_out()]
        except Exception:  # noqa: BLE001 - fall back to numbered columns
            names = None
    if names is None or len(names) != value.shape[1]:
        names = [f"{method}_{j}" for j in range(value.shape[1])]
    return {c: value[:, j] for j, c in enumerate(names)}


def predict_to_parquet(
    estimator: Any,
    dataset: Any,
    path: str | os.PathLike,
    *,
    method: str = "predict",
    outputs: Sequence[str] | str | None = None,
    batch_size: int = 65536,
) -> Any:
    """Stream a fitted estimator's outputs on a dataset into a parquet file.

    The dataset is read batch by batch in storage order (its iteration state is
    untouched) and each batch's outputs are written as they come, through a
    temporary file renamed when complete (:func:`write_parquet`), so memory
    stays bounded by a batch and a crash leaves no half-written file.
    scikit-learn's ``predict(X)`` has no place for an output path, so the
    path is this function's argument: the estimators' signatures stay
    scikit-learn's, and one dataset can feed several output files.

    Parameters
    ----------
    estimator : fitted estimator
    dataset : ParquetDataset, DaskDataset or Dataset
    path : str or path-like
        The parquet file to write (replaced atomically).
    method : str, default="predict"
        "predict", "transform", "predict_proba", "decision_function", ... or
        "compute" (then ``outputs`` names the outputs; those that compare with
        the truth read the dataset's ``target`` field).
    outputs : str or list of str, optional
        For ``method="compute"``; default: every output the estimator has
        (those needing a target only when the dataset has one).
    batch_size : int, default=65536
        Rows per batch for an in-memory :class:`Dataset`.

    Returns
    -------
    ParquetDataset
        Over the written file, every column in its ``input`` field.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, pandas as pd
    >>> from sklearn_pylearn.data import ParquetDataset, predict_to_parquet
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"a": [0.0, 1.0, 2.0]}).to_parquet(os.path.join(d, "x.parquet"))
    >>> ds = ParquetDataset(os.path.join(d, "x.parquet"), batch_size=2)
    >>> scaler = StandardScaler().fit(ds)
    >>> out = predict_to_parquet(scaler, ds, os.path.join(d, "z.parquet"),
    ...                          method="transform")
    >>> out.to_dataset().to_frame()["a"].round(3).tolist()
    [-1.225, 0.0, 1.225]
    """
    from ._parquet import ParquetDataset, write_parquet

    fn = getattr(estimator, method, None)
    if not callable(fn):
        raise ValueError(
            f"predict_to_parquet: {type(estimator).__name__} has no method "
            f"{method!r}; pass method='predict', 'transform', 'compute' ..."
        )
    pieces, columns_of = _output_pieces(dataset, batch_size)
    has_target = "target" in dataset.fields
    if method == "compute":
        names = (
            default_outputs(estimator, has_target)
            if outputs is None
            else ([outputs] if isinstance(outputs, str) else list(outputs))
        )
        with_target = needs_y(estimator, names)

        def run(piece: Arrays) -> Any:
            X = input_frame(columns_of, piece["input"])
            y = piece.get("target") if with_target else None
            return fn(X, y, names).reset_index(drop=True)

    else:

        def run(piece: Arrays) -> Any:
            value = fn(input_frame(columns_of, piece["input"]))
            return _result_columns(estimator, method, value)

    write_parquet((run(p) for p in pieces), path)
    return ParquetDataset(path)


def _output_pieces(dataset: Any, batch_size: int) -> tuple[Iterator[Arrays], Any]:
    if isinstance(dataset, ChunkedStream):
        return iter_fields(dataset), dataset
    if isinstance(dataset, Dataset):

        def pieces() -> Iterator[Arrays]:
            for s in range(0, len(dataset), batch_size):
                yield {f: dataset[f][s : s + batch_size] for f in dataset.fields}

        return pieces(), dataset
    raise TypeError(
        "predict_to_parquet: dataset must be a ParquetDataset, a DaskDataset or a "
        f"Dataset, got {type(dataset).__name__}."
    )
