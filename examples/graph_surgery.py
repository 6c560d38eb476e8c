"""
Model surgery on the layer graph: a DBN becomes a stacked denoising autoencoder
================================================================================

Build a DBN with the macro, look at its annotations, swap its first RBM for a
denoising autoencoder by name (the seed's ``model.replace('rbm1', daa1)``), then
pre-train layer by layer and fine-tune the new model on digits. The figure draws the
new model's annotated graph.
"""

import numpy as np
from sklearn.datasets import load_digits

from sklearn_pylearn.graph import Input, class_error
from sklearn_pylearn.graph.macros import DAA, DBN

X, y = load_digits(return_X_y=True)
X = X / 16.0
x, labels = Input("x", X[:1500], batch_size=50), Input("y", y[:1500], batch_size=50)

dbn = DBN(64, [64, 32], 10, finetune_learning_rate=0.5, x=x, y=labels)
print(dbn.annotations(depth=2))
print("W of rbm2:", dbn.find("W", look_at="rbm2").shape)

sda = dbn.replace("rbm1", DAA(64, 64, corruption_level=0.2), new_name="daa1")
print("annotations after surgery:")
print(sda.annotations(depth=1))

for name in ("daa1", "rbm2"):  # greedy layer-wise pre-training
    sda[name].fit(2)
sda["learner"].fit(10)  # fine-tuning of the whole stack

valid = class_error(sda["output"], labels).replace(
    {x: Input("x", X[1500:]), labels: Input("y", y[1500:])}
)
print(f"validation accuracy: {1 - float(valid.eval()):.2f}")
print(
    "the DBN is unchanged:",
    "'rbm1'" in dbn.annotations(),
    np.isfinite(dbn["output"].eval()).all(),
)

from sklearn_pylearn.plotting import ModelGraphDisplay  # noqa: E402

ModelGraphDisplay.from_model(sda)
