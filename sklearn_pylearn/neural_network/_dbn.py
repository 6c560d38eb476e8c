"""DBNClassifier and DBNRegressor: deep belief networks, pretrained greedily as
stacked RBMs (CD-k or PCD), then fine-tuned as a multi-layer perceptron with
sigmoid hidden units, in one training program."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..graph import PCD, SGD, Input, Model, dotW_b, squared_error
from ..graph.macros import DBN
from ..utils._sklearn_compat import Interval, StrOptions
from ._base import BaseMLP
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._pretraining import PretrainedMLPMixin

__all__ = ["DBNClassifier", "DBNRegressor", "deep_constraints", "layer_graph"]


def deep_constraints(**extra):
    """The MLP's parameter constraints for a pretrained network: sgd or adam
    (the program runs pretraining and fine-tuning), the pretraining parameters."""
    constraints = dict(BaseMLP._parameter_constraints)
    for name in ("activation", "max_fun"):
        constraints.pop(name)
    constraints.update(
        solver=[StrOptions({"sgd", "adam"})],
        pretrain_epochs=[Interval(Integral, 0, None, closed="left")],
        pretrain_learning_rate=[Interval(Real, 0, None, closed="neither")],
        pretrain_batch_size=[Interval(Integral, 1, None, closed="left")],
        pretrain_only=["boolean"],
        **extra,
    )
    return constraints


def _no_partial_fit(est):
    raise AttributeError(
        f"{type(est).__name__} has no partial_fit: greedy pretraining needs the "
        "whole training set. Use warm_start=True to fine-tune again on new data."
    )


def layer_graph(est, macro, prefix, visible_name, edit=None, **hyper):
    """The fitted network as the annotated layer graph of ``macro`` (``DBN`` or
    ``SdA``), its parameters set from the fitted arrays; a regressor's ends in a
    linear layer (``linear``) instead of the logistic regression (``logreg``)."""
    check_is_fitted(est)
    classifier = hasattr(est, "classes_")
    if classifier and est._multilabel:
        raise AttributeError(
            f"{type(est).__name__}.model_: a multi-label network has no softmax "
            "graph macro; use coefs_ and intercepts_."
        )
    sizes = est._sizes()
    model = macro(
        est.n_features_in_,
        sizes,
        max(len(est.classes_), 2) if classifier else 2,
        learning_rate=est.pretrain_learning_rate,
        finetune_learning_rate=est.learning_rate_init,
        random_state=0,
        **hyper,
    )
    if edit is not None:
        model = edit(model)
    for i in range(len(sizes)):
        params = model.parameters(f"{prefix}{i + 1}")
        _set(params, "W", est.coefs_[i])
        _set(params, "b", est.intercepts_[i])
        _set(params, visible_name, est.intercepts_visible_[i])
    if not classifier:
        model = _linear_top(model, est, f"{prefix}{len(sizes)}")
        top = "linear"
    else:
        top = "logreg"
    W, b = est.coefs_[-1], est.intercepts_[-1]
    if classifier and W.shape[1] == 1:  # one logistic unit: softmax over (0, z)
        W = np.hstack([np.zeros_like(W), W])
        b = np.concatenate([np.zeros_like(b), b])
    params = model.parameters(top)
    _set(params, "W", W)
    _set(params, "b", b)
    return model


def _linear_top(model, est, last):
    """``model``'s layers under a linear output trained on the squared error."""
    h = model.find("hidden", look_at=last).top
    n_out = est.n_outputs_
    y = Input("y", ndim=2, dtype="float64", size=n_out)
    out = dotW_b(h, n_out, random_state=0, name="output")
    cost = squared_error(out, y)
    learner = SGD(cost, learning_rate=est.learning_rate_init)
    layers = [a for a in model.root.children if a.name not in ("logreg", "finetune")]
    outputs = {a.name: model[a.name] for a in layers}
    new = Model(
        {"output": out, "cost": cost, "learner": learner, **outputs}, name=model.name
    )
    for ann in layers:
        new.root.add(ann)
    new.annotate("linear", [out])
    new.annotate("finetune", [cost, learner])
    return new


def _persistent(est):
    """The DBN's CDk learners replaced by PCD ones (``method="pcd"``)."""

    def edit(model):
        for i in range(len(est._sizes())):
            name = f"rbm{i + 1}"
            h = model.find("hidden", look_at=name).top
            visible = h.parents[0].parents[0]
            pcd = PCD(h, visible, k=est.k, learning_rate=est.pretrain_learning_rate)
            model = model.replace(
                look_at=name, search_for="CDk", replace_with=pcd, annotate_as="PCD"
            )
        return model

    return edit


def _set(params, name, value):
    """Set the last parameter called ``name`` of the right shape (a layer's own
    parameters come after those it reads from the layers below)."""
    value = np.asarray(value)
    matches = [p for p in params if p.name == name and p.shape == value.shape]
    matches[-1].value = value.astype(np.float64)


_DBN_CONSTRAINTS = deep_constraints(
    k=[Interval(Integral, 1, None, closed="left")],
    method=[StrOptions({"cd", "pcd"})],
)


class DBNClassifier(PretrainedMLPMixin, MLPClassifier):
    """Deep belief network classifier: stacked RBMs pretrained greedily, then
    fine-tuned as a sigmoid multi-layer perceptron.

    ``fit`` runs ONE training program (``est.training_program(X)`` prints it):
    each hidden layer is trained as a restricted Boltzmann machine (CD-k or PCD,
    the update of :class:`BernoulliRBM`) on the hidden probabilities the layers
    below compute, then the whole network is fine-tuned by the solver of
    :class:`MLPClassifier`. With ``checkpoint_dir``, a fit killed anywhere, in any
    layer or in fine-tuning, resumes bit for bit when started again. Every
    hyper-parameter that does not change the graph's structure (learning rates,
    ``alpha``, momentum ...) is an input of the compiled steps, so a grid search
    compiles each structure once.

    The first RBM has binary (Bernoulli) visible units: scale ``X`` into [0, 1]
    (e.g. with :class:`~sklearn_pylearn.preprocessing.MinMaxScaler`).
    ``fit(X, y, sample_weight)`` weighs the fine-tuning loss; pretraining, which is
    unsupervised, is not weighted. With ``early_stopping`` the layers are pretrained
    on the training split only.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The hidden layers (sigmoid units), each pretrained as one RBM.
    pretrain_epochs : int, default=10
        Epochs of pretraining per layer.
    pretrain_learning_rate : float, default=0.1
    pretrain_batch_size : int, default=10
        Rows per pretraining minibatch (and persistent chains for PCD).
        Pretraining is unweighted: ``fit``'s ``sample_weight`` weighs the
        fine-tuning loss only (see the user guide's deep learners page).
    k : int, default=1
        Gibbs steps of the negative phase.
    method : {"cd", "pcd"}, default="cd"
        Contrastive divergence from the data, or persistent CD.
    pretrain_only : bool, default=False
        Stop after pretraining (the output layer keeps its initial weights); set
        it to False with ``warm_start=True`` and fit again to fine-tune.
    solver : {"sgd", "adam"}, default="adam"
    alpha, batch_size, learning_rate, learning_rate_init, power_t, max_iter,
    shuffle, tol, momentum, nesterovs_momentum, early_stopping,
    validation_fraction, beta_1, beta_2, epsilon, n_iter_no_change
        Fine-tuning, as in :class:`MLPClassifier` (``shuffle`` also orders the
        pretraining minibatches).
    warm_start : bool, default=False
        On a fitted estimator: fine-tune again from its weights, without
        pretraining.
    random_state : int, RandomState instance or None, default=None
    verbose : bool, default=False
        One progress bar per phase (each layer, then fine-tuning).
    dtype : {"float64", "float32"} or None, default=None
    checkpoint_dir : str or path, default=None
        As in :class:`MLPClassifier`; a checkpoint is also written at the end of
        each pretrained layer.
    hooks : list of sklearn_pylearn.runtime.Hook, default=None

    Attributes
    ----------
    coefs_, intercepts_, classes_, loss_, best_loss_, loss_curve_, n_iter_,
    n_layers_, n_outputs_, out_activation_, t_, validation_scores_,
    best_validation_score_, n_features_in_, feature_names_in_
        As in :class:`MLPClassifier`.
    intercepts_visible_ : list of ndarray
        Each RBM's visible biases (not used to predict).
    pretrain_loss_curves_ : list of list of float
        Per layer, the negative mean pseudo-likelihood of its input after each
        pretraining epoch.
    pretrain_reconstruction_error_curves_ : list of list of float
        Per layer, its CD step's monitor after each pretraining epoch: the
        mean squared reconstruction error per row measured by each minibatch's
        update (as ``BernoulliRBM.reconstruction_error_curve_``; no extra
        pass over the data).
    model_ : sklearn_pylearn.graph.Model
        The fitted network as the annotated layer graph (``DBN`` > ``rbm1`` >
        ``hidden``, ``CDk`` (``PCD`` with ``method="pcd"``) ... > ``logreg``),
        built from the fitted arrays on each access: edit it
        (``model_.replace("rbm1", DAA(...), new_name="daa1")``) and train the
        result with :class:`GraphClassifier`.

    See Also
    --------
    StackedDenoisingAutoencoderClassifier : the same with denoising autoencoders.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_pylearn.neural_network import DBNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X[:200] / 16; y = y[:200]
    >>> clf = DBNClassifier(hidden_layer_sizes=(16, 8), pretrain_epochs=2,
    ...                     max_iter=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, [len(c) for c in clf.pretrain_loss_curves_]
    ((3,), [2, 2])
    >>> print(clf.model_.annotations(depth=1))
    'DBN'
        'rbm1'
        'rbm2'
        'logreg'
        'finetune'
    """

    _parameter_constraints = _DBN_CONSTRAINTS
    _layer_prefix = "rbm"
    activation = "logistic"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        pretrain_epochs=10,
        pretrain_learning_rate=0.1,
        pretrain_batch_size=10,
        k=1,
        method="cd",
        pretrain_only=False,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        dtype=None,
        checkpoint_dir=None,
        hooks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_learning_rate = pretrain_learning_rate
        self.pretrain_batch_size = pretrain_batch_size
        self.k = k
        self.method = method
        self.pretrain_only = pretrain_only
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.checkpoint_dir = checkpoint_dir
        self.hooks = hooks

    partial_fit = available_if(_no_partial_fit)(MLPClassifier.partial_fit)

    def _layer_corruption(self):
        return None

    def _layer_trainer(self, i, fan_in, fan_out, data, rs, dtype):
        return self._rbm_trainer(fan_in, fan_out, data, rs, dtype)

    @property
    def model_(self):
        """The fitted DBN as an annotated layer graph (see the class docstring)."""
        edit = _persistent(self) if self.method == "pcd" else None
        return layer_graph(self, DBN, "rbm", "b_vis", edit, k=self.k)


class DBNRegressor(PretrainedMLPMixin, MLPRegressor):
    """Deep belief network regressor: stacked RBMs pretrained greedily, then
    fine-tuned with a linear output on the squared error.

    See :class:`DBNClassifier` for the program, the checkpoints and the
    parameters; the fine-tuning is :class:`MLPRegressor`'s (squared error).

    Parameters
    ----------
    hidden_layer_sizes, pretrain_epochs, pretrain_learning_rate,
    pretrain_batch_size, k, method, pretrain_only, solver, alpha, batch_size,
    learning_rate, learning_rate_init, power_t, max_iter, shuffle, random_state,
    tol, verbose, warm_start, momentum, nesterovs_momentum, early_stopping,
    validation_fraction, beta_1, beta_2, epsilon, n_iter_no_change, dtype,
    checkpoint_dir, hooks
        As for :class:`DBNClassifier`; early stopping watches the validation R^2.

    Attributes
    ----------
    coefs_, intercepts_, loss_, best_loss_, loss_curve_, n_iter_, n_layers_,
    n_outputs_, out_activation_, t_, n_features_in_, feature_names_in_,
    intercepts_visible_, pretrain_loss_curves_,
    pretrain_reconstruction_error_curves_
        As for :class:`DBNClassifier` (``out_activation_`` is "identity").
    model_ : sklearn_pylearn.graph.Model
        ``DBN`` > ``rbm1`` ... > ``linear`` (squared error), from the fitted arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.neural_network import DBNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(100, 6)); y = X.sum(axis=1)
    >>> reg = DBNRegressor(hidden_layer_sizes=(8,), pretrain_epochs=2,
    ...                    max_iter=20, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape, reg.out_activation_
    ((3,), 'identity')
    """

    _parameter_constraints = _DBN_CONSTRAINTS
    _layer_prefix = "rbm"
    activation = "logistic"
    loss = "squared_error"

    __init__ = DBNClassifier.__init__
    partial_fit = available_if(_no_partial_fit)(MLPRegressor.partial_fit)
    _layer_corruption = DBNClassifier._layer_corruption
    _layer_trainer = DBNClassifier._layer_trainer
    model_ = DBNClassifier.model_
