"""Univariate statistics as graphs: one-way ANOVA F and Pearson correlation."""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from .sparse import column_sums, is_sparse, square, transpose_dot

__all__ = ["anova_f_graph", "correlation_graph"]


def anova_f_graph(
    X: TensorVariable, codes: TensorVariable, counts: TensorVariable
) -> tuple[TensorVariable, TensorVariable, TensorVariable]:
    """One-way ANOVA F statistic of every column of ``X`` across classes.

    Parameters
    ----------
    X : matrix (n_samples, n_features), dense or sparse
    codes : int vector (n_samples,)
        Class index of each sample, in ``[0, n_classes)``.
    counts : vector (n_classes,)
        Number of samples in each class, in ``X``'s dtype.

    Returns
    -------
    f, msb, msw : vectors (n_features,)
        F statistic, between-class and within-class mean squares (the same sums as
        ``scipy.stats.f_oneway`` and scikit-learn's ``f_oneway``).
    """
    n_classes = counts.shape[0]
    n_samples = pt.cast(X.shape[0], X.dtype)
    if is_sparse(X):
        one_hot = pt.eq(codes[:, None], pt.arange(n_classes)[None, :])
        class_sums = transpose_dot(X, pt.cast(one_hot, X.dtype)).T
    else:
        class_sums = pt.inc_subtensor(
            pt.zeros((n_classes, X.shape[1]), dtype=X.dtype)[codes], X
        )
    ss_alldata = column_sums(square(X))
    square_of_sums_alldata = pt.sqr(pt.sum(class_sums, axis=0))
    sstot = ss_alldata - square_of_sums_alldata / n_samples
    ssbn = pt.sum(pt.sqr(class_sums) / counts[:, None], axis=0)
    ssbn = ssbn - square_of_sums_alldata / n_samples
    sswn = sstot - ssbn
    msb = ssbn / pt.cast(n_classes - 1, X.dtype)
    msw = sswn / (n_samples - pt.cast(n_classes, X.dtype))
    return msb / msw, msb, msw


def correlation_graph(
    X: TensorVariable, y: TensorVariable, center: bool = True
) -> TensorVariable:
    """Pearson correlation of every column of ``X`` with ``y`` (``center=True``), or
    the cosine of the uncentred vectors (``center=False``); ``X`` may be sparse."""
    sum_squares = column_sums(square(X))
    if center:
        y = y - pt.mean(y)
        n_samples = pt.cast(X.shape[0], X.dtype)
        means = column_sums(X) / n_samples
        norms = pt.sqrt(sum_squares - n_samples * pt.sqr(means))
    else:
        norms = pt.sqrt(sum_squares)
    products = transpose_dot(X, y[:, None])[:, 0] if is_sparse(X) else pt.dot(y, X)
    return products / norms / pt.sqrt(pt.sum(pt.sqr(y)))
