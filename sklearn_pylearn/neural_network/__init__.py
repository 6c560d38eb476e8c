"""Neural networks whose training steps and predictions are compiled graphs:
multi-layer perceptrons, restricted Boltzmann machines, denoising autoencoders, and
the scikit-learn bridge of the layer graph (``Graph*``)."""

from ._autoencoder import DenoisingAutoencoder
from ._graph_estimators import GraphClassifier, GraphRegressor, GraphTransformer
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._rbm import BernoulliRBM

__all__ = [
    "BernoulliRBM",
    "DenoisingAutoencoder",
    "GraphClassifier",
    "GraphRegressor",
    "GraphTransformer",
    "MLPClassifier",
    "MLPRegressor",
]
