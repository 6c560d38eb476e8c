"""The default warm-up jobs: each public estimator with its default settings.

A new estimator registers its job here with ``register_warmup``: fit it on the tiny
data of ``_data`` and call the methods a user calls first.
"""

import pytensor.tensor as pt

from ..decomposition import PCA
from ..feature_selection import SelectKBest, VarianceThreshold
from ..linear_model import LogisticRegression
from ..neural_network import (
    BernoulliRBM,
    DBNClassifier,
    DBNRegressor,
    DenoisingAutoencoder,
    GraphClassifier,
    GraphRegressor,
    GraphTransformer,
    MLPClassifier,
    MLPRegressor,
    StackedDenoisingAutoencoderClassifier,
    StackedDenoisingAutoencoderRegressor,
)
from ..pipeline import make_pipeline
from ..preprocessing import ExpressionTransformer, MinMaxScaler, StandardScaler
from .warmup import _data, register_warmup

_TRANSFORMERS = {
    "StandardScaler": StandardScaler,
    "MinMaxScaler": MinMaxScaler,
    "PCA": lambda: PCA(n_components=3),
    "VarianceThreshold": VarianceThreshold,
    "SelectKBest": lambda: SelectKBest(k=3),
    "ExpressionTransformer(tanh)": lambda: ExpressionTransformer(pt.tanh),
    "BernoulliRBM(pcd)": lambda: BernoulliRBM(n_components=4, n_iter=1),
    "BernoulliRBM(cd)": lambda: BernoulliRBM(n_components=4, n_iter=1, method="cd"),
    "DenoisingAutoencoder": lambda: DenoisingAutoencoder(n_components=4, max_iter=2),
    "GraphTransformer": lambda: GraphTransformer(max_iter=2),
}


def _transformer_job(make):
    def job(dtype):
        X, y = _data(dtype)
        make().fit(X, y).transform(X)

    return job


for _name, _make in _TRANSFORMERS.items():
    register_warmup(_name)(_transformer_job(_make))


@register_warmup("Pipeline(scaler, PCA, tanh, minmax)")
def _pipeline(dtype):
    X, _ = _data(dtype)
    pipe = make_pipeline(
        StandardScaler(),
        PCA(n_components=3),
        ExpressionTransformer(pt.tanh),
        MinMaxScaler(),
    )
    pipe.fit(X).transform(X)


def _classifier_job(make):
    def job(dtype):
        for n_classes in (2, 3):
            X, y = _data(dtype, n_classes)
            model = make(dtype).fit(X, y)
            model.predict(X)
            model.predict_proba(X)

    return job


for _solver in ("lbfgs", "sgd", "adam"):
    register_warmup(f"LogisticRegression({_solver})")(
        _classifier_job(
            lambda dtype, s=_solver: LogisticRegression(solver=s, max_iter=3)
        )
    )

_MLP_SETTINGS = [(act, "adam") for act in ("relu", "logistic", "tanh", "identity")]
_MLP_SETTINGS += [("relu", "sgd"), ("relu", "lbfgs")]
for _act, _solver in _MLP_SETTINGS:
    register_warmup(f"MLPClassifier({_act}, {_solver})")(
        _classifier_job(
            lambda dtype, a=_act, s=_solver: MLPClassifier(
                (8,), activation=a, solver=s, max_iter=2, dtype=dtype
            )
        )
    )


def _regressor_job(solver):
    def job(dtype):
        X, y = _data(dtype)
        model = MLPRegressor(
            hidden_layer_sizes=(8,), solver=solver, max_iter=2, dtype=dtype
        )
        model.fit(X, y.astype(dtype)).predict(X)

    return job


for _solver in ("adam", "sgd", "lbfgs"):
    register_warmup(f"MLPRegressor(relu, {_solver})")(_regressor_job(_solver))

register_warmup("GraphClassifier")(
    _classifier_job(lambda dtype: GraphClassifier(max_iter=2))
)


@register_warmup("GraphRegressor")
def _graph_regressor(dtype):
    X, y = _data(dtype)
    GraphRegressor(max_iter=2).fit(X, y.astype(dtype)).predict(X)


# Pretrained networks: the pretraining steps (CD-k and PCD, the autoencoder's),
# the layer encoder and the fine-tuning step, with each default solver.
_DEEP = dict(hidden_layer_sizes=(8, 4), pretrain_epochs=1, max_iter=2)
_DEEP_CLASSIFIERS = {
    "DBNClassifier(cd)": lambda dtype: DBNClassifier(**_DEEP, dtype=dtype),
    "DBNClassifier(pcd)": lambda dtype: DBNClassifier(
        **_DEEP, method="pcd", dtype=dtype
    ),
    "StackedDenoisingAutoencoderClassifier": lambda dtype: (
        StackedDenoisingAutoencoderClassifier(**_DEEP, dtype=dtype)
    ),
}
for _name, _make in _DEEP_CLASSIFIERS.items():
    register_warmup(_name)(_classifier_job(_make))


def _deep_regressor_job(cls):
    def job(dtype):
        X, y = _data(dtype)
        cls(**_DEEP, dtype=dtype).fit(X, y.astype(dtype)).predict(X)

    return job


for _cls in (DBNRegressor, StackedDenoisingAutoencoderRegressor):
    register_warmup(_cls.__name__)(_deep_regressor_job(_cls))
