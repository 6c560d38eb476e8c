"""The symbolic estimator contract.

A *symbolic estimator* (:class:`SymbolicMixin`) is a fitted estimator that can
express a method (transform, inverse_transform, predict, predict_proba ...) as a
PyTensor graph: given a symbolic input matrix and a
:class:`~sklearn_pylearn.symbolic.inputs.GraphInputs`, it returns the symbolic output
and registers its fitted arrays as graph inputs. ``transform`` is then "build the
graph, compile it through the structural cache, run it". A step that is affine after
fit also returns an :class:`~sklearn_pylearn.symbolic.affine.AffineMap`, which lets a
pipeline fold a chain of such steps into one matrix product.
"""

import threading
import warnings
import weakref
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
)

from ._version import __version__, is_compatible
from .data import Dataset, DatasetMethodsMixin
from .data._outputs import default_outputs
from .exceptions import VersionMismatchWarning
from .symbolic.compile import (
    CompiledFunction,
    compile_function,
    current_mode_key,
    is_cached,
)
from .symbolic.inputs import GraphInputs
from .symbolic.rowwise import is_rowwise, run_densified, run_in_row_blocks
from .utils.validation import (
    SPARSE_FORMATS,
    accepts_sparse,
    as_graph_sparse,
    check_dense_numeric,
    float16_compute,
    input_dtypes,
    match_sparse,
    validate_float_input,
)

__all__ = [
    "CLASSIFIER_OUTPUTS",
    "NamedOutputsMixin",
    "SymbolicMixin",
    "build_graph",
    "check_known_labels",
    "class_columns",
    "finish_output",
    "is_symbolic",
    "run_graph",
]

_METHODS = {
    "transform": "_symbolic_transform",
    "inverse_transform": "_symbolic_inverse_transform",
    "predict": "_symbolic_predict",
    "predict_proba": "_symbolic_predict_proba",
    "predict_log_proba": "_symbolic_predict_log_proba",
    "decision_function": "_symbolic_decision_function",
    "score_samples": "_symbolic_score_samples",
}


def is_symbolic(estimator, method="transform") -> bool:
    """Return True when ``estimator`` can express ``method`` as a graph.

    Examples
    --------
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> from sklearn.preprocessing import StandardScaler as SkScaler
    >>> is_symbolic(StandardScaler()), is_symbolic(SkScaler())
    (True, False)
    """
    impl = _METHODS.get(method)
    return (
        isinstance(estimator, SymbolicMixin)
        and impl is not None
        and estimator._has_symbolic(method)
    )


def build_graph(estimator, X, inputs, method="transform"):
    """Return the symbolic output of a fitted estimator's ``method`` applied to ``X``.

    Parameters
    ----------
    estimator : SymbolicMixin
        A fitted symbolic estimator.
    X : TensorVariable
        Symbolic input matrix.
    inputs : GraphInputs
        Receives the estimator's fitted arrays as graph inputs.
    method : str
        A key of ``_METHODS``: "transform", "inverse_transform", "predict", ...

    Returns
    -------
    TensorVariable
    """
    return getattr(estimator, _METHODS[method])(X, inputs)


def run_graph(estimator, X, method="transform"):
    """Run ``method``'s graph on validated array ``X``, compiled (cached).

    The graph is built and compiled on the first call only: the estimator keeps
    it in a private memo (``_memo_entry``) keyed by the method, the input dtype
    and format and the compile mode. A sparse ``X`` is first offered to
    ``estimator._sparse_output(method)``, which raises when the estimator cannot
    take it; float16 runs as ``utils.validation.float16_compute`` says.

    Returns
    -------
    ndarray or sparse matrix
    """
    densify = False
    if sp.issparse(X):
        estimator._sparse_output(method)
        densify = densifies_sparse(estimator)
    X, out_dtype = float16_compute(X, [estimator])
    X = _graph_data(X)
    fmt = None if densify else getattr(X, "format", None)
    key = (method, X.dtype.str, fmt, current_mode_key())
    entry = _memo_entry(estimator, key)
    if entry is None:
        entry = _build_method(estimator, X, method, key)
    if densify:
        result = run_densified(entry.fn, X, values=entry.values)
    elif entry.rowwise:
        result = run_in_row_blocks(entry.fn, X, entry.values)
    else:
        result = entry.fn(X, *entry.values)
    if out_dtype is not None:
        result = result.astype(out_dtype)
    return finish_output(estimator, method, result)


def densifies_sparse(estimator) -> bool:
    """True when ``estimator`` takes sparse input by densifying it in row blocks.

    The learners (``_densify_sparse = True``) run their dense graphs on blocks of
    rows of a sparse ``X`` (``symbolic.rowwise.run_densified``), so a sparse
    matrix gives exactly the results of its dense equivalent without ever being
    dense as a whole.
    """
    return bool(getattr(estimator, "_densify_sparse", False))


def _build_method(estimator, X, method, key):
    inputs = GraphInputs(X.dtype)
    X_sym = inputs.data("X", _dense_row(X) if key[2] is None else X)
    out = build_graph(estimator, X_sym, inputs, method)
    # The memo guarantees each call's types: X is validated (2-D, this dtype and
    # format) and the fitted values are the arrays built here, so PyTensor's
    # per-call input checks (about 10 µs, a tenth of a one-row call) are skipped.
    fn = compile_function(
        inputs.variables,
        out,
        name=f"{type(estimator).__name__}.{method}",
        trust_input=True,
    )
    rowwise = is_rowwise(X_sym, inputs.variables, out)
    return _store_memo(estimator, key, fn, inputs.values[1:], rowwise)


def _dense_row(X):
    # The graph of a densified sparse X is built for a dense matrix.
    return X[:1].toarray() if sp.issparse(X) else X


def _graph_data(X):
    # Numba's BLAS calls need contiguous operands (GraphInputs.data does the same).
    if sp.issparse(X) or X.flags.c_contiguous:
        return X
    return np.ascontiguousarray(X)


# -- the per-estimator memo of built and compiled graphs ------------------------------

# Estimator -> {key: _GraphMemo}. Held beside the estimator rather than in its
# __dict__: predict must leave __dict__ unchanged (scikit-learn's
# check_dict_unchanged), and what is not in __dict__ is never pickled, cloned or
# copied. Weak keys: the memo goes with its estimator.
_MEMOS = weakref.WeakKeyDictionary()
_MEMO_LOCK = threading.Lock()


@dataclass(eq=False)
class _GraphMemo:
    """A built graph's compiled function and the fitted arrays that feed it.

    ``snapshot`` holds the estimator's attributes (and the items of its list and
    tuple attributes) as they were when the graph was built: refitting,
    ``partial_fit`` and ``set_params`` rebind some of them, which makes the entry
    stale, so fitted values are never served from an older fit.
    """

    fn: CompiledFunction
    values: tuple
    rowwise: bool
    snapshot: tuple


def _state_snapshot(estimator) -> tuple:
    # Never a strong reference to an attribute that may lead back to the estimator
    # (a trainer, a hook): the memo is a weak dictionary's value, so that would
    # keep the estimator alive for good.
    return tuple(
        (name, _ref(value), _items(value)) for name, value in vars(estimator).items()
    )


_ATOMIC = (int, float, complex, str, bytes, bool, type(None), np.generic)


def _ref(value):
    """Something that tells whether an attribute still holds ``value``."""
    if isinstance(value, _ATOMIC):
        return value
    try:
        return weakref.ref(value)
    except TypeError:  # a list, tuple or dict: by its id (its arrays are held weakly)
        return id(value)


def _holds(ref, value) -> bool:
    if type(ref) is weakref.ref:
        return ref() is value
    if type(ref) is int and not isinstance(value, _ATOMIC):
        return ref == id(value)
    return ref is value


def _items(value):
    # The arrays of a list or tuple attribute (coefs_), which partial_fit may
    # replace in place; a list of anything else (loss_curve_) by its length.
    if type(value) not in (list, tuple):
        return None
    if value and isinstance(value[0], np.ndarray):
        return tuple(_ref(item) for item in value)
    return len(value)


def _same_state(snapshot, estimator) -> bool:
    state = vars(estimator)
    if len(state) != len(snapshot):
        return False
    for name, ref, items in snapshot:
        if name not in state or not _holds(ref, now := state[name]):
            return False
        if items is None:
            continue
        if type(items) is int:
            if len(now) != items:
                return False
        elif len(items) != len(now) or not all(map(_holds, items, now)):
            return False
    return True


def _memo_entry(estimator, key):
    """The estimator's memoised ``_GraphMemo`` under ``key``, or None.

    None when nothing is memoised, when the estimator's state changed since (a
    refit, ``partial_fit``, ``set_params``) or when
    :func:`~sklearn_pylearn.clear_compile_cache` dropped the compiled function.
    """
    try:
        memo = _MEMOS.get(estimator)
    except TypeError:  # an estimator that cannot be a weak dictionary key
        return None
    entry = memo.get(key) if memo else None
    if entry is None:
        return None
    if is_cached(entry.fn) and _same_state(entry.snapshot, estimator):
        return entry
    memo.pop(key, None)
    return None


def _store_memo(estimator, key, fn, values, rowwise=False) -> _GraphMemo:
    """Memoise ``fn`` and the fitted ``values`` that follow the call's data."""
    entry = _GraphMemo(fn, tuple(values), rowwise, _state_snapshot(estimator))
    with _MEMO_LOCK:
        try:
            memo = _MEMOS.get(estimator)
            if memo is None or not all(
                _same_state(other.snapshot, estimator) for other in memo.values()
            ):
                memo = _MEMOS[estimator] = {}
        except TypeError:
            return entry
        memo[key] = entry
    return entry


def _drop_memo(estimator) -> None:
    with _MEMO_LOCK:
        try:
            _MEMOS.pop(estimator, None)
        except TypeError:
            pass


def _memo_of(estimator) -> dict:
    """The estimator's memo (key -> _GraphMemo), empty when none; for tests."""
    try:
        return dict(_MEMOS.get(estimator) or {})
    except TypeError:
        return {}


def finish_output(estimator, method, value):
    """Turn a graph's numeric result into the method's answer.

    A classifier's ``predict`` graph yields class indices; its ``_finish_method``
    maps them to ``classes_`` (which may be strings, out of a graph's reach). The
    fused pipeline applies this after a segment that ends in such a method.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> finish_output(StandardScaler(), "transform", np.zeros(2)).tolist()
    [0.0, 0.0]
    """
    if not isinstance(estimator, SymbolicMixin):
        return value
    return estimator._finish_method(method, value)


class SymbolicMixin(DatasetMethodsMixin):
    """Mixin for estimators whose fitted methods are symbolic graphs.

    A subclass overrides the ``_symbolic_<method>(X, inputs)`` hooks of the
    methods it can express (``transform``, ``inverse_transform``, ``predict``,
    ``predict_proba``, ``predict_log_proba``, ``decision_function``,
    ``score_samples``); :func:`is_symbolic` reports exactly those. The other
    hooks, used by the fused pipeline, have defaults that opt out:
    ``_affine_map`` and ``_affine_head`` (folding), ``_symbolic_from_head`` and
    ``_finish_method``. Estimators accept dense, finite, numeric input only;
    NaN, infinity, sparse matrices and non-numeric columns raise errors that say
    why.
    """

    # -- the methods as graphs: override those the estimator can express -----------
    def _symbolic_transform(self, X, inputs):
        """``transform``'s output for the symbolic matrix ``X``; fitted arrays
        enter through ``inputs`` (a GraphInputs)."""
        raise NotImplementedError

    def _symbolic_inverse_transform(self, X, inputs):
        """``inverse_transform``'s output, as :meth:`_symbolic_transform`."""
        raise NotImplementedError

    def _symbolic_predict(self, X, inputs):
        """``predict``'s graph; a classifier yields class indices (see
        :meth:`_finish_method`)."""
        raise NotImplementedError

    def _symbolic_predict_proba(self, X, inputs):
        """``predict_proba``'s graph: one column per class."""
        raise NotImplementedError

    def _symbolic_predict_log_proba(self, X, inputs):
        """``predict_log_proba``'s graph, computed stably."""
        raise NotImplementedError

    def _symbolic_decision_function(self, X, inputs):
        """``decision_function``'s graph."""
        raise NotImplementedError

    def _symbolic_score_samples(self, X, inputs):
        """``score_samples``'s graph."""
        raise NotImplementedError

    def _has_symbolic(self, method):
        impl = _METHODS[method]
        own = getattr(type(self), impl, None)
        default = getattr(SymbolicMixin, impl, None)
        return own is not None and own is not default

    # -- what the fused pipeline asks ------------------------------------------------
    def _affine_map(self):
        """The fitted ``transform`` as an AffineMap, or None when not affine.

        A run of affine steps folds into one matrix product.
        """
        return None

    def _affine_head(self):
        """A predictor's first dense layer as an AffineMap, or None (default).

        When not None, preceding affine steps fold into it and the rest of the
        method is built by :meth:`_symbolic_from_head`.
        """
        return None

    def _symbolic_from_head(self, Z, inputs, method):
        """``method``'s graph given ``Z``, the output of :meth:`_affine_head`'s
        map; needed only by estimators whose ``_affine_head`` is not None."""
        raise NotImplementedError(
            f"{type(self).__name__} offers an _affine_head but no _symbolic_from_head"
        )

    def _finish_method(self, method, value):
        """Turn ``method``'s numeric graph result into its answer (default: as is).

        A classifier maps ``predict``'s class indices to ``classes_``.
        """
        return value

    def _run_symbolic(self, X, method="transform", copy=True):
        """Validate ``X`` against the fitted features and run ``method``'s graph."""
        check_is_fitted(self)
        if method != "inverse_transform":
            X_arr = validate_float_input(self, X, reset=False, copy=False)
        else:
            X_arr = self._check_output_space(X, method)
        out = match_sparse(run_graph(self, X_arr, method), X)
        if copy is False and _writable_like(X, out):
            X[...] = out
            return X
        return out

    def _check_output_space(self, X, method):
        """Validate data given in the transform's output space (inverse_transform)."""
        sparse = sp.issparse(X) and accepts_sparse(self)
        if not sparse:
            check_dense_numeric(self, X)
        X = check_array(
            X,
            accept_sparse=SPARSE_FORMATS if sparse else False,
            dtype=list(input_dtypes(self)),
            ensure_all_finite=True,
            estimator=self,
        )
        if sparse:
            X = as_graph_sparse(X)
        expected = len(self.get_feature_names_out())
        if X.shape[1] != expected:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__}.{method} "
                f"is expecting {expected} features (the width of the transform's "
                "output): X has a different shape than during fitting."
            )
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        # Graphs run on NumPy arrays; other array namespaces are converted by
        # validation, so the inherited scikit-learn array API claim does not hold.
        tags.array_api_support = False
        return tags

    def set_params(self, **params):
        """Set the parameters; drops the memoised graphs (rebuilt on next use)."""
        _drop_memo(self)
        return super().set_params(**params)

    def __getstate__(self):
        # On Python 3.11+ the inherited state is the instance's own __dict__: copy
        # it, so that pickling does not stamp the live object.
        state = dict(super().__getstate__())
        state["_sklearn_pylearn_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_sklearn_pylearn_version", None)
        check_version(type(self).__name__, saved)
        super().__setstate__(state)


def _writable_like(X, out):
    return (
        isinstance(X, np.ndarray)
        and X.flags.writeable
        and X.dtype == out.dtype
        and X.shape == out.shape
    )


def check_version(name, saved):
    """Warn when an object saved by an incompatible version is loaded.

    The policy is :func:`sklearn_pylearn._version.is_compatible`'s, which
    checkpoints follow too.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_version("PCA", "99.0.0")
    >>> caught[0].category.__name__
    'VersionMismatchWarning'
    """
    if saved is None:
        warnings.warn(
            f"{name} was saved without a sklearn_pylearn version stamp; it may not "
            f"load correctly with version {__version__}.",
            VersionMismatchWarning,
            stacklevel=3,
        )
        return
    if not is_compatible(saved):
        warnings.warn(
            f"{name} was saved with sklearn_pylearn {saved} and is loaded with "
            f"{__version__}, another major version (or, before 1.0, another minor "
            "version): its fitted state may not mean the same. Refit it with this "
            "version, or load it with the version that saved it.",
            VersionMismatchWarning,
            stacklevel=3,
        )


class NamedOutputsMixin:
    """``compute(X, y, outputs)``: several named per-sample outputs, one graph.

    A learner declares what it can compute (``_available_outputs``: name -> whether
    it needs ``y``) and builds the requested expressions together in
    ``_build_outputs(X, y, inputs, names)``, sharing their common sub-expressions
    (the forward pass is built once). ``_encode_target(y)`` turns labels into what
    the graph takes, ``_finish_named_output(name, value)`` turns a graph result
    into the answer (``prediction``, as the ``predict`` method's, through
    ``_finish_method``: class indices into labels), and
    ``_output_columns(name, value)`` names a 2-D output's columns.
    """

    def _available_outputs(self) -> dict:
        raise NotImplementedError

    def compute(self, X, y=None, outputs=("prediction",)):
        """Compute named per-sample outputs with ONE compiled function.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), optional
            Needed by outputs that compare with the truth (``nll``,
            ``class_error``, ``squared_error``).
        outputs : str or sequence of str, default=("prediction",)
            Output names; ``self.compute`` lists the available ones when given an
            unknown one.

        Returns
        -------
        DataFrame or Dataset
            One column per 1-D output (named after it) and one per column of a 2-D
            output (``"proba_<class>"``, ``"hidden_0_<unit>"``), indexed like ``X``
            when ``X`` is a DataFrame. Given a
            :class:`~sklearn_pylearn.data.Dataset` (whose ``target`` plays
            ``y``), a Dataset with one field per output (``.to_frame()`` gives
            the DataFrame).
        """
        check_is_fitted(self)
        names = self._check_output_names(outputs, y)
        X_arr = _graph_data(validate_float_input(self, X, reset=False, copy=False))
        densify = sp.issparse(X_arr) and densifies_sparse(self)
        data = [X_arr]
        if y is not None:
            check_consistent_length(X_arr, y)
            data.append(np.ascontiguousarray(self._encode_target(y, X_arr.dtype)))
        key = (
            "compute",
            tuple(names),
            tuple(
                (d.dtype.str, d.ndim, None if densify else getattr(d, "format", None))
                for d in data
            ),
            current_mode_key(),
        )
        entry = _memo_entry(self, key)
        if entry is None:
            first = _dense_row(data[0]) if densify else data[0]
            entry = self._build_compute([first, *data[1:]], names, key)
        if densify:
            values = run_densified(entry.fn, X_arr, data[1:], entry.values)
        else:
            values = entry.fn(*data, *entry.values)
        return self._as_frame(X, names, values)

    def __call__(self, X, y=None, outputs=None):
        """``compute`` with every output by default: the seed's ``nnet(dataset)``.

        ``outputs=None`` computes every available output; those that compare
        with the truth (``nll`` ...) only when there is one (``y``, or a
        dataset's ``target`` field). On a :class:`~sklearn_pylearn.data.Dataset`
        the result is a Dataset whose samples have one attribute per output::

            results = nnet(dataset)
            for datapoint in results:
                datapoint.prediction, datapoint.nll
        """
        if outputs is None:
            has_target = y is not None or (
                isinstance(X, Dataset) and "target" in X.fields
            )
            outputs = default_outputs(self, has_target)
        return self.compute(X, y, outputs)

    def _build_compute(self, data, names, key):
        inputs = GraphInputs(data[0].dtype)
        X_sym = inputs.data("X", data[0])
        y_sym = inputs.data("y", data[1]) if len(data) > 1 else None
        exprs = self._build_outputs(X_sym, y_sym, inputs, names)
        fn = compile_function(
            inputs.variables,
            [exprs[name] for name in names],
            name=f"{type(self).__name__}.compute({', '.join(names)})",
        )
        return _store_memo(self, key, fn, inputs.values[len(data) :])

    def _check_output_names(self, outputs, y):
        available = self._available_outputs()
        names = [outputs] if isinstance(outputs, str) else list(outputs)
        if not names:
            raise ValueError(
                f"{type(self).__name__}.compute needs at least one output name; "
                f"available: {sorted(available)}."
            )
        unknown = [name for name in names if name not in available]
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.compute got unknown output(s) {unknown!r}; "
                f"available: {sorted(available)}."
            )
        needs_y = [name for name in names if available[name]]
        if needs_y and y is None:
            raise ValueError(
                f"{type(self).__name__}.compute: output(s) {needs_y!r} compare with "
                "the truth and need y; pass y=..."
            )
        return list(dict.fromkeys(names))

    def _as_frame(self, X, names, values):
        import pandas as pd

        columns = {}
        for name, value in zip(names, values):
            value = self._finish_named_output(name, np.asarray(value))
            if value.ndim == 1:
                columns[name] = value
            else:
                for col, data in zip(self._output_columns(name, value), value.T):
                    columns[col] = data
        index = X.index if hasattr(X, "index") and hasattr(X, "columns") else None
        return pd.DataFrame(columns, index=index)

    # Named outputs that are a method's answer, finished as that method's.
    _OUTPUT_METHODS = {"prediction": "predict"}

    def _finish_named_output(self, name, value):
        method = self._OUTPUT_METHODS.get(name)
        if method is None or not isinstance(self, SymbolicMixin):
            return value
        return self._finish_method(method, value)

    def _output_columns(self, name, value):
        return [f"{name}_{j}" for j in range(value.shape[1])]

    def _encode_target(self, y, dtype):
        return np.asarray(y, dtype=dtype)


# Named outputs every classifier offers: name -> whether it needs y.
CLASSIFIER_OUTPUTS = {
    "prediction": False,
    "proba": False,
    "log_proba": False,
    "decision": False,
    "nll": True,
    "class_error": True,
}


def check_known_labels(estimator, y):
    """Raise a ValueError naming the labels of ``y`` not in ``estimator.classes_``.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> check_known_labels(SimpleNamespace(classes_=np.array([0, 1])), [1, 3])
    Traceback (most recent call last):
    ...
    ValueError: y contains labels not seen in fit: [3]; SimpleNamespace was fitted ...
    """
    unseen = np.setdiff1d(np.unique(np.asarray(y)), estimator.classes_)
    if unseen.size:
        raise ValueError(
            f"y contains labels not seen in fit: {unseen.tolist()!r}; "
            f"{type(estimator).__name__} was fitted on classes "
            f"{estimator.classes_.tolist()!r}."
        )


def class_columns(estimator, name, value):
    """Per-class column names (``proba_<class>``) for a 2-D output whose width is
    the number of classes, else None."""
    classes = estimator.classes_
    if value.ndim == 2 and value.shape[1] == len(classes) and len(classes) > 1:
        return [f"{name}_{label}" for label in classes]
    return None
