"""The library's version and its one compatibility policy.

Estimator pickles (a version stamp in their state) and training checkpoints (a
manifest entry) record :data:`__version__`; both ask :func:`is_compatible` when
loaded. Two versions are compatible when their *breaking part* is equal: the
major version, or, before 1.0, the major and minor versions (``0.1.x`` reads
``0.1.y`` but not ``0.2.0``). An incompatible estimator pickle loads with a
warning; an incompatible checkpoint is refused (resuming would mix states).
"""

from __future__ import annotations

import re

__version__ = "0.1.0"

__all__ = ["__version__", "breaking_part", "is_compatible"]


def breaking_part(version: str) -> tuple[int, ...]:
    """The part of ``version`` that changes when compatibility breaks.

    Examples
    --------
    >>> breaking_part("1.4.2"), breaking_part("0.3.1"), breaking_part("2.0rc1")
    ((1,), (0, 3), (2,))
    """
    nums = [int(p) for p in re.findall(r"\d+", str(version))[:2]] or [0]
    return tuple(nums[:2]) if nums[0] == 0 else (nums[0],)


def is_compatible(saved: str, current: str = __version__) -> bool:
    """Whether something saved by version ``saved`` can be read by ``current``.

    Examples
    --------
    >>> is_compatible("0.1.9", "0.1.0"), is_compatible("0.2.0", "0.1.0")
    (True, False)
    >>> is_compatible("1.9.0", "1.0.0"), is_compatible("2.0.0", "1.0.0")
    (True, False)
    """
    return breaking_part(saved) == breaking_part(current)
