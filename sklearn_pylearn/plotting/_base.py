"""What the displays share: matplotlib on demand, the last step of a pipeline."""

__all__ = ["final_step", "new_axes"]


def new_axes(ax=None):
    """Return ``(figure, ax)``: the given axes' figure, or a new figure.

    Raises
    ------
    ImportError
        When matplotlib is not installed, saying how to install it.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install 'sklearn_pylearn[plot]'"
        ) from exc
    if ax is None:
        figure, ax = plt.subplots()
        return figure, ax
    return ax.figure, ax


def final_step(estimator):
    """The estimator itself, or a pipeline's last step."""
    return estimator[-1] if hasattr(estimator, "steps") else estimator
