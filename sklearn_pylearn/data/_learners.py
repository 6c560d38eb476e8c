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

import copy
import functools
import inspect
from collections.abc import Iterator
from typing import Any

from ._adapt import as_arrays, is_dataset
from ._feed import input_frame, stream_unique
from ._outputs import needs_y, outputs_dataset
from ._stream import ChunkedStream

__all__ = ["DatasetMethodsMixin"]

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
        if y is not None and not needs_y(self, names):
            y = None
        return outputs_dataset(fn(self, Xa, y, names), names)

    setattr(method, _WRAPPED, True)
    return method


class DatasetMethodsMixin:
    """Make an estimator's data-taking methods take datasets (once, per class).

    Every public estimator of this library inherits it (through
    :class:`~sklearn_pylearn.base.SymbolicMixin`, or directly). When a class is
    created, its ``fit``, ``partial_fit``, ``fit_transform``, ``score``,
    ``transform``, ``predict``, ``predict_proba``, ``predict_log_proba``,
    ``decision_function``, ``score_samples`` and ``compute`` (its own or
    inherited) are wrapped:

    - arrays, DataFrames and sparse matrices pass through untouched;
    - a :class:`~sklearn_pylearn.data.Dataset` gives ``X`` (its ``input``),
      ``y`` (its ``target``) and ``sample_weight`` (its ``weight``); passing
      ``y`` with a dataset that has a target, or ``sample_weight`` with one
      that has a weight, is an error;
    - ``compute`` on a Dataset returns a Dataset of the named outputs;
    - ``fit`` on a streamed dataset trains batch by batch (see
      ``_fit_stream``); ``predict`` and the like on one refuse and point to
      :func:`~sklearn_pylearn.data.predict_to_parquet`.

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
    if name in ("fit_transform", "fit_predict"):
        method = name.split("_")[1]
        raise TypeError(
            f"{_owner(est, name)} returns its result in memory, and a "
            f"{type(stream).__name__} is streamed: call fit(dataset), then write "
            "the outputs batch by batch with sklearn_pylearn.data."
            f"predict_to_parquet(est, dataset, path, method={method!r})."
        )
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
            X = input_frame(stream, X)
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
