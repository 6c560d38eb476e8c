"""Scalers and expression steps whose transforms are compiled symbolic graphs."""

from ._data import MinMaxScaler, StandardScaler
from ._expression import ExpressionTransformer

__all__ = ["ExpressionTransformer", "MinMaxScaler", "StandardScaler"]
