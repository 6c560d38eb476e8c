"""Multi-layer perceptrons whose training steps and predictions are compiled graphs."""

from ._multilayer_perceptron import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
