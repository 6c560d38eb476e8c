"""Displays in scikit-learn's style (matplotlib, the ``plot`` extra).

- :class:`TrainingCurveDisplay`: loss and validation score per epoch of any
  iterative learner;
- :class:`FiltersDisplay`: first-layer weights as images (RBM, autoencoder, MLP);
- :class:`ModelGraphDisplay`: an annotated layer graph or a pipeline's fusion plan
  (Graphviz when installed, matplotlib otherwise).

:func:`write_plots` writes the ones that apply to a fitted model as PNG files (the
experiment runner calls it).
"""

from pathlib import Path

from ._filters import FiltersDisplay
from ._model_graph import ModelGraphDisplay, parse_dot, pipeline_dot
from ._training_curve import TrainingCurveDisplay

__all__ = [
    "FiltersDisplay",
    "ModelGraphDisplay",
    "TrainingCurveDisplay",
    "parse_dot",
    "pipeline_dot",
    "write_plots",
]


def write_plots(model, folder):
    """Write every display that applies to a fitted ``model`` as a PNG in ``folder``.

    Returns
    -------
    paths : list of Path
        The files written (a display that does not apply is skipped).

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_pylearn.neural_network import MLPClassifier
    >>> X = np.random.RandomState(0).rand(40, 4); y = (X[:, 0] > 0.5).astype(int)
    >>> clf = MLPClassifier(hidden_layer_sizes=(9,), max_iter=3, random_state=0)
    >>> paths = write_plots(clf.fit(X, y), tempfile.mkdtemp())
    >>> sorted(p.name for p in paths)
    ['filters.png', 'training_curve.png']
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    makers = {
        "training_curve.png": lambda: TrainingCurveDisplay.from_estimator(model),
        "filters.png": lambda: FiltersDisplay.from_estimator(model),
        "model_graph.png": lambda: ModelGraphDisplay.from_estimator(model),
    }
    written = []
    for name, make in makers.items():
        try:
            display = make()
        except ValueError:
            continue
        display.figure_.savefig(folder / name, dpi=100, bbox_inches="tight")
        plt.close(display.figure_)
        written.append(folder / name)
    return written
