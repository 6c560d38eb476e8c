"""The L-BFGS driver: pack parameters, call scipy's L-BFGS-B, unpack the result."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy
import scipy.optimize

from ..symbolic.rowwise import block_rows, dense_block, row_blocks

__all__ = ["minimize_lbfgs", "row_block_objective"]


def minimize_lbfgs(
    loss_and_grads: Callable,
    params: Sequence[np.ndarray],
    args: Sequence = (),
    *,
    options: dict,
    dtype=None,
    verbose: int = 0,
    callback: Callable | None = None,
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
    verbose : int, default=0
        Progress on stdout, as scikit-learn asked scipy's L-BFGS-B for it (its
        ``iprint``): 1 prints every 50th iterate, 2 and more every iterate, and a
        summary at the end. scipy 1.15+ no longer prints (its ``iprint`` is gone),
        so the lines (``At iterate    N    f=  ...    |proj g|=  ...``) are
        printed here in the Fortran code's format.
    callback : callable, optional
        ``callback(xk)`` after each iteration with the packed (float64)
        parameters, as ``scipy.optimize.minimize`` calls it.

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

    x0 = np.concatenate([np.ravel(p) for p in params]).astype(np.float64)
    report = None
    if verbose and not _lbfgs_has_iprint():
        report = _Progress(x0.size, options.get("maxcor", 10), verbose)

    def objective(packed):
        loss, *grads = loss_and_grads(*unpack(packed), *args)
        flat = np.concatenate([np.ravel(g) for g in grads]).astype(np.float64)
        if report is not None:
            report.evaluated(packed, float(loss), flat)
        return float(loss), flat

    def after_iteration(xk):
        if report is not None:
            if not np.array_equal(xk, report.last[0]):
                objective(xk)  # the report shows f and |g| at the iterate
            report.iterated(xk)
        if callback is not None:
            callback(xk)

    if _lbfgs_has_iprint():
        iprint = 1 if verbose >= 2 else (50 if verbose else -1)
        options = {"iprint": iprint, **options}
    result = scipy.optimize.minimize(
        objective,
        x0,
        method="L-BFGS-B",
        jac=True,
        options=options,
        callback=after_iteration if report or callback else None,
    )
    if report is not None:
        report.finished(result)
    return unpack(result.x), result


def _d(value):
    """A number as Fortran's ``1p,d12.5`` writes it (``1.09861D+00``)."""
    return f"{value:12.5E}".replace("E", "D")


class _Progress:
    """scipy's former L-BFGS-B report (the Fortran code's lines), on stdout."""

    def __init__(self, n, m, verbose):
        self.every = 1 if verbose >= 2 else 50
        self.n_iter = 0
        self.n_eval = 0
        self.last = None
        print("RUNNING THE L-BFGS-B CODE\n\n           * * *\n", flush=True)
        print(f"Machine precision = {_d(np.finfo(float).eps).strip()}", flush=True)
        print(f" N = {n:12d}     M = {m:12d}", flush=True)

    def evaluated(self, x, f, g):
        self.n_eval += 1
        self.last = (np.array(x), f, float(np.max(np.abs(g), initial=0.0)))
        if self.n_eval == 1:
            print("\nAt X0         0 variables are exactly at the bounds", flush=True)
            self._line(0)

    def iterated(self, xk):
        self.n_iter += 1
        if self.n_iter % self.every == 0:
            self._line(self.n_iter)

    def _line(self, n_iter):
        _, f, projg = self.last
        line = f"At iterate{n_iter:5d}    f= {_d(f)}    |proj g|= {_d(projg)}"
        print(f"\n{line}", flush=True)

    def finished(self, result):
        _, f, projg = self.last
        print(
            "\n           * * *\n\n"
            "Tit   = total number of iterations\n"
            "Tnf   = total number of function evaluations\n"
            "Projg = norm of the final projected gradient\n"
            "F     = final function value\n\n           * * *\n\n"
            "   N    Tit     Tnf     Projg        F\n"
            f"{result.x.size:5d} {result.nit:6d} {result.nfev:7d}  "
            f"{_d(projg).strip():>10} {_d(result.fun).strip():>11}\n"
            f"  F = {result.fun:.15g}\n\n{result.message}",
            flush=True,
        )


def row_block_objective(
    make_objective: Callable,
    X,
    row_args: Sequence = (),
    args: Sequence = (),
    first_args: Sequence = (),
    other_args: Sequence = (),
):
    """An objective over all rows of ``X`` that never holds more than a block dense.

    When ``X`` is at most two row blocks (``symbolic.rowwise.row_blocks``) the
    objective is ``make_objective(False)(*params, X, *row_args, *args)`` with a
    sparse ``X`` densified once (small). Otherwise it is the sum over row blocks
    of ``make_objective(True)(*params, X_block, *row_args_block, *extra)``, where
    ``extra`` is
    ``first_args`` for the first block and ``other_args`` for the others (so a
    penalty is counted once, and each block's data term is divided by the total
    weight given in them); a sparse block is densified when it is read. Dense and
    sparse ``X`` of the same values give the same calls, hence the same result.

    Parameters
    ----------
    make_objective : callable
        ``make_objective(blocked)`` returns the (compiled) objective
        ``(*params, X, *row_args, *extra) -> (loss, *grads)`` for all rows
        (``blocked=False``) or for one block's share (``True``).
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    row_args : sequence of ndarray
        Arrays with one row per sample (targets, sample weights).
    args : sequence
        ``whole``'s other inputs.
    first_args, other_args : sequence
        ``block``'s other inputs for the first block and for the rest.

    Returns
    -------
    objective : callable
        ``objective(*params) -> (loss, *grads)``, for :func:`minimize_lbfgs`.

    Examples
    --------
    >>> import numpy as np
    >>> def f(w, X, y, scale):  # sum of squares and its gradient
    ...     r = X @ w - y
    ...     return scale * (r @ r), 2 * scale * X.T @ r
    >>> X, y = np.arange(8.0).reshape(4, 2), np.ones(4)
    >>> objective = row_block_objective(lambda blocked: f, X, [y], args=[1.0])
    >>> objective(np.ones(2))[0]
    np.float64(224.0)
    """
    if hasattr(X, "tocsr") and X.format != "csr":
        X = X.tocsr()  # row slices of CSR are cheap; of CSC they are not
    blocks = row_blocks(X.shape[0], block_rows(X))
    if len(blocks) == 1:
        whole = make_objective(False)
        X_whole = dense_block(X, blocks[0])

        def objective(*params):
            return whole(*params, X_whole, *row_args, *args)

        return objective
    block = make_objective(True)

    def objective(*params):
        total = None
        for i, rows in enumerate(blocks):
            extra = first_args if i == 0 else other_args
            parts = block(
                *params,
                dense_block(X, rows),
                *(a[rows] for a in row_args),
                *extra,
            )
            parts = [np.asarray(p, dtype=np.float64) for p in parts]
            total = parts if total is None else [t + p for t, p in zip(total, parts)]
        return total

    return objective


def _lbfgs_has_iprint():
    major, minor = (int(v) for v in scipy.__version__.split(".")[:2])
    return (major, minor) < (1, 15)
