"""Weight initialisers (NumPy, seeded by a RandomState)."""

from __future__ import annotations

import numpy as np

__all__ = ["glorot_uniform"]


def glorot_uniform(
    rng: np.random.RandomState,
    fan_in: int,
    fan_out: int,
    activation: str,
    dtype=np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Glorot-uniform weights and intercepts, drawn as scikit-learn's MLP draws them.

    ``bound = sqrt(factor / (fan_in + fan_out))`` with factor 2 for the logistic
    activation and 6 otherwise; the weights are drawn first, then the intercepts, both
    uniform in ``[-bound, bound]``: the same ``RandomState`` gives scikit-learn's
    initial parameters.

    Examples
    --------
    >>> W, b = glorot_uniform(np.random.RandomState(0), 3, 2, "relu")
    >>> W.shape, b.shape, bool(np.abs(W).max() <= np.sqrt(6 / 5))
    ((3, 2), (2,), True)
    """
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    W = rng.uniform(-bound, bound, (fan_in, fan_out))
    b = rng.uniform(-bound, bound, fan_out)
    return W.astype(dtype, copy=False), b.astype(dtype, copy=False)
