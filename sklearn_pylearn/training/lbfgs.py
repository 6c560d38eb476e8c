"""The L-BFGS driver: pack parameters, call scipy's L-BFGS-B, unpack the result."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy
import scipy.optimize

__all__ = ["minimize_lbfgs"]


def minimize_lbfgs(
    loss_and_grads: Callable,
    params: Sequence[np.ndarray],
    args: Sequence = (),
    *,
    options: dict,
    dtype=None,
    verbose: bool = False,
):
    """Minimise a compiled objective over a list of parameter arrays.

    Parameters
    ----------
    loss_and_grads : callable
        ``loss_and_grads(*params, *args) -> (loss, *grads)``, one gradient per
        parameter (usually a compiled function).
    params : sequence of ndarray
        Initial parameters; their shapes are kept.
    args : sequence
        The objective's other inputs (data, hyper-parameters).
    options : dict
        ``scipy.optimize.minimize``'s L-BFGS-B options (``maxiter``, ``gtol`` ...).
    dtype : dtype, optional
        The parameters' dtype in the objective (default: that of ``params[0]``);
        scipy works in float64.
    verbose : bool
        scipy's per-iteration report (on scipy versions that still take
        ``iprint``).

    Returns
    -------
    params : list of ndarray
        The solution, in ``dtype`` and the shapes of ``params``.
    result : scipy.optimize.OptimizeResult
        scipy's result (``nit``, ``status``, ``message``, ``fun``, ``x``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.training import minimize_lbfgs
    >>> def f(w, b, target):
    ...     return ((w - target) ** 2).sum() + b ** 2, 2 * (w - target), 2 * b
    >>> (w, b), result = minimize_lbfgs(f, [np.zeros((2, 2)), np.array(3.0)],
    ...                                 [np.eye(2)], options={"gtol": 1e-10})
    >>> w.round(6).tolist(), float(b.round(6)), bool(result.success)
    ([[1.0, 0.0], [0.0, 1.0]], 0.0, True)
    """
    shapes = [np.shape(p) for p in params]
    splits = np.cumsum([np.size(p) for p in params])[:-1]
    dtype = np.dtype(dtype or np.asarray(params[0]).dtype)

    def unpack(packed):
        return [
            np.asarray(part.reshape(shape), dtype=dtype, order="C")
            for part, shape in zip(np.split(packed, splits), shapes)
        ]

    def objective(packed):
        loss, *grads = loss_and_grads(*unpack(packed), *args)
        flat = np.concatenate([np.ravel(g) for g in grads]).astype(np.float64)
        return float(loss), flat

    if _lbfgs_has_iprint():
        options = {"iprint": 1 if verbose else -1, **options}
    result = scipy.optimize.minimize(
        objective,
        np.concatenate([np.ravel(p) for p in params]).astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        options=options,
    )
    return unpack(result.x), result


def _lbfgs_has_iprint():
    major, minor = (int(v) for v in scipy.__version__.split(".")[:2])
    return (major, minor) < (1, 15)
