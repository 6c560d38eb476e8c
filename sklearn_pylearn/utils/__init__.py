"""Validation helpers shared by the estimators."""

from .validation import (
    check_dense_numeric,
    check_fit_input,
    check_frame_columns,
    validate_float_input,
)

__all__ = [
    "check_dense_numeric",
    "check_fit_input",
    "check_frame_columns",
    "validate_float_input",
]
