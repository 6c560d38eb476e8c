"""Input validation: scikit-learn's ``validate_data`` plus clearer messages for the
mistakes it reports vaguely (sparse input, non-numeric DataFrame columns, strings)."""

from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

__all__ = [
    "FLOAT_DTYPES",
    "SPARSE_FORMATS",
    "accepts_sparse",
    "as_graph_sparse",
    "check_dense_numeric",
    "check_fit_input",
    "check_frame_columns",
    "float16_compute",
    "input_dtypes",
    "match_sparse",
    "sparse_refused_message",
    "validate_float_input",
]

FLOAT_DTYPES = (np.float64, np.float32)
# Sparse input reaches graphs as CSR, as scikit-learn's transforms convert it.
SPARSE_FORMATS = ("csr",)


def accepts_sparse(estimator) -> bool:
    """True when ``estimator`` takes CSR / CSC input (it defines ``_sparse_output``).

    ``estimator._sparse_output(method)`` is called when a sparse matrix reaches
    ``method``: it raises scikit-learn's error when the estimator cannot take it in
    its current configuration, and returns whether the result stays sparse.
    """
    return hasattr(estimator, "_sparse_output")


def input_dtypes(estimator) -> tuple:
    """The float dtypes ``estimator`` keeps; others are converted to the first.

    float16 is kept only by the estimators that keep it in scikit-learn (the scalers
    and the selectors), which declare it in ``_input_dtypes``.
    """
    return getattr(estimator, "_input_dtypes", FLOAT_DTYPES)


def check_frame_columns(estimator, X, *, input_name="X"):
    """Raise a TypeError naming the first non-numeric column of a DataFrame.

    Parameters
    ----------
    estimator : object
        The estimator, for the message.
    X : object
        Input data; only DataFrames and NumPy string arrays are checked.

    Examples
    --------
    >>> import pandas as pd
    >>> check_frame_columns(object(), pd.DataFrame({"a": [1.0], "city": ["Oslo"]}))
    Traceback (most recent call last):
    ...
    TypeError: object got non-numeric column 'city' (dtype ...) in X; ...
    """
    name = type(estimator).__name__
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "items"):
        for col, dt in dtypes.items():
            if _dtype_kind(dt) not in "biuf":
                raise TypeError(
                    f"{name} got non-numeric column {col!r} (dtype {dt}) in "
                    f"{input_name}; it accepts numeric columns only. Encode the "
                    "column first, e.g. with sklearn.preprocessing.OneHotEncoder "
                    "inside a ColumnTransformer, or drop it."
                )
    if isinstance(X, np.ndarray) and X.dtype.kind in "USV":
        raise TypeError(
            f"{name} got an array of dtype {X.dtype} in {input_name}; it accepts "
            "numeric arrays only. Convert the strings to numbers first."
        )


def float16_compute(X, estimators):
    """The array to run graphs on, and the dtype to cast their result to (or None).

    float16 input kept by every estimator of a chain (scikit-learn's scalers and
    selectors keep it) is computed in float32 and the result cast back to float16;
    a chain with a step that converts float16 (PCA, the learners) computes in
    float64 and returns float64, as scikit-learn does.

    Examples
    --------
    >>> import numpy as np
    >>> X, out = float16_compute(np.ones((1, 1), np.float16), [object()])
    >>> X.dtype, out
    (dtype('float64'), None)
    """
    if X.dtype != np.float16:
        return X, None
    if all(np.float16 in input_dtypes(est) for est in estimators):
        return X.astype(np.float32), np.float16
    return X.astype(np.float64), None


def _dtype_kind(dtype) -> str:
    # A pandas categorical column of numbers converts to its values, as in
    # scikit-learn; one of strings is non-numeric.
    categories = getattr(dtype, "categories", None)
    if categories is not None:
        return getattr(categories.dtype, "kind", "O")
    return getattr(dtype, "kind", "O")


def check_dense_numeric(estimator, X):
    """Raise a TypeError for sparse input or non-numeric columns.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> check_dense_numeric(object(), sp.eye(2, format="csr"))
    Traceback (most recent call last):
    ...
    TypeError: Sparse data was passed to object, but dense data is required: ...
    """
    check_frame_columns(estimator, X)
    if sp.issparse(X):
        raise TypeError(sparse_refused_message(estimator))


def sparse_refused_message(estimator) -> str:
    """Why ``estimator`` refuses sparse input, and the fixes (densify, or make the
    pipeline step before it output dense arrays)."""
    return (
        f"Sparse data was passed to {type(estimator).__name__}, but dense data is "
        "required: it does not support sparse input. Use X.toarray() to convert to "
        "a dense numpy array, or, in a pipeline, make the step before it output "
        "dense arrays: OneHotEncoder(sparse_output=False), "
        "ColumnTransformer(sparse_threshold=0)."
    )


@contextmanager
def _strings_as_type_error(estimator):
    try:
        yield
    except ValueError as exc:
        if "could not convert" not in str(exc):
            raise
        raise TypeError(
            f"{type(estimator).__name__} got non-numeric values in X ({exc}); it "
            "accepts numeric data only. Encode or drop the non-numeric features."
        ) from exc


def check_fit_input(estimator, X):
    """Check ``X`` before a fit that delegates to scikit-learn mutates anything.

    Numeric, finite, 2-D and non-empty, dense unless the estimator takes sparse
    input (:func:`accepts_sparse`; its scikit-learn fit then raises scikit-learn's
    error for a configuration that cannot), or an error naming the estimator.
    """
    sparse = sp.issparse(X) and accepts_sparse(estimator)
    if not sparse:
        check_dense_numeric(estimator, X)
    with _strings_as_type_error(estimator):
        check_array(
            X,
            accept_sparse=SPARSE_FORMATS if sparse else False,
            dtype=list(FLOAT_DTYPES) + [np.float16],
            ensure_all_finite=True,
            estimator=estimator,
            input_name="X",
        )


def validate_float_input(estimator, X, *, reset, y="no_validation", **kwargs):
    """``validate_data`` for a dense float estimator, with clearer errors.

    Float64 or float32 (integers become float64; float16 is kept by estimators
    that list it in ``_input_dtypes``), finite values, 2-D; dense unless the
    estimator takes sparse input (:func:`accepts_sparse`): then it becomes a CSR
    matrix (a ``scipy.sparse`` array becomes a matrix; see :func:`match_sparse`).

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator whose ``n_features_in_`` / ``feature_names_in_`` are set or
        checked.
    X : array-like of shape (n_samples, n_features)
    reset : bool
        True in fit (record the features), False afterwards (check them).
    y : array-like, None or "no_validation", default="no_validation"
        Validated alongside ``X`` unless "no_validation"; None raises scikit-learn's
        "requires y" error for an estimator whose tags require ``y``.
    **kwargs
        Passed on to ``validate_data``.

    Returns
    -------
    X or (X, y)
    """
    params = {"dtype": list(input_dtypes(estimator)), "ensure_all_finite": True}
    if sp.issparse(X) and accepts_sparse(estimator):
        params["accept_sparse"] = SPARSE_FORMATS
    else:
        check_dense_numeric(estimator, X)
    params.update(kwargs)
    with _strings_as_type_error(estimator):
        out = validate_data(estimator, X, y, reset=reset, **params)
    return as_graph_sparse(out) if sp.issparse(out) else out


def as_graph_sparse(X):
    """A CSR / CSC matrix as PyTensor's sparse graphs take it.

    PyTensor's sparse type takes ``scipy.sparse`` matrices (not arrays), and its
    Numba kernels read index arrays as 32-bit: 64-bit indices that fit are
    narrowed (a view would read garbage); a matrix too large for them raises.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.csr_array(np.eye(2))
    >>> X.indices = X.indices.astype(np.int64)
    >>> out = as_graph_sparse(X)
    >>> type(out).__name__, out.indices.dtype
    ('csr_matrix', dtype('int32'))
    """
    limit = np.iinfo(np.int32).max
    if max(X.shape) >= limit or X.nnz >= limit:
        raise ValueError(
            f"the sparse matrix of shape {X.shape} with {X.nnz} stored values is too "
            "large for the compiled sparse kernels (32-bit indices); split it into "
            "row blocks, or densify it."
        )
    cls = sp.csr_matrix if X.format == "csr" else sp.csc_matrix
    if isinstance(X, sp.sparray) or X.format not in ("csr", "csc"):
        X = cls(X) if X.format in ("csr", "csc") else sp.csr_matrix(X)
    if X.indices.dtype != np.int32 or X.indptr.dtype != np.int32:
        X = type(X)(
            (X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)),
            shape=X.shape,
        )
    return X


def match_sparse(out, X):
    """Return a sparse result as a ``scipy.sparse`` array when ``X`` was one (as
    scikit-learn returns), else unchanged.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> type(match_sparse(sp.csr_matrix((1, 1)), sp.csr_array((1, 1)))).__name__
    'csr_array'
    """
    if sp.issparse(out) and isinstance(X, sp.sparray):
        return sp.csr_array(out) if out.format == "csr" else sp.csc_array(out)
    return out
