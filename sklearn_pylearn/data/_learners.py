"""Learners take datasets: the one adapter every public estimator's methods pass.

:class:`DatasetMethodsMixin` wraps, once per class, the methods that take data
(``fit``, ``partial_fit``, ``fit_transform``, ``score``, ``transform``,
``predict``, ``predict_proba`` ..., ``compute``): an array or a DataFrame goes
through untouched; a :class:`Dataset` (or a :class:`SymbolicDataset`, computed
first) is unpacked into its ``input``, ``target`` and ``weight`` fields; a
streamed dataset (:class:`ParquetDataset`, :class:`DaskDataset`) is trained on
batch by batch, and its outputs are written by :func:`predict_to_parquet`.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._adapt import as_arrays, is_dataset
from ._dataset import Dataset
from ._stream import Arrays, ChunkedStream

__all__ = [
    "DatasetMethodsMixin",
    "StreamSource",
    "iter_fields",
    "predict_to_parquet",
    "stream_unique",
]

_FIT_METHODS = ("fit", "partial_fit", "fit_transform", "fit_predict", "score")
_APPLY_METHODS = (
    "transform",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score_samples",
)
_WRAPPED = "_sklearn_pylearn_takes_datasets"


def _owner(est: Any, method: str) -> str:
    return f"{type(est).__name__}.{method}"


def _input_frame(stream: Any, X: np.ndarray) -> Any:
    """A batch's input as a DataFrame when the stream knows its column names."""
    cols = stream.columns("input") if hasattr(stream, "columns") else None
    if isinstance(cols, tuple) and X.ndim == 2 and len(cols) == X.shape[1]:
        return pd.DataFrame(X, columns=list(cols))
    return X


def _fit_call(fn, name, takes_weight, self, X, args, kwargs):
    if isinstance(X, ChunkedStream):
        extra = list(args) + [k for k, v in kwargs.items() if v is not None]
        if extra:
            raise ValueError(
                f"{_owner(self, name)}: a {type(X).__name__} carries its target and "
                f"weight fields; got other arguments too ({extra!r}). Name them as "
                "fields of the dataset instead."
            )
        return _fit_stream(self, name, X)
    args = list(args)
    y = args.pop(0) if args else kwargs.pop("y", None)
    sw_pos = bool(args)
    sw = args.pop(0) if args else kwargs.pop("sample_weight", None)
    X, y, sw = as_arrays(X, y, sw)
    if sw is not None and not takes_weight:
        raise TypeError(
            f"{_owner(self, name)} takes no sample weights, but the dataset has a "
            "'weight' field; drop it from the dataset (or use another estimator)."
        )
    if sw_pos:
        return fn(self, X, y, sw, *args, **kwargs)
    if sw is not None:
        kwargs["sample_weight"] = sw
    return fn(self, X, y, *args, **kwargs)


def _wrap_fit(fn, name):
    takes_weight = "sample_weight" in inspect.signature(fn).parameters

    @functools.wraps(fn)
    def method(self, X, *args, **kwargs):
        if not is_dataset(X):
            return fn(self, X, *args, **kwargs)
        return _fit_call(fn, name, takes_weight, self, X, args, kwargs)

    setattr(method, _WRAPPED, True)
    return method


def _wrap_apply(fn, name):
    @functools.wraps(fn)
    def method(self, X, *args, **kwargs):
        if not is_dataset(X):
            return fn(self, X, *args, **kwargs)
        if isinstance(X, ChunkedStream):
            raise TypeError(
                f"{_owner(self, name)} returns its result in memory, and a "
                f"{type(X).__name__} is streamed: write the outputs to a parquet "
                "file batch by batch with sklearn_pylearn.data.predict_to_parquet("
                f"est, dataset, path, method={name!r}), or load the data first "
                "with dataset.to_dataset()."
            )
        return fn(self, as_arrays(X)[0], *args, **kwargs)

    setattr(method, _WRAPPED, True)
    return method


def _wrap_compute(fn, name):
    @functools.wraps(fn)
    def method(self, X, y=None, outputs=("prediction",)):
        if not is_dataset(X):
            return fn(self, X, y, outputs)
        if isinstance(X, ChunkedStream):
            raise TypeError(
                f"{_owner(self, name)}: a {type(X).__name__} is streamed; write its "
                "outputs with sklearn_pylearn.data.predict_to_parquet(est, dataset, "
                "path, method='compute', outputs=[...])."
            )
        names = [outputs] if isinstance(outputs, str) else list(outputs)
        Xa, y, _ = as_arrays(X, y)
        if y is not None and not _needs_y(self, names):
            y = None
        return outputs_dataset(fn(self, Xa, y, names), names)

    setattr(method, _WRAPPED, True)
    return method


def _available_outputs(est: Any) -> dict:
    final = getattr(est, "_final_estimator", est)
    getter = getattr(final, "_available_outputs", None)
    return getter() if callable(getter) else {}


def _needs_y(est: Any, names: Sequence[str]) -> bool:
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


class DatasetMethodsMixin:
    """Make an estimator's data-taking methods take datasets (once, per class).

    Every public estimator of this library inherits it (through
    :class:`~sklearn_pylearn.base.SymbolicMixin`, or directly). When a class is
    created, its ``fit``, ``partial_fit``, ``fit_transform``, ``score``,
    ``transform``, ``predict``, ``predict_proba``, ``predict_log_proba``,
    ``decision_function``, ``score_samples`` and ``compute`` (its own or
    inherited) are wrapped:

    - arrays, DataFrames and sparse matrices pass through untouched;
    - a :class:`Dataset` gives ``X`` (its ``input``), ``y`` (its ``target``) and
      ``sample_weight`` (its ``weight``); passing ``y`` with a dataset that has
      a target, or ``sample_weight`` with one that has a weight, is an error;
    - ``compute`` on a Dataset returns a Dataset of the named outputs;
    - ``fit`` on a streamed dataset trains batch by batch (see
      ``_fit_stream``); ``predict`` and the like on one refuse and point to
      :func:`predict_to_parquet`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.data import Dataset
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> ds = Dataset(input=np.array([[0.0], [2.0]]), target=np.array([0, 1]))
    >>> StandardScaler().fit(ds).transform(ds).ravel().tolist()
    [-1.0, 1.0]
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in (*_FIT_METHODS, *_APPLY_METHODS, "compute"):
            _wrap_attribute(cls, name)


def _wrap_attribute(cls: type, name: str) -> None:
    raw = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), None)
    if raw is None:
        return
    if name in _FIT_METHODS:
        wrap = _wrap_fit
    elif name == "compute":
        wrap = _wrap_compute
    else:
        wrap = _wrap_apply
    if inspect.isfunction(raw):
        if not getattr(raw, _WRAPPED, False):
            setattr(cls, name, wrap(raw, name))
        return
    fn = getattr(raw, "fn", None)  # scikit-learn's available_if descriptor
    if inspect.isfunction(fn) and not getattr(fn, _WRAPPED, False):
        import copy

        descriptor = copy.copy(raw)
        descriptor.fn = wrap(fn, name)
        setattr(cls, name, descriptor)


# -- streamed training ---------------------------------------------------------------


def _iterative(est: Any) -> bool:
    params = est.get_params(deep=False) if hasattr(est, "get_params") else {}
    return "max_iter" in params or "n_iter" in params


def _fit_stream(est: Any, name: str, stream: ChunkedStream) -> Any:
    own = getattr(est, "_fit_stream", None)
    if name == "fit" and callable(own):
        return own(stream)
    if name == "fit" and hasattr(est, "partial_fit"):
        return _fit_by_partial_fit(est, stream)
    if name == "partial_fit" and hasattr(est, "partial_fit"):
        return _partial_fit_epoch(est, stream)
    what = "train on" if name != "score" else "score"
    raise TypeError(
        f"{_owner(est, name)} cannot {what} a streamed {type(stream).__name__}: it "
        "needs every row at once. Load the data when it fits in memory "
        "(est.fit(dataset.to_dataset()), or sklearn_pylearn.data.as_arrays), or "
        "use a learner that trains on minibatches (a solver 'sgd' / 'adam')."
    )


def stream_batches(stream: ChunkedStream, with_names: bool = True) -> Iterator[Any]:
    """A new epoch of ``stream`` as ``(X, y, sample_weight)`` batches."""
    stream.start_epoch()
    for _ in range(stream.n_batches):
        values = stream.next_batch().to_dict()
        X = values["input"]
        if with_names:
            X = _input_frame(stream, X)
        yield X, values.get("target"), values.get("weight")


def _first_call_classes(est: Any, stream: ChunkedStream) -> dict:
    """``classes=`` for a classifier's first ``partial_fit`` on a stream."""
    params = inspect.signature(est.partial_fit).parameters
    if "classes" not in params or hasattr(est, "classes_"):
        return {}
    return {"classes": stream_unique(stream, "target")}


def _epochs(est: Any) -> int:
    params = est.get_params(deep=False)
    return int(params.get("max_iter", params.get("n_iter", 1)))


def _fit_by_partial_fit(est: Any, stream: ChunkedStream) -> Any:
    """``fit`` through ``partial_fit``: a fresh start, then epochs over the stream.

    One epoch for a learner whose ``partial_fit`` accumulates statistics (the
    scalers); ``n_iter`` / ``max_iter`` epochs for an iterative one whose
    ``partial_fit`` is one update per minibatch (BernoulliRBM, as scikit-learn's
    ``fit`` does). Such a fit does not checkpoint: ``checkpoint_dir`` is refused.
    """
    if getattr(est, "checkpoint_dir", None) is not None:
        raise ValueError(
            f"{type(est).__name__}.fit on a streamed dataset trains through "
            "partial_fit and does not checkpoint; pass checkpoint_dir=None."
        )
    params = est.get_params(deep=False)
    saved = dict(vars(est))
    keep = ("_sklearn", "_metadata_request")  # set_output, metadata requests
    try:
        for key in [k for k in saved if k not in params and not k.startswith(keep)]:
            delattr(est, key)  # a fresh fit, as clone() would start it
        for _ in range(_epochs(est) if _iterative(est) else 1):
            _partial_fit_epoch(est, stream)
    except BaseException:
        vars(est).clear()  # a failed fit leaves the estimator as it was
        vars(est).update(saved)
        raise
    return est


def _partial_fit_epoch(est: Any, stream: ChunkedStream) -> Any:
    n, first = 0, _first_call_classes(est, stream)
    for X, y, sw in stream_batches(stream):
        kwargs = dict(first) if n == 0 else {}
        if sw is not None:
            kwargs["sample_weight"] = sw
        est.partial_fit(X, y, **kwargs)
        n += len(X)
    if n == 0:
        raise ValueError(f"{type(est).__name__}: the stream {stream!r} has no rows.")
    return est


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


# -- streamed outputs ---------------------------------------------------------------


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
        needs_y = _needs_y(estimator, names)

        def run(piece: Arrays) -> Any:
            X = _input_frame(columns_of, piece["input"])
            y = piece.get("target") if needs_y else None
            return fn(X, y, names).reset_index(drop=True)

    else:

        def run(piece: Arrays) -> Any:
            value = fn(_input_frame(columns_of, piece["input"]))
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


# -- a stream as a training program's data source -----------------------------------


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
        files = [
            (str(p), p.stat().st_size, p.stat().st_mtime_ns)
            for p in getattr(self.stream, "_paths", ())
        ]
        return (self.get_recipe(), len(self.stream), self.stream._n_chunks(), files)


def stream_input_probe(stream: ChunkedStream) -> Any:
    """The first batch's input (a DataFrame when the columns have names)."""
    for piece in iter_fields(stream, fields=("input",)):
        return _input_frame(stream, piece["input"])
    raise ValueError(f"{stream!r} has no rows.")
