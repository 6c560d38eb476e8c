"""Input validation: scikit-learn's ``validate_data`` plus clearer messages for the
mistakes it reports vaguely (sparse input, non-numeric DataFrame columns, strings)."""

from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

__all__ = [
    "FLOAT_DTYPES",
    "check_dense_numeric",
    "check_fit_input",
    "check_frame_columns",
    "validate_float_input",
]

FLOAT_DTYPES = (np.float64, np.float32)


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
            if getattr(dt, "kind", "O") not in "biuf":
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
        raise TypeError(
            f"Sparse data was passed to {type(estimator).__name__}, but dense data "
            "is required: its graphs run on dense arrays. Use X.toarray() to convert "
            "to a dense numpy array."
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

    Dense, numeric, finite, 2-D and non-empty, or an error naming the estimator.
    """
    check_dense_numeric(estimator, X)
    with _strings_as_type_error(estimator):
        check_array(
            X,
            dtype=list(FLOAT_DTYPES),
            ensure_all_finite=True,
            estimator=estimator,
            input_name="X",
        )


def validate_float_input(estimator, X, *, reset, y="no_validation", **kwargs):
    """``validate_data`` for a dense float estimator, with clearer errors.

    Dense only, float64 or float32 (integers become float64), finite values, 2-D.

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
    check_dense_numeric(estimator, X)
    params = {"dtype": list(FLOAT_DTYPES), "ensure_all_finite": True, **kwargs}
    with _strings_as_type_error(estimator):
        return validate_data(estimator, X, y, reset=reset, **params)
