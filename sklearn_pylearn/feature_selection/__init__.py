"""Feature selectors whose statistics and column gathers are compiled graphs."""

from ._univariate import SelectKBest, f_classif, f_regression
from ._variance_threshold import VarianceThreshold

__all__ = ["SelectKBest", "VarianceThreshold", "f_classif", "f_regression"]
