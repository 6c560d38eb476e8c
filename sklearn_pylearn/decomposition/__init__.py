"""Decompositions whose projections are compiled symbolic graphs."""

from ._pca import PCA

__all__ = ["PCA"]
