"""The annotated layer graph (seed ``layer_RP``): models drawn as graphs of layers.

Nodes wrap PyTensor expressions; building never compiles. Parameters and
hyper-parameters are inputs of the compiled functions (no shared variables), so
every model of one structure shares one compiled function. Any node iterates over
the minibatches of its data (``next()``); learner nodes update their parameters.

Examples
--------
>>> import numpy as np
>>> from sklearn_pylearn.graph import Input, dotW_b, softmax, nll, SGD
>>> x = Input("x", np.random.RandomState(0).rand(30, 4), batch_size=10)
>>> y = Input("y", np.arange(30) % 2, batch_size=10)
>>> err = nll(softmax(dotW_b(x, n=2, random_state=0)), y)
>>> learner = SGD(err, err.parameters(), learning_rate=0.1)
>>> isinstance(learner.next(), float)
True
"""

from ..runtime import register_trusted
from ._learners import PCD, SGD, Adam, CDk, Learner, Momentum
from ._leaves import HyperParam, Input, Param, RandomStream
from ._model import Annotation, Model
from ._node import Node, evaluate
from ._reconstruct import inverse
from ._recurrence import delayed, loop, recurrent_layer, slice
from ._serialize import GraphStateError
from ._transforms import (
    apply,
    class_error,
    corrupt,
    cross_entropy,
    dotW_b,
    grad,
    l1,
    l2,
    max_norm,
    nll,
    relu,
    sigmoid,
    softmax,
    squared_error,
    tanh,
)

# Graph objects store plain data only (see _serialize.py): skops may load them,
# and the runtime's checkpoint loader may build them.
register_trusted(
    Model, Node, Input, Param, HyperParam, RandomStream, Learner, SGD, Adam, CDk, PCD
)

__all__ = [
    "Adam",
    "Annotation",
    "CDk",
    "GraphStateError",
    "HyperParam",
    "Input",
    "Learner",
    "Model",
    "Momentum",
    "Node",
    "PCD",
    "Param",
    "RandomStream",
    "SGD",
    "apply",
    "class_error",
    "corrupt",
    "cross_entropy",
    "delayed",
    "dotW_b",
    "evaluate",
    "grad",
    "inverse",
    "l1",
    "l2",
    "loop",
    "max_norm",
    "nll",
    "recurrent_layer",
    "relu",
    "sigmoid",
    "slice",
    "softmax",
    "squared_error",
    "tanh",
]
