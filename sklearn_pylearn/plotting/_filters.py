"""FiltersDisplay: the first-layer weights of a learner, one small image per unit."""

import math

import numpy as np

from ._base import final_step, new_axes

__all__ = ["FiltersDisplay"]

# Fitted attributes holding first-layer weights, as (n_units, n_features) after the
# given transposition.
_WEIGHTS = (
    ("components_", False),  # BernoulliRBM, DenoisingAutoencoder, PCA
    ("coefs_", True),  # MLPs: coefs_[0] is (n_features, n_hidden)
    ("coef_", False),  # linear models: (n_classes, n_features)
)


def _first_layer(estimator):
    model = getattr(estimator, "model_", None)
    if model is not None and hasattr(model, "parameters"):
        # A layer-graph model: the first weight matrix, (n_features, n_units).
        weights = [p.value for p in model.parameters() if p.name == "W"]
        if weights:
            return np.asarray(weights[0]).T
    for name, transpose in _WEIGHTS:
        value = getattr(estimator, name, None)
        if value is None:
            continue
        weights = np.asarray(value[0] if name == "coefs_" else value)
        return weights.T if transpose else np.atleast_2d(weights)
    raise ValueError(
        f"FiltersDisplay: {type(estimator).__name__} has no first-layer weights "
        "(components_, coefs_, coef_, or a layer graph's W in model_): is it fitted?"
    )


def _mosaic(filters, shape, n_cols):
    """Tile the filters (each scaled to [0, 1]) into one image with 1-pixel gaps."""
    n = len(filters)
    n_rows = math.ceil(n / n_cols)
    h, w = shape
    mosaic = np.full((n_rows * (h + 1) - 1, n_cols * (w + 1) - 1), np.nan)
    for i, f in enumerate(filters):
        lo, hi = f.min(), f.max()
        img = (f - lo) / (hi - lo) if hi > lo else np.zeros_like(f)
        r, c = divmod(i, n_cols)
        mosaic[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = (
            img.reshape(shape)
        )
    return mosaic


class FiltersDisplay:
    """First-layer weights as images (an RBM's, an autoencoder's, an MLP's).

    Parameters
    ----------
    filters : ndarray of shape (n_units, n_features)
    image_shape : tuple of int
        ``(height, width)`` with ``height * width == n_features``.
    estimator_name : str or None

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    image_ : AxesImage
    mosaic_ : ndarray
        The tiled image drawn (NaN in the gaps).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> disp = FiltersDisplay(filters=np.random.RandomState(0).rand(6, 16),
    ...                       image_shape=(4, 4)).plot()
    >>> disp.mosaic_.shape
    (9, 14)
    """

    def __init__(self, *, filters, image_shape, estimator_name=None):
        self.filters = filters
        self.image_shape = image_shape
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, image_shape=None, n_filters=100, ax=None):
        """Draw a fitted learner's (or a pipeline's last step's) first-layer weights.

        Parameters
        ----------
        estimator : fitted estimator or Pipeline
        image_shape : tuple of int, optional
            Default: a square, when the number of features is a square (8x8 digits,
            28x28 MNIST).
        n_filters : int, default=100
            Draw at most this many units.
        ax : matplotlib Axes, optional

        Returns
        -------
        FiltersDisplay
        """
        final = final_step(estimator)
        filters = _first_layer(final)[:n_filters]
        n_features = filters.shape[1]
        if image_shape is None:
            side = math.isqrt(n_features)
            if side * side != n_features:
                raise ValueError(
                    f"FiltersDisplay: {n_features} features are not a square image; "
                    "pass image_shape=(height, width)."
                )
            image_shape = (side, side)
        disp = cls(
            filters=filters,
            image_shape=tuple(image_shape),
            estimator_name=type(final).__name__,
        )
        return disp.plot(ax=ax)

    def plot(self, *, ax=None, cmap="gray"):
        """Draw the mosaic.

        Returns
        -------
        self
        """
        h, w = self.image_shape
        filters = np.asarray(self.filters, dtype=float)
        if h * w != filters.shape[1]:
            raise ValueError(
                f"FiltersDisplay: image_shape={self.image_shape!r} holds {h * w} "
                f"pixels but each filter has {filters.shape[1]} features."
            )
        self.figure_, self.ax_ = new_axes(ax)
        n_cols = math.ceil(math.sqrt(len(filters)))
        self.mosaic_ = _mosaic(filters, (h, w), n_cols)
        self.image_ = self.ax_.imshow(self.mosaic_, cmap=cmap, interpolation="nearest")
        self.ax_.set_axis_off()
        if self.estimator_name:
            self.ax_.set_title(f"{self.estimator_name}: {len(filters)} filters")
        return self
