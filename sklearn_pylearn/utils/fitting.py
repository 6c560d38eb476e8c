"""A fit that fails leaves the estimator as it was."""

from contextlib import contextmanager

__all__ = ["restore_on_error"]


@contextmanager
def restore_on_error(estimator):
    """Put back the fitted state of ``estimator`` when the block raises.

    scikit-learn's fits reset or record part of the state (``n_features_in_``,
    ``feature_names_in_``, deleted statistics) before they can fail on a parameter
    or on the data; inside this block, a failed refit restores every attribute
    that is not a constructor parameter, so the previous fit still holds (and an
    unfitted estimator stays unfitted). Parameters set since are kept.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> est = SimpleNamespace(scale_=2.0, get_params=lambda deep=False: {})
    >>> try:
    ...     with restore_on_error(est):
    ...         est.scale_ = None
    ...         raise ValueError("bad data")
    ... except ValueError:
    ...     pass
    >>> est.scale_
    2.0
    """
    params = set(estimator.get_params(deep=False))
    saved = {k: v for k, v in vars(estimator).items() if k not in params}
    try:
        yield estimator
    except BaseException:
        for key in [k for k in vars(estimator) if k not in params]:
            delattr(estimator, key)
        for key, value in saved.items():
            setattr(estimator, key, value)
        raise
