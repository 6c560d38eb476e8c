"""
A fitted DBN, its layer graph, and surgery: rbm1 becomes a denoising autoencoder
================================================================================

``DBNClassifier`` pretrains two RBMs layer by layer and fine-tunes the network, in
one training program. Its ``model_`` is the fitted network as the annotated layer
graph (``DBN`` > ``rbm1`` > ... > ``logreg``); replacing ``rbm1`` by a denoising
autoencoder ``daa1`` (the seed's ``model.replace('rbm1', daa1)``) gives a new model
that ``GraphClassifier`` trains, starting from the DBN's fitted ``rbm2`` and
``logreg``. The figure shows each layer's pretraining curve, the fine-tuning curve,
and the accuracies of the DBN, of the model after surgery and of an MLP without
pretraining.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_pylearn.graph.macros import DAA
from sklearn_pylearn.neural_network import (
    DBNClassifier,
    GraphClassifier,
    MLPClassifier,
)

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, random_state=0, stratify=y
)
finetune = dict(
    hidden_layer_sizes=(64, 32),
    solver="sgd",
    learning_rate_init=0.1,
    batch_size=20,
    max_iter=10,
    random_state=0,
)
dbn = DBNClassifier(pretrain_epochs=5, **finetune).fit(X_train, y_train)
print(dbn.training_program(len(X_train)))
print(dbn.model_.annotations(depth=2))

sda = dbn.model_.replace("rbm1", DAA(64, 64, corruption_level=0.2), new_name="daa1")
print("after surgery:")
print(sda.annotations(depth=1))
surgered = GraphClassifier(
    sda, learners=["daa1", "learner"], max_iter=10, batch_size=20, random_state=0
).set_params(model__finetune__learning_rate=0.1)
surgered.fit(X_train, y_train)
mlp = MLPClassifier(activation="logistic", **finetune).fit(X_train, y_train)

scores = {
    "DBN": dbn.score(X_test, y_test),
    "after surgery\n(daa1, rbm2)": surgered.score(X_test, y_test),
    "MLP, no\npretraining": mlp.score(X_test, y_test),
}
for name, score in scores.items():
    print(f"{name.replace(chr(10), ' ')}: test accuracy {score:.3f}")
print("the fitted DBN is unchanged:", "'rbm1'" in dbn.model_.annotations())

fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
for i, curve in enumerate(dbn.pretrain_loss_curves_, 1):
    axes[0].plot(range(1, len(curve) + 1), curve, marker="o", label=f"rbm{i}")
axes[0].set(title="pretraining", xlabel="epoch", ylabel="- pseudo-likelihood (per row)")
axes[0].legend()
axes[1].plot(range(1, len(dbn.loss_curve_) + 1), dbn.loss_curve_, marker="o")
axes[1].set(title="fine-tuning", xlabel="epoch", ylabel="log-loss")
axes[2].bar(list(scores), list(scores.values()), color=["C0", "C1", "C7"])
axes[2].set(title="test accuracy (digits)", ylim=(0.8, 1.0))
fig.tight_layout()
plt.show()
