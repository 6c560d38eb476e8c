"""Neural networks whose training steps and predictions are compiled graphs:
multi-layer perceptrons, restricted Boltzmann machines, denoising autoencoders,
deep belief networks and stacked denoising autoencoders (pretrained layer-wise,
then fine-tuned), and the scikit-learn bridge of the layer graph (``Graph*``)."""

from ._autoencoder import DenoisingAutoencoder
from ._dbn import DBNClassifier, DBNRegressor
from ._graph_estimators import GraphClassifier, GraphRegressor, GraphTransformer
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._rbm import BernoulliRBM
from ._sda import (
    StackedDenoisingAutoencoderClassifier,
    StackedDenoisingAutoencoderRegressor,
)

__all__ = [
    "BernoulliRBM",
    "DBNClassifier",
    "DBNRegressor",
    "DenoisingAutoencoder",
    "GraphClassifier",
    "GraphRegressor",
    "GraphTransformer",
    "MLPClassifier",
    "MLPRegressor",
    "StackedDenoisingAutoencoderClassifier",
    "StackedDenoisingAutoencoderRegressor",
]
