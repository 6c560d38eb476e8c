"""A sample or a minibatch: named field values, read as attributes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..runtime import register_record

__all__ = ["Sample"]


class Sample:
    """Named field values of one sample or one minibatch.

    Fields read as attributes (``sample.input``, ``sample.target``), by name
    (``sample["target"]``) or by position; iterating yields the values in field
    order, so ``X, y = batch`` unpacks a minibatch.

    Parameters
    ----------
    values : mapping of str to object
        Field name -> value, in field order.

    Examples
    --------
    >>> from sklearn_pylearn.data import Sample
    >>> s = Sample({"input": [1.0, 2.0], "target": 0})
    >>> s.target, s["input"], s.keys()
    (0, [1.0, 2.0], ('input', 'target'))
    >>> X, y = s
    >>> y
    0
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"this sample has no field {name!r}; its fields are "
                f"{list(self._values)!r}."
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Sample is read-only; cannot set {name!r}.")

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, str):
            if key not in self._values:
                raise KeyError(
                    f"this sample has no field {key!r}; its fields are "
                    f"{list(self._values)!r}."
                )
            return self._values[key]
        return list(self._values.values())[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values.values())

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> tuple[str, ...]:
        """The field names, in order."""
        return tuple(self._values)

    def to_dict(self) -> dict[str, Any]:
        """A new dict of field name -> value."""
        return dict(self._values)

    def __getstate__(self) -> dict[str, Any]:
        return self._values

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(state))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Sample({inner})"


# Samples are plain data in a program's state (a BUFFER_REPEAT of dataset.next
# holds them when a checkpoint is taken).
register_record(Sample, "sklearn_pylearn.data:Sample")
