"""Linear models trained and evaluated through compiled graphs."""

from ._logistic import LogisticRegression

__all__ = ["LogisticRegression"]
