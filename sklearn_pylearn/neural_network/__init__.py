"""Neural networks whose training steps and predictions are compiled graphs:
multi-layer perceptrons, restricted Boltzmann machines, denoising autoencoders."""

from ._autoencoder import DenoisingAutoencoder
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._rbm import BernoulliRBM

__all__ = ["BernoulliRBM", "DenoisingAutoencoder", "MLPClassifier", "MLPRegressor"]
