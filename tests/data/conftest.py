"""Shared data of the learner tests: a small frame and its parquet file."""

import numpy as np
import pandas as pd
import pytest

COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def frame():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    df = pd.DataFrame(X, columns=COLUMNS)
    df["y"] = (X[:, 0] + X[:, 1] > 1).astype(np.int64)
    df["r"] = X @ np.array([1.0, -2.0, 0.5, 0.0])
    df["w"] = rng.rand(60) + 0.5
    return df


@pytest.fixture(scope="module")
def parquet(frame, tmp_path_factory):
    path = tmp_path_factory.mktemp("pq") / "train.parquet"
    frame.to_parquet(path, row_group_size=16)
    return path
