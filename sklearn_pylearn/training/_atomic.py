"""A fit that fails leaves the learner as it was (scikit-learn's expectation)."""

from __future__ import annotations

import copy
import functools

from ..exceptions import TrainingDivergedError
from .trainer import MinibatchTrainer

__all__ = ["fit_atomically"]


def _snapshot(value):
    if isinstance(value, (list, dict)):
        return copy.copy(value)
    if isinstance(value, MinibatchTrainer):  # mutated in place by a fit
        return copy.deepcopy(value)
    return value


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in ``exc``'s chain (Numba wraps it in a
    ``SystemError`` when the signal lands inside compiled code)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


_CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def fit_atomically(method):
    """Decorate a fit method: on failure, restore the attributes it started with.

    Fitted attributes are only kept when the call succeeds, so a failed refit
    (one class, NaN, an interrupt before the first epoch ends) leaves the
    previous model usable, and a failed first fit leaves the learner unfitted.
    :class:`~sklearn_pylearn.exceptions.TrainingDivergedError` is the documented
    exception: it keeps the last finite parameters. An interrupt that Numba
    wrapped in ``SystemError`` is raised as the ``KeyboardInterrupt`` it is.

    Examples
    --------
    >>> class Learner:
    ...     @fit_atomically
    ...     def fit(self, fail):
    ...         self.coef_ = 1
    ...         if fail:
    ...             raise ValueError("no")
    ...         return self
    >>> learner = Learner()
    >>> try:
    ...     learner.fit(True)
    ... except ValueError:
    ...     pass
    >>> hasattr(learner, "coef_")
    False
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        saved = {k: _snapshot(v) for k, v in vars(self).items()}
        try:
            return method(self, *args, **kwargs)
        except TrainingDivergedError:
            raise
        except BaseException as exc:
            # scikit-learn's callback state stays: its fit context tears the
            # callbacks down after the failed fit.
            live = {k: v for k, v in vars(self).items() if k in _CALLBACK_STATE}
            vars(self).clear()
            vars(self).update(saved)
            vars(self).update(live)
            if not isinstance(exc, KeyboardInterrupt) and _interrupted(exc):
                raise KeyboardInterrupt from None
            raise

    return wrapper
