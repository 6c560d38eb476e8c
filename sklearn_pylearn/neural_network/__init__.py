"""Multi-layer perceptrons whose training steps and predictions are compiled graphs,
and the scikit-learn bridge of the layer graph (``Graph*``)."""

from ._graph_estimators import GraphClassifier, GraphRegressor, GraphTransformer
from ._multilayer_perceptron import MLPClassifier, MLPRegressor

__all__ = [
    "GraphClassifier",
    "GraphRegressor",
    "GraphTransformer",
    "MLPClassifier",
    "MLPRegressor",
]
