"""The data of an experiment: a bundled scikit-learn dataset, a CSV or a parquet file,
split into train / (validation) / test as the config's ``data.split`` says."""

import inspect

import numpy as np

from ..exceptions import ExperimentConfigError

__all__ = ["load_data", "split_data"]


def _load_sklearn(name):
    import sklearn.datasets as skd

    loader = getattr(skd, name)
    if "return_X_y" not in inspect.signature(loader).parameters:
        raise ExperimentConfigError(
            f"data.sklearn: {name!r} does not return (X, y); use a loader such as "
            "load_digits, load_iris, load_wine, load_breast_cancer or load_diabetes"
        )
    return loader(return_X_y=True, as_frame=True)


def _load_table(data, kind):
    import pandas as pd

    path = data[kind]
    frame = pd.read_csv(path) if kind == "csv" else pd.read_parquet(path)
    target = data["target"]
    columns = data.get("input") or [c for c in frame.columns if c != target]
    missing = [c for c in [*columns, target] if c not in frame.columns]
    if missing:
        raise ExperimentConfigError(
            f"data: column(s) {missing} not in {path!r}; its columns are "
            f"{list(frame.columns)}"
        )
    return frame[columns], frame[target]


def load_data(data):
    """Load the ``data`` section's dataset as ``(X, y)`` (pandas objects).

    Examples
    --------
    >>> X, y = load_data({"sklearn": "load_iris"})
    >>> X.shape, y.shape
    ((150, 4), (150,))
    """
    if "sklearn" in data:
        return _load_sklearn(data["sklearn"])
    kind = "csv" if "csv" in data else "parquet"
    return _load_table(data, kind)


def split_data(X, y, split):
    """Split into ``{"train": (X, y), "validation": ..., "test": (X, y)}``.

    ``validation`` is present only when ``split["validation_size"]`` is set; it is
    taken from the training part, so ``test_size`` keeps its meaning.

    Examples
    --------
    >>> import numpy as np
    >>> parts = split_data(np.zeros((20, 2)), np.arange(20) % 2,
    ...                    {"test_size": 0.25, "random_state": 0, "shuffle": True,
    ...                     "stratify": True, "validation_size": 5})
    >>> {k: len(v[0]) for k, v in parts.items()}
    {'train': 10, 'validation': 5, 'test': 5}
    """
    from sklearn.model_selection import train_test_split

    def cut(X, y, size):
        return train_test_split(
            X,
            y,
            test_size=size,
            random_state=split.get("random_state"),
            shuffle=split.get("shuffle", True),
            stratify=np.asarray(y) if split.get("stratify") else None,
        )

    try:
        X_train, X_test, y_train, y_test = cut(X, y, split.get("test_size", 0.25))
        parts = {"train": (X_train, y_train)}
        if split.get("validation_size"):
            X_train, X_val, y_train, y_val = cut(
                X_train, y_train, split["validation_size"]
            )
            parts = {"train": (X_train, y_train), "validation": (X_val, y_val)}
    except ValueError as exc:
        raise ExperimentConfigError(f"data.split: {exc}") from None
    parts["test"] = (X_test, y_test)
    return parts
