"""TrainingCurveDisplay: the loss (and validation score) of an iterative learner."""

import numpy as np

from ._base import final_step, new_axes

__all__ = ["TrainingCurveDisplay"]

# The per-epoch curve an estimator records, in order of preference, and its label.
# Contrastive divergence descends no loss: an RBM records its monitoring cost.
_CURVES = (
    ("loss_curve_", "training loss"),
    ("reconstruction_error_curve_", "reconstruction error"),
)

_NO_CURVE = {
    None: (
        "(is it fitted, and an iterative learner: an MLP, a solver='sgd' or 'adam' "
        "LogisticRegression, a DenoisingAutoencoder, a Graph estimator?)"
    ),
    "LogisticRegression": (
        "(solver='lbfgs' records none; solver='sgd' or 'adam' records the loss "
        "per epoch)"
    ),
}


class TrainingCurveDisplay:
    """Loss and validation score per epoch, as scikit-learn's displays draw.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
    validation_scores : array-like of shape (n_epochs,) or None
    estimator_name : str or None
    loss_label : str, default="training loss"
        The curve's axis label (``"reconstruction error"`` for an RBM's monitor).

    Attributes
    ----------
    ax_ : matplotlib Axes
        The loss axes.
    figure_ : matplotlib Figure
    lines_ : list of Line2D
        The loss line, then the validation line when there is one (drawn on a twin
        axes, ``ax2_``, since scores and losses have other scales).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_pylearn.neural_network import MLPClassifier
    >>> X = np.random.RandomState(0).rand(60, 4); y = (X[:, 0] > 0.5).astype(int)
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    >>> disp = TrainingCurveDisplay.from_estimator(clf.fit(X, y))
    >>> len(disp.lines_[0].get_xdata())
    5
    >>> from sklearn_pylearn.neural_network import BernoulliRBM
    >>> rbm = BernoulliRBM(n_components=3, n_iter=4, random_state=0).fit(X)
    >>> TrainingCurveDisplay.from_estimator(rbm).ax_.get_ylabel()
    'reconstruction error'
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_scores=None,
        estimator_name=None,
        loss_label="training loss",
    ):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name
        self.loss_label = loss_label

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Plot the curves a fitted iterative learner (or pipeline) recorded.

        Parameters
        ----------
        estimator : fitted estimator or Pipeline
            Its last step has ``loss_curve_`` (the MLPs, ``LogisticRegression``
            with ``solver="sgd"`` or ``"adam"``, ``DenoisingAutoencoder``, the
            Graph estimators, scikit-learn's MLPs) and maybe
            ``validation_scores_``, or ``reconstruction_error_curve_``
            (``BernoulliRBM``: contrastive divergence has no loss, its step
            records this monitor).
        ax : matplotlib Axes, optional

        Returns
        -------
        TrainingCurveDisplay
        """
        final = final_step(estimator)
        recorded = [(getattr(final, name, None), label) for name, label in _CURVES]
        recorded = [(c, label) for c, label in recorded if c is not None and len(c)]
        if not recorded:
            raise ValueError(
                f"TrainingCurveDisplay: {type(final).__name__} recorded no loss_curve_ "
                f"{_NO_CURVE.get(type(final).__name__, _NO_CURVE[None])}"
            )
        curve, label = recorded[0]
        scores = getattr(final, "validation_scores_", None)
        disp = cls(
            loss_curve=curve,
            validation_scores=scores or None,
            estimator_name=type(final).__name__,
            loss_label=label,
        )
        return disp.plot(ax=ax)

    @classmethod
    def from_history(cls, path, *, ax=None):
        """Plot a run's ``history.csv`` (``epoch``, ``loss``, ``validation_score``).

        Returns
        -------
        TrainingCurveDisplay
        """
        import pandas as pd

        history = pd.read_csv(path)
        scores = history.get("validation_score")
        disp = cls(
            loss_curve=history["loss"].to_numpy(),
            validation_scores=None if scores is None else scores.to_numpy(),
        )
        return disp.plot(ax=ax)

    def plot(self, *, ax=None):
        """Draw the curves.

        Returns
        -------
        self
        """
        self.figure_, self.ax_ = new_axes(ax)
        epochs = np.arange(1, len(self.loss_curve) + 1)
        label = self.loss_label
        short = "loss" if label == "training loss" else label
        (loss,) = self.ax_.plot(epochs, self.loss_curve, color="C0", label=short)
        self.lines_ = [loss]
        self.ax_.set_xlabel("epoch")
        self.ax_.set_ylabel(label)
        if self.validation_scores is not None and len(self.validation_scores):
            self.ax2_ = self.ax_.twinx()
            (val,) = self.ax2_.plot(
                epochs, self.validation_scores, color="C1", label="validation score"
            )
            self.ax2_.set_ylabel("validation score")
            self.lines_.append(val)
        self.ax_.legend(handles=self.lines_, loc="best")
        if self.estimator_name:
            self.ax_.set_title(f"{self.estimator_name}: training curve")
        return self
