"""Scalers whose transforms are compiled symbolic graphs."""

from ._data import MinMaxScaler, StandardScaler

__all__ = ["MinMaxScaler", "StandardScaler"]
